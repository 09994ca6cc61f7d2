import assert from "node:assert/strict";
import { seededRandom } from "../util/random.ts";
import {
  ChunkClassifier,
  FINISH,
  NEEDS_PARSE,
  REASONING,
  scanChunk,
  TOKEN,
  TOOL_CALL,
} from "./_chunk_scan.ts";

const enc = new TextEncoder();
const scan = (s: string) => {
  const b = enc.encode(s);
  return scanChunk(b, 0, b.length);
};

/** What JSON.parse says the chunk is: the flags the scan must agree with. */
function truth(text: string): number {
  const o = JSON.parse(text);
  if (o.error !== undefined || o.object === "error") return NEEDS_PARSE;
  if (o.usage !== undefined && o.usage !== null) return NEEDS_PARSE;
  let f = 0;
  for (const c of o.choices ?? []) {
    const d = c.delta ?? {};
    const s = (v: unknown) => typeof v === "string" && v !== "";
    if (s(c.text) || s(d.content) || s(d.reasoning_content) || s(d.reasoning)) f |= TOKEN;
    if (s(d.reasoning_content) || s(d.reasoning)) f |= REASONING;
    if (s(d.refusal)) f |= TOKEN;
    if (Array.isArray(d.tool_calls) && d.tool_calls.length > 0) f |= TOKEN | TOOL_CALL;
    if (c.finish_reason !== undefined && c.finish_reason !== null) f |= FINISH;
  }
  return f;
}

Deno.test("scanChunk: the shapes engines send", () => {
  assert.equal(
    scan(
      '{"id":"c","choices":[{"index":0,"text":" a","logprobs":null,"finish_reason":null}],"usage":null}',
    ),
    TOKEN,
  );
  assert.equal(scan('{"choices":[{"index":0,"text":"","finish_reason":"length"}]}'), FINISH);
  assert.equal(
    scan('{"choices":[{"delta":{"role":"assistant","content":""},"finish_reason":null}]}'),
    0,
  );
  assert.equal(scan('{"choices":[{"delta":{"content":null,"tool_calls":[]}}]}'), 0);
  assert.equal(scan('{"choices":[{"delta":{"reasoning_content":"hm"}}]}'), TOKEN | REASONING);
  assert.equal(scan('{"choices":[{"delta":{"reasoning":"hm"}}]}'), TOKEN | REASONING);
  // Tool calls and refusals are output too.
  assert.equal(
    scan(
      '{"choices":[{"delta":{"content":null,"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":""}}]}}]}',
    ),
    TOKEN | TOOL_CALL,
  );
  assert.equal(
    scan('{"choices":[{"delta":{"tool_calls":[ ]},"finish_reason":"tool_calls"}]}'),
    FINISH,
  );
  assert.equal(scan('{"choices":[{"delta":{"refusal":"I cannot"}}]}'), TOKEN);
  assert.equal(scan('{"choices":[{"delta":{"refusal":null,"content":""}}]}'), 0);
  assert.equal(scan('{ "choices" : [ { "delta" : { "content" : "x" } } ] }'), TOKEN, "whitespace");
  assert.equal(
    scan('{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}'),
    NEEDS_PARSE,
  );
  assert.equal(scan('{"error":{"message":"boom"}}'), NEEDS_PARSE);
  assert.equal(scan('{"object":"error","message":"boom"}'), NEEDS_PARSE);
  assert.equal(
    scan('{"token":{"text":"hi"}}'),
    NEEDS_PARSE,
    "no choices: an unknown shape is parsed",
  );
  assert.equal(scan('{"choices":[{"text":"a"'), NEEDS_PARSE, "truncated");
  assert.equal(scan("not json"), NEEDS_PARSE);
  // Keys inside strings are escaped and never match.
  assert.equal(scan('{"choices":[{"delta":{"content":"","x":"\\"content\\":\\"y\\""}}]}'), 0);
  // A key that shares a length and first letters with "content" is not it.
  assert.equal(scan('{"choices":[{"context":"abc","text":""}]}'), 0);
});

