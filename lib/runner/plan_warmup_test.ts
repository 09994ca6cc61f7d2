import assert from "node:assert/strict";
import { renderPlan } from "../report/plan.ts";
import { planRun } from "./plan.ts";

// Nothing listens on this port: planning must not try it.
const BASE = {
  backend: { type: "openai" as const, endpoint: "http://127.0.0.1:9", model: "m" },
  prompts: ["a", "b"],
  runs: 10,
};

Deno.test("planRun: the default warm-up is one request per connection, max(1, concurrency)", async () => {
  const plan = await planRun({ ...BASE, concurrency: [1, 4, 16] });
  assert.deepEqual(plan.levels.map((l) => l.warmupRequests), [1, 4, 16]);
  assert.match(renderPlan(plan), /warm-up 1\/4\/16 requests \(one per connection\)/);
  const serve = await planRun({ ...BASE, mode: "serve" as const, requestRates: [2] });
  assert.equal(serve.levels[0].warmupRequests, 1); // no maxConcurrency: at least one
  const capped = await planRun({
    ...BASE,
    mode: "serve" as const,
    requestRates: [2],
    maxConcurrency: 8,
  });
  assert.equal(capped.levels[0].warmupRequests, 8);
});

Deno.test("planRun: an explicit warmup is honoured at every level, 0 included", async () => {
  const plan = await planRun({ ...BASE, concurrency: [1, 4], warmup: 0 });
  assert.deepEqual(plan.levels.map((l) => l.warmupRequests), [0, 0]);
  assert.match(renderPlan(plan), /0 warm-up requests per level/);
  const two = await planRun({ ...BASE, concurrency: [1, 4], warmup: 2 });
  assert.deepEqual(two.levels.map((l) => l.warmupRequests), [2, 2]);
});
