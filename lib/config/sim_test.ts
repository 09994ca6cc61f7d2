import assert from "node:assert/strict";
import { validate } from "./errors.ts";
import { simulatorOptionsSchema } from "./sim.ts";

Deno.test("simulator options: jitter and drift belong to the deterministic mode", () => {
  const ok = validate(simulatorOptionsSchema, {
    ttftMs: 10,
    itlMs: 2,
    jitter: { ttft: 0.1, itl: 0.05, seed: 1 },
    drift: { ttftPerS: 0.05 },
  }, "simulator");
  assert.deepEqual(ok.jitter, { ttft: 0.1, itl: 0.05, seed: 1 });
  assert.deepEqual(ok.drift, { ttftPerS: 0.05 });
  assert.throws(
    () =>
      validate(simulatorOptionsSchema, { profile: "small", jitter: { ttft: 0.1 } }, "simulator"),
    /'jitter' must be given only with 'ttftMs' and 'itlMs'/,
  );
  assert.throws(
    () => validate(simulatorOptionsSchema, { drift: { itlPerS: 1 } }, "simulator"),
    /'drift' must be given only with 'ttftMs' and 'itlMs'/,
  );
  assert.throws(
    () =>
      validate(simulatorOptionsSchema, { ttftMs: 1, itlMs: 1, jitter: { ttft: -1 } }, "simulator"),
    /'jitter.ttft' must be .*, got -1/,
  );
  assert.throws(
    () =>
      validate(simulatorOptionsSchema, { ttftMs: 1, itlMs: 1, drift: { ttft: 1 } }, "simulator"),
    /drift/,
  );
});
