import assert from "node:assert/strict";
import { seededRandom } from "../util/random.ts";
import { splitMix32 } from "./_random.ts";

Deno.test("stats' seeded generator gives util's sequence (one sequence for every seeded choice)", () => {
  for (const seed of [0, 1, 42, 2 ** 32 - 1]) {
    const a = splitMix32(seed), b = seededRandom(seed);
    for (let i = 0; i < 100; i++) assert.equal(a(), b.next());
  }
});
