import { z } from "zod";

/** JSON Schema `format` of a field holding a stored credential's id; the editor renders a select. */
export const CREDENTIAL_FORMAT = "credential";

/**
 * A config field that references a stored credential by id (secrets never sit in a flow).
 * `types` lists the credential types that fit; it is checked when the flow is saved and shown
 * to the editor as `credentialTypes`.
 */
export function credentialField(types: readonly string[], description = "a stored credential") {
  return z
    .string()
    .min(1, "choose a credential")
    .max(200)
    .meta({ format: CREDENTIAL_FORMAT, credentialTypes: [...types], description });
}
