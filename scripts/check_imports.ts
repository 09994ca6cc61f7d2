/**
 * Checks the module rules of HOUSE_STYLE.md, as denoland/std checks its own
 * module graph: which `lib/` folders may import which, private files, what
 * runs at import time, where the console and the file system may be touched,
 * what `mod.ts` holds, and how npm packages are named.
 *
 * Each source file is parsed with the TypeScript compiler (so an import
 * inside a string or a comment is never mistaken for one, and a multi-line
 * import is never missed). The JSDoc `@example` blocks are parsed too: they
 * are code that `deno test --doc` runs.
 *
 * Run: `deno run -A scripts/check_imports.ts [--root DIR]`. Exits 1 listing
 * every violation, 0 when the rules hold.
 *
 * @module
 */

import ts from "npm:typescript@^6.0.3";
import { dirname, join, relative, resolve } from "node:path";

/** The rules, by id (each problem names one). */
const RULES = {
  "folder-imports": "a lib/ folder imports only the folders its row in ALLOWED names",
  "no-rule": "every lib/ folder has a row in ALLOWED",
  "adapter-import": "a core imports an adapter folder only through its interface and registry",
  "private-import": "a private file (_x.ts) is imported only from its own folder",
  "outside-lib": "a lib/ module imports only lib/ files (and npm:, node: specifiers)",
  "import-time": "nothing runs at import time",
  "console-only-in-cli":
    "cli.ts is the only place that touches Deno.args, Deno.exit and the console",
  "pure-folder": "stats/, analysis/ and report/ do no I/O and never measure",
  "mod-reexports-only": "mod.ts only re-exports, by name",
  "bare-specifier": "imports are npm: with a version, node: or relative paths",
  "npm-one-version": "each npm package is used with one version range across the project",
  "snake-case": "file names are snake_case",
  "syntax": "every source file parses (a file that does not is not checked further)",
} as const;

/** The id of a rule. */
export type RuleId = keyof typeof RULES;

/** One violation. */
export interface Problem {
  /** The file, relative to the root, with `/` separators. */
  file: string;
  /** 1-based line. */
  line: number;
  /** Which rule it breaks. */
  rule: RuleId;
  /** What was found, and what the rule expects. */
  message: string;
}

/**
 * For each `lib/` folder, the other `lib/` folders its modules may import.
 * Files directly in `lib/` (`version.ts`) import no folder and are open to
 * all. Data flows one way: workload → load → backends → record → metrics →
 * stats → analysis → report; runner/ wires. Type-only imports count like
 * any other (the rule is about what depends on what).
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  stats: [], // pure functions in, numbers out: nothing else from lib/
  util: [], // the smallest helpers (bytes, seeded random): a leaf
  clock: [], // monotonic time and precise waits: a leaf
  record: ["util"], // RequestRecord and its JSONL sink: below every stage that measures
  config: ["util"], // schemas and plain data: every stage reads it, it reads no stage
  http: ["util"], // HTTP/1.1 parsing and the client transports: below backends and sim
  // what to send; knows nothing of load, backends or HTTP; stats: the one quantile definition
  workload: ["config", "util", "clock", "stats"],
  load: ["config", "util", "clock"], // when to send: emits ticks, knows nothing of HTTP
  backends: ["config", "util", "clock", "http", "record"], // how to send; knows nothing of schedules
  servers: ["config", "util", "clock"], // start and stop engine processes; never the simulator
  gpu: ["config", "util", "clock"], // samplers beside the run (NVML); never on the request path
  engine: ["config", "util", "clock", "http"], // engine /metrics sampler beside the run, over HTTP
  trace: ["config", "util", "clock"], // NVTX and timeline export beside the run
  sim: ["config", "util", "clock", "http"], // the simulated engine: an HTTP server on public http/ files
  metrics: ["config", "util", "record", "stats"], // records in, metric values out; the metric table
  results: ["config", "util", "record", "metrics", "stats", "workload"], // the types the document stores
  analysis: ["config", "util", "results", "metrics", "stats"], // works on documents read back; pure
  history: ["config", "util", "results"], // the run store: documents in, documents out
  prom: ["config", "util", "clock", "record", "results", "metrics"], // Prometheus: live /metrics beside the run, Pushgateway after it
  importers: ["config", "util", "results", "metrics", "stats"], // other tools' saved results in, results documents out
  report: ["util", "results", "metrics", "stats", "analysis"], // renders documents and analyses to strings; never measures
  runner: ["*"], // the composition root: it alone wires the stages together
  cli: ["config", "util", "runner", "results", "report", "analysis"], // thin: everything else through the runner
};

/**
 * Adapter folders (hono's rule: the core never imports an adapter). Outside
 * its own folder, only these files of it may be imported, so that adding an
 * engine (SGLang) never touches the runner.
 */
