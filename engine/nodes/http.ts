import { z } from "zod";
import { StepFailure } from "../expr/index.ts";
import { credentialType, HTTP_AUTH_CREDENTIAL_TYPES } from "../credentials/credential-types.ts";
import { credentialField, type Json, type Message } from "../model/index.ts";
import { defineNode, type NodeContext } from "./contract.ts";
import { expressionField, templateField } from "./fields.ts";
import { HTTP_REQUEST_METHODS, MAX_HTTP_RESPONSE_BYTES, deleteHeader, failureForStatus, parseUrl, sendHttp, type HttpRequest } from "./http-client.ts";

const MB = 1024 * 1024;

export const httpConfig = z
  .object({
    method: z.enum(HTTP_REQUEST_METHODS).default("GET"),
    url: templateField("URL with {{ expressions }}, e.g. https://api.example.com/orders/{{ body.id }}").min(1, "an HTTP request needs a URL"),
    query: z
      .record(z.string(), templateField("query value"))
      .default({})
      .meta({ description: "query parameters (values are templates, URL-encoded for you)" }),
    headers: z.record(z.string(), templateField("header value")).default({}),
    auth: z
      .object({ credential: credentialField(HTTP_AUTH_CREDENTIAL_TYPES, "bearer token, basic auth or API-key header") })
      .optional()
      .meta({ description: "authenticate with a stored credential (its value never appears in the run log)" }),
    body: expressionField("JSONata for the body; a string is sent as text, anything else as JSON; empty = no body").default(""),
    responseFormat: z
      .enum(["auto", "json", "text"])
      .default("auto")
      .meta({ description: "auto: JSON when the response says so, else text" }),
    maxRedirects: z.number().int().min(0).max(20).default(5).meta({ description: "0 = return the redirect itself" }),
    failOnErrorStatus: z
      .boolean()
      .default(true)
      .meta({ description: "a 4xx/5xx answer fails the step (5xx, 408 and 429 are retried); off = pass it on `out`" }),
    maxResponseBytes: z.number().int().min(1).max(MAX_HTTP_RESPONSE_BYTES).default(10 * MB),
  })
  .superRefine((config, ctx) => {
    if ((config.method === "GET" || config.method === "HEAD") && config.body.trim() !== "") {
      ctx.addIssue({ code: "custom", path: ["body"], message: `a ${config.method} request cannot have a body` });
    }
  });

type HttpConfig = z.output<typeof httpConfig>;

export const httpNode = defineNode({
  type: "http",
  category: "action",
  title: "HTTP request",
  description: "Calls a URL and passes on `{ status, headers, body }`. Every attempt carries a stable Idempotency-Key.",
  icon: "globe",
  keywords: ["request", "api", "call", "fetch", "rest", "post", "get", "webhook", "url"],
  outputs: ["out"],
  config: httpConfig,
  async run(ctx, msg, config) {
    const request = await buildRequest(ctx, msg, config);
    ctx.meta.request = { method: request.method, url: request.url };
    const result = await sendHttp(ctx.fetch, request, ctx.signal);
    ctx.meta.status = result.status;
    if (result.redirects > 0) ctx.meta.redirectedTo = result.url;
    const failure = config.failOnErrorStatus ? failureForStatus(result, request, ctx.now()) : undefined;
    if (failure) throw failure;
    return { out: [{ status: result.status, headers: result.headers, body: result.body }] };
  },
});

async function buildRequest(ctx: NodeContext, msg: Message, config: HttpConfig): Promise<HttpRequest> {
  const target = parseUrl(await ctx.render(config.url, msg));
  for (const [name, template] of Object.entries(config.query)) target.searchParams.append(name, await ctx.render(template, msg));
  const headers: Record<string, string> = {};
  for (const [name, template] of Object.entries(config.headers)) headers[name] = await ctx.render(template, msg);
  const authHeaders = config.auth ? await credentialHeaders(ctx, config.auth.credential) : {};
  for (const [name, value] of Object.entries(authHeaders)) {
    deleteHeader(headers, name);
    headers[name] = value;
  }
  // DESIGN §10: the same key on every attempt of this execution, so receivers can drop repeats.
  // An Idempotency-Key the flow sets itself is its author's explicit choice and wins.
  if (!hasHeader(headers, "idempotency-key")) headers["Idempotency-Key"] = `${ctx.runId}:${ctx.node.id}:${ctx.execution}`;
  let body: string | undefined;
  if (config.body.trim() !== "") {
    const value = await ctx.evaluate(config.body, msg);
    if (value !== undefined) {
      body = typeof value === "string" ? value : JSON.stringify(value as Json);
      if (!hasHeader(headers, "content-type")) {
        headers["Content-Type"] = typeof value === "string" ? "text/plain; charset=utf-8" : "application/json";
      }
    }
  }
  return {
    method: config.method,
    url: target.href,
    headers,
    body,
    maxRedirects: config.maxRedirects,
    maxResponseBytes: config.maxResponseBytes,
    responseFormat: config.responseFormat,
    sensitiveHeaders: Object.keys(authHeaders),
  };
}

async function credentialHeaders(ctx: NodeContext, id: string): Promise<Record<string, string>> {
  const credential = await ctx.credentials.get(id);
  const headers = credentialType(credential.type)?.headers;
  if (!headers) {
    throw new StepFailure("CREDENTIAL_TYPE", `credential "${id}" is a ${credential.type}, which cannot authenticate an HTTP request`, {
      permanent: true,
    });
  }
  return headers(credential.data);
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}
