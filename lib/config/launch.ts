/**
 * How a managed engine is started: plain data that a backend describes and
 * `lib/servers/` carries out, so that backends and servers never import each
 * other.
 *
 * @module
 */

import type { SimulatorOptions } from "./sim.ts";

/** Start the built-in simulated engine inside this process (in a worker). */
export interface SimulatorLaunch {
  /** Discriminator. */
  kind: "simulator";
  /** Validated simulator options. */
  options: SimulatorOptions;
}

/** Everything `lib/servers/` knows how to start. */
export type LaunchSpec = SimulatorLaunch;