const ADAPTERS: Readonly<Record<string, readonly string[]>> = {
  backends: ["backend.ts", "registry.ts"], // the Backend interface and the one registry
  servers: ["server.ts"], // startServer; the process details stay inside
};

/**
 * Folders whose modules do no I/O: no `Deno.*` value, no `fetch`, no
 * `console`, no file, process or network module of node:, and no clock
 * reads (they never measure).
 */
const PURE_FOLDERS: readonly string[] = ["stats", "analysis", "report"];

/** node: modules that do I/O (forbidden in {@linkcode PURE_FOLDERS}). */
const NODE_IO = /^node:(fs|fs\/promises|child_process|net|http|https|http2|dgram|os|process)$/;

/** Calls that schedule or run work, forbidden at the top level of a module. */
const IMPORT_TIME_CALLS = new Set([
  "setTimeout",
  "setInterval",
  "queueMicrotask",
  "addEventListener",
  "fetch",
  "dlopen",
]);

/** Deno members that are the console or the process's arguments and exit (cli.ts only). */
const CONSOLE_MEMBERS = new Set(["args", "exit", "stdin", "stdout", "stderr"]);

/** Folders never scanned (build output, dependencies, the demo's output). */
const SKIP_DIRS = new Set([".git", "node_modules", "dist", "splleed-demo", "coverage"]);

