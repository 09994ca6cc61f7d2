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
 * @throws {ConfigError} When the text is not valid YAML/JSON or not a mapping.
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
 * ```
 */
export function parseConfigText(text: string, fileName: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = fileName.toLowerCase().endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`benchmark from ${fileName}`, [{
      path: "",
      expected: fileName.toLowerCase().endsWith(".json") ? "valid JSON" : "valid YAML",
      received: `a parse error: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
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
