/**
 * Backends as plain data, the form a YAML or JSON config file uses
 * (`backend: { type: vllm, endpoint: ..., model: ... }`). Each `type` maps to
 * a factory in `lib/backends/`.
 *
 * @module
 */

import { z } from "zod";
import { refineSimulatorOptions, simulatorOptionsShape } from "./sim.ts";

/** The engine APIs splleed speaks over the OpenAI-compatible protocol. */
export const apiSchema = z.enum(["completions", "chat"]);

/** `completions` or `chat`. */
export type Api = z.infer<typeof apiSchema>;

const endpoint = z.url({ protocol: /^https?$/ });

/** Fields shared by every OpenAI-compatible HTTP backend. */
export const httpBackendFields = {
  /** Base URL of the server (`http://localhost:8000`; a trailing `/v1` is accepted). */
  endpoint,
  /** Model name; when absent, the first model the server lists at `/v1/models`. */
  model: z.string().min(1).optional(),
  /** Completions or chat completions. */
  api: apiSchema.optional(),
  /** Bearer token sent as `Authorization`; never written to results or logs. */
  apiKey: z.string().min(1).optional(),
  /** Extra request headers (values of secret-looking names are redacted in results). */
  headers: z.record(z.string(), z.string()).optional(),
};

/** `openai` backend options. */
export const openaiOptionsSchema = z.strictObject(httpBackendFields);
/** `vllm` backend options (connect mode). */
export const vllmOptionsSchema = z.strictObject(httpBackendFields);

/** Options of `openai({...})`. */
export type OpenAIOptions = z.input<typeof openaiOptionsSchema>;
/** Options of `vllm({...})`. */
export type VllmOptions = z.input<typeof vllmOptionsSchema>;

/** `simulator` backend options: the simulator's own plus the API to use. */
export const simulatorBackendOptionsSchema = z.strictObject({
  api: apiSchema.optional(),
  ...simulatorOptionsShape,
}).superRefine(refineSimulatorOptions);

/** Options of `simulator({...})`. */
export type SimulatorBackendOptions = z.input<typeof simulatorBackendOptionsSchema>;

/** A backend written as data in a config file. */
export const backendConfigSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("openai"), ...httpBackendFields }),
  z.strictObject({ type: z.literal("vllm"), ...httpBackendFields }),
  z.strictObject({
    type: z.literal("simulator"),
    api: apiSchema.optional(),
    ...simulatorOptionsShape,
  }).superRefine(refineSimulatorOptions),
]);

/** A backend written as data. */
export type BackendConfig = z.input<typeof backendConfigSchema>;
