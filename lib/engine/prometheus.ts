/**
 * The Prometheus text exposition format (what vLLM, SGLang, TGI and
 * llama.cpp serve at `/metrics`), parsed by the npm package
 * `parse-prometheus-text-format` (a port of the Prometheus project's own
 * `prom2json` parsing: escapes in label values, `# TYPE`/`# HELP`,
 * timestamps, special values) rather than by hand, and reduced here to the
 * numbers splleed reads: every sample of every counter and gauge, with its
 * labels, as a number. Two defects of the package (1.1.1) are worked
 * around here and tested: a last line without a newline is dropped (one is
 * added), and a labelled histogram loses its `_count` and `_sum`
 * (histograms and summaries are left out: splleed reads none).
 *
 * @module
 */

import parsePrometheusTextFormat from "npm:parse-prometheus-text-format@^1.1.1";

/** One sample of a metric family: its labels and its value. */
export interface PromSample {
  /** Label name → value (empty when the sample has none). */
  labels: Record<string, string>;
  /** The value (`NaN`, `+Inf` and `-Inf` as JavaScript numbers). */
  value: number;
}

/** One metric family: the samples that share a name. */
export interface PromFamily {
  /** The metric name (`vllm:num_requests_running`). */
  name: string;
  /** `counter`, `gauge`, `histogram`, `summary` or `untyped`. */
  type: string;
  /**
   * The samples of a counter, gauge or untyped metric. Empty for histograms
   * and summaries: splleed reads none, and the parser loses the `_count`
   * and `_sum` of a histogram whose series carry labels (1.1.1), so none
   * are offered rather than some wrong.
   */
  samples: PromSample[];
}

/** What the npm parser returns per family (it has no type declarations). */
interface RawFamily {
  name: string;
  type: string;
  metrics: {
    value?: string;
    labels?: Record<string, string>;
  }[];
}

/** Parses a value as the exposition format writes it (`1.5e+06`, `NaN`, `+Inf`). */
function num(text: string | undefined): number {
  if (text === undefined) return NaN;
  const t = text.trim();
  if (t === "+Inf" || t === "Inf") return Infinity;
  if (t === "-Inf") return -Infinity;
  return Number(t);
}

/**
 * Parses Prometheus text exposition into metric families.
 *
 * @param text The body of a `/metrics` response.
 * @returns The families, in the order they appear, keyed by name.
 * @throws {SyntaxError} When the text is not Prometheus exposition; the
 * message quotes the parser's reason and the start of the text.
 *
 * @example
 * ```ts
 * import { parsePrometheus } from "./prometheus.ts";
 * import assert from "node:assert/strict";
 *
 * const families = parsePrometheus([
 *   "# TYPE vllm:num_requests_running gauge",
 *   'vllm:num_requests_running{model_name="m"} 3.0',
 *   "# TYPE vllm:num_preemptions_total counter",
 *   'vllm:num_preemptions_total{model_name="m"} 1.2e+01',
 * ].join("\n"));
 * assert.equal(families.get("vllm:num_requests_running")?.samples[0].value, 3);
 * assert.deepEqual(families.get("vllm:num_preemptions_total")?.samples[0], {
 *   labels: { model_name: "m" },
 *   value: 12,
 * });
 * ```
 */
export function parsePrometheus(text: string): Map<string, PromFamily> {
  let raw: RawFamily[];
  try {
    // The format ends every line with "\n"; the parser drops a last line without one.
    const body = text.endsWith("\n") ? text : text + "\n";
    raw = (parsePrometheusTextFormat as (t: string) => RawFamily[])(body);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new SyntaxError(
      `Cannot read engine metrics: expected Prometheus text exposition, got ${
        JSON.stringify(text.slice(0, 80))
      }${text.length > 80 ? "…" : ""} (${msg})`,
    );
  }
  const out = new Map<string, PromFamily>();
  for (const f of raw) {
    const type = f.type.toLowerCase();
    const scalar = type !== "histogram" && type !== "summary";
    const samples = scalar
      ? f.metrics.map((m) => ({ labels: m.labels ?? {}, value: num(m.value) }))
      : [];
    const seen = out.get(f.name);
    if (seen === undefined) out.set(f.name, { name: f.name, type, samples });
    else seen.samples.push(...samples);
  }
  return out;
}
