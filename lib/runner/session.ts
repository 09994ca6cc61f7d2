/**
 * A run's session: the engine started (managed mode) or reached (connect
 * mode), the backend connected, the run's abort signal wired to the
 * caller's signal, to SIGINT/SIGTERM while splleed owns an engine, and to
 * the engine dying; and teardown that always happens.
 *
 * @module
 */

import type { Backend, BackendClient } from "../backends/backend.ts";
import type { BenchmarkSpec } from "../config/benchmark.ts";
import type { LaunchSpec } from "../config/launch.ts";
import { createFetchTransport } from "../http/fetch_transport.ts";
import { createHttp1Transport } from "../http/http1_transport.ts";
import type { HttpTransport } from "../http/transport.ts";
import { startServer } from "../servers/server.ts";
import { startSimulatorWorker } from "../sim/in_process.ts";

/**
 * What cut a run short: a signal, the caller's abort, the server going away
 * (a managed engine died, or the server stopped accepting connections), or
 * the server rejecting the first requests in a way retrying will not change.
 */
export type InterruptionCause = "signal" | "abort" | "server_exit" | "rejected";

/** A managed engine that is up. */
export interface Engine {
  /** Base URL. */
  readonly endpoint: string;
  /** How it was started, for the results (no secrets). */
  readonly info: Record<string, unknown>;
  /** Stops it (idempotent). */
  stop(): Promise<void>;
  /** Resolves with an error if it dies before it is stopped; never rejects. */
  readonly died?: Promise<Error>;
}

/**
 * Starts a managed engine and waits until it answers: the simulator on a
 * worker thread of this process, anything else as a child process (or a
 * container) through `lib/servers/`.
 *
 * @param launch What to start.
 * @param onSignal Told of the first SIGINT/SIGTERM/SIGHUP while an engine process runs.
 * @returns The running engine.
 * @throws {Error} When it cannot be started, saying why.
 *
 * @example
 * ```ts
 * import { startEngine } from "./session.ts";
 * import assert from "node:assert/strict";
 *
 * const e = await startEngine({ kind: "simulator", options: { ttftMs: 1, itlMs: 1 } });
 * assert.match(e.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
 * await e.stop();
 * ```
 */
export async function startEngine(
  launch: LaunchSpec,
  onSignal?: (signal: Deno.Signal) => void,
): Promise<Engine> {
  if (launch.kind === "simulator") {
    const sim = await startSimulatorWorker(launch.options);
    return {
      endpoint: sim.url,
      info: { managed: "simulator (in-process worker)", options: launch.options },
      stop: () => sim.stop(),
    };
  }
  const s = await startServer(launch, { onSignal });
  return { endpoint: s.endpoint, info: s.info, stop: () => s.stop(), died: s.died };
}

/** An open session: a connected client and the run's abort signal. */
export interface Session {
  /** The connected backend. */
  readonly client: BackendClient;
  /** The endpoint requests go to. */
  readonly endpoint: string;
  /** The HTTP client. */
  readonly transport: HttpTransport;
  /** The managed engine, when splleed started one. */
  readonly engine: Engine | undefined;
  /** Aborted when the run must stop (caller's signal, a signal, the engine dying). */
  readonly signal: AbortSignal;
  /** What aborted the run, once it is aborted. */
  readonly cause: InterruptionCause | null;
  /** Why, in words (null while not aborted). */
  interruption(): string | null;
  /**
   * Ends the run from within (the runner's own guards): aborts the signal
   * with `why` as its reason, unless the run is already ending.
   *
   * @param cause What cut it short.
   * @param why Why, in words (the results' `interruption`).
   */
  end(cause: InterruptionCause, why: Error): void;
  /** Disconnects and stops what the session started (idempotent, never throws). */
  close(): Promise<void>;
}

function makeTransport(t: BenchmarkSpec["transport"]): HttpTransport {
  if (typeof t === "object") return t as unknown as HttpTransport;
  return t === "fetch" ? createFetchTransport() : createHttp1Transport();
}

