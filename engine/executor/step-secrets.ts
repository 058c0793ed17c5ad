// Credentials a step reads are redacted from what that step leaves behind: its outputs, error
// and meta are cleaned before the step is journaled (and before anything downstream sees
// them, so a resume from the journal and the live run agree), and its log lines as well.
import { StepFailure } from "../expr/index.ts";
import type { CredentialAccess, CredentialValue } from "../nodes/index.ts";
import { redactSecrets } from "../security/credential-crypto.ts";
import type { StepRecord } from "../store/types.ts";

export interface CredentialReader {
  read(id: string): Promise<(CredentialValue & { secrets: string[] }) | undefined>;
}

/** One per step; it is the step's `ctx.credentials` (most steps never read one, so it stays small). */
export class StepSecrets implements CredentialAccess {
  private values?: Set<string>;

  constructor(private readonly reader: CredentialReader | undefined) {}

  async get(id: string): Promise<CredentialValue> {
    const credential = await this.reader?.read(id);
    if (!credential) throw new StepFailure("CREDENTIAL_NOT_FOUND", `credential "${id}" does not exist`, { permanent: true });
    for (const secret of credential.secrets) if (secret !== "") (this.values ??= new Set()).add(secret);
    return { id: credential.id, type: credential.type, data: credential.data };
  }

  redact<T>(value: T): T {
    return this.values === undefined ? value : redactSecrets(value, [...this.values]);
  }

  redactStep(step: StepRecord): StepRecord {
    if (this.values === undefined) return step;
    const clean: StepRecord = { ...step, outputs: this.redact(step.outputs), outputsJson: undefined };
    if (step.error !== undefined) clean.error = this.redact(step.error);
    if (step.meta !== undefined) clean.meta = this.redact(step.meta);
    return clean;
  }
}
