/**
 * The saturation search: the highest load (a concurrency or a request rate)
 * that still meets the service-level objectives, found by bracketing
 * (doubling until a probe fails) and then bisection between the highest
 * passing and the lowest failing load. Pure: it proposes loads and is told
 * whether each passed; the runner measures them.
 *
 * @module
 */

/** Options of {@linkcode SaturationSearch}. */
export interface SaturationSearchOptions {
  /** Integer loads (concurrency) or real ones (request rate). */
  integer: boolean;
  /** First load probed. @default 1 */
  start?: number;
  /** Highest load probed. @default 4096 */
  max?: number;
  /** Stop when the bracket is within this share of the passing load. @default 0.05 */
  tolerance?: number;
  /** Most probes. @default 14 */
  maxProbes?: number;
}

/** One measured probe. */
export interface Probe {
  /** The load. */
  load: number;
  /** Whether it met the objectives. */
  pass: boolean;
}

/**
 * Proposes loads to measure until the knee is bracketed tightly.
 *
 * @example The knee at 32
 * ```ts
 * import { SaturationSearch } from "./search.ts";
 * import assert from "node:assert/strict";
 *
 * const s = new SaturationSearch({ integer: true });
 * for (let load = s.next(); load !== null; load = s.next()) s.report(load, load <= 32);
 * assert.equal(s.result(), 32);
 * assert.deepEqual(s.probes.map((p) => p.load), [1, 2, 4, 8, 16, 32, 64, 48, 40, 36, 34, 33]);
 * ```
 */
export class SaturationSearch {
  #o: Required<SaturationSearchOptions>;
  #probes: Probe[] = [];

  /** @param options Integer or real loads, start, maximum, tolerance, probe budget. */
  constructor(options: SaturationSearchOptions) {
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.#o = {
      start: 1,
      max: 4096,
      tolerance: 0.05,
      maxProbes: 14,
      integer: options.integer,
      ...given,
    };
    if (!(this.#o.start > 0) || !(this.#o.max >= this.#o.start)) {
      throw new RangeError(
        `Cannot search: 'start' must be positive and at most 'max', got ${this.#o.start} and ${this.#o.max}`,
      );
    }
  }

  /** The probes so far, in order. */
  get probes(): readonly Probe[] {
    return this.#probes;
  }

  /** The highest passing load, or null. */
  #pass(): number | null {
    let best: number | null = null;
    for (const p of this.#probes) if (p.pass && (best === null || p.load > best)) best = p.load;
    return best;
  }

  /** The lowest failing load above the highest passing one, or null. */
  #fail(): number | null {
    const pass = this.#pass() ?? 0;
    let best: number | null = null;
    for (const p of this.#probes) {
      if (!p.pass && p.load > pass && (best === null || p.load < best)) best = p.load;
    }
    return best;
  }

  /**
   * The next load to measure, or null when the search is over.
   *
   * @returns A load.
   */
  next(): number | null {
    const o = this.#o;
    if (this.#probes.length >= o.maxProbes) return null;
    const pass = this.#pass();
    const fail = this.#fail();
    if (this.#probes.length === 0) return o.start;
    if (fail === null) {
      // Still bracketing: double the highest passing load.
      if (pass === null || pass >= o.max) return null;
      return Math.min(o.max, pass * 2);
    }
    if (pass === null) {
      // Even the lowest probe failed: halve it, down to a floor.
      const lower = o.integer ? Math.floor(fail / 2) : fail / 2;
      return lower >= (o.integer ? 1 : o.start / 64) && lower < fail ? lower : null;
    }
    if (fail - pass <= Math.max(o.integer ? 1 : 0, o.tolerance * pass)) return null;
    const mid = o.integer ? Math.floor((pass + fail) / 2) : (pass + fail) / 2;
    return mid > pass && mid < fail ? mid : null;
  }

  /**
   * Reports a measured probe.
   *
   * @param load The load measured.
   * @param pass Whether it met the objectives.
   */
  report(load: number, pass: boolean): void {
    this.#probes.push({ load, pass });
  }

  /**
   * The highest load that met the objectives, or null when none did.
   *
   * @returns The load.
   */
  result(): number | null {
    return this.#pass();
  }

  /**
   * The bracket: the highest passing and the lowest failing load (either may be null).
   *
   * @returns `[pass, fail]`.
   */
  bracket(): [number | null, number | null] {
    return [this.#pass(), this.#fail()];
  }
}
