/**
 * Converting command-line flag values: numbers, lists, SLOs, faults, shell
 * words, and the backend flags generated from the options declared in the
 * backend schemas. Values are only converted here; the zod schema validates
 * them (a number that is not one becomes NaN, which it reports).
 *
 * @module
 */

import { type Command, Option } from "npm:commander@^15.1.0";
import { type BackendFlag, backendFlags } from "../config/backends.ts";
import { ConfigError } from "../config/errors.ts";

/**
 * Parses a comma-separated list of numbers (`1,2,4`).
 *
 * @param value Flag value.
 * @returns The numbers (NaN where an item is not a number, for the schema to report).
 *
 * @example
 * ```ts
 * import { parseNumberList } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseNumberList("1, 2,4"), [1, 2, 4]);
 * ```
 */
export function parseNumberList(value: string): number[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
}

/**
 * Parses a list of request rates, where `inf` means all at once.
 *
 * @param value Flag value (`2,8,inf`).
 * @returns The rates (NaN where an item is not a number, for the schema to report).
 *
 * @example
 * ```ts
 * import { parseRateList } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseRateList("2, 8,inf"), [2, 8, Infinity]);
 * ```
 */
export function parseRateList(value: string): number[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) =>
    /^(inf|infinity)$/i.test(s) ? Infinity : Number(s)
  );
}

/**
 * Parses a number flag (the schema reports NaN as "must be a number").
 *
 * @param value Flag value.
 * @returns The number.
 *
 * @example
 * ```ts
 * import { parseNumber } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseNumber("0.95"), 0.95);
 * ```
 */
export function parseNumber(value: string): number {
  return value.trim() === "" ? NaN : Number(value);
}

const SLO_KEYS: Record<string, string> = {
  ttft_ms: "ttftMs",
  tpot_ms: "tpotMs",
  e2e_ms: "e2eMs",
  ttft: "ttftMs",
  tpot: "tpotMs",
  e2e: "e2eMs",
};

/**
 * Parses `--slo ttft_ms=200,tpot_ms=50,e2e_ms=5000`.
 *
 * @param value Flag value.
 * @returns SLO fields.
 * @throws {ConfigError} When a key is unknown or an item is not `key=value`.
 *
 * @example
 * ```ts
 * import { parseSlo } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseSlo("ttft_ms=200,e2e_ms=5000"), { ttftMs: 200, e2eMs: 5000 });
 * ```
 */
export function parseSlo(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq).trim().toLowerCase();
    const field = SLO_KEYS[key];
    if (eq < 0 || !field) {
      throw new ConfigError("benchmark", [{
        path: "--slo",
        expected: "a list of key=value with keys ttft_ms, tpot_ms, e2e_ms (ms)",
        received: JSON.stringify(item),
      }]);
    }
    out[field] = parseNumber(item.slice(eq + 1));
  }
  return out;
}

/**
 * Parses `--faults http500=0.1,http429=0.05,drop=0.1:5,stall=0.1:500,seed=7`
 * (shares of requests; `drop` takes `probability:afterTokens`, `stall`
 * `probability:ms`).
 *
 * @param value Flag value.
 * @returns Simulator fault options.
 * @throws {ConfigError} When an item is malformed.
 *
 * @example
 * ```ts
 * import { parseFaults } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseFaults("http500=0.1,drop=0.2:3"), {
 *   http500: 0.1,
 *   drop: { probability: 0.2, afterTokens: 3 },
 * });
 * ```
 */
export function parseFaults(value: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^(http500|http429|drop|stall|seed)=([0-9.]+)(?::([0-9.]+))?$/.exec(item);
    if (!m || ((m[1] === "drop" || m[1] === "stall") !== (m[3] !== undefined))) {
      throw new ConfigError("simulator", [{
        path: "--faults",
        expected:
          "a list like http500=0.1,http429=0.05,drop=0.1:5,stall=0.1:500,seed=7 (drop is share:afterTokens, stall share:ms)",
        received: JSON.stringify(item),
      }]);
    }
    const [, k, a, b] = m;
    if (k === "drop") out.drop = { probability: Number(a), afterTokens: Number(b) };
    else if (k === "stall") out.stall = { probability: Number(a), ms: Number(b) };
    else out[k] = Number(a);
  }
  return out;
}

/**
 * Splits a string into words the way a POSIX shell does for plain words,
 * single and double quotes and backslash escapes (no expansion).
 *
 * @param value The string.
 * @returns The words.
 * @throws {ConfigError} When a quote is not closed.
 *
 * @example
 * ```ts
 * import { splitWords } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(splitWords(`--seed 1 --name 'a b' "c d"`), ["--seed", "1", "--name", "a b", "c d"]);
 * ```
 */