const SOURCE = /\.(ts|tsx|mts|js|mjs|jsx)$/;
const SNAKE = /^_?[a-z0-9]+(?:_[a-z0-9]+)*\.(ts|tsx|mts|js|mjs|jsx)$/;
const DOC_FENCE = /^```(ts|typescript|js|javascript|tsx|jsx|mts)\b/;

/** A module reference found in a file. */
interface Ref {
  /** The specifier as written. */
  spec: string;
  /** 1-based line. */
  line: number;
  /** In a JSDoc example rather than the module's own code. */
  doc: boolean;
}

/** A scanned source file. */
interface Source {
  /** Path relative to the root, `/`-separated. */
  rel: string;
  /** Absolute path. */
  abs: string;
  /** The parsed file. */
  sf: ts.SourceFile;
  /** A test (`*_test.ts`). */
  test: boolean;
}

function* walk(dir: string): Generator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory) {
      if (!SKIP_DIRS.has(e.name) && !e.name.startsWith(".")) yield* walk(p);
    } else if (e.isFile && SOURCE.test(e.name)) {
      yield p;
    }
  }
}

function lineOf(sf: ts.SourceFile, node: ts.Node): number {
  return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
}

/** Every module reference of a parsed file: static, dynamic, type-only, and worker URLs. */
function refsOf(sf: ts.SourceFile, lineOffset: number, doc: boolean): Ref[] {
  const refs: Ref[] = [];
  const add = (lit: ts.Node) => {
    if (ts.isStringLiteralLike(lit)) {
      refs.push({ spec: lit.text, line: lineOf(sf, lit) + lineOffset, doc });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      if (node.moduleSpecifier) add(node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node)) {
      const r = node.moduleReference;
      if (ts.isExternalModuleReference(r)) add(r.expression);
    } else if (ts.isImportTypeNode(node)) {
      const a = node.argument;
      if (ts.isLiteralTypeNode(a)) add(a.literal);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      if (node.arguments.length > 0) add(node.arguments[0]);
    } else if (
      // new URL("./_worker.ts", import.meta.url): a module loaded by reference (a worker).
      ts.isNewExpression(node) && ts.isIdentifier(node.expression) &&
      node.expression.text === "URL" && node.arguments?.length === 2 &&
      ts.isStringLiteralLike(node.arguments[0]) && SOURCE.test(node.arguments[0].text) &&
      node.arguments[1].getText(sf) === "import.meta.url"
    ) {
      add(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

/** The JSDoc comments of a parsed file (never a `/**` inside a string or a template). */
function jsdocComments(sf: ts.SourceFile): ts.CommentRange[] {
  const text = sf.text;
  const seen = new Map<number, ts.CommentRange>();
  const collect = (ranges: ts.CommentRange[] | undefined) => {
    for (const r of ranges ?? []) {
      if (
        r.kind === ts.SyntaxKind.MultiLineCommentTrivia && text.startsWith("/**", r.pos) &&
        !seen.has(r.pos)
      ) {
        seen.set(r.pos, r);
      }
    }
  };
  const visit = (node: ts.Node): void => {
    collect(ts.getLeadingCommentRanges(text, node.pos));
    collect(ts.getTrailingCommentRanges(text, node.end));
    ts.forEachChild(node, visit);
  };
  visit(sf);
  collect(ts.getLeadingCommentRanges(text, sf.endOfFileToken.pos));
  return [...seen.values()].sort((a, b) => a.pos - b.pos);
}

/** The code blocks of the file's JSDoc comments, with the line each starts on (0-based). */
function docExamples(sf: ts.SourceFile): { code: string; line0: number }[] {
  const out: { code: string; line0: number }[] = [];
  for (const c of jsdocComments(sf)) {
    const startLine = sf.getLineAndCharacterOfPosition(c.pos).line;
    const lines = sf.text.slice(c.pos, c.end).split("\n").map((l) =>
      l.replace(/^\s*\/?\*+\/?\s?/, "")
    );
    let block: string[] | null = null;
    let blockLine = 0;
    for (const [i, l] of lines.entries()) {
      if (block === null) {
        if (DOC_FENCE.test(l.trim())) {
          block = [];
          blockLine = startLine + i + 1;
        }
      } else if (l.trim().startsWith("```")) {
        out.push({ code: block.join("\n"), line0: blockLine });
        block = null;
      } else {
        block.push(l);
      }
    }
  }
  return out;
}

/** Where a relative specifier points, relative to the root; null for npm:, node: and such. */
function target(src: Source, spec: string, root: string): string | null {
  if (!spec.startsWith("./") && !spec.startsWith("../")) return null;
  return relative(root, resolve(dirname(src.abs), spec)).split("\\").join("/");
}

/** The folder that owns a file for the private-file rule: `lib/<folder>` in lib/, else its directory. */
function ownerFolder(rel: string): string {
  const parts = rel.split("/");
  if (parts[0] === "lib" && parts.length > 2) return `lib/${parts[1]}`;
  return parts.slice(0, -1).join("/");
}

function inside(rel: string, folder: string): boolean {
  return folder === "" ? true : rel.startsWith(`${folder}/`);
}

function basename(rel: string): string {
  return rel.slice(rel.lastIndexOf("/") + 1);
}

/** `npm:@scope/name@range/sub` → name and range. */
function parseNpm(spec: string): { name: string; range: string | null } {
  const m = /^npm:((?:@[^/@]+\/)?[^/@]+)(?:@([^/]+))?/.exec(spec);
  return m ? { name: m[1], range: m[2] ?? null } : { name: spec.slice(4), range: null };
}

