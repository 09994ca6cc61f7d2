/**
 * Validating benchmark specifications from scripts and from YAML/JSON config
 * files.
 *
 * @module
 */

import { parse as parseYaml } from "npm:yaml@^2.9.1";
import { type BenchmarkSpec, benchmarkSpecSchema } from "./benchmark.ts";
import { ConfigError, validate } from "./errors.ts";

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
 * validated: flags may still be merged in).
 *
 * @param text File contents.
 * @param fileName Used to pick the format (`.json` is JSON, anything else YAML) and in errors.
 * @returns The parsed object.
 * @throws {ConfigError} When the text is not valid YAML/JSON or not a mapping.
 *
 * @example
 * ```ts
 * import { parseConfigText } from "./parse.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseConfigText("runs: 5\n", "a.yaml"), { runs: 5 });
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
  return data as Record<string, unknown>;
}
