/**
 * Validating benchmark specifications from scripts and from YAML/JSON config
 * files.
 *
 * @module
 */

import { parse as parseYaml } from "npm:yaml@^2.9.1";
import { dirname, resolve } from "node:path";
import { type BenchmarkSpec, benchmarkSpecSchema } from "./benchmark.ts";
import { ConfigError, validate } from "./errors.ts";
import { resolveConfigPaths } from "./paths.ts";

/**
 * Validates a benchmark specification and applies defaults.
 *
 * @param input The specification (script options, or a parsed config file).
 * @returns The validated specification.
 * @throws {ConfigError} Naming every invalid field, what it must be and what was given.
 *
 * @example
 * ```ts
 * import { parseBenchmarkSpec } from "./parse.ts";
 * import assert from "node:assert/strict";
 *
 * const spec = parseBenchmarkSpec({
 *   backend: { type: "simulator", ttftMs: 10, itlMs: 2 },
 *   prompts: ["hi"],
 * });
 * assert.equal(spec.trials, 3);
 * assert.throws(
 *   () => parseBenchmarkSpec({ backend: { type: "simulator" }, prompts: ["hi"], concurrency: [0, 4] }),
 *   /'concurrency\[0\]' must be a positive integer, got 0/,
 * );
 * ```
 */
export function parseBenchmarkSpec(input: unknown): BenchmarkSpec {
  return validate(benchmarkSpecSchema, input, "benchmark");
}

/**
 * Parses the text of a YAML or JSON config file into a plain object (not yet
 * validated: flags may still be merged in). Relative paths in it (prompts and
 * workload files, tokenizer, trace, `out`, `records`, the backend's files;
 * see `paths.ts`) are resolved against the folder of `fileName`, so the file
 * means the same from any working directory.
 *
 * @param text File contents.
 * @param fileName The file's path: picks the format (`.json` is JSON, anything else YAML), is the base of relative paths, and names the file in errors.
 * @returns The parsed object, its paths absolute.
 * @throws {ConfigError} When the text is not valid YAML/JSON (the message
 *   names the line and column and shows the line with a caret under the
 *   place), or not a mapping.
 *
 * @example
 * ```ts
 * import { parseConfigText } from "./parse.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseConfigText("runs: 5\n", "a.yaml"), { runs: 5 });
 * assert.deepEqual(
 *   parseConfigText("prompts: { file: prompts.txt }\n", "/bench/run.yaml").prompts,
 *   { file: "/bench/prompts.txt" },
 * );
 * assert.throws(() => parseConfigText("backend:\n  type: vllm\n model: m\n", "run.yaml"), {
 *   message: "Cannot start benchmark from run.yaml: valid YAML, got a parse error at line 3, " +
 *     "column 1: All mapping items must start at the same column\n" +
 *     "   2 |   type: vllm\n" +
 *     "   3 |  model: m\n" +
 *     "     | ^",
 * });
 * ```
 */
export function parseConfigText(text: string, fileName: string): Record<string, unknown> {
  let data: unknown;
  const json = fileName.toLowerCase().endsWith(".json");
  try {
    data = json ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`benchmark from ${fileName}`, [{
      path: "",
      expected: json ? "valid JSON" : "valid YAML",
      received: parseErrorText(err, text, json),
    }]);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new ConfigError(`benchmark from ${fileName}`, [{
      path: "",
      expected: "a mapping of options at the top level",
      received: Array.isArray(data) ? "a list" : typeof data,
    }]);
  }
  return resolveConfigPaths(data as Record<string, unknown>, dirname(resolve(fileName)));
}