/** `Deno` used as a value (not a type, not a property name). */
function isDenoValue(node: ts.Node): node is ts.Identifier {
  if (!ts.isIdentifier(node) || node.text !== "Deno") return false;
  const p = node.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === node) return false;
  if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && p.name === node) return false;
  if (ts.isQualifiedName(p) || ts.isTypeReferenceNode(p)) return false;
  return true;
}

/** The member read off `Deno` (`Deno.exit` → "exit"), if the identifier is followed by one. */
function denoMember(node: ts.Identifier): string | null {
  const p = node.parent;
  if (ts.isPropertyAccessExpression(p) && p.expression === node) return p.name.text;
  if (ts.isElementAccessExpression(p) && p.expression === node) {
    return ts.isStringLiteralLike(p.argumentExpression) ? p.argumentExpression.text : "[...]";
  }
  return null;
}

/** The name a call goes to: `setTimeout(...)`, `globalThis.setTimeout(...)`, `lib.dlopen(...)`. */
function calleeName(e: ts.Expression): string | null {
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return null;
}

function isFunctionLike(node: ts.Node): boolean {
  return ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node);
}

function isTypeOnly(node: ts.Node): boolean {
  return ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) || ts.isImportDeclaration(node) ||
    ts.isExportDeclaration(node) ||
    (ts.isModuleDeclaration(node) &&
      (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Ambient) !== 0);
}

function isImportMetaMain(e: ts.Expression): boolean {
  return ts.isPropertyAccessExpression(e) && e.name.text === "main" &&
    ts.isMetaProperty(e.expression) && e.expression.name.text === "meta";
}

/**
 * Visits the nodes of a module that run when it is imported: its top-level
 * statements, not the bodies of functions, methods or (non-static) class
 * members, and not types.
 */
function visitImportTime(
  sf: ts.SourceFile,
  allowMainGuard: boolean,
  visit: (node: ts.Node) => void,
): void {
  const go = (node: ts.Node): void => {
    if (isTypeOnly(node)) return;
    if (isFunctionLike(node)) {
      // Only the decorators run at definition; parameters and bodies run when called.
      return;
    }
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      for (const h of node.heritageClauses ?? []) for (const t of h.types) go(t.expression);
      for (const m of node.members) {
        if (m.name && ts.isComputedPropertyName(m.name)) go(m.name.expression);
        const isStatic = ts.canHaveModifiers(m) &&
          (ts.getCombinedModifierFlags(m as ts.Declaration) & ts.ModifierFlags.Static) !== 0;
        if (ts.isPropertyDeclaration(m) && isStatic && m.initializer) go(m.initializer);
        if (ts.isClassStaticBlockDeclaration(m)) go(m.body);
      }
      return;
    }
    if (allowMainGuard && ts.isIfStatement(node) && isImportMetaMain(node.expression)) return;
    visit(node);
    ts.forEachChild(node, go);
  };
  for (const st of sf.statements) go(st);
}

/** Problems of what a module runs at import time. */
function importTimeProblems(src: Source, allowMainGuard: boolean): Problem[] {
  const out: Problem[] = [];
  const sf = src.sf;
  const add = (node: ts.Node, what: string) =>
    out.push({
      file: src.rel,
      line: lineOf(sf, node),
      rule: "import-time",
      message: `${what} at the top level runs at import time (${
        allowMainGuard
          ? "put it inside `if (import.meta.main)` or a function"
          : "move it into a function"
      }): ${firstLine(node.getText(sf))}`,
    });
  visitImportTime(sf, allowMainGuard, (node) => {
    if (ts.isAwaitExpression(node)) add(node, "await");
    else if (ts.isForOfStatement(node) && node.awaitModifier) add(node, "for await");
    else if (
      ts.isVariableDeclarationList(node) &&
      (node.flags & ts.NodeFlags.BlockScoped) === ts.NodeFlags.AwaitUsing
    ) {
      add(node, "await using");
    } else if (isDenoValue(node)) {
      const m = denoMember(node);
      add(node.parent, m ? `Deno.${m}` : "Deno");
    } else if (ts.isCallExpression(node)) {
      const name = calleeName(node.expression);
      if (name !== null && IMPORT_TIME_CALLS.has(name)) add(node, `${name}()`);
    } else if (ts.isNewExpression(node)) {
      const name = calleeName(node.expression);
      if (name === "Worker") add(node, "new Worker()");
    }
  });
  return out;
}

