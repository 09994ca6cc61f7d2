import assert from "node:assert/strict";
import { ChunkedDecoder, findHeadEnd, parseHead } from "./http1_parse.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string) => enc.encode(s);

/** Feeds `parts` to a fresh decoder; returns the payload, `done` and each push's return value. */
function decodeParts(parts: Uint8Array[]): { text: string; done: boolean; stops: number[] } {
  const d = new ChunkedDecoder();
  let text = "";
  const stops: number[] = [];
  for (const p of parts) {
    // The view handed to onData is only valid during the call: decode it at once.
    stops.push(d.push(p, 0, p.length, (b) => (text += dec.decode(b))));
  }
  return { text, done: d.done, stops };
}

// --- findHeadEnd ---

Deno.test("findHeadEnd: returns the index of the first body byte", () => {
  const b = bytes("HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody");
  assert.equal(findHeadEnd(b, 0, b.length), b.length - 4);
  assert.equal(dec.decode(b.subarray(findHeadEnd(b, 0, b.length))), "body");
});

Deno.test("findHeadEnd: -1 while the blank line is incomplete", () => {
  const b = bytes("HTTP/1.1 200 OK\r\nA: b\r\n\r\n");
  for (let end = 0; end < b.length; end++) {
    assert.equal(findHeadEnd(b, 0, end), -1, `end=${end}`);
  }
  assert.equal(findHeadEnd(b, 0, b.length), b.length);
  // A single CRLF (end of a field line) is not the end of the head.
  assert.equal(findHeadEnd(bytes("A: b\r\nC: d\r\n"), 0, 12), -1);
});

Deno.test("findHeadEnd: finds a blank line that straddles the resume point", () => {
  const b = bytes("HTTP/1.1 200 OK\r\n\r\nx");
  const terminator = b.length - 1; // index of "x"
  // The caller resumes from where the previous read ended; that may be any
  // byte up to the final LF, and the scan looks back across the boundary.
  for (let from = 0; from < terminator; from++) {
    assert.equal(findHeadEnd(b, from, b.length), terminator, `from=${from}`);
  }
});

