/**
 * The text of a request whose tokens are counted: the prompt, or for a chat
 * request the contents of its messages joined by newlines (no role names, no
 * chat template: engines add those, differently).
 *
 * @module
 */

import type { WorkloadItem } from "./types.ts";

/**
 * The counted text of an item.
 *
 * @param item The request.
 * @returns `prompt`, or the message contents joined with `\n`.
 *
 * @example
 * ```ts
 * import { itemText } from "./item_text.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(itemText({ prompt: "hi" }), "hi");
 * assert.equal(
 *   itemText({
 *     prompt: "q",
 *     messages: [{ role: "system", content: "s" }, { role: "user", content: "q" }],
 *   }),
 *   "s\nq",
 * );
 * ```
 */
export function itemText(item: WorkloadItem): string {
  return item.messages === undefined ? item.prompt : item.messages.map((m) => m.content).join("\n");
}