function firstLine(s: string): string {
  const l = s.split("\n")[0].trim();
  return l.length > 80 ? `${l.slice(0, 77)}...` : l;
}

/** Visits every value node of a file (types skipped). */
function visitValues(sf: ts.SourceFile, visit: (node: ts.Node) => void): void {
  const go = (node: ts.Node): void => {
    if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) {
      return;
    }
    visit(node);
    ts.forEachChild(node, go);
  };
  go(sf);
}

/**
 * Methods that may print, by file: `BenchmarkResults.print()` and
 * `Comparison.print()` are conveniences for scripts (`results.print()`,
 * `diff.print()`), as the design allows; nothing
 * else in lib/ writes to the console.
 */
const CONSOLE_METHODS: Readonly<Record<string, string>> = {
  "lib/runner/results.ts": "print",
  "lib/runner/compare.ts": "print", // Comparison.print(), as BenchmarkResults.print()
};

function inMethod(node: ts.Node, name: string | undefined): boolean {
  if (name === undefined) return false;
  for (let p: ts.Node | undefined = node.parent; p !== undefined; p = p.parent) {
    if (ts.isMethodDeclaration(p) && ts.isIdentifier(p.name) && p.name.text === name) return true;
  }
  return false;
}

/** console, Deno.args, Deno.exit, Deno.std{in,out,err} anywhere in a module other than cli.ts. */
function consoleProblems(src: Source): Problem[] {
  const out: Problem[] = [];
  const allowedMethod = CONSOLE_METHODS[src.rel];
  visitValues(src.sf, (node) => {
    if (inMethod(node, allowedMethod)) return;
    let what: string | null = null;
    if (ts.isIdentifier(node) && node.text === "console") {
      const p = node.parent;
      const isName = (ts.isPropertyAccessExpression(p) && p.name === node) ||
        ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p)) &&
          p.name === node);
      if (!isName) what = "console";
    } else if (isDenoValue(node)) {
      const m = denoMember(node);
      if (m !== null && CONSOLE_MEMBERS.has(m)) what = `Deno.${m}`;
    }
    if (what !== null) {
      out.push({
        file: src.rel,
        line: lineOf(src.sf, node),
        rule: "console-only-in-cli",
        message:
          `uses ${what} (cli.ts is the only place that touches Deno.args, Deno.exit and the ` +
          `console; return strings or take an output callback): ${
            firstLine(node.parent.getText(src.sf))
          }`,
      });
    }
  });
  return out;
}

/** Deno, fetch, performance.now in a pure folder. */
function pureProblems(src: Source, folder: string): Problem[] {
  const out: Problem[] = [];
  const add = (node: ts.Node, what: string) =>
    out.push({
      file: src.rel,
      line: lineOf(src.sf, node),
      rule: "pure-folder",
      message: `lib/${folder} does no I/O and never measures, but this uses ${what}: ${
        firstLine(node.getText(src.sf))
      }`,
    });
  visitValues(src.sf, (node) => {
    if (isDenoValue(node)) {
      const m = denoMember(node);
      add(node.parent, m ? `Deno.${m}` : "Deno");
    } else if (ts.isCallExpression(node)) {
      const e = node.expression;
      if (ts.isIdentifier(e) && e.text === "fetch") add(node, "fetch()");
      if (
        ts.isPropertyAccessExpression(e) && e.name.text === "now" &&
        ts.isIdentifier(e.expression) && e.expression.text === "performance"
      ) {
        add(node, "performance.now()");
      }
    }
  });
  return out;
}

