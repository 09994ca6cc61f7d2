/**
 * Checks the module-graph rules of HOUSE_STYLE.md, as denoland/std checks its
 * own: which `lib/` folders may import which, and that nothing runs at import
 * time (no top-level `await`, `Deno.*` calls or `dlopen` at the top level of a
 * `lib/` module). Exits 1 listing every violation.
 *
 * Run: `deno run -A scripts/check_imports.ts`
 *
 * @module
 */

import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const lib = join(root, "lib");

/**
 * For each folder: the other lib folders it may import (files directly in
 * lib/, such as version.ts, are open to all). Data flows one way; the
 * stages that talk to the outside world never import each other.
 */
const ALLOWED: Record<string, readonly string[]> = {
  stats: [], // pure: nothing else from lib/
  util: [],
  clock: [],
  http: [],
  record: [],
  config: ["sim", "util"], // sim: the profile names, as data
  workload: ["config", "util"],
  load: ["config", "clock", "util"],
  backends: ["config", "http", "record", "clock", "util"],
  servers: ["config", "sim", "util"],
  gpu: ["config", "util"],
  trace: ["config", "util"],
  sim: ["config", "http", "clock", "util"],
  metrics: ["config", "record", "stats"],
  results: ["metrics", "stats", "workload"], // the types the document holds
  report: ["metrics", "stats", "workload", "results"], // workload: the fingerprint it shows
  analysis: ["config", "metrics", "stats", "results"],
  runner: ["*"], // the composition root
  cli: ["*"],
};

function* walk(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* walk(p);
    else if (p.endsWith(".ts") && !p.endsWith("_test.ts")) yield p;
  }
}

const problems: string[] = [];
for (const file of walk(lib)) {
  const rel = relative(lib, file);
  const folder = rel.split("/")[0];
  const src = Deno.readTextFileSync(file);
  // Imports.
  for (const m of src.matchAll(/^(?:import|export)[^;]*?from\s+"([^"]+)"/gms)) {
    const spec = m[1];
    if (!spec.startsWith(".")) continue;
    const target = relative(lib, resolve(dirname(file), spec));
    if (target.startsWith("..")) continue; // deno.json and such
    const tFolder = target.split("/")[0];
    if (tFolder === folder || !target.includes("/")) continue;
    const allowed = ALLOWED[folder];
    if (allowed === undefined) {
      problems.push(`${rel}: lib/${folder} has no import rule in scripts/check_imports.ts`);
    } else if (!allowed.includes("*") && !allowed.includes(tFolder)) {
      problems.push(
        `${rel}: imports ${target} (lib/${folder} may import only: ${
          allowed.join(", ") || "nothing"
        })`,
      );
    }
  }
  // Nothing at import time: scan top-level statements (lines with no indentation).
  let depth = 0;
  for (const [i, line] of src.split("\n").entries()) {
    const code = line.replace(/\/\/.*$/, "").replace(
      /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g,
      '""',
    );
    if (depth === 0 && !line.startsWith(" ") && !line.startsWith("*") && !line.startsWith("/")) {
      if (
        /^\s*(?:export\s+)?(?:const|let|var)?[^=]*=?\s*await\b/.test(code) || /^await\b/.test(code)
      ) {
        problems.push(`${rel}:${i + 1}: top-level await`);
      }
      const deno = code.search(
        /(^|[=(\s])Deno\.(?!errors\b|Signal\b|Conn\b|TcpConn\b|NetAddr\b|ChildProcess\b|ForeignLibraryInterface\b|PointerValue\b)[a-zA-Z]+/,
      );
      const deferred = /=>|\bfunction\b/.test(code.slice(0, Math.max(0, deno)));
      if (deno >= 0 && !deferred && !/^\s*(?:export\s+)?(?:type|interface)\b/.test(code)) {
        problems.push(`${rel}:${i + 1}: Deno API used at the top level: ${line.trim()}`);
      }
      if (/\bdlopen\s*\(/.test(code)) problems.push(`${rel}:${i + 1}: dlopen at the top level`);
    }
    for (const ch of code) {
      if (ch === "{" || ch === "(" || ch === "[") depth++;
      else if (ch === "}" || ch === ")" || ch === "]") depth--;
    }
  }
}

if (problems.length > 0) {
  console.error(`check_imports: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  Deno.exit(1);
}
console.log("check_imports: module rules hold");
