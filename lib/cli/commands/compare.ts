/**
 * `splleed compare BASE.json CANDIDATE.json`: two finished runs read back
 * and compared, the table (or Markdown, or JSON) on stdout. The comparison
 * is information, so it exits 0 whatever it finds (`splleed check` is the
 * gate); 2 on bad input: a file that is missing or not a results document,
 * an unknown metric id, no level in common, or with `--strict` runs that
 * differ in more than the backend.
 *
 * @module
 */

import { basename, extname } from "node:path";
import { ConfigError } from "../../config/errors.ts";
import { readResults } from "../../results/read.ts";
import type { ResultsDocument } from "../../results/document.ts";
import { compare, type CompareOptions } from "../../runner/compare.ts";
import { type CliIO, EXIT } from "../io.ts";
import { redact } from "../../util/redact.ts";

/** The options of `compare`, as commander gives them. */
export interface CompareCommandFlags {
  /** `--metrics ttft_p50_ms,itl_p50_ms`: the metric ids to compare. @default the headline ones */
  metrics?: string;
  /** `--alpha 0.05`: significance level. @default 0.05 */
  alpha?: string;
  /** `--test welch|mann-whitney`. @default "welch" */
  test?: string;
  /** `--detect 2%` (or `0.02`): trials per side to detect a change this large. */
  detect?: string;
  /** `--markdown`: GitHub-flavoured Markdown instead of the table. */
  markdown?: boolean;
  /** `--json`: the comparison data as JSON. */
  json?: boolean;
  /** `--strict`: runs that are not like for like are an error (exit 2). */
  strict?: boolean;
}

/**
 * Reads `--detect`: a percentage (`2%`) or a fraction (`0.02`).
 *
 * @param value The flag's text.
 * @returns The relative change.
 * @throws {ConfigError} When it is neither, or not above 0 (a bare number ≥ 1 is ambiguous).
 *
 * @example
 * ```ts
 * import { parseDetect } from "./compare.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseDetect("2%"), 0.02);
 * assert.equal(parseDetect("0.02"), 0.02);
 * assert.throws(() => parseDetect("2"), /'--detect' must be a percentage such as 2% or a fraction such as 0.02, got "2"/);
 * ```
 */
export function parseDetect(value: string): number {
  const text = value.trim();
  const pct = /^(\d+(?:\.\d+)?|\.\d+)\s*%$/.exec(text);
  const v = pct ? Number(pct[1]) / 100 : /^(\d*\.\d+|0)$/.test(text) ? Number(text) : NaN;
  if (!(v > 0 && v < 1)) {
    throw new ConfigError("comparison", [{
      path: "--detect",
      expected: "a percentage such as 2% or a fraction such as 0.02",
      received: JSON.stringify(value),
    }]);
  }
  return v;
}

function optionsOf(flags: CompareCommandFlags): CompareOptions {
  const o: CompareOptions = {};
  if (flags.markdown && flags.json) {
    throw new ConfigError("comparison", [{
      path: "",
      expected: "one output format (--markdown or --json)",
      received: "both",
    }]);
  }
  if (flags.alpha !== undefined) {
    const a = flags.alpha.trim() === "" ? NaN : Number(flags.alpha);
    if (!(a > 0 && a < 1)) {
      throw new ConfigError("comparison", [{
        path: "--alpha",
        expected: "a number in (0, 1) such as 0.05",
        received: JSON.stringify(flags.alpha),
      }]);
    }
    o.alpha = a;
  }
  if (flags.test !== undefined) o.test = flags.test as CompareOptions["test"];
  if (flags.metrics !== undefined) {
    o.metrics = flags.metrics.split(",").map((s) => s.trim()).filter((s) => s !== "");
  }
  if (flags.detect !== undefined) o.detect = parseDetect(flags.detect);
  return o;
}

/** Names for the two runs: the file names without `.json`, or the paths when those are equal. */
function namesOf(basePath: string, candPath: string): [string, string] {
  const name = (p: string) => basename(p, extname(p));
  const a = name(basePath), b = name(candPath);
  return a !== b ? [a, b] : basePath !== candPath ? [basePath, candPath] : [a, `${b} (again)`];
}

async function read(path: string, which: string): Promise<ResultsDocument> {
  try {
    return await readResults(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new ConfigError("comparison", [{
        path: which,
        expected: "a results file (results.json of a run)",
        received: `${JSON.stringify(path)}, which does not exist`,
      }]);
    }
    throw err;
  }
}

/**
 * Runs `splleed compare`.
 *
 * @param basePath The baseline's results file.
 * @param candPath The candidate's results file.
 * @param flags The options given.
 * @param io Where output goes.
 * @returns The exit code: 0 when compared (whatever the verdicts); 2 for a
 *   missing or unreadable file, a bad option, no level in common, or with
 *   `--strict` runs that are not like for like.
 *
 * @example
 * ```ts
 * import { compareCommand } from "./compare.ts";
 * import { memoryIO } from "../memory_io.ts";
 * import assert from "node:assert/strict";
 *
 * const io = memoryIO();
 * assert.equal(await compareCommand("no-such-base.json", "no-such-cand.json", {}, io), 2);
 * assert.match(io.stderr, /'BASE' must be a results file .*"no-such-base\.json", which does not exist/);
 * ```
 */
export async function compareCommand(
  basePath: string,
  candPath: string,
  flags: CompareCommandFlags,
  io: CliIO,
): Promise<number> {
  const fail = (err: unknown) => {
    io.err(redact(`error: ${err instanceof Error ? err.message : String(err)}\n`));
    return EXIT.usage;
  };
  let options: CompareOptions;
  let base: ResultsDocument, cand: ResultsDocument;
  try {
    options = optionsOf(flags);
    base = await read(basePath, "BASE");
    cand = await read(candPath, "CANDIDATE");
  } catch (err) {
    // A file that cannot be read or is not a results document, or a bad option: bad input.
    return fail(err);
  }
  const [baselineName, candidateName] = namesOf(basePath, candPath);
  let diff;
  try {
    diff = compare(base, cand, { ...options, baselineName, candidateName });
  } catch (err) {
    return fail(err);
  }
  const data = diff.data;
  if (data.levels.length === 0) {
    const labels = (side: "baseline" | "candidate") =>
      data.unmatched.filter((u) => u.side === side).map((u) => u.label).join(", ") || "none";
    io.err(
      `error: Cannot compare ${basePath} and ${candPath}: no level of one matches a level of ` +
        `the other (same mode and concurrency or request rate); ${baselineName} has ` +
        `${labels("baseline")}, ${candidateName} has ${labels("candidate")}\n`,
    );
    return EXIT.usage;
  }
  if (flags.strict && data.warnings.length > 0) {
    io.err(
      `error: Cannot compare ${basePath} and ${candPath} with --strict: the runs differ in ` +
        `more than the backend:\n${data.warnings.map((w) => `  - ${w}\n`).join("")}`,
    );
    return EXIT.usage;
  }
  if (flags.json) io.out(JSON.stringify(diff.toJSON(), null, 2) + "\n");
  else if (flags.markdown) io.out(diff.toMarkdown());
  else io.out(diff.toTable(io.isTerminal) + "\n");
  return EXIT.ok;
}
