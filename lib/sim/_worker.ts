/**
 * Worker entry that runs the simulator on its own thread and event loop, so
 * that its token schedule and the measuring client never wait on each other.
 * Driven by messages from {@linkcode startSimulatorWorker}.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import type { SimulatorOptions } from "../config/sim.ts";
import { serveSimulator, type SimServer } from "./server.ts";

type Inbound =
  | { type: "start"; options: SimulatorOptions }
  | { type: "stats"; id: number }
  | { type: "stop" };

let server: SimServer | undefined;

self.onmessage = async (e: MessageEvent<Inbound>) => {
  const msg = e.data;
  try {
    if (msg.type === "start") {
      server = serveSimulator(msg.options);
      self.postMessage({ type: "started", url: server.url, port: server.port });
    } else if (msg.type === "stats") {
      self.postMessage({ type: "stats", id: msg.id, stats: server?.stats() });
    } else if (msg.type === "stop") {
      await server?.close();
      self.postMessage({ type: "stopped" });
    }
  } catch (err) {
    self.postMessage({
      type: "error",
      name: err instanceof Error ? err.name : "Error",
      message: err instanceof Error ? err.message : String(err),
    });
  }
};
