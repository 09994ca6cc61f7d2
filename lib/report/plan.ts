/**
 * The run plan as text: what `splleed run --dry-run` prints.
 *
 * @module
 */

import type { RunPlan } from "../results/plan.ts";

/**
 * Renders a run plan for a person: the engine, what is sent, each level in
 * order with its load in words, and the totals.
 *
 * @param plan The plan (from `planRun`).
 * @returns Text, ending with a newline.
 *
 * @example
 * ```ts
 * import { renderPlan } from "./plan.ts";
 * import type { RunPlan } from "../results/plan.ts";
 * import assert from "node:assert/strict";
 *
 * const plan: RunPlan = {
 *   backend: { kind: "vllm", endpoint: "http://localhost:8000", managed: false, command: null, options: {} },
 *   workload: { description: { source: "inline", count: 2 }, requests: 2 },
 *   mode: "latency",
 *   levels: [{
 *     index: 0, label: "c=4", mode: "latency", concurrency: 4,
 *     load: { kind: "closed", concurrency: 4 }, description: "closed loop, 4 in flight",
 *     warmupRequests: 1, requestsPerTrial: 10, durationS: null, trials: 3,
 *   }],
 *   sweep: null, trials: 3, warmup: 1, seed: 0, confidenceLevel: 0.95,
 *   sampling: { maxTokens: 64 }, slo: null, requestTimeoutMs: 600000, transport: "http1",
 *   records: "temp", out: null, totalRequests: 30, warnings: [],
 * };
 * const text = renderPlan(plan);
 * assert.match(text, /c=4 +closed loop, 4 in flight +1 warm-up, 3 trials x 10 requests/);
 * assert.match(text, /30 measured requests/);
 * ```
 */
export function renderPlan(plan: RunPlan): string {
  const lines: string[] = [];
  const b = plan.backend;
  lines.push(
    b.managed
      ? `engine     ${b.kind}, started by splleed${
        b.command ? `: ${b.command.map(shellWord).join(" ")}` : " (in-process simulator)"
      }`
      : `engine     ${b.kind} at ${b.endpoint}`,
  );
  const model = b.options.model;
  if (typeof model === "string") lines.push(`model      ${model}`);
  lines.push(
    `workload   ${plan.workload.requests} requests (${describe(plan.workload.description)})`,
  );
  lines.push(`sampling   ${describe(plan.sampling)}`);
  if (plan.slo) lines.push(`slo        ${describe(plan.slo)}`);
  lines.push(
    `mode       ${plan.mode}; ${plan.trials} trial${plan.trials === 1 ? "" : "s"} per level, ` +
      `${warmupWords(plan.levels.map((l) => l.warmupRequests), plan.warmup)}, seed ${plan.seed}`,
  );
  lines.push("");
  if (plan.sweep) {
    const s = plan.sweep;
    lines.push(
      `levels     chosen by a saturation search for ${s.find}: from ${s.start} up to ${s.max}, ` +
        `at most ${s.maxProbes} probes, until the bracket is within ${s.tolerance * 100}%; ` +
        `a level passes when ${s.attainment * 100}% of requests meet ${describe(s.slo)}`,
    );
  } else {
    const width = Math.max(...plan.levels.map((l) => l.label.length), 5);
    const descWidth = Math.max(...plan.levels.map((l) => l.description.length), 4);
    for (const l of plan.levels) {
      const per = l.requestsPerTrial !== null
        ? `${l.trials} trials x ${l.requestsPerTrial} requests`
        : `${l.trials} trials x ${l.durationS} s`;
      lines.push(
        `${l.label.padEnd(width)}  ${l.description.padEnd(descWidth)}  ` +
          `${l.warmupRequests} warm-up, ${per}`,
      );
    }
  }
  lines.push("");
  lines.push(
    plan.totalRequests !== null
      ? `total      ${plan.totalRequests} measured requests`
      : "total      bounded by time or by the search, not by a request count",
  );
  lines.push(
    `records    ${
      plan.records === null
        ? "not kept"
        : plan.records === "temp"
        ? "a temporary file"
        : plan.records
    }`,
  );
  if (plan.out) lines.push(`results    ${plan.out}`);
  const p = plan.publish;
  if (p?.tags) {
    lines.push(`tags       ${Object.entries(p.tags).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  }
  if (p?.history) lines.push(`history    ${p.history} (added when the run ends)`);
  if (p?.metrics) {
    const where = p.metrics.endsWith(":0")
      ? `${p.metrics.slice(0, -2)}, on a free port chosen at the start`
      : `http://${p.metrics}/metrics`;
    lines.push(`metrics    live Prometheus metrics on ${where}`);
  }
  if (p?.pushgateway) {
    lines.push(`push       level summaries to ${p.pushgateway} when the run ends`);
  }
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  return lines.join("\n") + "\n";
}

function describe(o: Record<string, unknown>): string {
  const parts = Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

function shellWord(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`;
}

// "1 warm-up request per level", or per level when levels differ (the
// default warm-up: one per connection).
function warmupWords(perLevel: number[], warmup: number): string {
  const distinct = [...new Set(perLevel)];
  if (distinct.length > 1) return `warm-up ${perLevel.join("/")} requests (one per connection)`;
  const n = distinct[0] ?? warmup;
  return `${n} warm-up request${n === 1 ? "" : "s"} per level`;
}
