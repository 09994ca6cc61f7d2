/**
 * Transitional: `roundTripsDuring` moved to the public `round_trips.ts` (a
 * private file is for its own folder only). Kept for
 * `lib/load/pattern_test.ts` until it imports `../clock/round_trips.ts`;
 * then delete this file.
 *
 * @module
 */

export { roundTripsDuring } from "./round_trips.ts";
