import assert from "node:assert/strict";
import { workloadSchema } from "../config/workload.ts";
import { validate } from "../config/errors.ts";
import { inlineSource } from "./inline.ts";
import { sourceContext } from "./source.ts";

Deno.test("inline items carry their request fields through the config to the workload item", async () => {
  const request = {
    responseFormat: { type: "json_object" },
    temperature: 0.5,
    extra: { top_k: 20 },
  };
  const spec = validate(workloadSchema, {
    source: "inline",
    prompts: ["plain", { prompt: "as JSON please", request }],
  }, "benchmark");
  assert.ok(!Array.isArray(spec) && spec.source === "inline");
  const w = await inlineSource(spec, sourceContext());
  assert.deepEqual(w.items[0], { prompt: "plain" });
  assert.deepEqual(w.items[1], { prompt: "as JSON please", request });
  // A copy: the config object is never shared with what is sent.
  assert.notEqual(w.items[1].request, request);
  assert.throws(
    () =>
      validate(workloadSchema, {
        source: "inline",
        prompts: [{ prompt: "x", request: { responseFormat: { schema: {} } } }],
      }, "benchmark"),
    /prompts\[0\]\.request\.responseFormat/,
  );
});