/**
 * mod.ts: only `export { a } from "..."`, `export type { A } from "..."` and
 * `export * as ns from "..."` (a namespace whose module names each export).
 */
function modProblems(src: Source): Problem[] {
  const out: Problem[] = [];
  for (const st of src.sf.statements) {
    const ok = ts.isExportDeclaration(st) && st.moduleSpecifier !== undefined &&
      st.exportClause !== undefined &&
      (ts.isNamedExports(st.exportClause) || ts.isNamespaceExport(st.exportClause));
    if (ok) continue;
    const star = ts.isExportDeclaration(st) && st.exportClause === undefined;
    out.push({
      file: src.rel,
      line: lineOf(src.sf, st),
      rule: "mod-reexports-only",
      message: star
        ? `\`export *\` re-exports whatever a module adds; name each export: ${
          firstLine(st.getText(src.sf))
        }`
        : `mod.ts holds only named re-exports (\`export { x } from\`, \`export type { X } from\`), got: ${
          firstLine(st.getText(src.sf))
        }`,
    });
  }
  return out;
}

/** The syntax errors the parser recovered from (the compiler keeps them on the file). */
function parseErrors(sf: ts.SourceFile): readonly ts.Diagnostic[] {
  return (sf as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? [];
}

function parse(rel: string, text: string): ts.SourceFile {
  const kind = rel.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  return ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, kind);
}

/**
 * Checks every rule of {@linkcode RULES} on the project under `root`
 * (its `lib/`, `mod.ts`, `cli.ts`, and the specifiers of every source file).
 *
 * @param root The project's root folder.
 * @returns The problems, in file order; empty when the rules hold.
 *
 * @example A tree whose stats/ imports metrics/
 * ```ts
 * import { checkTree } from "./check_imports.ts";
 * import assert from "node:assert/strict";
 *
 * const root = Deno.makeTempDirSync();
 * Deno.mkdirSync(`${root}/lib/stats`, { recursive: true });
 * Deno.mkdirSync(`${root}/lib/metrics`);
 * Deno.writeTextFileSync(`${root}/lib/metrics/ids.ts`, "export const IDS = [];\n");
 * Deno.writeTextFileSync(`${root}/lib/stats/q.ts`, 'import { IDS } from "../metrics/ids.ts";\n');
 * const problems = checkTree(root);
 * assert.equal(problems.length, 1);
 * assert.equal(problems[0].rule, "folder-imports");
 * assert.equal(problems[0].file, "lib/stats/q.ts");
 * Deno.removeSync(root, { recursive: true });
 * ```
 */
