/**
 * What the OpenAI-compatible reader finds in a response besides its timings:
 * tool calls (a vLLM tool-call stream, `testdata/vllm_chat_tools.sse`) and
 * structured output (llama.cpp streams constrained by a JSON schema,
 * `testdata/llamacpp_chat_json*.sse`, captured from the real server), read
 * whole, one event a read and byte by byte; and TGI's native stream with a check.
 */

import assert from "node:assert/strict";
import { newRecord, type RequestRecord } from "../record/record.ts";
import { StreamReader } from "./openai_compat.ts";
import { TgiStreamReader } from "./tgi.ts";
import { type StructuredCheck, structuredCheck, validatorLoading } from "./_structured.ts";

const enc = new TextEncoder();
const fixture = (name: string) =>
  enc.encode(Deno.readTextFileSync(new URL(`./testdata/${name}`, import.meta.url)));

/** The schema the llama.cpp fixtures were generated under. */
const SCHEMA = {
  type: "object",
  properties: {
    digit: { type: "integer", minimum: 0, maximum: 9 },
    ok: { type: "boolean" },
  },
  required: ["digit", "ok"],
  additionalProperties: false,
};
const schemaCheck = (schema: unknown = SCHEMA) =>
  structuredCheck({
    responseFormat: { type: "json_schema", json_schema: { name: "answer", schema } },
  })!;

/** Ways to split a body into reads. */
const SPLITS: [string, (b: Uint8Array) => Uint8Array[]][] = [
  ["one read", (b) => [b]],
  ["one event a read", (b) => {
    const text = new TextDecoder().decode(b);
    return text.split("\n\n").filter((e) => e !== "").map((e) => enc.encode(e + "\n\n"));
  }],
  ["byte by byte", (b) => Array.from(b, (_, i) => b.subarray(i, i + 1))],
  [
    "7 bytes a read",
    (b) => Array.from({ length: Math.ceil(b.length / 7) }, (_, i) => b.subarray(i * 7, i * 7 + 7)),
  ],
];

/** Reads `reads` (the i-th at i + 1 ms) into a fresh record. */
function read(
  reads: Uint8Array[],
  check?: StructuredCheck,
): { rec: RequestRecord; r: StreamReader } {
  const rec = newRecord(0, "measure", 0, 0, 0, 0);
  const r = new StreamReader(rec, check);
  r.head(200, 0.5, "text/event-stream");
  reads.forEach((b, i) => r.body(b, i + 1));
  r.finish(reads.length + 1);
  return { rec, r };
}

// First in the file: the 2019-09 validator has not been loaded in this module instance yet.
Deno.test("StreamReader: a response that ends while the validator loads is checked once it has (settled())", async () => {
  const check = schemaCheck({ $schema: "https://json-schema.org/draft/2019-09/schema", ...SCHEMA });
  assert.ok(validatorLoading() !== null, "the load is in flight");
  const { rec, r } = read([fixture("llamacpp_chat_json.sse")], check);
  assert.equal(rec.ok, true);
  assert.equal(rec.structured, undefined, "not checked yet: the validator is loading");
  await r.settled();
  assert.deepEqual(rec.structured, { valid: true });
  // Once loaded, finish() checks at once.
  const again = read([fixture("llamacpp_chat_json.sse")], check);
  assert.deepEqual(again.rec.structured, { valid: true });
});

Deno.test("StreamReader: tool-call deltas are counted (and are output tokens), however the stream is split", () => {
  for (const [how, split] of SPLITS) {
    const { rec } = read(split(fixture("vllm_chat_tools.sse")));
    assert.equal(rec.ok, true, `${how}: ${JSON.stringify(rec.error)}`);
    assert.equal(rec.toolCalls, 5, `${how}: the name, then four pieces of arguments`);
    assert.equal(rec.chunkMs.length, 5, how);
    assert.equal(rec.outputTokens, 15, `${how}: from usage`);
    assert.equal(rec.structured, undefined, `${how}: no check asked`);
  }
  // A stream without tool calls leaves toolCalls absent.
  const { rec } = read([fixture("llamacpp_chat_json.sse")]);
  assert.equal(rec.ok, true);
  assert.equal(rec.toolCalls, undefined);
});

Deno.test("StreamReader: tool-call chunks seen before a dropped stream are kept on the failed record", () => {
  // The role chunk, the tool's name and two pieces of its arguments, then the connection drops.
  const text = new TextDecoder().decode(fixture("vllm_chat_tools.sse"));
  const cut = enc.encode(text.split("\n\n").slice(0, 4).join("\n\n") + "\n\n");
  const rec = newRecord(0, "measure", 0, 0, 0, 0);
  const r = new StreamReader(rec);
  r.head(200, 0.5, "text/event-stream");
  r.body(cut, 1);
  r.fail(new TypeError("connection reset"), 2);
  assert.equal(rec.ok, false);
  assert.equal(rec.toolCalls, 3);
});

