/**
 * The notes under the results table: percentiles without an interval (and
 * why), failed requests, token counts taken from chunks, responses that
 * were not streamed, usage that said 0 tokens, per-trial values that were
 * not finite. Each says what it means and, where there is one, what to do.
 *
 * @module
 */

import type { LevelResult, ResultsDocument } from "../results/document.ts";
import { formatValue } from "./format.ts";

/** Longest server message quoted under the table (the records hold the whole one). */
const MESSAGE_CHARS = 160;

/** Medians whose per-trial spread a level's notes show. */
const SPREAD_IDS = ["ttft_p50_ms", "itl_p50_ms", "tpot_p50_ms", "e2e_p50_ms"] as const;

export { levelLabel } from "../results/level_label.ts";
import { levelLabel } from "../results/level_label.ts";

/** Options of {@linkcode tableNotes} and {@linkcode levelNotes}. */
export interface NoteOptions {
  /**
   * The metric ids the table shows: notes about percentiles without an
   * interval name only these (a note about a row that is not there says
   * nothing to the reader). @default every id
   */
  ids?: ReadonlySet<string>;
  /**
   * How a note names a metric (the table's row label). @default the id
   */
  label?: (id: string) => string;
  /**
   * Include the between-trial spread of the medians. @default true
   */
  spread?: boolean;
}

/**
 * The notes under the table, one line each. A note that several levels
 * share word for word is one line naming them all
 * (`c=1, c=4: no 95 % interval for ...`).
 *
 * @param doc The results document.
 * @param options What the table shows (see {@linkcode NoteOptions}).
 * @returns The lines (empty when there is nothing to say).
 *
 * @example
 * ```ts
 * import { tableNotes } from "./notes.ts";
 * import assert from "node:assert/strict";
 *
 * const lines = tableNotes({
 *   config: { confidenceLevel: 0.95 },
 *   levels: [{ mode: "latency", concurrency: 4, trials: [], errors: {}, summary: {
 *     ttft_p99_ms: { value: 90, ci: null, trials: [], basis: "pooled", noInterval: { values: 30, needed: 368 } },
 *     requests_failed: { value: 1, ci: null, trials: [1] },
 *   } }],
 * } as never);
 * assert.match(lines[0], /c=4: no 95 % interval for ttft_p99_ms: 30 requests pooled, 368 needed/);
 * assert.match(lines[1], /c=4: 1 request failed/);
 * ```
 */
export function tableNotes(doc: ResultsDocument, options: NoteOptions = {}): string[] {
  const level = typeof doc.config.confidenceLevel === "number"
    ? doc.config.confidenceLevel
    : undefined;
  // Text → the levels that have it, in the order first met.
  const groups = new Map<string, string[]>();
  for (const l of doc.levels) {
    for (const text of levelNoteTexts(l, level, options)) {
      groups.set(text, [...(groups.get(text) ?? []), levelLabel(l)]);
    }
  }
  return [
    ...[...groups].map(([text, labels]) => `${labels.join(", ")}: ${text}`),
    ...telemetryNotes(doc),
  ];
}

const TELEMETRY_NAMES = { gpu: "GPU metrics", engine: "engine metrics", markers: "NVTX markers" };

/** A line for each telemetry source that was asked for and is missing (why, and the fix). */
function telemetryNotes(doc: ResultsDocument): string[] {
  const t = doc.telemetry;
  if (t === undefined) return [];
  return (Object.keys(TELEMETRY_NAMES) as (keyof typeof TELEMETRY_NAMES)[]).flatMap((k) => {
    const s = t[k];
    return s !== undefined && !s.available
      ? [`${TELEMETRY_NAMES[k]} not collected: ${s.note ?? "no reason given"}`]
      : [];
  });
}

/**
 * One level's notes (what {@linkcode tableNotes} shows for it; the runner
 * also keeps them in the level's `notes`).
 *
 * @param l The level.
 * @param confidenceLevel The run's confidence level, for the wording.
 * @param options What the table shows (see {@linkcode NoteOptions}).
 * @returns The lines, each starting with the level's label.
 *
 * @example
 * ```ts
 * import { levelNotes } from "./notes.ts";
 * import assert from "node:assert/strict";
 *
 * const l = { mode: "latency", concurrency: 1, trials: [], errors: {}, summary: {} } as const;
 * assert.deepEqual(levelNotes(l as never, 0.95), []);
 * ```
 */
export function levelNotes(
  l: LevelResult,
  confidenceLevel?: number,
  options: NoteOptions = {},
): string[] {
  const label = levelLabel(l);
  return levelNoteTexts(l, confidenceLevel, options).map((text) => `${label}: ${text}`);
}

