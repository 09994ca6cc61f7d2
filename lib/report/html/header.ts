/**
 * The report's first section: for each run, what was measured (engine,
 * model, the server's facts), what was sent (the workload fingerprint), how
 * the run was made (mode, levels, trials, warm-up, sampling, splleed
 * version, dates), and what the reader must know (interruption, warnings,
 * the levels' notes).
 *
 * @module
 */

import type { ResultsDocument } from "../../results/document.ts";
import { fmtNum, plural, show } from "./_util.ts";
import { levelLabel } from "../../results/level_label.ts";
import { escapeHtml } from "./escape.ts";
import type { HtmlRun, HtmlSection } from "./types.ts";

/** Backend keys shown as the run's headline facts (the others are listed as server facts). */
const HEADLINE_KEYS = new Set(["kind", "model", "api", "endpoint", "transport"]);

/** Facts as a definition list; values are escaped. */
function facts(pairs: [string, string][]): string {
  return `<dl class="facts">${
    pairs.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`)
      .join("")
  }</dl>`;
}

/** Nested objects as dotted keys (`server.options.ttftMs`), arrays joined. */
function flatten(o: Record<string, unknown>, prefix = "", depth = 0): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v === undefined || v === null) continue;
    if (typeof v === "object" && !Array.isArray(v) && depth < 3) {
      out.push(...flatten(v as Record<string, unknown>, key, depth + 1));
    } else if (Array.isArray(v) && v.every((x) => typeof x !== "object" || x === null)) {
      out.push([key, v.map(show).join(", ")]);
    } else out.push([key, show(v)]);
  }
  return out;
}

function pct(p: { p50: number; p95: number; p99: number }): string {
  return p.p50 === p.p95 && p.p95 === p.p99
    ? `${fmtNum(p.p50)} tok`
    : `p50 ${fmtNum(p.p50)} · p95 ${fmtNum(p.p95)} · p99 ${fmtNum(p.p99)} tok`;
}

function workloadFacts(doc: ResultsDocument): [string, string][] {
  const fp = doc.workload;
  if (!fp) return [];
  const out: [string, string][] = [
    ["prompts", fmtNum(fp.promptCount)],
    ["input length", pct(fp.inputLen)],
    [
      "output length requested",
      fp.outputLenRequested ? pct(fp.outputLenRequested) : "engine default",
    ],
  ];
  if (fp.outputLenObserved) {
    out.push([
      "output length observed",
      `${pct(fp.outputLenObserved)} (${plural(fp.outputLenObserved.count, "request")})`,
    ]);
  }
  if (fp.systemPrompt) {
    out.push([
      "system prompt",
      `${fmtNum(fp.systemPrompt.tokens)} tok, ${
        Math.round(fp.systemPrompt.share * 100)
      } % of prompts`,
    ]);
  }
  if (fp.commonPrefix.tokens > 0) {
    out.push([
      "common prefix",
      `${fmtNum(fp.commonPrefix.tokens)} tok, ${
        Math.round(fp.commonPrefix.share * 100)
      } % of prompts`,
    ]);
  }
  if (fp.idealPrefixHitRatio !== undefined) {
    out.push(["ideal prefix-cache hit ratio", `${Math.round(fp.idealPrefixHitRatio * 100)} %`]);
  }
  out.push(
    ["tokenizer", `${fp.tokenizer.name}${fp.tokenizer.kind === "default" ? " (default)" : ""}`],
    ["fingerprint sha256", fp.sha256.slice(0, 16)],
  );
  return out;
}

function duration(startedAt: string, finishedAt: string): string {
  const ms = Date.parse(finishedAt) - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return "";
  const s = ms / 1000;
  return s < 90 ? `${fmtNum(s)} s` : s < 5400 ? `${fmtNum(s / 60)} min` : `${fmtNum(s / 3600)} h`;
}

function howFacts(doc: ResultsDocument): [string, string][] {
  const c = doc.config;
  const out: [string, string][] = [];
  const mode = typeof c.mode === "string" ? c.mode : doc.levels[0]?.mode ?? "?";
  const modeWords: Record<string, string> = {
    latency: "latency (closed loop: a fixed number of requests in flight)",
    throughput: "throughput (every request at once)",
    serve: "serve (open loop: requests at a rate, whatever the server does)",
  };
  out.push(["mode", modeWords[mode] ?? mode]);
  out.push(["levels", doc.levels.map(levelLabel).join(", ") || "none"]);
  const trials = typeof c.trials === "number" ? c.trials : undefined;
  const runs = typeof c.runs === "number" ? c.runs : undefined;
  if (trials !== undefined || runs !== undefined) {
    out.push([
      "trials",
      [
        trials !== undefined ? plural(trials, "trial") : "",
        runs !== undefined ? `${plural(runs, "request")} each` : "",
      ].filter(Boolean).join(" × ") + " per level",
    ]);
  }
  if (typeof c.durationS === "number") out.push(["trial duration", `${fmtNum(c.durationS)} s`]);
  if (typeof c.warmup === "number") {
    out.push(["warm-up", `${plural(c.warmup, "request")} before each level (not measured)`]);
  }
  if (mode === "serve") {
    const parts = [String(c.arrival ?? "poisson")];
    if (c.arrival === "gamma") parts.push(`burstiness ${show(c.burstiness)}`);
    if (typeof c.maxConcurrency === "number") {
      parts.push(`at most ${fmtNum(c.maxConcurrency)} in flight`);
    }
    if (typeof c.rampUpS === "number" && c.rampUpS > 0) parts.push(`ramp-up ${c.rampUpS} s`);
    out.push(["arrivals", parts.join(", ")]);
  }
  const sampling = doc.workload?.sampling ?? c.sampling;
  if (sampling && typeof sampling === "object") {
    const s = Object.entries(sampling as Record<string, unknown>).map(([k, v]) => `${k} ${show(v)}`)
      .join(", ");
    if (s) out.push(["sampling", s]);
  }
  if (c.slo && typeof c.slo === "object") {
    const s = Object.entries(c.slo as Record<string, unknown>).filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k.replace(/Ms$/, "")} ≤ ${show(v)} ms`).join(", ");
    if (s) out.push(["objectives (goodput)", s]);
  }
  if (typeof c.confidenceLevel === "number") {
    out.push(["intervals", `${Math.round(c.confidenceLevel * 100)} % confidence`]);
  }
  if (typeof c.seed === "number") out.push(["seed", String(c.seed)]);
  out.push(["splleed", `${doc.tool.version} (Deno ${doc.tool.deno})`]);
  out.push(["started", doc.startedAt]);
  const d = duration(doc.startedAt, doc.finishedAt);
  out.push(["finished", d ? `${doc.finishedAt} (${d})` : doc.finishedAt]);
  if (doc.recordsFile) out.push(["records", doc.recordsFile]);
  return out;
}

