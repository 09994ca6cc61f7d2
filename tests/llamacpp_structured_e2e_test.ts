/**
 * Structured output end to end on a real engine: llama.cpp's `llama-server`
 * (built as in `llamacpp_e2e_test.ts`) constrains a chat response to a JSON
 * schema given as `response_format`, by grammar. The tiny random-weight model
 * writes gibberish, but inside the grammar, so the ground truth is exact:
 *
 * - the schema bounds the output (a digit 0–9 and a boolean, no other
 *   properties; llama.cpp's grammar allows at most 22 whitespace characters
 *   between tokens, so under 250 characters in all): with `max_tokens` 400
 *   every response ends by the grammar (`finish_reason` "stop") and is valid;
 * - with `max_tokens` 1 every response is cut after one token, and no single
 *   token of the vocabulary is a complete object of that schema: never valid;
 * - a free-text item in the same file is not checked at all.
 *
 * The server runs with `--no-jinja`: with its Jinja chat templates this build
 * prefixes the grammar with the ChatML generation prompt, which the tiny
 * model's vocabulary has no special tokens for, and refuses every
 * `response_format` request ("Failed to initialize samplers").
 *
 * Set `SPLLEED_SKIP_E2E=1` to skip it (never in CI).
 */

import assert from "node:assert/strict";
import { llamacpp } from "../lib/backends/llamacpp.ts";
import { tableNotes } from "../lib/report/notes.ts";
import { readRecords } from "../lib/results/records.ts";
import type { RequestRecord } from "../lib/record/record.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { ensureLlamaServer } from "../scripts/llama_server.ts";
import { ensureTinyModel } from "../scripts/tiny_gguf.ts";

const SKIP = Deno.env.get("SPLLEED_SKIP_E2E") === "1";

const SCHEMA = {
  type: "object",
  properties: {
    digit: { type: "integer", minimum: 0, maximum: 9 },
    ok: { type: "boolean" },
  },
  required: ["digit", "ok"],
  additionalProperties: false,
};
const RESPONSE_FORMAT = { type: "json_schema", json_schema: { name: "answer", schema: SCHEMA } };

/** The workload: prompt index → what its responses must be. */
const ITEMS = [
  {
    line: { prompt: "Pick a digit.", max_tokens: 400, response_format: RESPONSE_FORMAT },
    want: true,
  },
  {
    line: { prompt: "Is the sea blue?", max_tokens: 400, response_format: RESPONSE_FORMAT },
    want: true,
  },
  {
    line: { prompt: "Answer in JSON.", max_tokens: 1, response_format: RESPONSE_FORMAT },
    want: false,
  },
  { line: { prompt: "Write a haiku.", max_tokens: 8 }, want: undefined },
] as const;

Deno.test({
  name:
    "llama.cpp, response_format json_schema: every complete response valid, every cut one invalid, free text unchecked",
  ignore: SKIP,
  async fn() {
    const binary = await ensureLlamaServer({
      log: (l) => console.error(`[llama.cpp build] ${l}`),
    });
    const model = await ensureTinyModel();
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/structured.jsonl`;
      await Deno.writeTextFile(path, ITEMS.map((i) => JSON.stringify(i.line)).join("\n") + "\n");
      const results = await benchmark({
        backend: llamacpp({
          binary,
          model,
          api: "chat",
          parallel: 2,
          ctxSize: 2048,
          threads: 1,
          extraArgs: ["--no-jinja"],
        }),
        workload: { source: "file", path, format: "jsonl" },
        concurrency: [2],
        warmup: 1,
        runs: 12,
        trials: 1,
        sampling: { temperature: 1 },
        records: `${dir}/records.jsonl`,
      });
      const measured: RequestRecord[] = [];
      for await (const r of readRecords(`${dir}/records.jsonl`)) {
        if (r.phase === "measure") measured.push(r);
      }
      assert.equal(measured.length, 12);
      let checked = 0, valid = 0;
      for (const r of measured) {
        assert.equal(r.ok, true, JSON.stringify(r.error));
        const want = ITEMS[r.promptIndex].want;
        if (want === undefined) {
          assert.equal(r.structured, undefined, "free text is not checked");
          continue;
        }
        checked++;
        assert.ok(r.structured, `item ${r.promptIndex} asked for structured output`);
        assert.equal(r.structured.valid, want, `item ${r.promptIndex}: ${r.structured.error}`);
        if (want) {
          valid++;
          assert.ok(r.outputTokens! < 400, "ended by the grammar, not by max_tokens");
        } else {
          assert.equal(r.outputTokens, 1);
          assert.match(r.structured.error!, /^not JSON/);
        }
        assert.equal(r.toolCalls, undefined);
      }
      assert.ok(checked > 0 && valid > 0 && valid < checked, `${valid} of ${checked}: a mix`);
      const s = results.levels[0].summary;
      assert.equal(s.structured_checked.value, checked);
      assert.equal(s.structured_valid_ratio.value, valid / checked);
      assert.equal(s.tool_call_requests.value, 0);
      const notes = tableNotes(results.toJSON());
      assert.ok(
        notes.some((n) => n.includes(`${checked - valid} of ${checked} structured outputs`)),
        notes.join("\n"),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