/**
 * Reads and parses a YAML or JSON config file (see {@linkcode parseConfigText}).
 *
 * @param path The file.
 * @returns The parsed object, its relative paths resolved against the file's folder.
 * @throws {ConfigError} When the file cannot be read, is not valid YAML/JSON, or is not a mapping.
 *
 * @example
 * ```ts
 * import { readConfigFile } from "./parse.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/run.yaml`, "trace: { path: t.jsonl }\n");
 * assert.deepEqual(await readConfigFile(`${dir}/run.yaml`), { trace: { path: `${dir}/t.jsonl` } });
 * await assert.rejects(readConfigFile(`${dir}/nope.yaml`), /'config' must be a readable YAML or JSON file/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new ConfigError("benchmark", [{
      path: "config",
      expected: "a readable YAML or JSON file",
      received: `${JSON.stringify(path)} (${err instanceof Error ? err.message : err})`,
    }]);
  }
  return parseConfigText(text, path);
}

/** Longest part of a line shown in a parse error; a longer line is cut around the column. */
const FRAME_WIDTH = 100;

/**
 * A parse error as an error message's GIVEN part: "a parse error at line L,
 * column C: WHAT" and the line before, the line, and a caret under the
 * column, each line with its number. The `yaml` package gives `linePos`;
 * JSON.parse gives "(line L column C)" in its message for most errors, and
 * the end of the text for "Unexpected end".
 */
function parseErrorText(err: unknown, text: string, json: boolean): string {
  const message = err instanceof Error ? err.message : String(err);
  let what = message.split("\n")[0];
  let at: { line: number; col: number } | undefined;
  let width = 1;
  if (!json) {
    const pos =
      (err as { linePos?: [{ line: number; col: number }, { line: number; col: number }?] })
        .linePos;
    if (pos?.[0]) {
      at = pos[0];
      if (pos[1] && pos[1].line === at.line) width = Math.max(1, pos[1].col - at.col);
    }
    what = what.replace(/ at line \d+, column \d+:?$/, "");
  } else {
    const m = /^(.*?) in JSON at position \d+ \(line (\d+) column (\d+)\)/.exec(what);
    if (m) {
      what = m[1];
      at = { line: Number(m[2]), col: Number(m[3]) };
    } else if (/^Unexpected end of JSON input/.test(what)) {
      const lines = text.split(/\r?\n/);
      at = { line: lines.length, col: lines[lines.length - 1].length + 1 };
    } else {
      // 'Unexpected token 'x', "...the text..." is not valid JSON': the text says nothing more.
      what = message.replace(/^(Unexpected token .*?), "[\s\S]*" is not valid JSON$/, "$1")
        .split("\n")[0];
    }
  }
  if (at === undefined) return `a parse error: ${what}`;
  return `a parse error at line ${at.line}, column ${at.col}: ${what}\n` +
    codeFrame(text, at.line, at.col, width);
}

/**
 * The line before `line` (when there is one), `line`, and a caret line under
 * `col` (1-based), each prefixed by its number: `   3 |  foo: [`.
 */
function codeFrame(text: string, line: number, col: number, width: number): string {
  const lines = text.split(/\r?\n/);
  const gutter = Math.max(4, String(line).length + 1);
  const row = (n: number | string, s: string) => `${String(n).padStart(gutter)} | ${s}`.trimEnd();
  const shown: string[] = [];
  if (line >= 2 && line - 2 < lines.length) shown.push(row(line - 1, clip(lines[line - 2], 0)));
  const target = lines[line - 1] ?? "";
  // A long line is cut so that the column stays in view.
  const start = target.length > FRAME_WIDTH ? Math.max(0, col - 1 - FRAME_WIDTH / 2) : 0;
  const cut = clip(target, start);
  shown.push(row(line, cut));
  const lead = start > 0 ? 1 : 0; // the "…" that marks a cut start
  const before = cut.slice(0, lead + col - 1 - start).replace(/[^\t]/g, " ");
  const carets = "^".repeat(Math.max(1, Math.min(width, target.length - (col - 1))));
  shown.push(`${" ".repeat(gutter)} | ${before}${carets}`);
  return shown.join("\n");
}

/** `s` from `start`, at most {@linkcode FRAME_WIDTH} characters, with "…" where it was cut. */
function clip(s: string, start: number): string {
  const head = start > 0 ? "…" : "";
  const body = s.slice(start, start + FRAME_WIDTH);
  return head + body + (start + FRAME_WIDTH < s.length ? "…" : "");
}
