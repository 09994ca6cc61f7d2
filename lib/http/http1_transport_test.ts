import assert from "node:assert/strict";
import { delay, within } from "../util/async.ts";
import { createHttp1Transport } from "./http1_transport.ts";
import { type HttpRequest, type HttpTransport, TransportError } from "./transport.ts";

// These tests talk to raw TCP servers written here with `Deno.listen`, so each
// test controls the exact response bytes, how they are split into writes, and
// when each write happens.

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A listening raw TCP server that runs `handle` for each accepted connection. */
interface RawServer {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Stops accepting, closes every connection and waits for the handlers. */
  close(): Promise<void>;
}

function rawServer(handle: (conn: Deno.Conn, index: number) => Promise<void>): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const handlers: Promise<void>[] = [];
  let accepted = 0;
  let closing = false;
  const loop = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        const index = accepted++;
        handlers.push(
          handle(conn, index).catch((err) => {
            // Errors after the server closed the socket under the handler are expected.
            if (!closing) console.error(`server handler ${index}:`, err);
          }).finally(() => {
            conns.delete(conn);
            try {
              conn.close();
            } catch { /* closed */ }
          }),
        );
      }
    } catch {
      // listener closed
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    get accepted() {
      return accepted;
    },
    async close() {
      closing = true;
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

/** Reads HTTP requests (Content-Length bodies only) from a server-side connection. */
class RequestReader {
  #conn: Deno.Conn;
  #buf = new Uint8Array(0);
  /** Sizes of the reads made so far, in order. */
  reads: number[] = [];

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(65536);
    let n: number | null;
    try {
      n = await this.#conn.read(chunk);
    } catch {
      n = null;
    }
    if (n === null) return false;
    this.reads.push(n);
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
    return true;
  }

  /** The next request's head (as text) and body, or null at end of stream. */
  async next(): Promise<{ head: string; body: string; raw: string } | null> {
    let end: number;
    for (;;) {
      end = dec.decode(this.#buf).indexOf("\r\n\r\n");
      if (end >= 0) break;
      if (!(await this.#fill())) return null;
    }
    const head = dec.decode(this.#buf.subarray(0, end + 4));
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    const len = m ? Number(m[1]) : 0;
    while (this.#buf.length < end + 4 + len) {
      if (!(await this.#fill())) return null;
    }
    const total = end + 4 + len;
    const raw = dec.decode(this.#buf.subarray(0, total));
    const body = dec.decode(this.#buf.subarray(end + 4, total));
    this.#buf = this.#buf.slice(total);
    return { head, body, raw };
  }

  /** Resolves true when the peer closes (end of stream) before sending more bytes. */
  async eof(): Promise<boolean> {
    return !(await this.#fill());
  }
}

async function writeText(conn: Deno.Conn, text: string): Promise<void> {
  const b = enc.encode(text);
  let off = 0;
  while (off < b.length) off += await conn.write(b.subarray(off));
}

/** What a send delivered to its handler. */
interface Received {
  status?: number;
  headers?: ReadonlyMap<string, string>;
  headMs?: number;
  body: string;
  bodyMs: { text: string; t: number }[];
  endMs?: number;
}

async function send(
  t: HttpTransport,
  port: number,
  init: Partial<HttpRequest> & { path?: string } = {},
  onBody?: (text: string, t: number) => void,
): Promise<Received> {
  const got: Received = { body: "", bodyMs: [] };
  got.endMs = await t.send({
    url: new URL(`http://127.0.0.1:${port}${init.path ?? "/"}`),
    method: init.method ?? "GET",
    headers: init.headers ?? {},
    body: init.body,
    signal: init.signal,
  }, {
    onHead(status, headers, tMs) {
      assert.equal(got.status, undefined, "onHead called twice");
      got.status = status;
      got.headers = headers;
      got.headMs = tMs;
    },
    onBody(bytes, tMs) {
      assert.notEqual(got.status, undefined, "onBody before onHead");
      const text = dec.decode(bytes); // bytes are only valid during the call
      got.body += text;
      got.bodyMs.push({ text, t: tMs });
      onBody?.(text, tMs);
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

/** A server answering every request on a connection with a keep-alive response. */
function keepAliveServer(
  respond: (req: { head: string; body: string }, n: number) => string = () =>
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
) {
  const requests: { head: string; body: string; raw: string; conn: number; reads: number[] }[] = [];
  const server = rawServer(async (conn, index) => {
    const reader = new RequestReader(conn);
    for (;;) {
      const before = reader.reads.length;
      const req = await reader.next();
      if (!req) return;
      requests.push({ ...req, conn: index, reads: reader.reads.slice(before) });
      await writeText(conn, respond(req, requests.length - 1));
    }
  });
  return { server, requests };
}

Deno.test("http1: Content-Length body, status and lower-cased headers reach the handler", async () => {
  let lastWrite = Infinity;
  const server = rawServer(async (conn) => {
    await new RequestReader(conn).next();
    await writeText(conn, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Engine: Sim\r\n\r\nhello");
    await delay(20);
    lastWrite = performance.now();
    await writeText(conn, " world");
    await new RequestReader(conn).eof();
  });
  const t = createHttp1Transport();
  try {
    const got = await send(t, server.port);
    assert.equal(got.status, 200);
    assert.equal(got.headers?.get("x-engine"), "Sim");
    assert.equal(got.headers?.get("content-length"), "11");
    assert.equal(got.body, "hello world");
    // The returned end time is the read time of the last body byte, which
    // cannot precede the server's last write (same process, same clock).
    assert.equal(got.endMs, got.bodyMs.at(-1)!.t);
    assert.ok(got.endMs! >= lastWrite, `end ${got.endMs} before last write ${lastWrite}`);
    assert.ok(got.headMs! <= got.endMs!);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: a small read buffer still delivers a long Content-Length body", async () => {
  const payload = "0123456789".repeat(1000);
  const { server } = keepAliveServer(() =>
    `HTTP/1.1 200 OK\r\nContent-Length: ${payload.length}\r\n\r\n${payload}`
  );
  const t = createHttp1Transport({ readBufferBytes: 256 });
  try {
    const got = await send(t, server.port);
    assert.equal(got.body, payload);
    assert.ok(got.bodyMs.every((b) => b.text.length <= 256));
  } finally {
    t.close();
    await server.close();
  }
});

// Timing tolerance: client and server run in this process on one clock
// (performance.now()). A client timestamp can never precede the server's
// write; it should follow it by well under a millisecond, but a loaded 2-core
// VM can delay the event loop, so we allow 25 ms of lateness and ±10 ms on the
// gap between two chunks.
const LATE_MS = 25;
const GAP_TOLERANCE_MS = 10;

Deno.test("http1: chunked body across delayed writes: de-chunked payload, read-time timestamps", async () => {
  const parts = ["first ", "second ", "third"];
  const written: number[] = [];
  const server = rawServer(async (conn) => {
    await new RequestReader(conn).next();
    await writeText(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) await delay(50);
      const p = parts[i];
      written.push(performance.now());
      await writeText(conn, `${p.length.toString(16)}\r\n${p}\r\n`);
    }
    await delay(10);
    await writeText(conn, "0\r\n\r\n");
    await new RequestReader(conn).eof();
  });
  const t = createHttp1Transport();
  try {
    const got = await send(t, server.port);
    assert.equal(got.status, 200);
    assert.equal(got.body, parts.join(""));
    // Timestamps never go backwards and never precede the head.
    let prev = got.headMs!;
    for (const b of got.bodyMs) {
      assert.ok(b.t >= prev, `onBody at ${b.t} before previous ${prev}`);
      prev = b.t;
    }
    assert.ok(got.endMs! >= prev);
    // When did the client first see each part?
    const seen = parts.map((_, i) => {
      const upTo = parts.slice(0, i + 1).join("").length;
      let acc = 0;
      for (const b of got.bodyMs) {
        acc += b.text.length;
        if (acc >= upTo) return b.t;
      }
      throw new Error(`part ${i} never seen`);
    });
    for (let i = 0; i < parts.length; i++) {
      const late = seen[i] - written[i];
      assert.ok(late >= 0, `part ${i} read ${-late} ms before it was written`);
      assert.ok(late <= LATE_MS, `part ${i} read ${late} ms after it was written`);
    }
    for (let i = 1; i < parts.length; i++) {
      const clientGap = seen[i] - seen[i - 1];
      const serverGap = written[i] - written[i - 1];
      // The server slept 50 ms; its timer never fires early but may fire late,
      // so its measured gap is the ground truth the client's gap must match.
      assert.ok(serverGap >= 49, `server gap ${serverGap}`);
      assert.ok(
        Math.abs(clientGap - serverGap) <= GAP_TOLERANCE_MS,
        `client gap ${clientGap} ms vs server gap ${serverGap} ms`,
      );
    }
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: chunk framing split at awkward places across reads is decoded", async () => {
  // Size line, data, CRLF and the last chunk each cut in the middle.
  const pieces = [
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0",
    "a\r\nabcde",
    "fghij\r",
    "\n3;x=y",
    "\r\nklm\r\n0\r",
    "\nTrailer: z\r\n",
    "\r\n",
  ];
  const server = rawServer(async (conn) => {
    await new RequestReader(conn).next();
    for (const p of pieces) {
      await writeText(conn, p);
      await delay(5);
    }
    await new RequestReader(conn).eof();
  });
  const t = createHttp1Transport();
  try {
    const got = await send(t, server.port);
    assert.equal(got.body, "abcdefghijklm");
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: head and body in the same packet get the same timestamp", async () => {
  const server = rawServer(async (conn) => {
    await new RequestReader(conn).next();
    await writeText(
      conn,
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
    );
    await new RequestReader(conn).eof();
  });
  const t = createHttp1Transport();
  try {
    const got = await send(t, server.port);
    assert.equal(got.body, "hi");
    assert.equal(got.bodyMs.length, 1);
    assert.equal(got.bodyMs[0].t, got.headMs);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: close-delimited bodies (HTTP/1.0, and HTTP/1.1 without a length)", async () => {
  const heads = [
    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n",
    "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
  ];
  const server = rawServer(async (conn, index) => {
    await new RequestReader(conn).next();
    await writeText(conn, heads[index] + "part one, ");
    await delay(20);
    await writeText(conn, "part two");
    // closing ends the body (rawServer closes conn when the handler returns)
  });
  const t = createHttp1Transport();
  try {
    for (let i = 0; i < heads.length; i++) {
      const got = await send(t, server.port);
      assert.equal(got.status, 200);
      assert.equal(got.body, "part one, part two", `response ${i}`);
      assert.ok(got.endMs! >= got.bodyMs.at(-1)!.t);
    }
    // Neither connection could be reused.
    assert.equal(server.accepted, 2);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: keep-alive: sequential requests reuse one connection", async () => {
  const { server, requests } = keepAliveServer((req, n) => {
    const body = `reply ${n} to ${req.head.split(" ")[1]}`;
    return n % 2 === 0
      ? `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`
      : `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${
        body.length.toString(16)
      }\r\n${body}\r\n0\r\n\r\n`;
  });
  const t = createHttp1Transport();
  try {
    for (let i = 0; i < 4; i++) {
      const got = await send(t, server.port, { path: `/r${i}` });
      assert.equal(got.body, `reply ${i} to /r${i}`);
    }
    assert.equal(server.accepted, 1);
    assert.deepEqual(requests.map((r) => r.conn), [0, 0, 0, 0]);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: 'Connection: close' from an HTTP/1.1 server is honoured", async () => {
  const { server } = keepAliveServer(() =>
    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
  );
  const t = createHttp1Transport();
  try {
    assert.equal((await send(t, server.port)).body, "ok");
    assert.equal((await send(t, server.port)).body, "ok");
    assert.equal(server.accepted, 2);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: a pooled connection the server closed while idle is replaced (stale retry)", async () => {
  const served: number[] = [];
  const server = rawServer(async (conn, index) => {
    const req = await new RequestReader(conn).next();
    if (!req) return;
    served.push(index);
    // Claims keep-alive, then closes right after the response.
    await writeText(conn, `HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${index}`);
  });
  const t = createHttp1Transport();
  try {
    assert.equal((await send(t, server.port)).body, "0");
    await delay(50); // let the server's FIN reach the idle pooled connection
    assert.equal((await send(t, server.port)).body, "1");
    assert.equal(server.accepted, 2);
    assert.deepEqual(served, [0, 1]);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test({
  name: "http1: stale retry survives several dead pooled connections",
  async fn() {
    const server = rawServer(async (conn) => {
      const req = await new RequestReader(conn).next();
      if (!req) return;
      await delay(20); // keep both first requests in flight together
      await writeText(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      // then close: the pooled connection goes stale
    });
    const t = createHttp1Transport();
    try {
      // Two concurrent requests leave two pooled connections.
      await Promise.all([send(t, server.port), send(t, server.port)]);
      await delay(50);
      assert.equal((await send(t, server.port)).body, "ok");
    } finally {
      t.close();
      await server.close();
    }
  },
});

Deno.test("http1: a drop after response bytes on a pooled connection is not retried", async () => {
  const requests: number[] = [];
  const server = rawServer(async (conn, index) => {
    const reader = new RequestReader(conn);
    await reader.next();
    requests.push(index);
    await writeText(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    await reader.next();
    requests.push(index);
    await writeText(conn, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart");
    // closes with 6 body bytes missing
  });
  const t = createHttp1Transport();
  try {
    await send(t, server.port);
    let body = "";
    const err = await rejectsWith(
      send(t, server.port, {}, (text) => (body += text)),
      "dropped",
    );
    assert.match(err.message, /6 of 10 body bytes missing/);
    assert.equal(body, "part");
    assert.deepEqual(requests, [0, 0]); // sent once, not replayed on a new connection
    assert.equal(server.accepted, 1);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: server closing mid chunked body rejects with 'dropped'", async () => {
  const server = rawServer(async (conn) => {
    await new RequestReader(conn).next();
    await writeText(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    await delay(20);
    // returning closes the connection without the last chunk
  });
  const t = createHttp1Transport();
  try {
    let body = "";
    let status = 0;
    const p = t.send({
      url: new URL(`http://127.0.0.1:${server.port}/`),
      method: "GET",
      headers: {},
    }, {
      onHead(s) {
        status = s;
      },
      onBody(b) {
        body += dec.decode(b);
      },
    });
    await rejectsWith(p, "dropped");
    assert.equal(status, 200);
    assert.equal(body, "hello"); // what arrived before the drop was delivered
    assert.equal(server.accepted, 1); // a fresh connection is not retried
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: server closing before any response byte rejects with 'dropped'", async () => {
  const server = rawServer(async (conn) => {
    await new RequestReader(conn).next();
  });
  const t = createHttp1Transport();
  try {
    const err = await rejectsWith(send(t, server.port), "dropped");
    assert.match(err.message, /before any response byte/);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: a response that is not HTTP/1.x rejects with 'protocol'", async () => {
  const responses = [
    "SSH-2.0-OpenSSH\r\n\r\n",
    "HTTP/1.1 abc OK\r\n\r\n",
    "HTTP/1.1 200 OK\r\nbroken header\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
  ];
  const server = rawServer(async (conn, index) => {
    await new RequestReader(conn).next();
    await writeText(conn, responses[index]);
    await new RequestReader(conn).eof();
  });
  const t = createHttp1Transport();
  try {
    for (let i = 0; i < responses.length; i++) {
      await rejectsWith(send(t, server.port), "protocol");
    }
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: connection refused rejects with 'connect'", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const t = createHttp1Transport();
  try {
    const err = await rejectsWith(send(t, port), "connect");
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.ok(err.cause instanceof Error);
  } finally {
    t.close();
  }
});

Deno.test("http1: an unsupported URL scheme rejects with 'connect'", async () => {
  const t = createHttp1Transport();
  await rejectsWith(
    t.send({ url: new URL("ftp://127.0.0.1/"), method: "GET", headers: {} }, {
      onHead() {},
      onBody() {},
    }),
    "connect",
  );
});

Deno.test("http1: aborting mid-stream rejects with 'aborted' and closes the connection", async () => {
  let sawEof!: (v: boolean) => void;
  const serverSawEof = new Promise<boolean>((r) => (sawEof = r));
  const server = rawServer(async (conn) => {
    const reader = new RequestReader(conn);
    await reader.next();
    await writeText(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    // Never finish the body; wait for the client to hang up.
    sawEof(await reader.eof());
  });
  const t = createHttp1Transport();
  const ac = new AbortController();
  try {
    let body = "";
    const p = send(t, server.port, { signal: ac.signal }, (text) => {
      body += text;
      ac.abort();
    });
    await rejectsWith(p, "aborted");
    assert.equal(body, "hello");
    assert.equal(
      await within(2000, serverSawEof, "server EOF"),
      true,
      "the aborted request's connection was closed",
    );
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: an already aborted signal rejects before connecting", async () => {
  const server = rawServer(async () => {});
  const t = createHttp1Transport();
  try {
    await rejectsWith(send(t, server.port, { signal: AbortSignal.abort() }), "aborted");
    await delay(20);
    assert.equal(server.accepted, 0);
  } finally {
    t.close();
    await server.close();
  }
});

// Tolerance: AbortSignal.timeout never fires early; on a loaded VM the timer and
// the socket close may be late by tens of milliseconds, so we allow up to 500 ms.
Deno.test("http1: AbortSignal.timeout while waiting for the head rejects with 'timeout'", async () => {
  const server = rawServer(async (conn) => {
    const reader = new RequestReader(conn);
    await reader.next();
    await reader.eof(); // never answers
  });
  const t = createHttp1Transport();
  try {
    const t0 = performance.now();
    await rejectsWith(send(t, server.port, { signal: AbortSignal.timeout(100) }), "timeout");
    const took = performance.now() - t0;
    assert.ok(took >= 99 && took < 500, `timed out after ${took} ms`);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test({
  name: "http1: a timeout during connect is honoured",
  async fn() {
    const server = rawServer(async (conn) => {
      const reader = new RequestReader(conn);
      await reader.next();
      await delay(150);
      await writeText(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      await reader.eof();
    });
    const realConnect = Deno.connect;
    Object.assign(Deno, {
      connect: async (o: Deno.ConnectOptions) => {
        await delay(100);
        return await realConnect(o);
      },
    });
    const t = createHttp1Transport();
    try {
      await rejectsWith(send(t, server.port, { signal: AbortSignal.timeout(30) }), "timeout");
    } finally {
      Object.assign(Deno, { connect: realConnect });
      t.close();
      await server.close();
    }
  },
});

Deno.test("http1: a non-200 status is delivered through onHead, not thrown", async () => {
  const { server } = keepAliveServer((_req, n) =>
    n === 0
      ? "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 4\r\n\r\nbusy"
      : "HTTP/1.1 204 No Content\r\n\r\n"
  );
  const t = createHttp1Transport();
  try {
    const a = await send(t, server.port);
    assert.equal(a.status, 503);
    assert.equal(a.headers?.get("retry-after"), "1");
    assert.equal(a.body, "busy");
    // A 204 has no body even without a length, and the connection stays usable.
    const b = await send(t, server.port);
    assert.equal(b.status, 204);
    assert.equal(b.body, "");
    assert.equal(b.endMs, b.headMs);
    assert.equal(server.accepted, 1);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: request head and body go out in one write with Host, Content-Length and headers", async () => {
  const { server, requests } = keepAliveServer(() =>
    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
  );
  const t = createHttp1Transport();
  try {
    const body = enc.encode(JSON.stringify({ prompt: "héllo", max_tokens: 8 }));
    await send(t, server.port, {
      method: "POST",
      path: "/v1/completions?stream=1",
      headers: { "Content-Type": "application/json", "X-Request-Id": "abc-1" },
      body,
    });
    const req = requests[0];
    // Everything arrived in the server's first read: one write, one packet.
    assert.deepEqual(req.reads, [enc.encode(req.raw).length]);
    const lines = req.head.split("\r\n");
    assert.equal(lines[0], "POST /v1/completions?stream=1 HTTP/1.1");
    assert.ok(lines.includes(`Host: 127.0.0.1:${server.port}`), req.head);
    assert.ok(lines.includes(`Content-Length: ${body.length}`), req.head);
    assert.ok(lines.includes("Content-Type: application/json"), req.head);
    assert.ok(lines.includes("X-Request-Id: abc-1"), req.head);
    assert.equal(req.body, '{"prompt":"héllo","max_tokens":8}');

    // A GET without a body carries no Content-Length; a POST without one says 0;
    // a caller's own Content-Length is not duplicated.
    await send(t, server.port, { path: "/health" });
    await send(t, server.port, { method: "POST", path: "/empty" });
    await send(t, server.port, {
      method: "POST",
      headers: { "content-length": "3" },
      body: enc.encode("abc"),
    });
    const [get, post, own] = requests.slice(1);
    assert.ok(!/content-length/i.test(get.head), get.head);
    assert.ok(get.head.startsWith("GET /health HTTP/1.1\r\n"));
    assert.ok(post.head.includes("\r\nContent-Length: 0\r\n"), post.head);
    assert.equal(own.head.match(/content-length/gi)?.length, 1, own.head);
    assert.equal(own.body, "abc");
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: header names or values with CR or LF throw TypeError and send nothing", async () => {
  const server = rawServer(async () => {});
  const t = createHttp1Transport();
  try {
    for (
      const headers of <Record<string, string>[]> [
        { "X-Bad": "a\r\nX-Injected: 1" },
        { "X-Bad": "a\nb" },
        { "X-Bad": "a\rb" },
        { "X-Bad\r\nX-Injected": "1" },
      ]
    ) {
      await assert.rejects(
        send(t, server.port, { headers }),
        (e) => e instanceof TypeError && /line break/.test(e.message),
      );
    }
    await delay(20);
    assert.equal(server.accepted, 0);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: close() closes idle pooled connections and the transport stays usable", async () => {
  const eofs: boolean[] = [];
  let idleClosed!: () => void;
  const firstClosed = new Promise<void>((r) => (idleClosed = r));
  const server = rawServer(async (conn, index) => {
    const reader = new RequestReader(conn);
    await reader.next();
    await writeText(conn, `HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${index}`);
    // Keep the connection open until the client closes it.
    eofs.push(await reader.eof());
    if (index === 0) idleClosed();
  });
  const t = createHttp1Transport();
  try {
    assert.equal((await send(t, server.port)).body, "0");
    await delay(20);
    assert.deepEqual(eofs, [], "the idle connection stays open until close()");
    t.close();
    await within(2000, firstClosed, "server EOF after close()");
    assert.deepEqual(eofs, [true]);
    // Still usable: a new connection.
    assert.equal((await send(t, server.port)).body, "1");
    assert.equal(server.accepted, 2);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: the same body sent with other headers or to another path goes out with them", async () => {
  const { server, requests } = keepAliveServer();
  const t = createHttp1Transport();
  try {
    const body = enc.encode('{"prompt":"x"}');
    const h1 = { "X-Run": "one" };
    await send(t, server.port, { method: "POST", body, headers: h1 });
    await send(t, server.port, { method: "POST", body, headers: h1 }); // same objects: cached bytes
    await send(t, server.port, { method: "POST", body, headers: { "X-Run": "two" } });
    await send(t, server.port, { method: "POST", body, headers: h1, path: "/other" });
    assert.equal(requests.length, 4);
    assert.match(requests[1].head, /X-Run: one/);
    assert.match(requests[2].head, /X-Run: two/);
    assert.match(requests[3].head, /^POST \/other HTTP\/1\.1/);
    for (const r of requests) assert.equal(r.body, '{"prompt":"x"}');
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: https with keep-alive, a chunked body and a certificate from caCerts", async () => {
  const dir = new URL("./testdata/", import.meta.url);
  const ca = await Deno.readTextFile(new URL("ca.crt", dir));
  const cert = await Deno.readTextFile(new URL("localhost.crt", dir));
  const key = await Deno.readTextFile(new URL("localhost.key", dir));
  const clientPorts: number[] = [];
  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    cert,
    key,
    onListen() {},
  }, (_req, info) => {
    clientPorts.push((info.remoteAddr as Deno.NetAddr).port);
    const body = new ReadableStream({
      start(c) {
        c.enqueue(enc.encode("data: a\n\n"));
        c.enqueue(enc.encode("data: b\n\n"));
        c.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  const t = createHttp1Transport({ caCerts: [ca] });
  try {
    const url = new URL(`https://localhost:${server.addr.port}/`);
    for (let i = 0; i < 2; i++) {
      let text = "";
      let status = 0;
      await t.send({ url, method: "GET", headers: {} }, {
        onHead: (s) => (status = s),
        onBody: (b) => (text += dec.decode(b)),
      });
      assert.equal(status, 200);
      assert.equal(text, "data: a\n\ndata: b\n\n");
    }
    assert.equal(clientPorts.length, 2);
    assert.equal(clientPorts[0], clientPorts[1], "the second request reused the TLS connection");
    // Without the certificate, the handshake fails as a connect error.
    const untrusted = createHttp1Transport();
    await assert.rejects(
      untrusted.send({ url, method: "GET", headers: {} }, { onHead() {}, onBody() {} }),
      (e: unknown) => e instanceof TransportError && e.failure === "connect",
    );
    untrusted.close();
  } finally {
    t.close();
    await server.shutdown();
  }
});

Deno.test("http1: a reused connection closed after the request was read fails; the request is not sent again", async () => {
  const requests: number[] = [];
  const server = rawServer(async (conn, index) => {
    const reader = new RequestReader(conn);
    await reader.next();
    requests.push(index);
    await writeText(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    if (await reader.next()) requests.push(index);
    // read the second request, then close without a response byte
  });
  const t = createHttp1Transport();
  try {
    await send(t, server.port);
    const resends: number[] = [];
    const p = t.send({
      url: new URL(`http://127.0.0.1:${server.port}/`),
      method: "POST",
      headers: {},
      body: enc.encode("{}"),
    }, { onHead() {}, onBody() {}, onResend: (a) => resends.push(a) });
    const err = await rejectsWith(p, "dropped");
    assert.match(err.message, /after the request was sent, before any response byte/);
    assert.match(err.message, /reused keep-alive connection/);
    assert.deepEqual(requests, [0, 0], "the server saw the request once");
    assert.equal(server.accepted, 1, "no new connection was opened to send it again");
    assert.deepEqual(resends, []);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: a connection the server closed while idle is never written to (no resend needed)", async () => {
  const got: string[] = [];
  const server = rawServer(async (conn, index) => {
    const reader = new RequestReader(conn);
    const req = await reader.next();
    if (!req) return;
    got.push(`${index}`);
    await writeText(conn, `HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${index}`);
    // closes: the idle pooled connection is dead
  });
  const t = createHttp1Transport();
  try {
    await send(t, server.port);
    await delay(50);
    const resends: number[] = [];
    let body = "";
    await t.send({ url: new URL(`http://127.0.0.1:${server.port}/`), method: "GET", headers: {} }, {
      onHead() {},
      onBody: (b) => (body += dec.decode(b)),
      onResend: (a) => resends.push(a),
    });
    assert.equal(body, "1");
    assert.deepEqual(resends, [], "the closed connection was skipped, not tried");
    assert.deepEqual(got, ["0", "1"]);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: a server that closes right after each POST response (claiming keep-alive) fails no request", async () => {
  let posts = 0;
  const server = rawServer(async (conn) => {
    const req = await new RequestReader(conn).next();
    if (!req) return;
    posts++;
    await writeText(
      conn,
      "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok",
    );
    await delay(2); // then close, as llama.cpp does after a stream
  });
  const t = createHttp1Transport();
  try {
    for (let i = 0; i < 6; i++) {
      let body = "";
      await t.send({
        url: new URL(`http://127.0.0.1:${server.port}/`),
        method: "POST",
        headers: {},
        body: enc.encode("{}"),
      }, {
        onHead() {},
        onBody: (b) => (body += dec.decode(b)),
      });
      assert.equal(body, "ok");
    }
    assert.equal(posts, 6, "each request sent once");
    assert.equal(server.accepted, 6, "a young connection is passed over, a closed one never used");
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: a keep-alive connection too young after a POST is passed over, not waited for; once one has stayed open, connections are reused", async () => {
  let posts = 0;
  const server = rawServer(async (conn) => {
    const reader = new RequestReader(conn);
    for (;;) {
      const req = await reader.next();
      if (!req) return;
      posts++;
      await writeText(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }
  });
  const post = async (t: HttpTransport) => {
    let body = "";
    await t.send({
      url: new URL(`http://127.0.0.1:${server.port}/`),
      method: "POST",
      headers: {},
      body: enc.encode("{}"),
    }, { onHead() {}, onBody: (b) => (body += dec.decode(b)) });
    assert.equal(body, "ok");
  };
  // A probe far longer than the test: a transport that waited for it would time out here.
  const patient = createHttp1Transport({ keepAliveProbeMs: 60_000 });
  try {
    await within(5_000, post(patient), "first request");
    await within(5_000, post(patient), "second request, not held back");
    assert.equal(server.accepted, 2, "the young connection was passed over for a new one");
  } finally {
    patient.close();
  }
  // A short probe: once connections have stayed open past it, they are reused.
  const t = createHttp1Transport({ keepAliveProbeMs: 5 });
  try {
    await post(t);
    await delay(30); // timers never fire early: 30 ms is past the 5 ms probe
    const before = server.accepted;
    await post(t);
    await post(t);
    assert.equal(server.accepted, before, "later requests reuse the proven connection");
    assert.equal(posts, 5);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: 1xx interim heads (103 Early Hints, 100 Continue) are skipped; onHead gets the 200 once", async () => {
  const sse = "data: a\n\ndata: [DONE]\n\n";
  const final = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n" +
    "Transfer-Encoding: chunked\r\n\r\n" +
    `${sse.length.toString(16)}\r\n${sse}\r\n0\r\n\r\n`;
  const hints = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n";
  // Each request gets the interim heads in another arrangement: in their own
  // write before the 200, or in one packet with it.
  const arrangements: string[][] = [
    [hints, final],
    ["HTTP/1.1 100 Continue\r\n\r\n" + hints + final],
    ["HTTP/1.1 100 Continue\r\n\r\n", hints + final.slice(0, 20), final.slice(20)],
  ];
  const raw = rawServer(async (conn, index) => {
    const reader = new RequestReader(conn);
    for (let i = 0;; i++) {
      if (!(await reader.next())) return;
      for (const part of arrangements[(index + i) % arrangements.length]) {
        await writeText(conn, part);
        await delay(5);
      }
    }
  });
  const t = createHttp1Transport();
  try {
    for (let i = 0; i < arrangements.length; i++) {
      const got = await send(t, raw.port); // its onHead asserts it is called once
      assert.equal(got.status, 200, `arrangement ${i}`);
      assert.equal(got.body, sse, `arrangement ${i}`);
      assert.equal(got.headers?.get("content-type"), "text/event-stream");
      assert.equal(
        got.headers?.get("link"),
        undefined,
        "the interim head's fields are not the response's",
      );
    }
    assert.equal(raw.accepted, 1, "the connection stays usable after interim heads");
  } finally {
    t.close();
    await raw.close();
  }
});

Deno.test("http1: 101 Switching Protocols on a plain request rejects with 'protocol'", async () => {
  const { server } = keepAliveServer(() =>
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
  );
  const t = createHttp1Transport();
  try {
    const err = await rejectsWith(send(t, server.port), "protocol");
    assert.match(err.message, /101 Switching Protocols/);
  } finally {
    t.close();
    await server.close();
  }
});

Deno.test("http1: an abort's message is its reason's, while waiting for the head and while connecting", async () => {
  const server = rawServer(async (conn) => {
    const reader = new RequestReader(conn);
    await reader.next();
    await reader.eof(); // never answers
  });
  const t = createHttp1Transport();
  const why = "no response head within 30000 ms (first-byte timeout)";
  const realConnect = Deno.connect;
  try {
    const ac = new AbortController();
    const p = send(t, server.port, { signal: ac.signal });
    setTimeout(() => ac.abort(new DOMException(why, "TimeoutError")), 30);
    const err = await rejectsWith(p, "timeout");
    assert.equal(err.message, why);

    Object.assign(Deno, {
      connect: async (o: Deno.ConnectOptions) => {
        await delay(200);
        return await realConnect(o);
      },
    });
    const connecting = new AbortController();
    const p2 = send(t, server.port, { signal: connecting.signal });
    setTimeout(() => connecting.abort(new Error("the run was stopped (Ctrl-C)")), 30);
    const err2 = await rejectsWith(p2, "aborted");
    assert.equal(err2.message, "the run was stopped (Ctrl-C)");
    // A reason without a message: the transport says where it was.
    const bare = new AbortController();
    const p3 = send(t, server.port, { signal: bare.signal });
    setTimeout(() => bare.abort(42), 30);
    const err3 = await rejectsWith(p3, "aborted");
    assert.equal(err3.message, "request aborted while connecting");
  } finally {
    Object.assign(Deno, { connect: realConnect });
    t.close();
    await server.close();
  }
});

const testdata = new URL("./testdata/", import.meta.url);

Deno.test("http1: https:// to a server answering in plain HTTP fails at once with a hint to use http://", async () => {
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () => new Response("ok"),
  );
  const t = createHttp1Transport(); // the default handshake timeout (5 s) is not what ends it
  try {
    const t0 = performance.now();
    const err = await rejectsWith(
      t.send(
        { url: new URL(`https://127.0.0.1:${server.addr.port}/`), method: "GET", headers: {} },
        {
          onHead() {},
          onBody() {},
        },
      ),
      "connect",
    );
    assert.ok(performance.now() - t0 < 4000, "failed before any timeout");
    assert.match(
      err.message,
      new RegExp(
        `^TLS handshake with 127\\.0\\.0\\.1:${server.addr.port} failed \\(.+\\): the server answered in plain text, not TLS; is it speaking plain HTTP\\? Try http://127\\.0\\.0\\.1:${server.addr.port}$`,
      ),
    );
    assert.ok(err.cause instanceof Error, "the TLS error is kept as the cause");
  } finally {
    t.close();
    await server.shutdown();
  }
});

Deno.test("http1: https:// to a plain server that hangs up or never answers the handshake says so", async () => {
  // A plain HTTP server waits for a request line; the ClientHello never ends one.
  const server = rawServer(async (conn) => {
    await new RequestReader(conn).next();
  });
  // One that reads the ClientHello and hangs up.
  const closing = rawServer(async (conn) => {
    await conn.read(new Uint8Array(4096));
  });
  const t = createHttp1Transport({ tlsHandshakeTimeoutMs: 150 });
  try {
    const closed = await rejectsWith(
      t.send({ url: new URL(`https://127.0.0.1:${closing.port}/`), method: "GET", headers: {} }, {
        onHead() {},
        onBody() {},
      }),
      "connect",
    );
    assert.match(
      closed.message,
      /closed the connection without a TLS answer; if it speaks plain HTTP, try http:\/\//,
    );
    const err = await rejectsWith(
      t.send({ url: new URL(`https://127.0.0.1:${server.port}/`), method: "GET", headers: {} }, {
        onHead() {},
        onBody() {},
      }),
      "connect",
    );
    assert.equal(
      err.message,
      `TLS handshake with 127.0.0.1:${server.port} got no answer within 150 ms: ` +
        `is the server speaking plain HTTP? Try http://127.0.0.1:${server.port}`,
    );
  } finally {
    t.close();
    await server.close();
    await closing.close();
  }
});

Deno.test("http1: a slow TLS handshake with an origin that has completed one is not cut short", async () => {
  const cert = await Deno.readTextFile(new URL("localhost.crt", testdata));
  const key = await Deno.readTextFile(new URL("localhost.key", testdata));
  const ca = await Deno.readTextFile(new URL("ca.crt", testdata));
  const tls = Deno.serve(
    { port: 0, hostname: "127.0.0.1", cert, key, onListen() {} },
    () => new Response("ok"),
  );
  // A relay in front of it that holds every connection after the first for 400 ms.
  const relay = rawServer(async (conn, index) => {
    if (index > 0) await delay(400);
    const up = await Deno.connect({ hostname: "127.0.0.1", port: tls.addr.port });
    await Promise.allSettled([
      conn.readable.pipeTo(up.writable),
      up.readable.pipeTo(conn.writable),
    ]);
  });
  const t = createHttp1Transport({ caCerts: [ca], tlsHandshakeTimeoutMs: 100 });
  try {
    const url = new URL(`https://localhost:${relay.port}/`);
    for (let i = 0; i < 2; i++) {
      let status = 0;
      await within(
        5000,
        t.send({ url, method: "GET", headers: {} }, { onHead: (s) => (status = s), onBody() {} }),
        `request ${i}`,
      );
      assert.equal(status, 200, `request ${i}`);
      t.close(); // the next request connects afresh
    }
    assert.equal(relay.accepted, 2);
  } finally {
    t.close();
    await relay.close();
    await tls.shutdown();
  }
});

Deno.test("http1: http:// to a TLS server fails with a hint to use https://", async () => {
  const cert = await Deno.readTextFile(new URL("localhost.crt", testdata));
  const key = await Deno.readTextFile(new URL("localhost.key", testdata));
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", cert, key, onListen() {} },
    () => new Response("ok"),
  );
  const t = createHttp1Transport();
  try {
    const port = server.addr.port;
    const err = await rejectsWith(
      send(t, port, { method: "POST", body: enc.encode("{}") }),
      "protocol",
    );
    assert.match(
      err.message,
      new RegExp(
        `^the server at 127\\.0\\.0\\.1:${port} answered with TLS \\(a TLS alert record, bytes 15 03 .*\\), not HTTP: try https://127\\.0\\.0\\.1:${port}$`,
      ),
    );
  } finally {
    t.close();
    await server.shutdown();
  }
});
