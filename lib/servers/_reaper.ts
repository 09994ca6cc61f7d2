/**
 * The guarantee that no engine process outlives splleed. Every managed
 * engine runs in its own process group, registered here while it lives:
 *
 * - on the first SIGINT, SIGTERM or SIGHUP, the owners are told (the runner
 *   ends the run and stops its engine gracefully); with no owner listening,
 *   the groups are stopped and the signal is raised again so the process
 *   ends as it would have;
 * - on a second signal, every group is killed (SIGKILL) at once and the
 *   signal raised again;
 * - when the process exits any other way (`Deno.exit`, an uncaught error),
 *   the `unload` event kills every group that is left.
 *
 * Listeners are installed with the first group and removed with the last,
 * so nothing is installed at import.
 *
 * @module
 */

/** What the reaper needs of a managed engine. */
export interface ReapTarget {
  /** Process group id (the leader's pid). */
  readonly pgid: number;
  /** Stops it gracefully (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** Told of the first signal, before the engine is stopped (e.g. to end the run). */
  onSignal?: (signal: Deno.Signal) => void;
}

const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

const targets = new Set<ReapTarget>();
let installed: { signals: [Deno.Signal, () => void][]; unload: () => void } | null = null;
let signalsSeen = 0;

/**
 * Sends a signal to a whole process group, ignoring a group that is gone.
 *
 * @param pgid Process group id.
 * @param signal The signal.
 * @returns True when the signal was delivered to at least one process.
 *
 * @example
 * ```ts
 * import { signalGroup } from "./_reaper.ts";
 * import assert from "node:assert/strict";
 *
 * const child = new Deno.Command("sleep", { args: ["30"], detached: true }).spawn();
 * assert.equal(signalGroup(child.pid, "SIGKILL"), true);
 * assert.equal((await child.status).signal, "SIGKILL");
 * ```
 */
export function signalGroup(pgid: number, signal: Deno.Signal): boolean {
  try {
    Deno.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: no process left in the group
  }
}

/**
 * Registers a running engine; call {@linkcode release} once it has stopped.
 *
 * @param target The engine's group and how to stop it.
 *
 * @example
 * ```ts
 * import { guard, release } from "./_reaper.ts";
 *
 * const child = new Deno.Command("sleep", { args: ["30"], detached: true }).spawn();
 * const target = {
 *   pgid: child.pid,
 *   stop: async () => { Deno.kill(-child.pid, "SIGTERM"); await child.status; },
 * };
 * guard(target);
 * await target.stop();
 * release(target);
 * ```
 */
export function guard(target: ReapTarget): void {
  targets.add(target);
  if (installed) return;
  const signals: [Deno.Signal, () => void][] = [];
  for (const sig of SIGNALS) {
    const h = () => onSignal(sig);
    try {
      Deno.addSignalListener(sig, h);
      signals.push([sig, h]);
    } catch {
      // Not supported on this platform.
    }
  }
  const unload = () => killAll();
  globalThis.addEventListener("unload", unload);
  installed = { signals, unload };
}

/**
 * Forgets an engine that has stopped; the last one removes the listeners.
 *
 * @param target What {@linkcode guard} was given.
 */
export function release(target: ReapTarget): void {
  targets.delete(target);
  if (targets.size === 0) uninstall();
}

function uninstall(): void {
  if (!installed) return;
  for (const [sig, h] of installed.signals) Deno.removeSignalListener(sig, h);
  globalThis.removeEventListener("unload", installed.unload);
  installed = null;
  signalsSeen = 0;
}

function killAll(): void {
  for (const t of targets) signalGroup(t.pgid, "SIGKILL");
}

function reraise(signal: Deno.Signal): void {
  uninstall();
  try {
    Deno.kill(Deno.pid, signal);
  } catch {
    // Nothing more to do.
  }
}

function onSignal(signal: Deno.Signal): void {
  signalsSeen++;
  if (signalsSeen > 1) {
    killAll();
    targets.clear();
    reraise(signal);
    return;
  }
  const current = [...targets];
  let owned = false;
  for (const t of current) {
    if (t.onSignal) {
      owned = true;
      try {
        t.onSignal(signal);
      } catch (err) {
        reportError(err);
      }
    }
  }
  const stopping = Promise.allSettled(current.map((t) => t.stop()));
  if (!owned) stopping.then(() => reraise(signal));
}
