/**
 * What every command shares: the {@linkcode CliIO} that `cli.ts` binds to
 * the console, the exit codes, and how an error becomes a message and a code.
 *
 * @module
 */

import { ConfigError } from "../config/errors.ts";
import { redact } from "../util/redact.ts";

/** Where the CLI writes, and how it ends the process on a second interrupt. */
export interface CliIO {
  /** Writes to standard output (results). */
  out(text: string): void;
  /** Writes to standard error (progress, warnings, errors). */
  err(text: string): void;
  /** Ends the process at once (a second Ctrl-C). */
  exit(code: number): never;
  /** Whether standard output is a terminal (for colour). */
  isTerminal: boolean;
  /** Whether standard error is a terminal: progress is then one line redrawn in place. */
  errIsTerminal: boolean;
  /** Width of the terminal on standard error, in columns (the status line is cut to fit). */
  errColumns?(): number;
  /**
   * Width of the terminal on standard output, in columns, when it is one
   * (the results table wraps its levels to fit); absent when output goes to
   * a file or a pipe.
   */
  outColumns?(): number;
}

/**
 * The width the results table may take on standard output: its terminal's
 * columns, or undefined (no limit) when it is not a terminal or its size
 * cannot be read.
 *
 * @param io The CLI's output.
 * @returns The columns, or undefined.
 *
 * @example
 * ```ts
 * import { outWidth } from "./io.ts";
 * import assert from "node:assert/strict";
 *
 * const io = { out: () => {}, err: () => {}, exit: (() => { throw 0; }) as () => never, isTerminal: false, errIsTerminal: false };
 * assert.equal(outWidth(io), undefined);
 * assert.equal(outWidth({ ...io, outColumns: () => 100 }), 100);
 * assert.equal(outWidth({ ...io, outColumns: () => { throw new Error("no tty"); } }), undefined);
 * ```
 */
export function outWidth(io: CliIO): number | undefined {
  try {
    const c = io.outColumns?.();
    return typeof c === "number" && c > 0 ? c : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error,
 * 130 interrupted (results so far are still written).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/**
 * Writes an error to standard error, redacted (`lib/util/redact.ts`: a
 * server's error body may echo the key), and returns its exit code: 2 for a
 * configuration error, 1 for anything else.
 *
 * @param err The error.
 * @param io Where to write.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import { EXIT, reportError } from "./io.ts";
 * import { ConfigError } from "../config/errors.ts";
 * import assert from "node:assert/strict";
 *
 * let err = "";
 * const io = { out: () => {}, err: (s: string) => (err += s), exit: (() => { throw 0; }) as () => never, isTerminal: false, errIsTerminal: false };
 * assert.equal(reportError(new ConfigError("benchmark", [{ path: "runs", expected: "a positive integer", received: "0" }]), io), EXIT.usage);
 * assert.equal(reportError(new Error("connection refused"), io), EXIT.failure);
 * assert.match(err, /^error: Cannot start benchmark: 'runs' must be a positive integer, got 0\nerror: connection refused\n$/);
 * ```
 */
export function reportError(err: unknown, io: CliIO): number {
  io.err(redact(`error: ${err instanceof Error ? err.message : String(err)}\n`));
  return err instanceof ConfigError ? EXIT.usage : EXIT.failure;
}

/**
 * Installs SIGINT/SIGTERM handlers: the first aborts the signal it returns
 * (the run stops; finished measurements are kept), the second exits at once
 * with code 130.
 *
 * @param io Where the notice goes, and how to exit.
 * @returns The signal, and a function that removes the handlers.
 *
 * @example
 * ```ts
 * import { interruptOnSignals } from "./io.ts";
 * import assert from "node:assert/strict";
 *
 * const io = { out: () => {}, err: () => {}, exit: (() => { throw 0; }) as () => never, isTerminal: false, errIsTerminal: false };
 * const { signal, dispose } = interruptOnSignals(io);
 * assert.equal(signal.aborted, false);
 * dispose();
 * ```
 */
export function interruptOnSignals(io: CliIO): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handlers: [Deno.Signal, () => void][] = [];
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    const h = () => {
      if (controller.signal.aborted) io.exit(EXIT.interrupted);
      // On a terminal, replace the progress line rather than leave it above the message.
      const lead = io.errIsTerminal ? "\r\x1b[2K" : "\n";
      io.err(`${lead}${sig}: stopping; finished measurements are kept (again to quit at once)\n`);
      controller.abort(new Error(`interrupted by ${sig}`));
    };
    try {
      Deno.addSignalListener(sig, h);
      handlers.push([sig, h]);
    } catch {
      // Signals not supported on this platform (SIGTERM on Windows).
    }
  }
  return {
    signal: controller.signal,
    dispose() {
      for (const [sig, h] of handlers) Deno.removeSignalListener(sig, h);
    },
  };
}

/** Where the CLI runs from, for {@linkcode commandName}. */
export interface Runtime {
  /** The executable: `deno` under `deno run`, the binary itself when compiled. @default Deno.execPath() */
  execPath: string;
  /** The main module's URL; a compiled binary's lies in its embedded `deno-compile-` folder. @default Deno.mainModule */
  mainModule: string;
}

/**
 * The command a user types to run splleed again, for hints such as
 * "next: `splleed run ...`": the binary's name inside a `deno compile`
 * binary (its executable is not `deno`, its main module lies in the
 * embedded `deno-compile-` folder), else `deno task splleed`.
 *
 * @param runtime The executable and main module; read from `Deno` when absent.
 * @returns `splleed` (the binary's file name) or `deno task splleed`.
 *
 * @example
 * ```ts
 * import { commandName } from "./io.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(commandName({ execPath: "/usr/bin/deno", mainModule: "file:///src/splleed/cli.ts" }), "deno task splleed");
 * assert.equal(commandName({ execPath: "/opt/bin/splleed", mainModule: "file:///tmp/deno-compile-splleed/cli.ts" }), "splleed");
 * assert.equal(commandName({ execPath: "C:\\tools\\splleed-gpu.exe", mainModule: "file:///C:/deno-compile-splleed-gpu/cli.ts" }), "splleed-gpu");
 * ```
 */
export function commandName(runtime?: Runtime): string {
  let rt = runtime;
  if (rt === undefined) {
    try {
      rt = { execPath: Deno.execPath(), mainModule: Deno.mainModule };
    } catch {
      return "deno task splleed";
    }
  }
  const base = rt.execPath.split(/[\\/]/).pop()!.replace(/\.exe$/i, "");
  const compiled = rt.mainModule.includes("/deno-compile-") || !/^deno$/i.test(base);
  return compiled && base !== "" ? base : "deno task splleed";
}
