/**
 * Merging extra request fields (`sampling.extra`, then an item's `extra`)
 * over the fields a backend sets itself, and remembering which of its own
 * fields they replaced, so the run can say so once per field.
 *
 * @module
 */

/** Quoted field names for a message: `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`. */
function names(fields: Iterable<string>): string {
  const q = [...fields].map((f) => `'${f}'`);
  return q.length < 2 ? q.join("") : `${q.slice(0, -1).join(", ")} and ${q.at(-1)}`;
}

/**
 * Merges extra fields over a body's own and keeps the names of the own
 * fields they replaced: those `sampling.extra` replaced, and those items'
 * `extra` replaced (each named once, however many items did).
 *
 * @example
 * ```ts
 * import { ExtraFields } from "./_extra.ts";
 * import assert from "node:assert/strict";
 *
 * const x = new ExtraFields({ top_k: 20, temperature: 0.7 });
 * const body = x.merge({ model: "m", temperature: 0 }, { model: "lora-1" });
 * assert.deepEqual(body, { model: "lora-1", temperature: 0.7, top_k: 20 });
 * assert.deepEqual(x.warnings(), [
 *   "sampling.extra overrides 'temperature', which splleed sets itself from the run's settings: the extra value is sent",
 *   "the 'extra' of some workload items overrides 'model', which splleed sets itself: the items' value is sent",
 * ]);
 * ```
 */
export class ExtraFields {
  /** The run's extra fields (`sampling.extra`). */
  readonly run: Readonly<Record<string, unknown>> | undefined;
  #prefix: string;
  #byRun = new Set<string>();
  #byItem = new Set<string>();

  /**
   * Starts with the run's extra fields and nothing replaced yet.
   *
   * @param run `sampling.extra`.
   * @param prefix Put before field names in warnings (`"parameters."` for TGI's native body). @default ""
   */
  constructor(run: Record<string, unknown> | undefined, prefix = "") {
    this.run = run !== undefined && Object.keys(run).length > 0 ? run : undefined;
    this.#prefix = prefix;
  }

  /**
   * The body with the run's extra fields, then the item's, merged over its
   * own fields (top level only: a nested object given replaces the whole
   * field).
   *
   * @param own The fields the backend set itself.
   * @param item The item's `extra`.
   * @returns A new object (or `own` itself when there is nothing to merge).
   */
  merge(own: Record<string, unknown>, item?: Record<string, unknown>): Record<string, unknown> {
    if (this.run === undefined && item === undefined) return own;
    for (const k in this.run) if (k in own) this.#byRun.add(this.#prefix + k);
    for (const k in item) if (k in own) this.#byItem.add(this.#prefix + k);
    return { ...own, ...this.run, ...item };
  }

  /**
   * One warning for the own fields `sampling.extra` replaced, one for those
   * items' `extra` replaced (none when nothing was replaced).
   *
   * @returns The warnings.
   */
  warnings(): string[] {
    const out: string[] = [];
    const s = (n: number) => n === 1 ? "value is" : "values are";
    if (this.#byRun.size > 0) {
      out.push(
        `sampling.extra overrides ${names(this.#byRun)}, which splleed sets itself from ` +
          `the run's settings: the extra ${s(this.#byRun.size)} sent`,
      );
    }
    if (this.#byItem.size > 0) {
      out.push(
        `the 'extra' of some workload items overrides ${names(this.#byItem)}, which splleed ` +
          `sets itself: the items' ${s(this.#byItem.size)} sent`,
      );
    }
    return out;
  }
}
