/**
 * Checking where a run will write, before it sends its first request: the
 * results file (`out`) and the per-request records. A path splleed cannot
 * write, a folder it cannot write in, `out` and the records being one file,
 * or a disk too full for the records would otherwise fail at the end of a
 * long run, or part-way through it. Folders that do not exist yet are fine
 * (they are created, as `save()` and the records file do) as long as the
 * nearest one that exists can be written in.
 *
 * @module
 */

import { statfs } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { ConfigError } from "../config/errors.ts";

/** Estimated bytes of the records file per request (one JSON line with a timestamp per token). */
export const RECORD_BYTES_ESTIMATE = 1536;
/** Bytes added to every estimate: the records file's header, the results document, slack. */
export const OUTPUT_SLACK_BYTES = 1 << 20;
/**
 * A warning when free space is below this many times the estimate: long
 * outputs write more per request than {@linkcode RECORD_BYTES_ESTIMATE}.
 */
export const TIGHT_FACTOR = 3;

/** Where a run writes. */
export interface OutputTargets {
  /** The results file (`.json` or `.csv`), if any. */
  out?: string;
  /** The records file, `null` for none, or `"temp"` for a new temporary file. */
  records: string | null | "temp";
  /** Requests the run plans to send (warm-up included), for the free-space estimate. */
  plannedRequests?: number;
}

/** What {@linkcode checkOutputs} asks of the system; replaceable in tests. */
export interface CheckOutputsDeps {
  /**
   * Free bytes (for an unprivileged user) on the filesystem of a folder, or
   * undefined when it cannot be known. @default `statfs` (undefined on a
   * filesystem that reports no blocks, such as /proc)
   */
  freeBytes?: (dir: string) => Promise<number | undefined>;
}

/**
 * Checks the output paths of a run before anything runs: the extension of
 * `out`, that each file can be written (the nearest existing folder of each
 * is tried with a temporary file, which is removed), that `out` and the
 * records are not one file, and that the records fit on their disk.
 *
 * A records path that exists and is not a regular file (`/dev/null`, a
 * pipe) is taken as it is.
 *
 * @param o The results path, the records path, the requests planned.
 * @param deps The free-space probe. @default statfs
 * @returns Warnings: free space that is tight for the records.
 * @throws {ConfigError} When `out` does not end in `.json` or `.csv`, or
 *   `out` and the records are the same file (exit 2).
 * @throws {Error} When a path is a folder, a folder cannot be written in or
 *   created, a file cannot be written, or the records clearly do not fit
 *   (both figures given).
 *
 * @example
 * ```ts
 * import { checkOutputs } from "./outputs.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * assert.deepEqual(
 *   await checkOutputs({ out: `${dir}/r.json`, records: `${dir}/r.records.jsonl`, plannedRequests: 10 }),
 *   [],
 * );
 * await assert.rejects(
 *   checkOutputs({ out: `${dir}/r.yaml`, records: null }),
 *   /'out' must be a path ending in \.json \(the results document\) or \.csv/,
 * );
 * assert.deepEqual(await checkOutputs({ records: "/dev/null" }), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkOutputs(
  o: OutputTargets,
  deps: CheckOutputsDeps = {},
): Promise<string[]> {
  const freeBytes = deps.freeBytes ?? statfsFree;
  const warnings: string[] = [];
  const out = o.out === undefined ? undefined : resolve(o.out);
  const records = o.records === null || o.records === "temp" ? o.records : resolve(o.records);

  if (out !== undefined && !/\.(json|csv)$/i.test(out)) {
    throw new ConfigError("benchmark", [{
      path: "out",
      expected: "a path ending in .json (the results document) or .csv (its table)",
      received: JSON.stringify(o.out),
    }]);
  }
  if (out !== undefined && typeof records === "string" && records !== "temp") {
    if (await canonical(out) === await canonical(records)) {
      throw new ConfigError("benchmark", [{
        path: "records",
        expected: "another file than 'out' (the records would overwrite the results, or the " +
          "reverse); leave it out for one beside 'out'",
        received: `${JSON.stringify(o.records)}, the same file as 'out'`,
      }]);
    }
  }

  // Where each file goes; a records path that is a device or pipe is taken as it is.
  const folders = new Map<string, { need: number; what: string }>();
  if (out !== undefined) {
    const dir = await writableFolder(out, "out");
    folders.set(dir, { need: OUTPUT_SLACK_BYTES, what: "the results" });
  }
  if (records === "temp") {
    const dir = await tempFolder();
    addNeed(folders, dir, o.plannedRequests);
  } else if (records !== null && !(await isSpecial(records))) {
    const dir = await writableFolder(records, "records");
    addNeed(folders, dir, o.plannedRequests);
  }

  for (const [dir, { need, what }] of folders) {
    const free = await freeBytes(dir);
    if (free === undefined) continue;
    const figures = `${what} need about ${formatBytes(need)}` +
      (o.plannedRequests ? ` (${o.plannedRequests} planned requests)` : "") +
      `; ${formatBytes(free)} is free in ${dir}`;
    if (free < need) {
      throw new Error(`Cannot start benchmark: not enough free space: ${figures}`);
    }
    if (free < need * TIGHT_FACTOR) {
      warnings.push(
        `little free space: ${figures} (long outputs write more per request; ` +
          "give the records a path on another disk with --records PATH)",
      );
    }
  }
  return warnings;
}

function addNeed(
  folders: Map<string, { need: number; what: string }>,
  dir: string,
  planned: number | undefined,
): void {
  const need = (planned ?? 0) * RECORD_BYTES_ESTIMATE + OUTPUT_SLACK_BYTES;
  const had = folders.get(dir);
  folders.set(dir, {
    need: need + (had ? had.need : 0),
    what: had ? "the results and records" : "the records",
  });
}

/** Free bytes on the filesystem of `dir`, or undefined when unknown. */
async function statfsFree(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    // Pseudo filesystems (/proc, /sys) report no blocks at all.
    return s.blocks > 0 ? s.bavail * s.bsize : undefined;
  } catch {
    return undefined;
  }
}

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (err) {
    // A part of the path that is a file: nothing is there either.
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw err;
  }
}