export function checkTree(root: string): Problem[] {
  root = resolve(root);
  const problems: Problem[] = [];
  const sources: Source[] = [];
  for (const abs of walk(root)) {
    const rel = relative(root, abs).split("\\").join("/");
    const text = Deno.readTextFileSync(abs);
    sources.push({ rel, abs, sf: parse(rel, text), test: /_test\.[mc]?[jt]sx?$/.test(rel) });
  }

  /** npm package → range → where. */
  const npm = new Map<string, Map<string, string[]>>();
  const libFolders = new Set<string>();

  for (const src of sources) {
    const parts = src.rel.split("/");
    const inLib = parts[0] === "lib";
    const fixture = parts.includes("testdata") || parts.includes("fixtures");
    // A lib module: part of what users import (tests and fixtures are not).
    const libModule = inLib && !src.test && !fixture;
    const folder = inLib && parts.length > 2 ? parts[1] : "";
    if (libModule && folder !== "") libFolders.add(folder);

    // File names.
    if (!SNAKE.test(basename(src.rel))) {
      problems.push({
        file: src.rel,
        line: 1,
        rule: "snake-case",
        message: `file names are snake_case (\`retry.ts\`, \`_chunk_scan.ts\`), got '${
          basename(src.rel)
        }'`,
      });
    }

    const syntax = parseErrors(src.sf);
    if (syntax.length > 0) {
      const d = syntax[0];
      problems.push({
        file: src.rel,
        line: src.sf.getLineAndCharacterOfPosition(d.start ?? 0).line + 1,
        rule: "syntax",
        message: `does not parse (${
          ts.flattenDiagnosticMessageText(d.messageText, " ")
        }); its rules were not checked`,
      });
      continue;
    }

    const refs = refsOf(src.sf, 0, false);
    for (const ex of docExamples(src.sf)) {
      refs.push(...refsOf(parse(`${src.rel}.example.ts`, ex.code), ex.line0, true));
    }

    for (const ref of refs) {
      const { spec, line } = ref;
      // Specifiers: npm: with a version, node:, or relative.
      if (spec.startsWith("npm:")) {
        const { name, range } = parseNpm(spec);
        if (range === null) {
          problems.push({
            file: src.rel,
            line,
            rule: "bare-specifier",
            message:
              `npm specifier without a version range: "${spec}" (write "npm:${name}@^x.y.z")`,
          });
        } else {
          const byRange = npm.get(name) ?? new Map<string, string[]>();
          npm.set(name, byRange);
          const at = byRange.get(range) ?? [];
          byRange.set(range, at);
          at.push(`${src.rel}:${line}`);
        }
        continue;
      }
      if (spec.startsWith("node:")) {
        if (libModule && !ref.doc && PURE_FOLDERS.includes(folder) && NODE_IO.test(spec)) {
          problems.push({
            file: src.rel,
            line,
            rule: "pure-folder",
            message: `lib/${folder} does no I/O, but this imports "${spec}"`,
          });
        }
        continue;
      }
      const to = target(src, spec, root);
      if (to === null) {
        problems.push({
          file: src.rel,
          line,
          rule: "bare-specifier",
          message:
            `"${spec}" is neither npm: with a version, node:, nor a relative path (there is no import map: write "npm:${spec}@^x.y.z")`,
        });
        continue;
      }

      // Private files: only from their own folder (its code and its tests).
      if (basename(to).startsWith("_")) {
        const owner = ownerFolder(to);
        if (!inside(src.rel, owner)) {
          problems.push({
            file: src.rel,
            line,
            rule: "private-import",
            message: `imports ${to}, a private file of ${owner}/ (only ${owner}/ may import it; ` +
              `make what is needed public there)`,
          });
        }
      }

      // Exceptions to the folder table, each on purpose: tests (`*_test.ts`),
      // test fixtures and JSDoc examples are not part of the module graph that
      // users import; like the runner, they wire modules together to check them
      // (timing tests take the simulator as ground truth). They still obey the
      // private-file, specifier and npm-version rules.
      if (!libModule || ref.doc) continue;
      const toParts = to.split("/");
      if (toParts[0] !== "lib") {
        if (folder === "" && to === "deno.json") continue; // version.ts reads the package version
        problems.push({
          file: src.rel,
          line,
          rule: "outside-lib",
          message:
            `imports ${to}, outside lib/ (a lib/ module imports only lib/ files, npm: and node:)`,
        });
        continue;
      }
      const toFolder = toParts.length > 2 ? toParts[1] : "";
      if (toFolder === folder || toFolder === "") continue;
      if (folder === "") {
        problems.push({
          file: src.rel,
          line,
          rule: "folder-imports",
          message: `imports ${to}: files directly in lib/ import no lib/ folder`,
        });
        continue;
      }
      const allowed = ALLOWED[folder];
      if (allowed === undefined) continue; // reported once below
      if (!allowed.includes("*") && !allowed.includes(toFolder)) {
        problems.push({
          file: src.rel,
          line,
          rule: "folder-imports",
          message: `imports ${to}, but lib/${folder} may import only ${
            allowed.length ? allowed.map((f) => `${f}/`).join(", ") : "nothing else from lib/"
          }`,
        });
        continue;
      }
      const adapterApi = ADAPTERS[toFolder];
      if (adapterApi !== undefined && !adapterApi.includes(toParts.slice(2).join("/"))) {
        problems.push({
          file: src.rel,
          line,
          rule: "adapter-import",
          message: `imports ${to}, an adapter of lib/${toFolder}; outside it, import only ${
            adapterApi.join(", ")
          } (adding an adapter must not touch lib/${folder})`,
        });
      }
    }

    // What runs at import time, and who touches the console.
    if (libModule) {
      problems.push(...importTimeProblems(src, false));
      problems.push(...consoleProblems(src));
      if (PURE_FOLDERS.includes(folder)) problems.push(...pureProblems(src, folder));
    } else if (src.rel === "mod.ts") {
      problems.push(...modProblems(src));
      problems.push(...importTimeProblems(src, false));
      problems.push(...consoleProblems(src));
    } else if (src.rel === "cli.ts") {
      problems.push(...importTimeProblems(src, true));
    }
  }

  for (const folder of [...libFolders].sort()) {
    if (ALLOWED[folder] === undefined) {
      problems.push({
        file: `lib/${folder}`,
        line: 1,
        rule: "no-rule",
        message:
          `lib/${folder}/ has no row in ALLOWED of scripts/check_imports.ts (say what it may import)`,
      });
    }
  }

  for (const [name, byRange] of [...npm].sort(([a], [b]) => a.localeCompare(b))) {
    if (byRange.size < 2) continue;
    const ranked = [...byRange].sort((a, b) => b[1].length - a[1].length);
    const first = ranked[1][1][0];
    problems.push({
      file: first.slice(0, first.lastIndexOf(":")),
      line: Number(first.slice(first.lastIndexOf(":") + 1)),
      rule: "npm-one-version",
      message: `npm:${name} is used with ${byRange.size} version ranges (use one): ${
        ranked.map(([r, at]) => `${r} in ${at.join(", ")}`).join("; ")
      }`,
    });
  }
  return problems;
}

