/**
 * Conversations into requests. A conversation (ShareGPT `{ from, value }`
 * turns or OpenAI `{ role, content }` messages) becomes one request for its
 * first user turn, as `vllm bench serve` does with ShareGPT, or, multi-turn,
 * one request per user turn carrying the history before it, with the
 * recorded answers as the assistant turns. The recorded answer to a turn is
 * kept beside the request so its token length can become the output length.
 *
 * @module
 */

import type { ChatMessage, WorkloadItem } from "./types.ts";

/** A request before lengths are counted, with the recorded answer to it, if any. */
export interface Draft {
  /** The request. */
  item: WorkloadItem;
  /** The recorded assistant answer (its token length becomes `outputLen` when a tokenizer is given). */
  answer?: string;
}

const ROLES: Record<string, ChatMessage["role"]> = {
  human: "user",
  user: "user",
  gpt: "assistant",
  chatgpt: "assistant",
  assistant: "assistant",
  bard: "assistant",
  bing: "assistant",
  model: "assistant",
  system: "system",
};

/**
 * Reads turns in ShareGPT (`{ from, value }`) or OpenAI (`{ role, content }`)
 * form. `human`/`user` are user turns; `gpt`, `chatgpt`, `assistant`,
 * `model`, `bard`, `bing` assistant turns; `system` system turns.
 *
 * @param turns The turns as parsed.
 * @returns The messages, or `null` when `turns` is not a list of such turns.
 *
 * @example
 * ```ts
 * import { toMessages } from "./conversation.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(toMessages([{ from: "human", value: "hi" }, { from: "gpt", value: "hello" }]), [
 *   { role: "user", content: "hi" },
 *   { role: "assistant", content: "hello" },
 * ]);
 * assert.equal(toMessages("hi"), null);
 * ```
 */
export function toMessages(turns: unknown): ChatMessage[] | null {
  if (!Array.isArray(turns)) return null;
  const out: ChatMessage[] = [];
  for (const t of turns) {
    if (typeof t !== "object" || t === null) return null;
    const o = t as Record<string, unknown>;
    const who = o.from ?? o.role;
    const text = o.value ?? o.content;
    if (typeof who !== "string" || typeof text !== "string") return null;
    const role = ROLES[who.toLowerCase()];
    if (role === undefined) return null;
    out.push({ role, content: text });
  }
  return out;
}

/**
 * The request for a conversation's first user turn: the prompt, the system
 * messages before it (as `messages`, when there are any), and the answer
 * that followed it.
 *
 * @param messages The conversation.
 * @returns The draft, or `null` when there is no non-empty user turn.
 *
 * @example
 * ```ts
 * import { firstTurn } from "./conversation.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   firstTurn([
 *     { role: "user", content: "hi" },
 *     { role: "assistant", content: "hello" },
 *     { role: "user", content: "bye" },
 *   ]),
 *   { item: { prompt: "hi" }, answer: "hello" },
 * );
 * ```
 */
export function firstTurn(messages: readonly ChatMessage[]): Draft | null {
  const u = messages.findIndex((m) => m.role === "user" && m.content !== "");
  if (u < 0) return null;
  const before = messages.slice(0, u).filter((m) => m.role === "system");
  const prompt = messages[u].content;
  const item: WorkloadItem = before.length > 0
    ? { prompt, messages: [...before, messages[u]] }
    : { prompt };
  const next = messages[u + 1];
  return next?.role === "assistant" ? { item, answer: next.content } : { item };
}

/**
 * One request per user turn; request k carries every message before its
 * turn (system, earlier user turns and the recorded answers) and the turn
 * itself. Turns are numbered from 0; think time is 0 before turn 0 and
 * `thinkMs()` before each later one.
 *
 * @param messages The conversation.
 * @param id The conversation's number in the workload.
 * @param thinkMs Draws the think time before a later turn, ms.
 * @returns The drafts in turn order (none when there is no user turn).
 *
 * @example
 * ```ts
 * import { multiTurn } from "./conversation.ts";
 * import assert from "node:assert/strict";
 *
 * const d = multiTurn([
 *   { role: "user", content: "a" },
 *   { role: "assistant", content: "b" },
 *   { role: "user", content: "c" },
 * ], 3, () => 500);
 * assert.equal(d.length, 2);
 * assert.deepEqual(d[1].item.messages?.map((m) => m.content), ["a", "b", "c"]);
 * assert.deepEqual(d[1].item.conversation, { id: 3, turn: 1, thinkMs: 500 });
 * ```
 */
export function multiTurn(
  messages: readonly ChatMessage[],
  id: number,
  thinkMs: () => number,
): Draft[] {
  const out: Draft[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.role !== "user" || m.content === "") continue;
    const turn = out.length;
    const item: WorkloadItem = {
      prompt: m.content,
      messages: messages.slice(0, i + 1).map((x) => ({ ...x })),
      conversation: { id, turn, thinkMs: turn === 0 ? 0 : thinkMs() },
    };
    const next = messages[i + 1];
    out.push(next?.role === "assistant" ? { item, answer: next.content } : { item });
  }
  return out;
}

/**
 * The request a recorded chat history stands for: the history up to its
 * last user turn; an assistant message after it is the recorded answer.
 *
 * @param messages The history (OpenAI form).
 * @returns The draft, or `null` when there is no user turn.
 *
 * @example
 * ```ts
 * import { lastTurn } from "./conversation.ts";
 * import assert from "node:assert/strict";
 *
 * const d = lastTurn([
 *   { role: "system", content: "s" },
 *   { role: "user", content: "q" },
 *   { role: "assistant", content: "a" },
 * ]);
 * assert.equal(d?.item.prompt, "q");
 * assert.equal(d?.item.messages?.length, 2);
 * assert.equal(d?.answer, "a");
 * ```
 */
export function lastTurn(messages: readonly ChatMessage[]): Draft | null {
  let u = messages.length - 1;
  while (u >= 0 && messages[u].role !== "user") u--;
  if (u < 0) return null;
  const item: WorkloadItem = {
    prompt: messages[u].content,
    messages: messages.slice(0, u + 1).map((x) => ({ ...x })),
  };
  const next = messages[u + 1];
  return next?.role === "assistant" ? { item, answer: next.content } : { item };
}