function runCard(run: HtmlRun, many: boolean): string {
  const doc = run.doc;
  const b = doc.backend;
  const headline: [string, string][] = [
    ["engine", show(b.kind ?? "?")],
    ["model", show(b.model ?? "?")],
  ];
  for (const k of ["api", "endpoint", "transport"]) {
    if (b[k] !== undefined && b[k] !== null) headline.push([k, show(b[k])]);
  }
  const server = flatten(
    Object.fromEntries(Object.entries(b).filter(([k]) => !HEADLINE_KEYS.has(k))),
  );
  const parts: string[] = [];
  if (many) parts.push(`<h3>${escapeHtml(run.name)}</h3>`);
  if (doc.interrupted) {
    parts.push(
      `<div class="alert bad"><strong>Interrupted:</strong> ${
        escapeHtml(doc.interruption ?? "the run was cut short")
      }. The figures cover what was measured before.</div>`,
    );
  }
  parts.push(facts(headline));
  const wl = workloadFacts(doc);
  parts.push(`<div class="cols">`);
  parts.push(`<div><h4>How the run was made</h4>${facts(howFacts(doc))}</div>`);
  parts.push(
    `<div>${wl.length ? `<h4>Workload</h4>${facts(wl)}` : ""}${
      server.length ? `<h4>Server</h4>${facts(server)}` : ""
    }</div>`,
  );
  parts.push(`</div>`);
  if (doc.warnings.length > 0) {
    parts.push(
      `<div class="alert warn"><h4>Warnings</h4><ul>${
        doc.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")
      }</ul></div>`,
    );
  }
  const notes = doc.levels.flatMap((l) => l.notes ?? []);
  if (notes.length > 0) {
    parts.push(
      `<details class="notes"><summary>Notes on the figures (${notes.length})</summary><ul>${
        notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")
      }</ul></details>`,
    );
  }
  return `<div class="card run">${parts.join("")}</div>`;
}

/**
 * The header section: one card per run with the engine, model and server
 * facts, the workload fingerprint, how the run was made, the interruption,
 * warnings and notes. Every string from the document is escaped.
 *
 * @example
 * ```ts
 * import { headerSection } from "./header.ts";
 * import { fixtureDocument } from "../../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = fixtureDocument([]);
 * doc.backend = { kind: "vllm", model: "<b>llama</b>" };
 * doc.warnings = ["only 2 trials"];
 * const out = headerSection.render({ runs: [{ name: "a", doc }] }, {} as never)!;
 * assert.match(out.html, /&lt;b&gt;llama&lt;\/b&gt;/);
 * assert.match(out.html, /only 2 trials/);
 * ```
 */
export const headerSection: HtmlSection = {
  id: "run",
  title: "What was measured",
  render(input) {
    if (input.runs.length === 0) return null;
    const many = input.runs.length > 1;
    return {
      html: input.runs.map((r) => runCard(r, many)).join(""),
      charts: [],
    };
  },
};
