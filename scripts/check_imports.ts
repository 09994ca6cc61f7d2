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

/** For each folder: the lib folders it must not import (besides itself). */
const FORBIDDEN: Record<string, string[]> = {
  stats: ["*"], // pure: nothing else from lib/
  workload: [
    "load",
    "backends",
    "servers",
    "gpu",
    "trace",
    "sim",
    "runner",
    "report",
    "metrics",
    "analysis",
    "cli",
  ],
  load: [
    "workload",
    "backends",
    "servers",
    "gpu",
    "trace",
    "sim",
    "runner",
    "report",
    "metrics",
    "analysis",
    "cli",
  ],
  backends: [
    "workload",
    "load",
    "servers",
    "gpu",
    "trace",
    "sim",
    "runner",
    "report",
    "metrics",
    "analysis",
    "cli",
  ],
  servers: [
    "workload",
    "load",
    "backends",
    "gpu",
    "trace",
    "runner",
    "report",
    "metrics",
    "analysis",
    "cli",
  ],
  gpu: [
    "workload",
    "load",
    "backends",
    "servers",
    "trace",
    "sim",
    "runner",
    "report",
    "metrics",
    "analysis",
    "cli",
  ],
  trace: [
    "workload",
    "load",
    "backends",
    "servers",
    "gpu",
    "sim",
    "runner",
    "report",
    "metrics",
    "analysis",
    "cli",
  ],
  record: [
    "workload",
    "load",
    "backends",
    "servers",
    "gpu",
    "trace",
    "sim",
    "runner",
    "report",
    "metrics",
    "analysis",
    "cli",
  ],
  metrics: [
    "workload",
    "load",
    "backends",
    "servers",
    "gpu",
    "trace",
    "sim",
    "runner",
    "report",
    "analysis",
    "cli",
  ],
  report: [
    "workload",
    "load",
    "backends",
    "servers",
    "gpu",
    "trace",
    "sim",
    "runner",
    "analysis",
    "cli",
  ],
  analysis: ["workload", "load", "backends", "servers", "gpu", "trace", "sim", "runner", "cli"],
  sim: [
    "workload",
    "load",
    "backends",
    "servers",
    "gpu",
    "trace",
    "runner",
    "report",
    "metrics",
    "analysis",
    "cli",
  ],
  config: [
    "workload",
    "load",
    "backends",
    "servers",
    "gpu",
    "trace",
    "runner",
    "report",
    "metrics",
    "analysis",
    "cli",
  ],
  runner: ["cli"],
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
    const banned = FORBIDDEN[folder] ?? [];
    if (banned.includes("*") || banned.includes(tFolder)) {
      problems.push(`${rel}: imports ${target} (lib/${folder} must not import lib/${tFolder})`);
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
