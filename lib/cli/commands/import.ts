/**
 * `splleed import vllm-bench|guidellm FILE [--out imported.json]`: another
 * tool's saved results as a splleed results document. With `--out` it is
 * written there (then `splleed report`, `compare` and `history add` read
 * it as any run); without, its table is shown and stderr says how to save
 * it. Exit 2 on bad input: an unknown tool, a missing file, a file that is
 * not that tool's results or of a version not read.
 *
 * @module
 */

import { ConfigError } from "../../config/errors.ts";
import { ResultsFormatError } from "../../results/errors.ts";
import { IMPORT_TOOLS, importResults, type ImportTool } from "../../runner/import.ts";
import { BenchmarkResults } from "../../runner/results.ts";
import { redact } from "../../util/redact.ts";
import { type CliIO, EXIT, outWidth, reportError } from "../io.ts";

/** The options of `import`, as commander gives them. */
export interface ImportCommandFlags {
  /** `--out FILE`: write the splleed results document there (`.json`, or `.csv` for the CSV). */
  out?: string;
}

/**
 * Runs `splleed import`.
 *
 * @param tool `vllm-bench` or `guidellm`.
 * @param file The tool's results file.
 * @param flags The options given.
 * @param io Where output goes.
 * @returns 0 when imported (and written); 1 when the output could not be
 *   written; 2 for an unknown tool, a missing file or a file that is not
 *   that tool's results.
 *
 * @example
 * ```ts
 * import { importCommand } from "./import.ts";
 * import { memoryIO } from "../memory_io.ts";
 * import assert from "node:assert/strict";
 *
 * const io = memoryIO();
 * assert.equal(await importCommand("aiperf", "x.json", {}, io), 2);
 * assert.match(io.stderr, /'TOOL' must be one of vllm-bench, guidellm, got "aiperf"/);
 * ```
 */
export async function importCommand(
  tool: string,
  file: string,
  flags: ImportCommandFlags,
  io: CliIO,
): Promise<number> {
  let results: BenchmarkResults;
  try {
    if (!(IMPORT_TOOLS as readonly string[]).includes(tool)) {
      throw new ConfigError("import", [{
        path: "TOOL",
        expected: `one of ${IMPORT_TOOLS.join(", ")}`,
        received: JSON.stringify(tool),
      }]);
    }
    results = new BenchmarkResults(await importResults(tool as ImportTool, file));
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ResultsFormatError) {
      io.err(redact(`error: ${err.message}\n`));
      return EXIT.usage;
    }
    return reportError(err, io);
  }
  if (flags.out === undefined) {
    io.out(results.toTable({ color: io.isTerminal, width: outWidth(io) }) + "\n");
    io.err(
      `not saved: add --out imported.json to write it as a splleed results document ` +
        `(then: splleed report imported.json, splleed compare base.json imported.json, ` +
        `splleed history add imported.json)\n`,
    );
    return EXIT.ok;
  }
  try {
    await results.save(flags.out);
  } catch (err) {
    return reportError(err, io);
  }
  const levels = results.toJSON().levels.length;
  io.err(`wrote ${flags.out} (${levels} level${levels === 1 ? "" : "s"} from ${file})\n`);
  return EXIT.ok;
}