export function splitWords(value: string): string[] {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < value.length) cur += value[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < value.length) {
      cur += value[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (quote) {
    throw new ConfigError("benchmark", [{
      path: "arguments",
      expected: "words with closed quotes",
      received: JSON.stringify(value),
    }]);
  }
  if (has) out.push(cur);
  return out;
}

function parsePairs(
  flag: string,
  item: string,
  into: Record<string, string> = {},
): Record<string, string> {
  const eq = item.indexOf("=");
  if (eq <= 0) {
    throw new ConfigError("benchmark", [{
      path: flag,
      expected: "name=value",
      received: JSON.stringify(item),
    }]);
  }
  return { ...into, [item.slice(0, eq)]: item.slice(eq + 1) };
}

/** The converter of a flag's text, by the kind its field's type implies. */
function converter(flag: BackendFlag): ((value: string, previous: unknown) => unknown) | undefined {
  const name = flag.flag.split(" ")[0];
  switch (flag.kind) {
    case "number":
      return (v) => parseNumber(v);
    case "args":
      return (v) => splitWords(v);
    case "pairs":
      return (v, prev) => parsePairs(name, v, prev as Record<string, string> | undefined);
    case "json":
      return (v) => {
        try {
          return JSON.parse(v);
        } catch {
          throw new ConfigError("benchmark", [{
            path: name,
            expected: "JSON",
            received: JSON.stringify(v),
          }]);
        }
      };
    case "boolean":
      return undefined;
    default:
      return (v) => v;
  }
}

/**
 * Adds the backend flags declared in the backend schemas
 * (`lib/config/backends.ts`) to a command, each with its help and the
 * converter of its value (number, words, `k=v` pairs, JSON).
 *
 * @param cmd The command (`run`).
 * @returns The command.
 *
 * @example
 * ```ts
 * import { addBackendFlags, backendOptionsFrom } from "./flags.ts";
 * import { Command } from "npm:commander@^15.1.0";
 * import assert from "node:assert/strict";
 *
 * const cmd = addBackendFlags(new Command().exitOverride());
 * cmd.parse(["--tensor-parallel", "2", "--no-enable-prefix-caching", "--header", "a=1", "b=2"], { from: "user" });
 * assert.deepEqual(backendOptionsFrom(cmd), {
 *   headers: { a: "1", b: "2" },
 *   tensorParallel: 2,
 *   enablePrefixCaching: false,
 * });
 * ```
 */
export function addBackendFlags(cmd: Command): Command {
  for (const f of backendFlags()) {
    const option = new Option(f.flag, f.help);
    const convert = converter(f);
    if (convert) option.argParser(convert);
    cmd.addOption(option);
  }
  return cmd;
}

/**
 * The backend fields set by the backend flags given on a parsed command's
 * line (flags not given are absent; dotted fields nest: `--docker-image`
 * becomes `{ docker: { image } }`).
 *
 * @param cmd The parsed command.
 * @returns The backend fields.
 *
 * @example
 * ```ts
 * import { addBackendFlags, backendOptionsFrom } from "./flags.ts";
 * import { Command } from "npm:commander@^15.1.0";
 * import assert from "node:assert/strict";
 *
 * const cmd = addBackendFlags(new Command().exitOverride());
 * cmd.parse(["--docker-image", "img", "--extra-args", "--seed 1", "--disable-radix-cache"], { from: "user" });
 * assert.deepEqual(backendOptionsFrom(cmd), {
 *   extraArgs: ["--seed", "1"],
 *   docker: { image: "img" },
 *   enableRadixCache: false,
 * });
 * ```
 */
export function backendOptionsFrom(cmd: Command): Record<string, unknown> {
  const opts = cmd.opts();
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const f of backendFlags()) {
    const option = new Option(f.flag);
    const key = option.attributeName();
    if (seen.has(key)) continue;
    seen.add(key);
    if (cmd.getOptionValueSource(key) !== "cli") continue;
    const raw = opts[key];
    // A boolean pair (--x / --no-x) shares one key; a lone off flag (--disable-x) holds true when given.
    const v = f.kind === "boolean" && !option.negate && f.sets === false ? !raw : raw;
    let target = out;
    for (const p of f.path.slice(0, -1)) target = (target[p] ??= {}) as Record<string, unknown>;
    target[f.path[f.path.length - 1]] = v;
  }
  return out;
}