/**
 * One problem as a line: `file:line: [rule] message`.
 *
 * @param p The problem.
 * @returns The line.
 *
 * @example
 * ```ts
 * import { formatProblem } from "./check_imports.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   formatProblem({ file: "lib/a/b.ts", line: 3, rule: "import-time", message: "await" }),
 *   "lib/a/b.ts:3: [import-time] await",
 * );
 * ```
 */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}: [${p.rule}] ${p.message}`;
}

/**
 * The script's entry: checks the tree at `--root DIR` (default: this
 * repository) and returns the exit code and the report.
 *
 * @param args Command-line arguments.
 * @returns 0 and a confirmation when the rules hold; 1 and every problem
 * otherwise; 2 and the usage on bad arguments.
 *
 * @example
 * ```ts
 * import { run } from "./check_imports.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(run(["--bogus"]).code, 2);
 * ```
 */
export function run(args: readonly string[]): { code: number; text: string } {
  let root = resolve(dirname(new URL(import.meta.url).pathname), "..");
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--root" && i + 1 < args.length) root = resolve(args[++i]);
    else if (args[i].startsWith("--root=")) root = resolve(args[i].slice("--root=".length));
    else {
      return {
        code: 2,
        text: `check_imports: expected [--root DIR], got ${JSON.stringify(args)}`,
      };
    }
  }
  const problems = checkTree(root);
  if (problems.length === 0) return { code: 0, text: "check_imports: module rules hold" };
  return {
    code: 1,
    text: `check_imports: ${problems.length} problem(s):\n  ${
      problems.map(formatProblem).join("\n  ")
    }`,
  };
}

if (import.meta.main) {
  const { code, text } = run(Deno.args);
  (code === 0 ? console.log : console.error)(text);
  Deno.exit(code);
}