/** A level's notes without the level's label. */
function levelNoteTexts(
  l: LevelResult,
  confidenceLevel: number | undefined,
  options: NoteOptions,
): string[] {
  const out: string[] = [];
  const cl = confidenceLevel !== undefined ? `${Math.round(confidenceLevel * 100)} %` : "";
  const name = options.label ?? ((id: string) => id);
  const total = (id: string) => {
    const s = l.summary[id];
    if (!s) return 0;
    return s.trials.reduce<number>((a, v) => a + (v !== null && Number.isFinite(v) ? v : 0), 0);
  };
  // Percentiles without an interval, grouped by why.
  const why = new Map<string, string[]>();
  for (const [id, s] of Object.entries(l.summary)) {
    if (!s.noInterval || (options.ids && !options.ids.has(id))) continue;
    const n = s.noInterval;
    const unit = id.startsWith("itl_") ? "gaps" : "requests";
    const key = n.trials !== undefined && n.values >= n.needed
      ? `${l.trials.length} trial${l.trials.length === 1 ? "" : "s"}; inter-token gaps ` +
        `are not independent, so their interval needs at least ${n.trials} trials`
      : `${n.values} ${unit} pooled, ${n.needed} needed`;
    why.set(key, [...(why.get(key) ?? []), name(id)]);
  }
  for (const [reason, ids] of why) {
    out.push(`no ${cl} interval for ${ids.join(", ")}: ${reason}`.replace("  ", " "));
  }
  const failed = total("requests_failed");
  if (failed > 0) {
    out.push(
      `${failed} request${failed === 1 ? "" : "s"} failed (${
        Object.entries(l.errors).map(([r, n]) => `${r} ${n}`).join(", ")
      }); latency figures are over completed requests only ` +
        "(e2e_failure_adjusted_* counts each failure as slowest)",
    );
    // Each reason with the first message it came with (what the server said, redacted).
    for (const [reason, n] of Object.entries(l.errors)) {
      const m = l.errorMessages?.[reason];
      if (m === undefined || m === "") continue;
      const text = m.length > MESSAGE_CHARS ? `${m.slice(0, MESSAGE_CHARS - 1)}…` : m;
      out.push(`  ${reason} ×${n}, first: ${JSON.stringify(text)}`);
    }
  }
  const cut = total("requests_cut");
  if (cut > 0) {
    out.push(
      `${cut} request${cut === 1 ? " was" : "s were"} still in flight when a ` +
        "trial's time and its grace period ran out, and were cut (requests_cut): they are in " +
        "no latency statistic; a longer durationGraceS lets them finish",
    );
  }
  const aborted = total("requests_aborted");
  if (aborted > 0) {
    out.push(
      `${aborted} request${aborted === 1 ? " was" : "s were"} aborted when the run ` +
        "was interrupted (requests_aborted): they are in the records, in no statistic",
    );
  }
  const chunks = total("requests_tokens_from_chunks");
  if (chunks > 0) {
    const usage = total("requests_tokens_from_usage");
    out.push(
      `${chunks} of ${chunks + usage} requests had their output tokens counted from ` +
        "chunks, not server usage: TPOT, ITL and token throughput assume one token per chunk; " +
        'ask the server for usage (vLLM/OpenAI-style: stream_options: {"include_usage": true})',
    );
  }
  const notStreamed = total("requests_not_streamed");
  if (notStreamed > 0) {
    out.push(
      `${notStreamed} response${notStreamed === 1 ? " was" : "s were"} not streamed ` +
        "(all tokens arrived together, or not as server-sent events): they are left out of " +
        "TTFT, ITL and TPOT, which would not time generation",
    );
  }
  const usageZero = total("requests_usage_zero");
  if (usageZero > 0) {
    out.push(
      `${usageZero} response${usageZero === 1 ? "" : "s"} reported usage of 0 ` +
        "output tokens with content streamed; their tokens were counted from chunks",
    );
  }
  const checked = total("structured_checked");
  const ratios = l.summary.structured_valid_ratio?.trials ?? [];
  const invalid = (l.summary.structured_checked?.trials ?? []).reduce<number>(
    (a, n, i) => {
      const r = ratios[i];
      return a + (n !== null && r !== null && r !== undefined ? Math.round(n * (1 - r)) : 0);
    },
    0,
  );
  if (checked > 0 && invalid > 0) {
    const m = l.errorMessages?.structured_invalid;
    const first = m === undefined || m === ""
      ? ""
      : `; first: ${
        JSON.stringify(m.length > MESSAGE_CHARS ? `${m.slice(0, MESSAGE_CHARS - 1)}…` : m)
      }`;
    out.push(
      `${invalid} of ${checked} structured outputs ${invalid === 1 ? "was" : "were"} not valid ` +
        `(structured_valid_ratio; a response cut by max_tokens is never complete JSON)${first}`,
    );
  }
  // The between-trial spread of the headline medians: drift between trials shows here, beside
  // the pooled value and its interval (every per-trial value is in the results).
  const spreads = SPREAD_IDS.flatMap((id) => {
    const sp = l.summary[id]?.spread;
    if (!sp || l.trials.length < 2 || options.spread === false) return [];
    return [`${name(id)} ${formatValue(id, sp.min)}–${formatValue(id, sp.max)}`];
  });
  if (spreads.length > 0) {
    out.push(`between trials: ${spreads.join(", ")} (each trial's value in the results)`);
  }
  const nonFinite = Object.entries(l.summary).filter(([, s]) => (s.nonFinite ?? 0) > 0);
  if (nonFinite.length > 0) {
    out.push(
      `per-trial values that were not finite, left out of the mean: ${
        nonFinite.map(([id, s]) => `${name(id)} (${s.nonFinite})`).join(", ")
      }`,
    );
  }
  return out;
}
