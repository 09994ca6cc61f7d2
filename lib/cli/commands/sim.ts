/**
 * `splleed sim`: the built-in simulated engine on a port until interrupted.
 *
 * @module
 */

import type { SimulatorOptions } from "../../config/sim.ts";
import { serveSim } from "../../runner/serve_sim.ts";
import { type CliIO, EXIT, interruptOnSignals, reportError } from "../io.ts";

/** The options of `sim`, converted. */
export interface SimFlags {
  /** `--host`: the interface to listen on. @default "127.0.0.1" */
  host?: string;
  /** `--port` (0 picks a free one). @default 8000 */
  port?: number;
  /** `--ttft-ms`: deterministic time to first token. */
  ttftMs?: number;
  /** `--itl-ms`: deterministic inter-token interval. */
  itlMs?: number;
  /** `--profile`: realistic engine profile. */
  profile?: string;
  /** `--model`: the model name served. @default "splleed-sim" */
  model?: string;
  /** `--faults`: faults to inject. */
  faults?: Record<string, unknown>;
}

/**
 * Runs `splleed sim`: prints the URL on stdout, serves until SIGINT or
 * SIGTERM, then stops.
 *
 * @param flags The options given, converted.
 * @param io Where output goes.
 * @returns The exit code: 0 after an interrupt, 2 for a bad option, 1 when the port is taken
 *   ("port 8000 on 127.0.0.1 is already in use; choose another with --port (or 0 for any free port)").
 *
 * @example
 * ```ts
 * import { simCommand } from "./sim.ts";
 * import assert from "node:assert/strict";
 *
 * let err = "";
 * const io = { out: () => {}, err: (s: string) => (err += s), exit: (() => { throw 0; }) as () => never, isTerminal: false, errIsTerminal: false };
 * assert.equal(await simCommand({ port: 0, ttftMs: 5 }, io), 2);
 * assert.match(err, /'itlMs' must be given together with/);
 * ```
 */
export async function simCommand(flags: SimFlags, io: CliIO): Promise<number> {
  let sim;
  try {
    const options: Record<string, unknown> = {
      hostname: flags.host,
      port: flags.port ?? 8000,
      model: flags.model,
    };
    for (const k of ["ttftMs", "itlMs", "profile", "faults"] as const) {
      if (flags[k] !== undefined) options[k] = flags[k];
    }
    sim = serveSim(options as SimulatorOptions);
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      // The command line's words for the library's message: the flag to change.
      const port = flags.port ?? 8000, host = flags.host ?? "127.0.0.1";
      return reportError(
        new Deno.errors.AddrInUse(
          `port ${port} on ${host} is already in use; choose another with --port ` +
            "(or 0 for any free port)",
          { cause: err },
        ),
        io,
      );
    }
    return reportError(err, io);
  }
  io.out(`${sim.url}\n`);
  io.err(
    `splleed simulator listening on ${sim.url} (OpenAI-compatible: /v1/completions, /v1/chat/completions); Ctrl-C to stop\n`,
  );
  const { signal, dispose } = interruptOnSignals(io);
  await new Promise<void>((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
  dispose();
  await sim.close();
  return EXIT.ok;
}