/**
 * Opens a session: starts the engine when the backend has a launch spec and
 * no endpoint, connects, and wires the abort signal. Whatever fails after
 * the engine started, the engine is stopped before the error propagates.
 *
 * @param spec The parsed specification (transport, signal, sampling).
 * @param backend The backend.
 * @returns The session; call `close()` in a `finally`.
 * @throws {TypeError} When the backend has neither an endpoint nor a way to start a server.
 * @throws {Error} When the engine cannot be started or reached.
 *
 * @example Connect to the simulator the session starts
 * ```ts
 * import { openSession } from "./session.ts";
 * import { simulator } from "../backends/simulator.ts";
 * import { parseBenchmarkSpec } from "../config/parse.ts";
 * import assert from "node:assert/strict";
 *
 * const backend = simulator({ ttftMs: 1, itlMs: 1 });
 * const spec = parseBenchmarkSpec({ backend, prompts: ["hi"] });
 * const s = await openSession(spec, backend);
 * try {
 *   assert.equal(s.client.model, "splleed-sim");
 *   assert.equal(s.signal.aborted, false);
 * } finally {
 *   await s.close();
 * }
 * ```
 */
export async function openSession(spec: BenchmarkSpec, backend: Backend): Promise<Session> {
  if (!backend.launch && !backend.endpoint) {
    throw new TypeError(
      `Cannot start benchmark: backend '${backend.kind}' has neither an endpoint nor a way to start a server`,
    );
  }
  const run = new AbortController();
  let cause: InterruptionCause | null = null;
  const onAbort = () => {
    cause ??= "abort";
    run.abort(spec.signal?.reason);
  };
  if (spec.signal?.aborted) onAbort();
  spec.signal?.addEventListener("abort", onAbort, { once: true });
  const transport = makeTransport(spec.transport);
  let engine: Engine | undefined;
  let closed = false;
  /** The managed engine's exit during the run, once seen. */
  let death: Error | null = null;
  const close = async () => {
    if (closed) return;
    // The run ended because the server stopped answering: when the managed
    // engine has exited, its exit (code, log tail) says why better than a
    // refused connection does. Its exit status may be a moment behind.
    if (cause === "server_exit" && death === null && engine?.died !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        engine.died,
        new Promise<void>((r) => timer = setTimeout(r, EXIT_STATUS_WAIT_MS)),
      ]);
      clearTimeout(timer);
    }
    if (closed) return;
    closed = true;
    spec.signal?.removeEventListener("abort", onAbort);
    if (typeof spec.transport === "string") {
      try {
        transport.close();
      } catch { /* nothing left to release */ }
    }
    await engine?.stop().catch(() => {});
  };
  try {
    if (backend.launch) {
      engine = await startEngine(backend.launch, (sig) => {
        cause ??= "signal";
        run.abort(new Error(`interrupted by ${sig}`));
      });
      engine.died?.then((err) => {
        // Stopped by close(): not a death during the run.
        if (closed) return;
        death = err;
        if (run.signal.aborted) return;
        cause ??= "server_exit";
        run.abort(err);
      });
    }
    const endpoint = engine?.endpoint ?? backend.endpoint!;
    const client = await backend.connect({ endpoint, transport, sampling: spec.sampling });
    return {
      client,
      endpoint,
      transport,
      engine,
      signal: run.signal,
      get cause() {
        return run.signal.aborted ? cause ?? "abort" : null;
      },
      interruption: () =>
        !run.signal.aborted
          ? null
          : cause === "server_exit" && death !== null
          ? death.message
          : abortMessage(
            cause === "abort" || cause === null ? spec.signal?.reason : run.signal.reason,
          ),
      end(c: InterruptionCause, why: Error) {
        if (run.signal.aborted) return;
        cause = c;
        run.abort(why);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** How long closing a run ended by `server_exit` waits for a managed engine's exit status. */
const EXIT_STATUS_WAIT_MS = 2000;

function abortMessage(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  if (typeof reason === "string") return reason;
  return "the run was aborted";
}