Deno.test("scanChunk agrees with JSON.parse on 5,000 generated chunks, and parses only when it must", () => {
  const rng = seededRandom(7);
  const r = () => rng.next();
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const strings = [
    "",
    " tok",
    'quote " inside',
    "back\\slash",
    '"content":"x"',
    "ünï",
    '\\"',
    "null",
    "{}",
  ];
  const strOrNull = () => (r() < 0.2 ? null : pick(strings));
  for (let n = 0; n < 5000; n++) {
    const chat = r() < 0.5;
    const choices = Array.from({ length: r() < 0.9 ? 1 : Math.floor(r() * 3) }, (_, i) => {
      const c: Record<string, unknown> = { index: i };
      if (chat) {
        const d: Record<string, unknown> = {};
        if (r() < 0.3) d.role = "assistant";
        if (r() < 0.8) d.content = strOrNull();
        if (r() < 0.2) d.reasoning_content = strOrNull();
        if (r() < 0.1) d.reasoning = strOrNull();
        if (r() < 0.1) d.tool_calls = [{ function: { arguments: pick(strings) } }];
        c.delta = d;
      } else if (r() < 0.9) c.text = strOrNull();
      if (r() < 0.7) c.finish_reason = r() < 0.7 ? null : pick(["stop", "length"]);
      if (r() < 0.2) {
        c.logprobs = r() < 0.5 ? null : { content: [{ token: pick(strings) }], text_offset: [1] };
      }
      return c;
    });
    const o: Record<string, unknown> = {
      id: `x-${n}`,
      object: chat ? "chat.completion.chunk" : "text_completion",
    };
    o.choices = choices;
    if (r() < 0.6) o.usage = r() < 0.85 ? null : { prompt_tokens: 3, completion_tokens: 4 };
    if (r() < 0.02) o.error = { message: "x" };
    // Random key order and optional spaces.
    const keys = Object.keys(o).sort(() => r() - 0.5);
    const spaced = r() < 0.3;
    const body = keys.map((k) =>
      `${JSON.stringify(k)}${spaced ? " : " : ":"}${
        JSON.stringify(o[k], null, spaced ? 1 : undefined)?.replaceAll("\n", " ")
      }`
    );
    const text = `{${body.join(spaced ? ", " : ",")}}`;
    const want = truth(text);
    const got = scan(text);
    if (want === NEEDS_PARSE) {
      assert.equal(got, NEEDS_PARSE, `should ask to parse: ${text}`);
    } else {
      assert.equal(got, want, `flags for ${text}`);
    }
  }
});

Deno.test("ChunkClassifier (template reuse) agrees with the full scan over 3,000 streams of varying chunks", () => {
  const rng = seededRandom(99);
  const r = () => rng.next();
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  // Values as they appear between the quotes of a JSON string.
  const texts = ["", " tok", 'a\\"b', "x\\\\", '\\\\\\"', "ünï", '\\"content\\":\\"y\\"', " "];
  for (let n = 0; n < 3000; n++) {
    const c = new ChunkClassifier();
    const chat = r() < 0.5;
    for (let k = 0; k < 12; k++) {
      const text = pick(texts);
      const fin = r() < 0.1 ? '"stop"' : "null";
      const created = r() < 0.1 ? 2 : 1; // occasionally a byte outside the text changes
      const body = chat
        ? `{"id":"x","created":${created},"choices":[{"index":0,"delta":{"content":"${text}"},"finish_reason":${fin}}]${
          r() < 0.05 ? ',"usage":{"completion_tokens":1}' : ""
        }}`
        : `{"id":"x","created":${created},"choices":[{"index":0,"text":"${text}","finish_reason":${fin}}]}`;
      const b = enc.encode(body);
      const want = scanChunk(b, 0, b.length);
      assert.equal(c.classify(b, 0, b.length), want, `stream ${n} chunk ${k}: ${body}`);
      assert.equal(want === NEEDS_PARSE, truth(body) === NEEDS_PARSE, body);
    }
  }
});
