/**
 * How a managed engine is started: plain data that a backend describes and
 * `lib/servers/` carries out, so that backends and servers never import each
 * other.
 *
 * @module
 */

import type { DockerOptions } from "./backends.ts";
import type { SimulatorOptions } from "./sim.ts";

/** Start the built-in simulated engine inside this process (in a worker). */
export interface SimulatorLaunch {
  /** Discriminator. */
  kind: "simulator";
  /** Validated simulator options. */
  options: SimulatorOptions;
}

/**
 * Start an engine as a child process (or a container), in its own process
 * group, with its output captured to a log file.
 */
export interface ProcessLaunch {
  /** Discriminator. */
  kind: "process";
  /** Engine name for messages and results (`vllm`, `llama.cpp`, ...). */
  engine: string;
  /** Command and arguments, without the host and port (added by `lib/servers/`). */
  argv: string[];
  /** The arguments after the image when run with Docker (the image's entrypoint comes first). */
  dockerArgv: string[];
  /** Flag that sets the interface (`--host`). */
  hostFlag: string;
  /** Flag that sets the port (`--port`). */
  portFlag: string;
  /** Interface to listen on. */
  host: string;
  /** Port to listen on; absent: a free one. */
  port?: number;
  /** Environment variables added to splleed's own. */
  env: Record<string, string>;
  /** Names in `env` whose values are secret (redacted in results). */
  secretEnv: string[];
  /** Paths polled in order until each answers 200 (`/health`, then `/v1/models`). */
  readiness: string[];
  /** Most time to wait for readiness, ms. */
  startupTimeoutMs: number;
  /** Time between SIGTERM and SIGKILL at teardown, ms. */
  stopGraceMs: number;
  /** Log file; absent: one in the temp directory. */
  logFile?: string;
  /** Run with Docker instead. */
  docker?: DockerOptions;
}

/** Everything `lib/servers/` knows how to start. */
export type LaunchSpec = SimulatorLaunch | ProcessLaunch;
