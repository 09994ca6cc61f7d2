/**
 * `splleed timeline RESULTS.json --out timeline.json [--format perfetto|simple]`:
 * a finished run's timeline, drawn from its records file read back:
 * `perfetto` (the default) opens in ui.perfetto.dev with one span per
 * request and the GPU and engine counters on the same clock; `simple`
 * lists every request's times in ns since the Unix epoch. Exit 2 on bad
 * input: a results file that is missing or not a splleed results document,
 * a run without a records file (or one that cannot be found or read).
 *
 * @module
 */

import { ConfigError } from "../../config/errors.ts";
import type { ResultsDocument } from "../../results/document.ts";
import { ResultsFormatError } from "../../results/errors.ts";
import { readResults } from "../../results/read.ts";
import { type TimelineFormat, writeTimeline } from "../../runner/timeline.ts";
import { redact } from "../../util/redact.ts";
import { type CliIO, EXIT, reportError } from "../io.ts";

/** The options of `timeline`, as commander gives them. */
export interface TimelineCommandFlags {
  /** `--out FILE`: where the timeline goes. */
  out?: string;
  /** `--format`: `perfetto` or `simple`. @default "perfetto" */
  format?: TimelineFormat;
}

/**
 * Runs `splleed timeline`.
 *
 * @param file The results file.
 * @param flags The options given.
 * @param io Where messages go.
 * @returns The exit code: 0 when written; 1 when the file could not be
 *   written; 2 for a missing or foreign results file, a run without a
 *   records file, a records file that cannot be found or is not one, no `--out`.
 *
 * @example
 * ```ts
 * import { timelineCommand } from "./timeline.ts";
 * import { memoryIO } from "../memory_io.ts";
 * import assert from "node:assert/strict";
 *
 * const io = memoryIO();
 * assert.equal(await timelineCommand("no-such-results.json", { out: "t.json" }, io), 2);
 * assert.match(io.stderr, /'RESULTS' must be a results file .*"no-such-results\.json", which does not exist/);
 * ```
 */
export async function timelineCommand(
  file: string,
  flags: TimelineCommandFlags,
  io: CliIO,
): Promise<number> {
  const bad = (err: unknown) => {
    io.err(redact(`error: ${err instanceof Error ? err.message : String(err)}\n`));
    return EXIT.usage;
  };
  if (flags.out === undefined || flags.out === "") {
    return bad(
      new ConfigError("timeline", [{
        path: "--out",
        expected: "the file to write the timeline to, e.g. --out timeline.json",
        received: "nothing",
      }]),
    );
  }
  let doc: ResultsDocument;
  try {
    doc = await readResults(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      return bad(
        new ConfigError("timeline", [{
          path: "RESULTS",
          expected: "a results file (results.json of a run)",
          received: `${JSON.stringify(file)}, which does not exist`,
        }]),
      );
    }
    return bad(err);
  }
  try {
    await writeTimeline(doc, flags.out, {
      format: flags.format ?? "perfetto",
      resultsPath: file,
      onWarning: (m) => io.err(`warning: ${m}\n`),
    });
  } catch (err) {
    // The run's own files (no records, a records file missing or not one): bad input.
    if (err instanceof ConfigError || err instanceof ResultsFormatError) return bad(err);
    if (err instanceof Deno.errors.NotFound) return bad(err);
    return reportError(err, io);
  }
  io.err(`wrote ${flags.out} (${flags.format ?? "perfetto"})\n`);
  return EXIT.ok;
}
