/**
 * Telemetry tracks: what was sampled beside the run (GPU through NVML, the
 * engine's own metrics) as time series on the run's clock, one chart per
 * quantity, with the trials of every level marked; and a line for each
 * source that was asked for but missing, saying why.
 *
 * @module
 */

import type { ResultsDocument, TelemetrySeries, TelemetrySource } from "../../results/document.ts";
import { note } from "./_util.ts";
import type { ChartSpec, HtmlSection, SectionContext } from "./types.ts";

/** The kinds of telemetry, in page order, with their headings. */
const KINDS = [["gpu", "GPU"], ["engine", "Engine"], ["markers", "NVTX markers"]] as const;

/** One chart per quantity: the series of every source (device) of that name. */
function charts(
  kind: string,
  source: TelemetrySource,
  ctx: SectionContext,
  runName: string,
  many: boolean,
): { html: string; specs: ChartSpec[] } {
  const byName = new Map<string, TelemetrySeries[]>();
  for (const s of source.series) {
    if (s.tMs.length === 0) continue;
    byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  }
  let html = "";
  const specs: ChartSpec[] = [];
  for (const [name, list] of byName) {
    const unit = list[0].unit;
    const c = ctx.chart(
      `${kind} · ${name.replaceAll("_", " ")}${many ? ` · ${runName}` : ""}`,
      {
        x: { label: "Time since the run started (s)" },
        y: { label: `${name.replaceAll("_", " ")} (${unit})`, min: 0 },
        series: list.map((s, i) => ({
          label: s.source ?? name,
          color: ctx.runColor(i),
          x: s.tMs.map((t) => t / 1000),
          y: s.values,
          points: false,
        })),
      },
    );
    html += c.html;
    specs.push(c.spec);
  }
  return { html, specs };
}

/**
 * The telemetry section: present when a run of the report asked for GPU or
 * engine telemetry or NVTX markers (`doc.telemetry`).
 */
export const telemetrySection: HtmlSection = {
  id: "telemetry",
  title: "Telemetry",
  render(input, ctx) {
    const runs = input.runs.filter((r) => (r.doc as ResultsDocument).telemetry !== undefined);
    if (runs.length === 0) return null;
    const many = input.runs.length > 1;
    let html = "";
    const specs: ChartSpec[] = [];
    for (const run of runs) {
      const t = run.doc.telemetry!;
      for (const [kind, heading] of KINDS) {
        const source = t[kind];
        if (source === undefined) continue;
        if (!source.available) {
          html += note(
            `${heading}${many ? ` (${run.name})` : ""}: not collected. ${source.note ?? ""}`,
          );
          continue;
        }
        if (source.note) html += note(`${heading}: ${source.note}`);
        const c = charts(heading, source, ctx, run.name, many);
        html += `<div class="grid three">${c.html}</div>`;
        specs.push(...c.specs);
      }
    }
    html += note(
      "Times are seconds since the run's clock origin, the same clock as the records and the " +
        "timeline export (splleed timeline). GPU utilisation is NVML's: the share of each sample " +
        "period in which a kernel ran, not SM occupancy.",
    );
    return { html, charts: specs };
  },
};
