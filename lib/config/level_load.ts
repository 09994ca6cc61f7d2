/**
 * A level's load as plain data: when its requests go (closed loop, burst,
 * open-loop arrivals, a replayed trace). The run plan carries it and
 * `lib/load/` turns it into a pattern, so both see one description.
 *
 * @module
 */

/** How one level's requests are timed. */
export type LevelLoad =
  | {
    /** Closed loop: `concurrency` requests in flight, each slot sending its next when one ends. */
    kind: "closed";
    /** Requests in flight. */
    concurrency: number;
  }
  | {
    /** All of a trial's requests at one instant. */
    kind: "burst";
  }
  | {
    /** Open loop: requests arrive at planned times whatever the server does. */
    kind: "open";
    /** Requests per second (`"inf"`: all at once). */
    rate: number | "inf";
    /** Arrival process. */
    arrival: "poisson" | "gamma" | "constant";
    /** Gamma shape (1 = Poisson). */
    burstiness: number;
    /** Seconds over which the rate rises to its level. */
    rampUpS: number;
    /** Most requests in flight; null: unbounded. */
    maxConcurrency: number | null;
  }
  | {
    /** A replayed trace: arrivals at the trace's own times. */
    kind: "trace";
    /** Replay speed. */
    speed: number;
    /** The trace's mean request rate over the replayed part (null: one request). */
    meanRate: number | null;
    /** Requests in the replayed part of the trace. */
    requests: number;
    /** Most requests in flight; null: unbounded. */
    maxConcurrency: number | null;
  };
