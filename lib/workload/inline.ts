/**
 * The `inline` source: prompts written in the specification (strings, or
 * `{ prompt | messages, outputLen? }`). The older `prompts: [...]` field of
 * a benchmark specification becomes this source when the spec is parsed.
 *
 * @module
 */

import type { Draft } from "./conversation.ts";
import { requestsWorkload } from "./requests.ts";
import type { SourceLoader } from "./source.ts";
import type { WorkloadItem } from "./types.ts";

/**
 * Loads inline prompts.
 *
 * @param w The validated source.
 * @param ctx The context.
 * @returns The workload (`description: { source: "inline", count }`, plus the seed when sampling).
 *
 * @example
 * ```ts
 * import { inlineSource } from "./inline.ts";
 * import { sourceContext } from "./source.ts";
 * import assert from "node:assert/strict";
 *
 * const w = await inlineSource(
 *   { source: "inline", prompts: ["hi", { prompt: "sized", outputLen: 4 }] },
 *   sourceContext(),
 * );
 * assert.deepEqual(w.items, [{ prompt: "hi" }, { prompt: "sized", outputLen: 4 }]);
 * assert.deepEqual(w.description, { source: "inline", count: 2 });
 * ```
 */
export const inlineSource: SourceLoader<"inline"> = (w, ctx) => {
  const drafts: Draft[] = w.prompts.map((p) => {
    if (typeof p === "string") return { item: { prompt: p } };
    const lastUser = p.messages?.findLast((m) => m.role === "user")?.content ?? "";
    const item: WorkloadItem = { prompt: p.prompt ?? lastUser };
    if (p.messages) item.messages = p.messages.map((m) => ({ ...m }));
    if (p.outputLen !== undefined) item.outputLen = p.outputLen;
    if (p.request !== undefined) item.request = structuredClone(p.request);
    return { item };
  });
  return requestsWorkload({ drafts }, w, ctx);
};
