import assert from "node:assert/strict";
import { delay, within } from "../util/async.ts";
import { createFetchTransport } from "./fetch_transport.ts";
import { type HttpRequest, TransportError } from "./transport.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A one-connection-at-a-time raw TCP server, so a test controls the exact bytes sent. */
function rawServer(handle: (conn: Deno.Conn) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const handlers: Promise<void>[] = [];
  const loop = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        handlers.push(
          handle(conn).catch(() => {}).finally(() => {
            conns.delete(conn);
            try {
              conn.close();
            } catch { /* closed */ }
          }),
        );
      }
    } catch { /* listener closed */ }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      try {
        listener.close();
      } catch { /* closed */ }
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await loop;
      await Promise.all(handlers);
    },
  };
}

/** Reads one request head from `conn`; false at end of stream. */
async function readHead(conn: Deno.Conn): Promise<boolean> {
  const buf = new Uint8Array(65536);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) return false;
    text += dec.decode(buf.subarray(0, n));
  }
  return true;
}

/** Resolves when the peer closes the connection. */
async function untilEof(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(1024);
  try {
    while ((await conn.read(buf)) !== null) { /* discard */ }
  } catch { /* closed */ }
}

async function write(conn: Deno.Conn, text: string): Promise<void> {
  const b = enc.encode(text);
  let off = 0;
  while (off < b.length) off += await conn.write(b.subarray(off));
}

interface Received {
  status?: number;
  headers?: ReadonlyMap<string, string>;
  headMs?: number;
  body: string;
  bodyMs: { text: string; t: number }[];
  endMs?: number;
}

async function send(
  port: number,
  init: Partial<HttpRequest> & { path?: string } = {},
  onBody?: (text: string) => void,
): Promise<Received> {
  const got: Received = { body: "", bodyMs: [] };
  got.endMs = await createFetchTransport().send({
    url: new URL(`http://127.0.0.1:${port}${init.path ?? "/"}`),
    method: init.method ?? "GET",
    headers: init.headers ?? {},
    body: init.body,
    signal: init.signal,
  }, {
    onHead(status, headers, tMs) {
      got.status = status;
      got.headers = headers;
      got.headMs = tMs;
    },
    onBody(bytes, tMs) {
      assert.notEqual(got.status, undefined, "onBody before onHead");
      const text = dec.decode(bytes);
      got.body += text;
      got.bodyMs.push({ text, t: tMs });
      onBody?.(text);
    },
  });
  return got;
}

async function rejectsWith(p: Promise<unknown>, failure: string): Promise<TransportError> {
  let caught: unknown;
  try {
    await within(5000, p, `rejection with "${failure}"`);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof TransportError, `expected a TransportError, got ${caught}`);
  assert.equal(caught.failure, failure, `failure of ${caught.message}`);
  return caught;
}

Deno.test("fetch: streams a body piece by piece with ordered read timestamps", async () => {
  const parts = ["alpha ", "beta ", "gamma"];
  const written: number[] = [];
  let seenBody = "";
  let seenHeaders: Headers | undefined;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    seenBody = await req.text();
    seenHeaders = req.headers;
    const stream = new ReadableStream<Uint8Array>({
      async start(c) {
        for (let i = 0; i < parts.length; i++) {
          if (i > 0) await delay(30);
          written.push(performance.now());
          c.enqueue(enc.encode(parts[i]));
        }
        c.close();
      },
    });
    return new Response(stream, { headers: { "x-engine": "sim" } });
  });
  try {
    const got = await send(server.addr.port, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "r1" },
      body: enc.encode('{"a":1}'),
    });
    assert.equal(got.status, 200);
    assert.equal(got.headers?.get("x-engine"), "sim");
    assert.equal(got.body, parts.join(""));
    assert.equal(seenBody, '{"a":1}');
    assert.equal(seenHeaders?.get("x-request-id"), "r1");
    let prev = got.headMs!;
    for (const b of got.bodyMs) {
      assert.ok(b.t >= prev, `onBody at ${b.t} before ${prev}`);
      prev = b.t;
    }
    assert.ok(got.endMs! >= prev);
    // Parts were written 30 ms apart; each is seen no earlier than it was
    // written (same clock, same process). A loaded machine may merge reads, so
    // only causality is checked here, not the gap.
    let acc = "";
    let part = 0;
    for (const b of got.bodyMs) {
      acc += b.text;
      while (part < parts.length && acc.length >= parts.slice(0, part + 1).join("").length) {
        assert.ok(b.t >= written[part], `part ${part} read before it was written`);
        part++;
      }
    }
    assert.equal(part, parts.length);
    assert.ok(got.bodyMs.length > 1, "the body was streamed, not buffered until the end");
  } finally {
    await server.shutdown();
  }
});