Deno.test("findHeadEnd: respects `end` and finds the first blank line", () => {
  const b = bytes("GET / HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
  assert.equal(findHeadEnd(b, 0, b.length), 18);
  assert.equal(findHeadEnd(b, 18, b.length), b.length);
  assert.equal(findHeadEnd(b, 0, 17), -1);
});

// --- parseHead ---

Deno.test("parseHead: splits a status line into version, code and reason", () => {
  const h = parseHead(bytes("HTTP/1.1 404 Not Found\r\n\r\n"));
  assert.equal(h.a, "HTTP/1.1");
  assert.equal(h.b, "404");
  assert.equal(h.c, "Not Found"); // the reason keeps its inner space
  assert.equal(h.headers.size, 0);
});

Deno.test("parseHead: a status line without a reason", () => {
  const h = parseHead(bytes("HTTP/1.1 204\r\n\r\n"));
  assert.equal(h.a, "HTTP/1.1");
  assert.equal(h.b, "204");
  assert.equal(h.c, "");
});

Deno.test("parseHead: splits a request line into method, target and version", () => {
  const h = parseHead(bytes("POST /v1/completions?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"));
  assert.deepEqual([h.a, h.b, h.c], ["POST", "/v1/completions?x=1", "HTTP/1.1"]);
});

Deno.test("parseHead: lower-cases names, trims values, joins repeated fields with ', '", () => {
  const h = parseHead(
    bytes(
      "HTTP/1.1 200 OK\r\nContent-Type:  text/event-stream \r\nX-Multi: a\r\n" +
        "x-multi: b\r\nX-MULTI: c\r\nX-Colon: a:b:c\r\nX-Empty:\r\n\r\n",
    ),
  );
  assert.equal(h.headers.get("content-type"), "text/event-stream");
  assert.equal(h.headers.get("x-multi"), "a, b, c");
  assert.equal(h.headers.get("x-colon"), "a:b:c"); // split on the first colon only
  assert.equal(h.headers.get("x-empty"), "");
  assert.equal(h.headers.get("Content-Type"), undefined);
  assert.deepEqual([...h.headers.keys()], ["content-type", "x-multi", "x-colon", "x-empty"]);
});

Deno.test("parseHead: bytes 0x80-0xff are decoded as latin1, one char per byte", () => {
  const head = new Uint8Array([
    ...bytes("HTTP/1.1 200 OK\r\nX-B: "),
    0xe9,
    0xff,
    ...bytes("\r\n\r\n"),
  ]);
  assert.equal(parseHead(head).headers.get("x-b"), "\u00e9\u00ff");
});

Deno.test("parseHead: a start line without a space throws SyntaxError", () => {
  assert.throws(() => parseHead(bytes("HTTP/1.1\r\n\r\n")), SyntaxError);
  assert.throws(() => parseHead(bytes("garbage\r\n\r\n")), SyntaxError);
  assert.throws(() => parseHead(bytes("\r\n\r\n")), SyntaxError);
  // A leading space leaves the first token empty.
  assert.throws(() => parseHead(bytes(" 200 OK\r\n\r\n")), SyntaxError);
});

Deno.test("parseHead: a field line without a name and colon throws SyntaxError", () => {
  assert.throws(
    () => parseHead(bytes("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")),
    (e) => e instanceof SyntaxError && /malformed header line/.test(e.message),
  );
  assert.throws(() => parseHead(bytes("HTTP/1.1 200 OK\r\n: empty-name\r\n\r\n")), SyntaxError);
});

// --- ChunkedDecoder ---

const BODY = "4\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\n\r\n";
const PAYLOAD = "Wikipedia in \r\n\r\nchunks.";

Deno.test("ChunkedDecoder: decodes a whole body in one push and returns its length", () => {
  const b = bytes(BODY);
  const r = decodeParts([b]);
  assert.equal(r.text, PAYLOAD);
  assert.equal(r.done, true);
  assert.deepEqual(r.stops, [b.length]);
});

Deno.test("ChunkedDecoder: split at every byte boundary gives the same payload", () => {
  const b = bytes(BODY);
  for (let i = 0; i <= b.length; i++) {
    // Separate arrays, as successive reads would deliver them.
    const r = decodeParts([b.slice(0, i), b.slice(i)]);
    assert.equal(r.text, PAYLOAD, `split at ${i}`);
    assert.equal(r.done, true, `split at ${i}`);
    assert.deepEqual(r.stops, [i, b.length - i], `split at ${i}`);
    // The same split through start/end indices on one array.
    const d = new ChunkedDecoder();
    let text = "";
    const onData = (v: Uint8Array) => (text += dec.decode(v));
    assert.equal(d.push(b, 0, i, onData), i);
    assert.equal(d.done, i === b.length, `done after first part, split at ${i}`);
    assert.equal(d.push(b, i, b.length, onData), b.length);
    assert.equal(text, PAYLOAD, `indices, split at ${i}`);
    assert.equal(d.done, true);
  }
});

Deno.test("ChunkedDecoder: fed one byte at a time; done only after the last byte", () => {
  const b = bytes(BODY);
  const d = new ChunkedDecoder();
  let text = "";
  for (let i = 0; i < b.length; i++) {
    assert.equal(d.done, false, `done too early, before byte ${i}`);
    assert.equal(d.push(b, i, i + 1, (v) => (text += dec.decode(v))), i + 1);
  }
  assert.equal(d.done, true);
  assert.equal(text, PAYLOAD);
});

Deno.test("ChunkedDecoder: payload is handed out as views of the input, not copies", () => {
  const b = bytes("5\r\nhello\r\n0\r\n\r\n");
  const views: Uint8Array[] = [];
  new ChunkedDecoder().push(b, 0, b.length, (v) => views.push(v));
  assert.equal(views.length, 1);
  assert.equal(views[0].buffer, b.buffer);
  assert.equal(views[0].byteOffset, 3);
  assert.equal(views[0].length, 5);
});

Deno.test("ChunkedDecoder: upper- and lower-case hex sizes", () => {
  const a = "x".repeat(0xab);
  const c = "y".repeat(0x1f);
  for (const sizes of [["AB", "1F"], ["ab", "1f"], ["aB", "1F"], ["00ab", "01f"]]) {
    const r = decodeParts([bytes(`${sizes[0]}\r\n${a}\r\n${sizes[1]}\r\n${c}\r\n0\r\n\r\n`)]);
    assert.equal(r.text, a + c, `sizes ${sizes}`);
    assert.equal(r.done, true);
  }
});

Deno.test("ChunkedDecoder: chunk extensions are skipped", () => {
  const b = bytes('5;ext=1\r\nhello\r\n6 ; a="x;y"\r\n world\r\n0;last\r\n\r\n');
  for (let i = 0; i <= b.length; i++) {
    const r = decodeParts([b.slice(0, i), b.slice(i)]);
    assert.equal(r.text, "hello world", `split at ${i}`);
    assert.equal(r.done, true);
  }
});

Deno.test("ChunkedDecoder: trailer fields are skipped and the body ends after them", () => {
  const b = bytes("3\r\nabc\r\n0\r\nX-Trailer: 1\r\nX-Other: two\r\n\r\n");
  for (let i = 0; i <= b.length; i++) {
    const r = decodeParts([b.slice(0, i), b.slice(i)]);
    assert.equal(r.text, "abc", `split at ${i}`);
    assert.equal(r.done, true, `split at ${i}`);
    assert.deepEqual(r.stops, [i, b.length - i]);
  }
  // Not done until the blank line after the trailers.
  const head = b.subarray(0, b.length - 2);
  const d = new ChunkedDecoder();
  assert.equal(d.push(head, 0, head.length, () => {}), head.length);
  assert.equal(d.done, false);
});

Deno.test("ChunkedDecoder: bytes after the final chunk are left unconsumed", () => {
  const body = "5\r\nhello\r\n0\r\n\r\n";
  const b = bytes(body + "HTTP/1.1 200 OK\r\n");
  const d = new ChunkedDecoder();
  let text = "";
  const stop = d.push(b, 0, b.length, (v) => (text += dec.decode(v)));
  assert.equal(stop, body.length);
  assert.equal(d.done, true);
  assert.equal(text, "hello");
  // Once done, further input is not consumed at all.
  assert.equal(d.push(b, stop, b.length, () => assert.fail("no data after done")), stop);
  // Same with trailers and a start offset.
  const withTrailer = "0\r\nT: v\r\n\r\n";
  const b2 = bytes("junk" + withTrailer + "extra");
  const d2 = new ChunkedDecoder();
  assert.equal(d2.push(b2, 4, b2.length, () => {}), 4 + withTrailer.length);
  assert.equal(d2.done, true);
});

Deno.test("ChunkedDecoder: an invalid size byte throws SyntaxError", () => {
  for (const body of ["g\r\n", "\r\n", "-1\r\n", " 5\r\n", "5x\r\nhello\r\n", "0x5\r\n", "5\n"]) {
    assert.throws(() => decodeParts([bytes(body)]), SyntaxError, JSON.stringify(body));
  }
  // Also when the bad byte arrives in a later push.
  const d = new ChunkedDecoder();
  d.push(bytes("5\r\nhel"), 0, 6, () => {});
  d.push(bytes("lo\r\n"), 0, 4, () => {});
  assert.throws(() => d.push(bytes("z"), 0, 1, () => {}), /invalid chunk size byte 0x7a/);
});

Deno.test("ChunkedDecoder: a size longer than 12 hex digits throws SyntaxError", () => {
  assert.throws(() => decodeParts([bytes("1000000000000\r\n")]), /chunk size too large/);
  // 12 digits with leading zeros is still accepted.
  const r = decodeParts([bytes("000000000003\r\nabc\r\n0\r\n\r\n")]);
  assert.equal(r.text, "abc");
});

Deno.test("ChunkedDecoder: missing CRLF after chunk data or size throws SyntaxError", () => {
  assert.throws(() => decodeParts([bytes("5\r\nhelloX\r\n")]), /expected CR after chunk data/);
  assert.throws(() => decodeParts([bytes("5\r\nhello\rX")]), /expected LF after chunk data/);
  assert.throws(() => decodeParts([bytes("5\rX")]), /expected LF after chunk size/);
  assert.throws(() => decodeParts([bytes("5;ext\rX")]), /expected LF after chunk size/);
  // A chunk longer than its size line says runs into the CR check.
  assert.throws(() => decodeParts([bytes("3\r\nhello\r\n")]), SyntaxError);
  // Split right before the bad byte.
  const d = new ChunkedDecoder();
  d.push(bytes("5\r\nhello"), 0, 8, () => {});
  assert.throws(() => d.push(bytes("\n"), 0, 1, () => {}), SyntaxError);
});

Deno.test("ChunkedDecoder: a truncated body is not done", () => {
  const b = bytes(BODY);
  for (const cut of [1, 3, 10, b.length - 5, b.length - 1]) {
    const r = decodeParts([b.slice(0, cut)]);
    assert.equal(r.done, false, `cut at ${cut}`);
    assert.ok(PAYLOAD.startsWith(r.text));
  }
});
