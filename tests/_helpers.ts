/**
 * Helpers for integration tests: running the CLI as a subprocess and
 * reading records files.
 *
 * @module
 */

const CLI = new URL("../cli.ts", import.meta.url).pathname;

/** Output of a finished CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `deno run -A cli.ts ...args` and waits for it.
 *
 * @param args CLI arguments.
 * @param cwd Working directory.
 * @returns Exit code and output.
 */
export async function runCli(args: string[], cwd?: string): Promise<CliRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * Starts a CLI subprocess without waiting for it.
 *
 * @param args CLI arguments.
 * @returns The child process (stdout and stderr piped).
 */
export function spawnCli(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/** A parsed records file: the run line and the request lines. */
export interface RecordsFile {
  run: Record<string, unknown>;
  requests: Record<string, unknown>[];
}

/**
 * Reads a JSONL records file; every line must be valid JSON.
 *
 * @param path File path.
 * @returns The run line and request lines.
 */
export async function readRecords(path: string): Promise<RecordsFile> {
  const lines = (await Deno.readTextFile(path)).split("\n").filter((l) => l !== "");
  const parsed = lines.map((l, i) => {
    try {
      return JSON.parse(l);
    } catch {
      throw new Error(`line ${i + 1} of ${path} is not JSON: ${l.slice(0, 80)}`);
    }
  });
  return { run: parsed[0], requests: parsed.slice(1) };
}

/**
 * Reads the first line a child process writes to stdout.
 *
 * @param child The process.
 * @returns The line, and the reader positioned after it.
 */
export async function firstLine(child: Deno.ChildProcess): Promise<string> {
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text.split("\n")[0].trim();
}

/**
 * Whether a process exists and is not a zombie (from `/proc`).
 *
 * @param pid Process id.
 * @returns True while it runs.
 */
export function alive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