Deno.test("fetch: a non-200 status is delivered through onHead, not thrown", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("overloaded", { status: 503, headers: { "retry-after": "2" } }),
  );
  try {
    const got = await send(server.addr.port);
    assert.equal(got.status, 503);
    assert.equal(got.headers?.get("retry-after"), "2");
    assert.equal(got.body, "overloaded");
  } finally {
    await server.shutdown();
  }
});

Deno.test("fetch: connection refused rejects with 'connect'", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const err = await rejectsWith(send(port), "connect");
  assert.match(err.message, new RegExp(`http://127\\.0\\.0\\.1:${port}`));
  assert.ok(err.cause !== undefined);
});

Deno.test("fetch: aborting mid-stream rejects with 'aborted'", async () => {
  const server = rawServer(async (conn) => {
    if (!(await readHead(conn))) return;
    await write(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    await untilEof(conn); // never finishes the body
  });
  const ac = new AbortController();
  try {
    let body = "";
    await rejectsWith(
      send(server.port, { signal: ac.signal }, (text) => {
        body += text;
        ac.abort();
      }),
      "aborted",
    );
    assert.equal(body, "hello");
  } finally {
    await server.close();
  }
});

Deno.test("fetch: AbortSignal.timeout before the head rejects with 'timeout'", async () => {
  const server = rawServer(async (conn) => {
    if (!(await readHead(conn))) return;
    await untilEof(conn); // never answers
  });
  try {
    await rejectsWith(send(server.port, { signal: AbortSignal.timeout(50) }), "timeout");
  } finally {
    await server.close();
  }
});

Deno.test("fetch: server closing mid-body rejects with 'dropped'", async () => {
  const responses = [
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello",
  ];
  for (const response of responses) {
    const server = rawServer(async (conn) => {
      if (!(await readHead(conn))) return;
      await write(conn, response);
      await delay(20);
      // returning closes the connection mid-body
    });
    try {
      let body = "";
      const err = await rejectsWith(send(server.port, {}, (t) => (body += t)), "dropped");
      assert.equal(body, "hello", response);
      assert.match(err.message, /after 5 bytes/);
    } finally {
      await server.close();
    }
  }
});

Deno.test("fetch: an abort's message is its reason's (before the head and mid-body)", async () => {
  const server = rawServer(async (conn) => {
    if (!(await readHead(conn))) return;
    await write(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    await untilEof(conn);
  });
  const silent = rawServer(async (conn) => {
    if (!(await readHead(conn))) return;
    await untilEof(conn); // never answers
  });
  try {
    const why = "no response head within 30000 ms (first-byte timeout)";
    const before = new AbortController();
    const p1 = send(silent.port, { signal: before.signal });
    setTimeout(() => before.abort(new DOMException(why, "TimeoutError")), 30);
    const e1 = await rejectsWith(p1, "timeout");
    assert.equal(e1.message, why);

    const mid = new AbortController();
    const stalled = "no token for 60 s: the stream stalled (idle timeout)";
    const e2 = await rejectsWith(
      send(server.port, { signal: mid.signal }, () => {
        mid.abort(new DOMException(stalled, "TimeoutError"));
      }),
      "timeout",
    );
    assert.equal(e2.message, stalled);

    const stop = new AbortController();
    const p3 = send(silent.port, { signal: stop.signal });
    setTimeout(() => stop.abort(new Error("the run was stopped (Ctrl-C)")), 30);
    const e3 = await rejectsWith(p3, "aborted");
    assert.equal(e3.message, "the run was stopped (Ctrl-C)");
  } finally {
    await server.close();
    await silent.close();
  }
});
