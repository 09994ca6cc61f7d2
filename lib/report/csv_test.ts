import assert from "node:assert/strict";
import { METRIC_IDS } from "../metrics/ids.ts";
import { csvField, renderCsv } from "./csv.ts";
import type { LevelResult, ResultsDocument } from "../results/document.ts";

function doc(levels: LevelResult[]): ResultsDocument {
  return {
    schemaVersion: 1,
    tool: { name: "splleed", version: "0.0.0", deno: "2.9.6" },
    config: { trials: 2 },
    backend: { kind: "simulator" },
    startedAt: "2025-01-01T00:00:00.000Z",
    finishedAt: "2025-01-01T00:01:00.000Z",
    interrupted: false,
    interruption: null,
    warnings: [],
    recordsFile: null,
    levels,
  };
}

const trial = { metrics: {}, errors: {}, complete: true };

/** Two latency levels: c=1 with an interval, c=4 with one trial (no interval). */
function sample(): ResultsDocument {
  return doc([
    {
      mode: "latency",
      concurrency: 1,
      trials: [trial, trial],
      errors: { http_500: 2 },
      summary: {
        ttft_p50_ms: { value: 12.5, ci: [11.25, 13.75], trials: [11.5, 13.5] },
        requests_completed: { value: 10, ci: [10, 10], trials: [10, 10] },
      },
    },
    {
      mode: "latency",
      concurrency: 4,
      trials: [trial],
      errors: { timeout: 1 },
      summary: {
        ttft_p50_ms: { value: 40, ci: null, trials: [40] },
        goodput_ratio: { value: 0.75, ci: null, trials: [0.75] },
      },
    },
  ]);
}

/** Splits one CSV record (RFC 4180: quoted fields may hold commas and doubled quotes). */
function parseRecord(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let s = "";
      i++;
      for (;;) {
        if (line[i] === '"' && line[i + 1] === '"') {
          s += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else s += line[i++];
      }
      out.push(s);
      i++; // the comma
    } else {
      const end = line.indexOf(",", i);
      out.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return out;
}

Deno.test("renderCsv() header: mode, concurrency, trials, a triple per metric id, then errors", () => {
  const csv = renderCsv(sample());
  assert.ok(csv.endsWith("\n"));
  const header = csv.split("\n")[0].split(",");
  const expected = ["mode", "concurrency", "request_rate", "trials"];
  for (const id of METRIC_IDS) expected.push(id, `${id}_ci_low`, `${id}_ci_high`);
  assert.deepEqual(header.slice(0, expected.length), expected);
  // Every metric id appears, even ones no level has (stable columns across runs).
  assert.ok(header.includes("itl_p99_ms"));
  assert.deepEqual(header.slice(expected.length).sort(), ["errors_http_500", "errors_timeout"]);
});

Deno.test("renderCsv() writes one row per level with empty fields for missing values", () => {
  const lines = renderCsv(sample()).trimEnd().split("\n");
  assert.equal(lines.length, 3);
  const header = parseRecord(lines[0]);
  const rows = lines.slice(1).map(parseRecord);
  for (const row of rows) assert.equal(row.length, header.length);
  const get = (row: string[], col: string) => row[header.indexOf(col)];
  const [c1, c4] = rows;

  assert.equal(get(c1, "mode"), "latency");
  assert.equal(get(c1, "concurrency"), "1");
  assert.equal(get(c1, "trials"), "2");
  assert.equal(get(c1, "ttft_p50_ms"), "12.5");
  assert.equal(get(c1, "ttft_p50_ms_ci_low"), "11.25");
  assert.equal(get(c1, "ttft_p50_ms_ci_high"), "13.75");
  assert.equal(get(c1, "requests_completed"), "10");
  assert.equal(get(c1, "goodput_ratio"), "");
  assert.equal(get(c1, "errors_http_500"), "2");
  assert.equal(get(c1, "errors_timeout"), "0");

  assert.equal(get(c4, "concurrency"), "4");
  assert.equal(get(c4, "trials"), "1");
  assert.equal(get(c4, "ttft_p50_ms"), "40");
  // No interval: empty bounds, not "null" or "undefined".
  assert.equal(get(c4, "ttft_p50_ms_ci_low"), "");
  assert.equal(get(c4, "ttft_p50_ms_ci_high"), "");
  assert.equal(get(c4, "goodput_ratio"), "0.75");
  assert.equal(get(c4, "requests_completed"), "");
  assert.equal(get(c4, "errors_http_500"), "0");
  assert.equal(get(c4, "errors_timeout"), "1");

  // A metric no level has is empty everywhere.
  for (const row of rows) assert.equal(get(row, "e2e_p99_ms"), "");
  assert.ok(!lines.join("\n").includes("null") && !lines.join("\n").includes("undefined"));
});

Deno.test("renderCsv() of a burst level and no errors has no error columns", () => {
  const csv = renderCsv(doc([{
    mode: "throughput",
    concurrency: 64,
    trials: [trial, trial, trial],
    errors: {},
    summary: {},
  }]));
  const [header, row, ...rest] = csv.split("\n");
  assert.deepEqual(rest, [""]);
  assert.equal(header.split(",").length, 4 + 3 * METRIC_IDS.length);
  assert.ok(!header.includes("errors_"));
  assert.equal(row, "throughput,64,,3" + ",".repeat(3 * METRIC_IDS.length));
});

Deno.test("renderCsv() quotes a failure reason that holds a comma or a quote", () => {
  const lines = renderCsv(doc([{
    mode: "latency",
    concurrency: 2,
    trials: [trial],
    errors: { 'bad "thing", here': 3 },
    summary: {},
  }])).trimEnd().split("\n");
  assert.ok(lines[0].endsWith(',"errors_bad ""thing"", here"'), lines[0]);
  const header = parseRecord(lines[0]);
  const row = parseRecord(lines[1]);
  assert.equal(header.length, row.length);
  assert.equal(header.at(-1), 'errors_bad "thing", here');
  assert.equal(row.at(-1), "3");
});

Deno.test("csvField() quotes only when needed (RFC 4180)", () => {
  assert.equal(csvField("plain"), "plain");
  assert.equal(csvField(2.5), "2.5");
  assert.equal(csvField(0), "0");
  assert.equal(csvField(null), "");
  assert.equal(csvField(undefined), "");
  assert.equal(csvField("a,b"), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField("two\nlines"), '"two\nlines"');
  assert.equal(csvField("cr\rhere"), '"cr\rhere"');
});