Deno.test("StreamReader: with a check, the content is kept and checked: a complete response valid, a cut one not", async () => {
  const check = schemaCheck();
  await validatorLoading();
  for (const [how, split] of SPLITS) {
    const whole = read(split(fixture("llamacpp_chat_json.sse")), check).rec;
    assert.equal(whole.ok, true, how);
    assert.deepEqual(whole.structured, { valid: true }, how);
    // Timings are unchanged by the check: 13 content chunks, usage 14 tokens.
    assert.equal(whole.chunkMs.length, 13, how);
    assert.equal(whole.outputTokens, 14, how);
    const cut = read(split(fixture("llamacpp_chat_json_cut.sse")), check).rec;
    assert.equal(cut.ok, true, `${how}: a response cut by max_tokens is complete as a request`);
    assert.equal(cut.structured?.valid, false, how);
    assert.equal(
      cut.structured?.error,
      `not JSON (Unterminated string in JSON at position 7 (line 1 column 8)): "{\\"digit" (7 characters)`,
      how,
    );
  }
  // Against another schema, the same text is valid JSON but not valid.
  const strict = schemaCheck({ type: "object", required: ["name"] });
  await validatorLoading();
  const other = read([fixture("llamacpp_chat_json.sse")], strict).rec;
  assert.match(
    other.structured!.error!,
    /^not valid against the schema: output must have required property 'name'$/,
  );
});

Deno.test("StreamReader: completions text is checked too; reasoning is not part of the text checked", () => {
  const check = structuredCheck({ responseFormat: { type: "json_object" } })!;
  const ev = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
  const completions =
    [' {"a"', ": 1", "}"].map((t, i) =>
      ev({ choices: [{ index: 0, text: t, finish_reason: i === 2 ? "stop" : null }] })
    ).join("") + "data: [DONE]\n\n";
  assert.deepEqual(read([enc.encode(completions)], check).rec.structured, { valid: true });
  const chat = [
    { reasoning_content: "Let me think: {" },
    { content: '{"a":' },
    { content: "2}" },
  ].map((d) => ev({ choices: [{ index: 0, delta: d, finish_reason: null }] })).join("") +
    ev({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
  const { rec } = read([enc.encode(chat)], check);
  assert.deepEqual(rec.structured, { valid: true });
  assert.equal(rec.chunkMs.length, 3, "the reasoning chunk is still an output token");
});

Deno.test("StreamReader: failed requests are not checked", () => {
  const check = structuredCheck({ responseFormat: { type: "json_object" } })!;
  const error = enc.encode('data: {"error":{"message":"grammar failed"}}\n\n');
  const { rec } = read([error], check);
  assert.equal(rec.ok, false);
  assert.equal(rec.structured, undefined);
  const rec404 = newRecord(0, "measure", 0, 0, 0, 0);
  const r = new StreamReader(rec404, check);
  r.head(404, 1);
  r.body(enc.encode('{"error":"no such model"}'), 2);
  r.finish(3);
  assert.equal(rec404.ok, false);
  assert.equal(rec404.structured, undefined);
});

Deno.test("TgiStreamReader: with a check, the final generated_text (else the tokens' text) is what is checked", () => {
  const check = structuredCheck(undefined, {
    grammar: { type: "json", value: { type: "object" } },
  })!;
  const ev = (o: unknown) => `data:${JSON.stringify(o)}\n\n`;
  const tokens = ['{"a"', ": ", "1}"].map((t, i) =>
    ev({
      index: i + 1,
      token: { id: i, text: t, special: false },
      generated_text: null,
      details: null,
    })
  ).join("");
  const final = (generated: string | null) =>
    ev({
      index: 4,
      token: { id: 2, text: "</s>", special: true },
      generated_text: generated,
      details: { finish_reason: "eos_token", generated_tokens: 4 },
    });
  const run = (body: string) => {
    const rec = newRecord(0, "measure", 0, 0, 0, 0);
    const r = new TgiStreamReader(rec, check);
    r.head(200, 0.5, "text/event-stream");
    r.body(enc.encode(body), 1);
    r.finish(2);
    return rec;
  };
  assert.deepEqual(run(tokens + final(null)).structured, { valid: true }, "from the tokens");
  assert.deepEqual(run(tokens + final('{"a": 1}')).structured, { valid: true });
  assert.equal(run(tokens + final("[]")).structured?.valid, false, "generated_text wins");
  const plain = newRecord(0, "measure", 0, 0, 0, 0);
  const r = new TgiStreamReader(plain);
  r.head(200, 0.5);
  r.body(enc.encode(tokens + final("x")), 1);
  r.finish(2);
  assert.equal(plain.ok, true);
  assert.equal(plain.structured, undefined, "no check, nothing kept");
});
