import assert from "node:assert/strict";
import { delay, within } from "../util/async.ts";
import {
  serveHttp1,
  type SimHttpHandler,
  type SimHttpRequest,
  type SimHttpResponse,
} from "./http_server.ts";
import { serveSimulator } from "./server.ts";

// Clients here are raw TCP connections (exact bytes, one connection we can
// see) or `fetch` (an independent HTTP implementation decoding our output).

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A raw client connection that reads Content-Length responses. */
class RawClient {
  readonly conn: Deno.TcpConn;
  #buf = "";
  #eof = false;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
  }

  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async write(text: string): Promise<void> {
    const b = enc.encode(text);
    let off = 0;
    while (off < b.length) off += await this.conn.write(b.subarray(off));
  }

  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    const chunk = new Uint8Array(65536);
    let n: number | null;
    try {
      n = await this.conn.read(chunk);
    } catch {
      n = null;
    }
    if (n === null) {
      this.#eof = true;
      return false;
    }
    this.#buf += dec.decode(chunk.subarray(0, n));
    return true;
  }

  /** Reads until `text` has arrived; returns everything up to and including it. */
  async until(text: string): Promise<string> {
    while (!this.#buf.includes(text)) {
      if (!(await this.#fill())) {
        throw new Error(`EOF before ${JSON.stringify(text)}: ${this.#buf}`);
      }
    }
    const i = this.#buf.indexOf(text) + text.length;
    const out = this.#buf.slice(0, i);
    this.#buf = this.#buf.slice(i);
    return out;
  }

  /** The next response (Content-Length bodies only; ASCII). */
  async response(): Promise<{ status: number; head: string; body: string }> {
    const head = await this.until("\r\n\r\n");
    const m = /\r\ncontent-length: (\d+)\r\n/i.exec(head);
    assert.ok(m, `no content-length in ${head}`);
    const len = Number(m[1]);
    while (this.#buf.length < len) {
      if (!(await this.#fill())) throw new Error("EOF inside body");
    }
    const body = this.#buf.slice(0, len);
    this.#buf = this.#buf.slice(len);
    return { status: Number(head.split(" ")[1]), head, body };
  }

  /** True when the server closes the connection with no further bytes. */
  async eof(): Promise<boolean> {
    if (this.#buf !== "") return false;
    return !(await this.#fill()) && this.#buf === "";
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}

/** Starts a server and returns it with a cleanup that waits for its accept loop. */
function start(handler: SimHttpHandler) {
  const server = serveHttp1({}, handler);
  return {
    server,
    port: server.addr.port,
    async stop() {
      server.close();
      await server.finished;
    },
  };
}

/** Echoes method, path, search and body. */
const echo: SimHttpHandler = (req, res) =>
  res.send(
    200,
    { "content-type": "text/plain" },
    `${req.method} ${req.path}${req.search} ${dec.decode(req.body)}`,
  );

Deno.test("serveHttp1: keep-alive serves two requests on one connection", async () => {
  const seen: SimHttpRequest[] = [];
  const s = start((req, res) => {
    seen.push(req);
    res.send(200, { "x-n": String(seen.length) }, `reply ${seen.length}`);
  });
  const c = await RawClient.connect(s.port);
  try {
    await c.write("GET /a?x=1 HTTP/1.1\r\nHost: h\r\nX-Mixed-Case: V\r\n\r\n");
    const r1 = await c.response();
    assert.equal(r1.status, 200);
    assert.ok(r1.head.startsWith("HTTP/1.1 200 OK\r\n"), r1.head);
    assert.match(r1.head, /\r\nx-n: 1\r\n/);
    assert.doesNotMatch(r1.head, /connection: close/i);
    assert.equal(r1.body, "reply 1");
    await c.write("POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz");
    const r2 = await c.response();
    assert.equal(r2.body, "reply 2");
    assert.equal(seen[0].method, "GET");
    assert.equal(seen[0].path, "/a");
    assert.equal(seen[0].search, "?x=1");
    assert.equal(seen[0].headers.get("x-mixed-case"), "V");
    assert.equal(seen[1].method, "POST");
    assert.equal(dec.decode(seen[1].body), "xyz");
    assert.ok(seen[1].receivedMs >= seen[0].receivedMs);
  } finally {
    c.close();
    await s.stop();
  }
});

Deno.test("serveHttp1: 'Connection: close' and HTTP/1.0 requests get one response, then close", async () => {
  const s = start(echo);
  try {
    for (
      const req of [
        "GET /x HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /y HTTP/1.0\r\n\r\n",
      ]
    ) {
      const c = await RawClient.connect(s.port);
      try {
        await c.write(req);
        const r = await c.response();
        assert.match(r.head, /\r\nconnection: close\r\n/);
        assert.equal(await c.eof(), true, "server closes after the response");
      } finally {
        c.close();
      }
    }
  } finally {
    await s.stop();
  }
});

Deno.test("serveHttp1: a Content-Length request body split across writes is read whole", async () => {
  const s = start(echo);
  const c = await RawClient.connect(s.port);
  try {
    const body = "x".repeat(40000); // larger than the server's initial 16 KiB buffer
    await c.write(
      `POST /big HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 100)}`,
    );
    await delay(10);
    await c.write(body.slice(100));
    assert.equal((await c.response()).body, `POST /big ${body}`);
  } finally {
    c.close();
    await s.stop();
  }
});

Deno.test("serveHttp1: a chunked request body is de-chunked", async () => {
  const s = start(echo);
  const c = await RawClient.connect(s.port);
  try {
    const pieces = [
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
      "lo\r\n6;ext=1\r\n world\r\n",
      "0\r\nTrailer: t\r\n\r\n",
    ];
    for (const p of pieces) {
      await c.write(p);
      await delay(10);
    }
    assert.equal((await c.response()).body, "POST /c hello world");
    // The connection is still in sync for the next request.
    await c.write("GET /next HTTP/1.1\r\n\r\n");
    assert.equal((await c.response()).body, "GET /next ");
  } finally {
    c.close();
    await s.stop();
  }
});

Deno.test("serveHttp1: a malformed chunked request body gets 400 and a close", async () => {
  const s = start(() => assert.fail("handler must not run"));
  const c = await RawClient.connect(s.port);
  try {
    await c.write("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    const r = await c.response();
    assert.equal(r.status, 400);
    assert.match(r.head, /connection: close/);
    assert.equal(await c.eof(), true);
  } finally {
    c.close();
    await s.stop();
  }
});

Deno.test("serveHttp1: two pipelined requests in one write are answered in order", async () => {
  // The first answer is delayed longer than the second could take.
  const s = start((req, res) => {
    const wait = req.path === "/first" ? 30 : 0;
    setTimeout(() => res.send(200, {}, req.path), wait);
  });
  const c = await RawClient.connect(s.port);
  try {
    await c.write(
      "GET /first HTTP/1.1\r\nHost: h\r\n\r\nPOST /second HTTP/1.1\r\nContent-Length: 2\r\n\r\nok",
    );
    assert.equal((await c.response()).body, "/first");
    assert.equal((await c.response()).body, "/second");
  } finally {
    c.close();
    await s.stop();
  }
});

Deno.test("serveHttp1: two pipelined requests with synchronous answers, then a third", async () => {
  const s = start(echo);
  const c = await RawClient.connect(s.port);
  try {
    await c.write("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
    assert.equal((await c.response()).body, "GET /1 ");
    assert.equal((await c.response()).body, "GET /2 ");
    await c.write("GET /third HTTP/1.1\r\n\r\n");
    assert.equal((await c.response()).body, "GET /third ");
  } finally {
    c.close();
    await s.stop();
  }
});

Deno.test({
  name: "serveHttp1: a request after a pipelined pair with asynchronous answers",
  async fn() {
    const s = start((req, res) => setTimeout(() => res.send(200, {}, req.path), 5));
    const c = await RawClient.connect(s.port);
    try {
      await c.write("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
      assert.equal((await c.response()).body, "/1");
      assert.equal((await c.response()).body, "/2");
      await c.write("GET /third HTTP/1.1\r\n\r\n");
      assert.equal((await c.response()).body, "/third");
    } finally {
      c.close();
      await s.stop();
    }
  },
});

Deno.test("serveHttp1: send() writes status, headers, Content-Length and body", async () => {
  const s = start((req, res) => {
    if (req.path === "/bytes") res.send(404, { "x-why": "missing" }, new Uint8Array([104, 105]));
    else res.send(200, { "content-type": "application/json" }, '{"text":"héllo"}');
  });
  const c = await RawClient.connect(s.port);
  try {
    await c.write("GET /bytes HTTP/1.1\r\n\r\n");
    const raw = await c.until("hi");
    assert.equal(
      raw,
      "HTTP/1.1 404 Not Found\r\nx-why: missing\r\ncontent-length: 2\r\n\r\nhi",
    );
    const r = await fetch(`http://127.0.0.1:${s.port}/json`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "application/json");
    // Content-Length counts bytes, not characters.
    assert.equal(r.headers.get("content-length"), String(enc.encode('{"text":"héllo"}').length));
    assert.deepEqual(await r.json(), { text: "héllo" });
  } finally {
    c.close();
    await s.stop();
  }
});

Deno.test("serveHttp1: a throwing handler gets a 500 response", async () => {
  const s = start(() => {
    throw new Error("boom");
  });
  try {
    const r = await fetch(`http://127.0.0.1:${s.port}/`);
    assert.equal(r.status, 500);
    assert.match(await r.text(), /boom/);
  } finally {
    await s.stop();
  }
});

// Timing tolerance for streaming: a chunk written now must reach fetch before
// the next one is written 40 ms later; a busy VM may delay delivery by a few ms.
Deno.test("serveHttp1: a streamed response (startStream/write/end) decodes with fetch as it is written", async () => {
  const parts = ["data: one\n\n", "data: twö\n\n", "data: [DONE]\n\n"];
  let ended = -1;
  const s = start((_req, res) => {
    res.startStream(200, { "content-type": "text/event-stream" });
    let i = 0;
    const tick = () => {
      if (i < parts.length) {
        res.write(parts[i++]);
        setTimeout(tick, 40);
      } else {
        res.write(""); // an empty write must not end the stream
        ended = performance.now();
        res.end();
      }
    };
    tick();
  });
  try {
    const r = await fetch(`http://127.0.0.1:${s.port}/v1/completions`, { method: "POST" });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "text/event-stream");
    assert.equal(r.headers.get("transfer-encoding"), "chunked");
    const reader = r.body!.getReader();
    let text = "";
    let firstAt = -1;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (firstAt < 0) firstAt = performance.now();
      text += dec.decode(value, { stream: true });
    }
    assert.equal(text, parts.join(""));
    assert.ok(firstAt >= 0 && firstAt < ended, "the first event arrived before the stream ended");
  } finally {
    await s.stop();
  }
});

Deno.test("serveHttp1: destroy() mid-stream makes the client see an error", async () => {
  let res!: SimHttpResponse;
  const s = start((_req, r) => {
    res = r;
    r.startStream(200, {});
    r.write("partial");
    setTimeout(() => r.destroy(), 20);
  });
  try {
    const r = await fetch(`http://127.0.0.1:${s.port}/`);
    const reader = r.body!.getReader();
    const first = await reader.read();
    assert.equal(dec.decode(first.value), "partial");
    await assert.rejects(
      within(
        2000,
        (async () => {
          for (;;) if ((await reader.read()).done) break;
        })(),
        "error after destroy()",
      ),
      (e) => !(e instanceof Error && /not within/.test(e.message)),
    );
    assert.equal(res.closed, true);
    // Writing after destroy is a harmless no-op.
    res.write("late");
    res.end();
  } finally {
    await s.stop();
  }
});

Deno.test("serveHttp1: a client leaving mid-stream calls onClose once and sets closed", async () => {
  let res!: SimHttpResponse;
  let closes = 0;
  let gone!: () => void;
  const left = new Promise<void>((r) => (gone = r));
  const s = start((_req, r) => {
    res = r;
    r.onClose = () => {
      closes++;
      gone();
    };
    r.startStream(200, {});
    r.write("first");
  });
  const c = await RawClient.connect(s.port);
  try {
    await c.write("GET /stream HTTP/1.1\r\n\r\n");
    await c.until("first\r\n");
    assert.equal(res.closed, false);
    c.close();
    await within(2000, left, "onClose");
    assert.equal(res.closed, true);
    res.write("after"); // no throw
    res.end();
    await delay(10);
    assert.equal(closes, 1);
  } finally {
    c.close();
    await s.stop();
  }
});

Deno.test("serveHttp1: a malformed request head gets 400 and the connection closes", async () => {
  const s = start(() => assert.fail("handler must not run"));
  try {
    for (const bad of ["garbage\r\n\r\n", "GET / HTTP/1.1\r\nno colon\r\n\r\n"]) {
      const c = await RawClient.connect(s.port);
      try {
        await c.write(bad);
        const r = await c.response();
        assert.equal(r.status, 400, bad);
        assert.match(r.head, /\r\nconnection: close\r\n/);
        assert.equal(r.body, "malformed request head");
        assert.equal(await c.eof(), true);
      } finally {
        c.close();
      }
    }
  } finally {
    await s.stop();
  }
});

Deno.test("serveHttp1: close() ends `finished`, closes open connections, refuses new ones", async () => {
  const s = start(echo);
  const c = await RawClient.connect(s.port);
  try {
    await c.write("GET / HTTP/1.1\r\n\r\n");
    await c.response();
    s.server.close();
    await s.server.finished;
    s.server.close(); // idempotent
    assert.equal(
      await within(2000, c.eof(), "EOF"),
      true,
      "the idle keep-alive connection was closed",
    );
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: s.port }));
  } finally {
    c.close();
    await s.stop();
  }
});

Deno.test("serveHttp1 and the simulator on a taken port: AddrInUse naming the port and host", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  try {
    for (
      const start of [
        () => serveHttp1({ port }, () => {}),
        () => serveSimulator({ port, ttftMs: 1, itlMs: 1 }),
        () => serveSimulator({ port, profile: "small" }),
      ]
    ) {
      assert.throws(start, (e: unknown) => {
        assert.ok(e instanceof Deno.errors.AddrInUse, String(e));
        assert.equal(
          e.message,
          `port ${port} on 127.0.0.1 is already in use; choose another port (or 0 for any free port)`,
        );
        assert.ok(e.cause instanceof Deno.errors.AddrInUse, "the OS error is kept as the cause");
        return true;
      });
    }
  } finally {
    taken.close();
  }
  // Once freed, the same port serves.
  const server = serveHttp1({ port }, (_req, res) => res.send(200, {}, "ok"));
  assert.equal(server.addr.port, port);
  const r = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(await r.text(), "ok");
  server.close();
  await server.finished;
});

Deno.test("serveHttp1: a TLS ClientHello gets a plain-text 400 at once, so an https:// client is told", async () => {
  const s = start(echo);
  try {
    const t0 = performance.now();
    const conn = await Deno.connectTls({ hostname: "127.0.0.1", port: s.port });
    // The handshake fails on the plain-text answer instead of waiting for a timeout.
    await assert.rejects(() => conn.handshake(), /InvalidContentType|corrupt message/i);
    try {
      conn.close();
    } catch { /* closed */ }
    assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`);
  } finally {
    await s.stop();
  }
});