/** Whether `path` exists and is neither a file nor a folder (`/dev/null`, a pipe, a socket). */
async function isSpecial(path: string): Promise<boolean> {
  const info = await statOrNull(path).catch(() => null);
  return info !== null && !info.isFile && !info.isDirectory;
}

/**
 * A path with every existing part resolved by `realPath` (symbolic links,
 * `..`), so that two names of one file compare equal even before it exists.
 */
async function canonical(path: string): Promise<string> {
  let dir = path;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = await Deno.realPath(dir);
      return rest.length === 0 ? real : join(real, ...rest.reverse());
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return path;
      rest.push(basename(dir));
      dir = parent;
    }
  }
}

/**
 * Checks that the file at `path` can be written, and returns the folder
 * whose free space counts: the nearest existing folder of `path`.
 */
async function writableFolder(path: string, field: "out" | "records"): Promise<string> {
  const name = `'${field}' ${JSON.stringify(path)}`;
  const info = await statOrNull(path).catch((err) => {
    throw new Error(`Cannot start benchmark: cannot use ${name}: ${message(err)}`);
  });
  if (info?.isDirectory) {
    throw new Error(
      `Cannot start benchmark: ${name} is a folder; give a file path` +
        (field === "out" ? " ending in .json or .csv" : " (the records are one JSONL file)"),
    );
  }
  // The nearest folder that exists: the file's own, or one above it.
  let dir = dirname(path);
  for (;;) {
    const d = await statOrNull(dir).catch(() => null);
    if (d !== null) {
      if (!d.isDirectory) {
        throw new Error(
          `Cannot start benchmark: cannot create the folder of ${name}: ` +
            `${JSON.stringify(dir)} is a file, not a folder`,
        );
      }
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const missing = relative(dir, dirname(path));
  try {
    const probe = await Deno.makeTempFile({ dir, prefix: ".splleed-write-check-" });
    await Deno.remove(probe);
  } catch (err) {
    throw new Error(
      `Cannot start benchmark: cannot write ${name}: the folder ${JSON.stringify(dir)} ` +
        `is not writable (${message(err)})` +
        (missing !== "" ? ` and ${JSON.stringify(missing)} would have to be created in it` : ""),
    );
  }
  if (info !== null) {
    // It exists: it will be overwritten, which needs write permission on the file itself.
    try {
      (await Deno.open(path, { write: true })).close();
    } catch (err) {
      throw new Error(`Cannot start benchmark: cannot overwrite ${name}: ${message(err)}`);
    }
  }
  return dir;
}

/** The folder of temporary files, checked by making (and removing) one there. */
async function tempFolder(): Promise<string> {
  let probe: string;
  try {
    probe = await Deno.makeTempFile({ prefix: ".splleed-write-check-" });
  } catch (err) {
    throw new Error(
      "Cannot start benchmark: cannot write the records to a temporary file " +
        `(${message(err)}); set TMPDIR to a writable folder, or give --records PATH`,
    );
  }
  await Deno.remove(probe);
  return dirname(probe);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Bytes in binary units, to 2 significant digits.
 *
 * @param n Bytes.
 * @returns "1.5 KiB", "150 MiB", "2.0 GiB".
 *
 * @example
 * ```ts
 * import { formatBytes } from "./outputs.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatBytes(1536), "1.5 KiB");
 * assert.equal(formatBytes(150 * 2 ** 20), "150 MiB");
 * assert.equal(formatBytes(12), "12 B");
 * ```
 */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v >= 10 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}
