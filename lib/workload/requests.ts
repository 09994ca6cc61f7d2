/**
 * The common end of every source that holds requests (inline, file,
 * ShareGPT, Hugging Face, parquet): sampling `numPrompts` of them with the
 * seed, expanding conversations into turns, and the output and input
 * lengths.
 *
 * @module
 */

import type { WorkloadSource } from "../config/workload.ts";
import { ConfigError } from "../config/errors.ts";
import { type Draft, firstTurn, multiTurn } from "./conversation.ts";
import { distributionSampler, formatDistribution } from "./distribution.ts";
import { itemText } from "./item_text.ts";
import { sampleItems } from "./sample.ts";
import { SALT, type SourceContext } from "./source.ts";
import type { ChatMessage, Workload, WorkloadItem } from "./types.ts";

/** What a source read: requests, conversations, or both, and what it says about itself. */
export interface Found {
  /** Requests as read (a prompt or a chat history each, and maybe a recorded answer). */
  drafts?: Draft[];
  /** Whole conversations: each becomes one request (its first turn) or, multi-turn, one per user turn. */
  conversations?: ChatMessage[][];
  /** The source's own description fields (`path`, `column`, ...); `source` and `count` are added. */
  description?: Record<string, unknown>;
}

/**
 * Turns what a source read into the workload.
 *
 * Requests are used in order when `numPrompts` is absent; with it,
 * `numPrompts` are sampled with the seed, without replacement, and when the
 * source is smaller every item is used once and the rest are drawn again at
 * random (as `vllm bench serve` oversamples; `description.oversampled` says
 * how many). Multi-turn workloads sample whole conversations.
 *
 * Output lengths: `workload.outputLen` when given; else the source's
 * (`output_len` fields, or the token length of the recorded answer when an
 * HF tokenizer is named); else none (the run's `sampling.maxTokens`). Input
 * lengths are counted only with a named HF tokenizer.
 *
 * The description has `seed` only when a random choice used it.
 *
 * @param found What the source read.
 * @param w The validated source.
 * @param ctx The context (seed, named tokenizer).
 * @returns The workload.
 * @throws {ConfigError} When there is no request (or, multi-turn, no conversation with a user turn).
 *
 * @example
 * ```ts
 * import { requestsWorkload } from "./requests.ts";
 * import { sourceContext } from "./source.ts";
 * import assert from "node:assert/strict";
 *
 * const drafts = ["a", "b", "c"].map((prompt) => ({ item: { prompt } }));
 * const w = await requestsWorkload(
 *   { drafts, description: { path: "p.txt" } },
 *   { source: "file", path: "p.txt", numPrompts: 5 },
 *   sourceContext({ seed: 1 }),
 * );
 * assert.equal(w.items.length, 5);
 * assert.deepEqual(w.description, { source: "file", seed: 1, numPrompts: 5, path: "p.txt", oversampled: 2, count: 5 });
 * ```
 */
export async function requestsWorkload(
  found: Found,
  w: WorkloadSource,
  ctx: SourceContext,
): Promise<Workload> {
  const description: Record<string, unknown> = { source: w.source };
  let random = false;
  const stream = (salt: number) => {
    random = true;
    return ctx.random(salt);
  };
  if (w.numPrompts !== undefined) description.numPrompts = w.numPrompts;
  Object.assign(description, found.description);
  let skipped = (found.description?.skipped as number | undefined) ?? 0;
  let drafts: Draft[] = [...(found.drafts ?? [])];
  const multi = "multiTurn" in w && w.multiTurn;
  let conversations: ChatMessage[][] | null = null;
  if (found.conversations !== undefined) {
    if (multi) {
      conversations = found.conversations.filter((c) =>
        c.some((m) => m.role === "user" && m.content !== "")
      );
      skipped += found.conversations.length - conversations.length;
    } else {
      for (const c of found.conversations) {
        const d = firstTurn(c);
        if (d) drafts.push(d);
        else skipped++;
      }
    }
  }
  if (skipped > 0) description.skipped = skipped;

  // Sample, then expand conversations.
  if (conversations !== null) {
    const convs: ChatMessage[][] = conversations;
    if (convs.length === 0) {
      throw new ConfigError("benchmark", [{
        path: "workload",
        expected: "a source with at least one conversation with a user turn",
        received: "none",
      }]);
    }
    const picked = w.numPrompts === undefined
      ? { items: convs, oversampled: 0 }
      : sampleItems(convs, w.numPrompts, stream(SALT.sample));
    if (picked.oversampled > 0) description.oversampled = picked.oversampled;
    const thinkSpec = "thinkMs" in w ? w.thinkMs : undefined;
    if (thinkSpec !== undefined) {
      description.thinkMs = typeof thinkSpec === "number"
        ? thinkSpec
        : formatDistribution(thinkSpec);
    }
    const think = thinkSpec === undefined
      ? () => 0
      : typeof thinkSpec === "number"
      ? () => thinkSpec
      : await distributionSampler(thinkSpec, stream(SALT.think));
    drafts = picked.items.flatMap((c, id) => multiTurn(c, id, think));
    description.conversations = picked.items.length;
  } else {
    if (drafts.length === 0) {
      throw new ConfigError("benchmark", [{
        path: "workload",
        expected: "a source with at least one request",
        received: "none",
      }]);
    }
    if (w.numPrompts !== undefined) {
      const picked = sampleItems(drafts, w.numPrompts, stream(SALT.sample));
      if (picked.oversampled > 0) description.oversampled = picked.oversampled;
      drafts = picked.items;
    }
  }

  // Lengths: only a model's own tokenizer may claim a request's lengths.
  const counting = ctx.named?.info.kind === "hf" ? ctx.named : null;
  let override: (() => number) | undefined;
  if (w.outputLen !== undefined) {
    if (typeof w.outputLen !== "number") {
      override = await distributionSampler(w.outputLen, stream(SALT.outputLen));
    } else {
      const fixed = w.outputLen;
      override = () => fixed;
    }
    description.outputLen = formatDistribution(w.outputLen);
  }
  const items = drafts.map((d) => {
    const item: WorkloadItem = structuredClone(d.item);
    if (override) item.outputLen = override();
    else if (item.outputLen === undefined && counting && d.answer !== undefined) {
      item.outputLen = Math.max(1, counting.encode(d.answer).length);
    }
    if (counting) item.inputLen = counting.encode(itemText(item)).length;
    return item;
  });
  if (counting) description.tokenizer = counting.info.name;
  description.count = items.length;
  return {
    items,
    tokenizer: counting?.info ?? null,
    description: random ? { source: w.source, seed: ctx.seed, ...description } : description,
  };
}
