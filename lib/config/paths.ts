/**
 * Relative paths in a specification, resolved once: those in a config file
 * against the file's folder when it is parsed, those given as flags against
 * the working directory when the flags are applied. Later stages (the
 * runner, the workload loaders) see absolute paths only.
 *
 * The paths: `prompts.file`, `workload.path`, `workload.tokenizer` (when it
 * names a file: it ends in `.json` or exists; otherwise it is a Hugging Face
 * model id), `trace.path`, `out`, `records`, `html`, `backend.apiKeyFile`,
 * `backend.logFile`, `backend.binary` (when it holds a `/` or exists; a bare
 * name is looked up on `PATH`) and, for a managed `llamacpp` backend,
 * `backend.model` (the GGUF file, when it exists relative to the base).
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";

/**
 * Resolves a path against a base folder; an absolute path stays as it is.
 *
 * @param path The path.
 * @param baseDir The folder relative paths start from.
 * @returns The absolute path.
 *
 * @example
 * ```ts
 * import { resolvePath } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(resolvePath("prompts.txt", "/runs/a"), "/runs/a/prompts.txt");
 * assert.equal(resolvePath("/data/p.txt", "/runs/a"), "/data/p.txt");
 * ```
 */
export function resolvePath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves a tokenizer name when it names a file or folder (it ends in
 * `.json`, or exists relative to the base); a Hugging Face model id
 * (`Qwen/Qwen2.5-0.5B`) stays as it is.
 *
 * @param name The tokenizer option.
 * @param baseDir The folder relative paths start from.
 * @returns The absolute path, or the name unchanged.
 *
 * @example
 * ```ts
 * import { resolveTokenizer } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(resolveTokenizer("tok/tokenizer.json", "/runs"), "/runs/tok/tokenizer.json");
 * assert.equal(resolveTokenizer("Qwen/Qwen2.5-0.5B", "/nonexistent"), "Qwen/Qwen2.5-0.5B");
 * ```
 */
export function resolveTokenizer(name: string, baseDir: string): string {
  if (isAbsolute(name)) return name;
  const path = resolve(baseDir, name);
  return /\.json$/i.test(name) || exists(path) ? path : name;
}

/**
 * Resolves a path only when it exists relative to the base (a model that may
 * be a file or a name); otherwise returns it unchanged.
 *
 * @param path The path or name.
 * @param baseDir The folder relative paths start from.
 * @returns The absolute path when it exists, else `path`.
 *
 * @example
 * ```ts
 * import { resolveIfExists } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(resolveIfExists("no-such.gguf", "/nonexistent"), "no-such.gguf");
 * ```
 */
export function resolveIfExists(path: string, baseDir: string): string {
  if (isAbsolute(path)) return path;
  const p = resolve(baseDir, path);
  return exists(p) ? p : path;
}

/**
 * Resolves a command: a bare name (`llama-server`) is looked up on `PATH` and
 * stays as it is unless a file of that name exists relative to the base; a
 * path with a `/` is resolved.
 *
 * @param command The command.
 * @param baseDir The folder relative paths start from.
 * @returns The command, resolved when it is a path.
 *
 * @example
 * ```ts
 * import { resolveCommand } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(resolveCommand("bin/llama-server", "/opt"), "/opt/bin/llama-server");
 * assert.equal(resolveCommand("llama-server", "/nonexistent"), "llama-server");
 * ```
 */
export function resolveCommand(command: string, baseDir: string): string {
  return /[\\/]/.test(command) ? resolvePath(command, baseDir) : resolveIfExists(command, baseDir);
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Resolves the relative paths of a backend's data (see the module doc).
 *
 * @param backend Backend data (`{ type, ... }`); anything else is returned as it is.
 * @param baseDir The folder relative paths start from.
 * @returns A copy with the paths resolved.
 *
 * @example
 * ```ts
 * import { resolveBackendPaths } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   resolveBackendPaths({ type: "openai", endpoint: "http://h", apiKeyFile: "key.txt" }, "/etc/bench"),
 *   { type: "openai", endpoint: "http://h", apiKeyFile: "/etc/bench/key.txt" },
 * );
 * ```
 */
export function resolveBackendPaths(backend: unknown, baseDir: string): unknown {
  if (!isObject(backend)) return backend;
  const b: Obj = { ...backend };
  for (const k of ["apiKeyFile", "logFile"]) {
    if (typeof b[k] === "string") b[k] = resolvePath(b[k], baseDir);
  }
  if (typeof b.binary === "string") b.binary = resolveCommand(b.binary, baseDir);
  if (b.type === "llamacpp" && b.endpoint === undefined && typeof b.model === "string") {
    b.model = resolveIfExists(b.model, baseDir);
  }
  return b;
}

/**
 * Resolves the relative paths of a workload's data (`path`, `tokenizer`).
 *
 * @param workload Workload data; a list of prompts is returned as it is.
 * @param baseDir The folder relative paths start from.
 * @returns A copy with the paths resolved.
 *
 * @example
 * ```ts
 * import { resolveWorkloadPaths } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   resolveWorkloadPaths({ source: "sharegpt", path: "sg.json", tokenizer: "gpt2" }, "/nonexistent"),
 *   { source: "sharegpt", path: "/nonexistent/sg.json", tokenizer: "gpt2" },
 * );
 * ```
 */
export function resolveWorkloadPaths(workload: unknown, baseDir: string): unknown {
  if (!isObject(workload)) return workload;
  const w: Obj = { ...workload };
  if (typeof w.path === "string") w.path = resolvePath(w.path, baseDir);
  if (typeof w.tokenizer === "string") w.tokenizer = resolveTokenizer(w.tokenizer, baseDir);
  return w;
}

/**
 * Resolves every relative path of a specification (a parsed config file)
 * against a base folder (see the module doc for the list). The object is
 * not validated: fields of the wrong type are left for the schema to report.
 *
 * @param spec The specification data.
 * @param baseDir The folder relative paths start from (a config file's folder).
 * @returns A copy with the paths resolved.
 *
 * @example
 * ```ts
 * import { resolveConfigPaths } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * const spec = resolveConfigPaths({
 *   prompts: { file: "prompts.txt" },
 *   out: "results/run.json",
 *   records: false,
 * }, "/bench");
 * assert.deepEqual(spec, {
 *   prompts: { file: "/bench/prompts.txt" },
 *   out: "/bench/results/run.json",
 *   records: false,
 * });
 * ```
 */
export function resolveConfigPaths(spec: Obj, baseDir: string): Obj {
  const s: Obj = { ...spec };
  if (isObject(s.prompts) && typeof s.prompts.file === "string") {
    s.prompts = { ...s.prompts, file: resolvePath(s.prompts.file, baseDir) };
  }
  if (s.workload !== undefined) s.workload = resolveWorkloadPaths(s.workload, baseDir);
  if (isObject(s.trace) && typeof s.trace.path === "string") {
    s.trace = { ...s.trace, path: resolvePath(s.trace.path, baseDir) };
  }
  for (const k of ["out", "records", "html"]) {
    if (typeof s[k] === "string") s[k] = resolvePath(s[k], baseDir);
  }
  if (isObject(s.history) && typeof s.history.db === "string") {
    s.history = { ...s.history, db: resolvePath(s.history.db, baseDir) };
  }
  if (s.backend !== undefined) s.backend = resolveBackendPaths(s.backend, baseDir);
  return s;
}
