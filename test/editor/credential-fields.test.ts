import { z } from "zod";
import { describe, expect, it } from "vitest";
import { describeCredentialTypes } from "../../engine/credentials/credential-types.ts";
import { webhookNode } from "../../engine/nodes/webhook.ts";
import { httpNode } from "../../engine/nodes/http.ts";
import { fieldsOf } from "../../editor/src/panels/schema-fields.ts";

const formOf = (schema: z.ZodType) => fieldsOf(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>);

describe("credential fields in generated forms", () => {
  it("renders `format: credential` as a credential choice limited to the fitting types", () => {
    const auth = formOf(webhookNode.configSchema).find((f) => f.key === "auth")!;
    expect(auth.kind).toBe("variant");
    const github = auth.variants!.cases.find((c) => c.value === "github")!;
    expect(github.fields).toEqual([expect.objectContaining({ key: "credential", kind: "credential", credentialTypes: ["webhook-secret"], required: true })]);
    const httpAuth = formOf(httpNode.configSchema).find((f) => f.key === "auth")!;
    expect(httpAuth.fields).toEqual([
      expect.objectContaining({ key: "credential", kind: "credential", credentialTypes: ["bearer-token", "basic-auth", "http-header"] }),
    ]);
  });

  it("draws secret values of a credential's data as password inputs", () => {
    const kinds = Object.fromEntries(
      describeCredentialTypes().map((t) => [t.type, fieldsOf(t.dataSchema as Record<string, unknown>).map((f) => `${f.key}:${f.kind}`)]),
    );
    expect(kinds).toEqual({
      "webhook-secret": ["secret:secret", "previousSecrets:json"],
      "bearer-token": ["token:secret"],
      "basic-auth": ["username:text", "password:secret"],
      "http-header": ["header:text", "value:secret"],
    });
  });
});
