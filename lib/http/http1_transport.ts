/**
 * splleed's own HTTP/1.1 client on `Deno.connect` / `Deno.connectTls`: pooled
 * keep-alive connections, one reusable 64 KiB read buffer per connection, and
 * a timestamp taken the instant each `read` returns. Plain HTTP/1.1 with
 * `Content-Length`, chunked or close-delimited bodies; 1xx interim responses
 * (`100 Continue`, `103 Early Hints`) are skipped; no HTTP/2, no proxies
 * (use {@linkcode createFetchTransport} for those).
 *
 * A wrong scheme is said so: `https://` to a server that speaks plain HTTP
 * fails at the handshake (at once when the server answers or hangs up,
 * after `tlsHandshakeTimeoutMs` when it waits) with "Try http://", and
 * `http://` to a TLS server fails when its answer starts with a TLS record,
 * with "try https://". A connect error keeps the system error as its
 * `cause` (refused, too many open files, ...), so it can be classified.
 *
 * A request is sent once. An idle pooled connection keeps one read pending,
 * so a connection the server closed while idle is known closed and never
 * used, and a server that closes each connection right after answering a
 * POST while claiming keep-alive (llama.cpp's) is recognised and its
 * connections are no longer pooled (see `take`: no request ever waits for
 * that; a connection too young to trust is passed over for a new one). A
 * request is sent again, on a new connection, only when writing it failed on
 * a reused connection (it provably never reached the server; the handler's
 * `onResend` is told). A connection that closes after the request was
 * written and before any response byte fails the request (`"dropped"`,
 * "closed ... after the request was sent"): the server may have read it and
 * done the work, so it is never silently sent twice.
 *
 * @module
 */

import { ChunkedDecoder, findHeadEnd, parseHead } from "./http1_parse.ts";
import {
  abortError,
  type HttpRequest,
  type HttpTransport,
  type ResponseHandler,
  TransportError,
} from "./transport.ts";

/** Options of {@linkcode createHttp1Transport}. */
export interface Http1TransportOptions {
  /**
   * Size of each connection's read buffer in bytes.
   * @default {65536}
   */
  readBufferBytes?: number;
  /**
   * Most idle connections kept per origin.
   * @default {4096}
   */
  maxIdlePerOrigin?: number;
  /**
   * On an origin not yet known to keep connections open after a POST, how
   * long, in ms, a connection must have stayed open after answering one
   * before it is reused (a younger one is passed over for a new connection;
   * no request ever waits for it).
   * @default {20}
   */
  keepAliveProbeMs?: number;
  /**
   * Extra trusted CA certificates (PEM) for `https:` endpoints, beside the
   * system's.
   * @default {[]}
   */
  caCerts?: string[];
  /**
   * How long, in ms, a TLS handshake with an origin that has not yet
   * completed one may go unanswered before the connection fails with a hint
   * that the server may be speaking plain HTTP (such a server waits for a
   * request line that never comes). Once a handshake with the origin has
   * succeeded, a slow handshake (a busy server) is left to the request's
   * signal instead.
   * @default {5000}
   */
  tlsHandshakeTimeoutMs?: number;
}

const encoder = new TextEncoder();
/** Sends that may take a pooled connection (later ones connect afresh). */
const MAX_ATTEMPTS = 8;
/**
 * How long after answering a POST a connection must stay open before it is
 * reused, on an origin not yet known to keep connections open (the default of
 * `keepAliveProbeMs`): see `take`.
 */
const PROBE_MS = 20;

/** What the client has learnt about an origin. */
interface OriginState {
  /** A connection stayed open `keepAliveProbeMs` after answering a POST (see `take`). */
  keeps: boolean;
  /** The server closes a connection right after answering (despite keep-alive). */
  closes: boolean;
  /** A TLS handshake with the origin has completed (it speaks TLS). */
  tls: boolean;
}

interface PooledConn {
  conn: Deno.Conn;
  buf: Uint8Array;
  /** Requests already completed on this connection. */
  uses: number;
  /**
   * The read left pending while the connection is idle (into `buf`; never
   * rejects, an error reads as the end of stream): it settles when the server
   * closes the connection, or with the response of the next request sent on it.
   */
  watch: Promise<number | null> | null;
  /** Whether the connection is in use (taken from the pool). */
  busy: boolean;
  /** The server closed (or wrote to) the connection while it was idle: not reusable. */
  closed: boolean;
  /** When the connection last went idle (`performance.now()`). */
  idleSinceMs: number;
  /** Whether the last request on the connection was a POST. */
  lastPost: boolean;
}

/**
 * Creates the HTTP/1.1 transport (named `"http1"`).
 *
 * @param options Buffer and pool sizes.
 * @returns The transport.
 *
 * @example Streaming a response from a local server
 * ```ts
 * import { createHttp1Transport } from "./http1_transport.ts";
 * import assert from "node:assert/strict";
 *
 * const server = Deno.serve({ port: 0, onListen() {} }, () => new Response("hello"));
 * const t = createHttp1Transport();
 * let body = "";
 * await t.send({
 *   url: new URL(`http://127.0.0.1:${server.addr.port}/`),
 *   method: "GET",
 *   headers: {},
 * }, {
 *   onHead(status) { assert.equal(status, 200); },
 *   onBody(bytes) { body += new TextDecoder().decode(bytes); },
 * });
 * assert.equal(body, "hello");
 * t.close();
 * await server.shutdown();
 * ```
 */
export function createHttp1Transport(options: Http1TransportOptions = {}): HttpTransport {
  const bufBytes = options.readBufferBytes ?? 65536;
  const maxIdle = options.maxIdlePerOrigin ?? 4096;
  const probeMs = options.keepAliveProbeMs ?? PROBE_MS;
  const handshakeMs = options.tlsHandshakeTimeoutMs ?? 5000;
  const idle = new Map<string, PooledConn[]>();
  const origins = new Map<string, OriginState>();
  // A benchmark sends the same few bodies, with the same URL and headers
  // objects, over and over: keep each one's encoded request.
  // (Keyed by identity: a caller must not mutate a body or headers object it
  // has sent and send it again expecting the change.)
  const cache = new WeakMap<
    Uint8Array,
    { url: URL; headers: Record<string, string>; method: string; bytes: Uint8Array }
  >();
  const encoded = (request: HttpRequest): Uint8Array => {
    const body = request.body;
    if (body === undefined) return encodeRequest(request);
    const hit = cache.get(body);
    if (
      hit !== undefined && hit.url === request.url && hit.headers === request.headers &&
      hit.method === request.method
    ) {
      return hit.bytes;
    }
    const bytes = encodeRequest(request);
    cache.set(body, { url: request.url, headers: request.headers, method: request.method, bytes });
    return bytes;
  };

  async function connect(url: URL, signal: AbortSignal | undefined): Promise<PooledConn> {
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
    const tls = url.protocol === "https:";
    let conn: Deno.Conn;
    try {
      conn = tls
        ? await Deno.connectTls({
          hostname,
          port,
          alpnProtocols: ["http/1.1"],
          caCerts: options.caCerts,
        })
        : await Deno.connect({ hostname, port });
    } catch (err) {
      throw new TransportError(
        "connect",
        `cannot connect to ${hostPort(url)}: ${errMessage(err)}`,
        {
          cause: err,
        },
      );
    }
    // Finish the TLS handshake now, so that a bad certificate is a connect error.
    if (tls) await handshake(conn as Deno.TlsConn, url, signal);
    else (conn as Deno.TcpConn).setNoDelay(true);
    return {
      conn,
      buf: new Uint8Array(bufBytes),
      uses: 0,
      watch: null,
      busy: true,
      closed: false,
      idleSinceMs: 0,
      lastPost: false,
    };
  }

  /**
   * Completes a TLS handshake, or fails with a message that says what the
   * peer did: answered in plain text, closed, or (on an origin never seen
   * to speak TLS) stayed silent for `tlsHandshakeTimeoutMs`.
   */
  async function handshake(
    conn: Deno.TlsConn,
    url: URL,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const st = originState(url.origin);
    // An abort closes the connection, which ends a handshake left hanging.
    const onAbort = () => safeClose(conn);
    signal?.addEventListener("abort", onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const silent = new Promise<"silent">((resolve) => {
      const check = () => {
        // An origin proven to speak TLS is only slow: leave it to the signal.
        if (st.tls) timer = undefined;
        else resolve("silent");
      };
      timer = setTimeout(check, handshakeMs);
    });
    const where = hostPort(url);
    try {
      const r = await Promise.race([conn.handshake(), silent]);
      if (r === "silent") {
        safeClose(conn);
        throw new TransportError(
          "connect",
          `TLS handshake with ${where} got no answer within ${handshakeMs} ms: ` +
            `is the server speaking plain HTTP? Try http://${url.host}`,
        );
      }
      st.tls = true;
    } catch (err) {
      if (err instanceof TransportError) throw err;
      safeClose(conn);
      const m = errMessage(err);
      let hint = "";
      if (/InvalidContentType|corrupt message/i.test(m)) {
        hint = `: the server answered in plain text, not TLS; is it speaking plain HTTP? ` +
          `Try http://${url.host}`;
      } else if (err instanceof Deno.errors.UnexpectedEof || /end of file|eof/i.test(m)) {
        hint = `: the server closed the connection without a TLS answer; if it speaks plain ` +
          `HTTP, try http://${url.host}`;
      }
      throw new TransportError("connect", `TLS handshake with ${where} failed (${m})${hint}`, {
        cause: err,
      });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  function originState(origin: string): OriginState {
    let st = origins.get(origin);
    if (st === undefined) origins.set(origin, st = { keeps: false, closes: false, tls: false });
    return st;
  }

  /**
   * Takes an idle connection to `origin` that the server has not closed, or
   * none (the caller connects afresh). It never waits: a request is never
   * held back on the client's side.
   *
   * Some servers (llama.cpp's among them) close a keep-alive connection right
   * after a streamed response while claiming keep-alive. The next request,
   * sent within microseconds, would take the connection before its close
   * arrived and fail after being written (the request may not be resent).
   * So until an origin is known to keep connections open after a POST, a
   * connection that answered a POST less than {@linkcode PROBE_MS} ago is
   * left in the pool and the request opens a new connection. A connection
   * that stayed open that long after a POST proves the origin keeps them
   * (then every idle connection is reused at once); one that closed within
   * that time marks the origin as one that closes (its connections are no
   * longer pooled, see `watch` and `release`).
   */
  function take(origin: string): PooledConn | undefined {
    const list = idle.get(origin);
    if (list === undefined) return undefined;
    const st = originState(origin);
    const now = performance.now();
    for (let i = list.length - 1; i >= 0; i--) {
      const pc = list[i];
      if (pc.closed) {
        list.splice(i, 1);
        safeClose(pc.conn);
        continue;
      }
      if (!st.keeps && pc.lastPost) {
        if (now - pc.idleSinceMs < probeMs) continue; // too young to trust: leave it
        st.keeps = true; // open for PROBE_MS after a POST: this origin keeps connections
      }
      list.splice(i, 1);
      pc.busy = true;
      pc.conn.ref();
      return pc;
    }
    return undefined;
  }

  /** Leaves a read pending on an idle connection, to learn when the server closes it. */
  function watch(origin: string, pc: PooledConn): void {
    pc.busy = false;
    pc.idleSinceMs = performance.now();
    pc.conn.unref();
    const closedNow = () => {
      pc.closed = true;
      // Closed right after answering a POST: this origin closes its connections.
      const st = originState(origin);
      if (pc.lastPost && !st.keeps && performance.now() - pc.idleSinceMs < probeMs) {
        st.closes = true;
      }
    };
    pc.watch = pc.conn.read(pc.buf).then(
      (n) => {
        // End of stream, or bytes nobody asked for: the connection is done.
        if (!pc.busy) closedNow();
        return n;
      },
      () => {
        closedNow();
        return null;
      },
    );
  }

  function release(origin: string, pc: PooledConn): void {
    if (originState(origin).closes) {
      safeClose(pc.conn);
      return;
    }
    let list = idle.get(origin);
    if (!list) idle.set(origin, list = []);
    if (list.length >= maxIdle) {
      safeClose(pc.conn);
      return;
    }
    watch(origin, pc);
    list.push(pc);
  }

  async function exchange(
    url: URL,
    pc: PooledConn,
    head: Uint8Array,
    handler: ResponseHandler,
    progress: { received: number; written: boolean },
  ): Promise<{ end: number; reusable: boolean; received: number }> {
    const { conn, buf } = pc;
    // A reused connection has a read pending since it went idle: it is the first read.
    let pending = pc.watch;
    pc.watch = null;
    try {
      await writeAll(conn, head);
    } catch (err) {
      throw new TransportError("dropped", `cannot send the request: ${errMessage(err)}`, {
        cause: err,
      });
    }
    progress.written = true;

    let filled = 0; // bytes of buf holding an incomplete head
    let received = 0;
    let headEnd = -1;
    let t = 0;
    let parsed;
    let status: number;
    // --- head (after any 1xx interim heads, which are skipped) ---
    for (;;) {
      headEnd = filled > 0 ? findHeadEnd(buf, 0, filled) : -1;
      while (headEnd < 0) {
        if (filled === buf.length) {
          throw new TransportError("protocol", `response head larger than ${buf.length} bytes`);
        }
        let n: number | null;
        if (pending !== null) {
          n = await pending;
          pending = null;
        } else {
          n = await conn.read(buf.subarray(filled));
        }
        t = performance.now();
        if (n === null) {
          throw new TransportError(
            "dropped",
            received === 0
              ? `connection closed after the request was sent, before any response byte (${
                pc.uses > 0 ? "a reused keep-alive connection" : "a new connection"
              }; not resent: the server may have read it${
                pc.uses === 0 && url.protocol === "http:"
                  ? `; a server that expects TLS closes like this: if so, try https://${url.host}`
                  : ""
              })`
              : `connection closed inside the response head after ${received} bytes`,
          );
        }
        const from = filled;
        filled += n;
        const before = received;
        received += n;
        progress.received = received;
        if (before < 2 && received >= 2 && url.protocol === "http:" && isTlsRecord(buf)) {
          throw new TransportError(
            "protocol",
            `the server at ${hostPort(url)} answered with TLS (a ${
              buf[0] === 0x15 ? "TLS alert" : "TLS handshake"
            } record, bytes ${hex(buf, Math.min(filled, 7))}), not HTTP: try https://${url.host}`,
          );
        }
        headEnd = findHeadEnd(buf, from, filled);
      }
      try {
        parsed = parseHead(buf.subarray(0, headEnd));
      } catch (err) {
        throw new TransportError("protocol", `bad response head: ${errMessage(err)}`, {
          cause: err,
        });
      }
      if (!parsed.a.startsWith("HTTP/1.")) {
        throw new TransportError("protocol", `unexpected response version ${parsed.a}`);
      }
      status = Number(parsed.b);
      if (!Number.isInteger(status) || status < 100 || status > 999) {
        throw new TransportError("protocol", `bad status code ${JSON.stringify(parsed.b)}`);
      }
      if (status >= 200) break;
      if (status === 101) {
        throw new TransportError(
          "protocol",
          "the server switched protocols (101 Switching Protocols) on a request that asked for no upgrade",
        );
      }
      // An interim response (100 Continue, 103 Early Hints): drop its head, keep what follows.
      buf.copyWithin(0, headEnd, filled);
      filled -= headEnd;
    }
    const h = parsed.headers;
    handler.onHead(status, h, t);
    const connHeader = h.get("connection")?.toLowerCase() ?? "";
    let reusable = parsed.a === "HTTP/1.1"
      ? !connHeader.includes("close")
      : connHeader.includes("keep-alive");
    const te = h.get("transfer-encoding")?.toLowerCase();
    const cl = h.get("content-length");
    const noBody = status === 204 || status === 304;
    const onData = (bytes: Uint8Array) => handler.onBody(bytes, t);

    if (noBody) return { end: t, reusable, received };

    if (te !== undefined && te.includes("chunked")) {
      const dec = new ChunkedDecoder();
      let start = headEnd;
      let end = filled;
      for (;;) {
        try {
          const stop = dec.push(buf, start, end, onData);
          if (dec.done) {
            if (stop < end) reusable = false; // unexpected extra bytes: don't reuse
            return { end: t, reusable, received };
          }
        } catch (err) {
          throw new TransportError("protocol", `bad chunked body: ${errMessage(err)}`, {
            cause: err,
          });
        }
        const n = await conn.read(buf);
        t = performance.now();
        if (n === null) {
          throw new TransportError(
            "dropped",
            `connection closed before the end of the chunked body (${received} bytes received)`,
          );
        }
        received += n;
        start = 0;
        end = n;
      }
    }

    if (cl !== undefined) {
      let left = Number(cl);
      if (!Number.isSafeInteger(left) || left < 0) {
        throw new TransportError("protocol", `bad content-length ${JSON.stringify(cl)}`);
      }
      const first = Math.min(left, filled - headEnd);
      if (first > 0) onData(buf.subarray(headEnd, headEnd + first));
      left -= first;
      while (left > 0) {
        const n = await conn.read(buf.subarray(0, Math.min(buf.length, left)));
        t = performance.now();
        if (n === null) {
          throw new TransportError(
            "dropped",
            `connection closed with ${left} of ${cl} body bytes missing`,
          );
        }
        received += n;
        left -= n;
        onData(buf.subarray(0, n));
      }
      return { end: t, reusable, received };
    }

    // Close-delimited body.
    if (filled > headEnd) onData(buf.subarray(headEnd, filled));
    for (;;) {
      const n = await conn.read(buf);
      t = performance.now();
      if (n === null) return { end: t, reusable: false, received };
      received += n;
      onData(buf.subarray(0, n));
    }
  }

  return {
    name: "http1",
    close() {
      for (const list of idle.values()) for (const pc of list) safeClose(pc.conn);
      idle.clear();
    },
    async send(request: HttpRequest, handler: ResponseHandler): Promise<number> {
      const { url, signal } = request;
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new TransportError("connect", `unsupported URL scheme ${url.protocol}`);
      }
      if (signal?.aborted) throw abortError(signal, "request aborted");
      // Head and body go out in one write: one packet, one wake-up at the server.
      const head = encoded(request);
      const origin = url.origin;
      // Idle connections the server closed are skipped by take(). A request is
      // sent again only when writing it failed on a reused connection: it never
      // reached the server. Anything later is a failure, never a resend.
      for (let attempt = 1;; attempt++) {
        const pooled = attempt <= MAX_ATTEMPTS ? take(origin) : undefined;
        const pc = pooled ?? await connectAbortable(url, signal);
        if (attempt > 1) handler.onResend?.(attempt, performance.now());
        pc.lastPost = request.method === "POST";
        let current: PooledConn | undefined = pc;
        const onAbort = () => {
          if (current) safeClose(current.conn);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        const progress = { received: 0, written: false };
        try {
          if (signal?.aborted) throw abortError(signal, "request aborted");
          const r = await exchange(url, pc, head, handler, progress);
          pc.uses++;
          current = undefined;
          if (r.reusable) release(origin, pc);
          else safeClose(pc.conn);
          return r.end;
        } catch (err) {
          current = undefined;
          safeClose(pc.conn);
          if (signal?.aborted) {
            throw abortError(signal, "request aborted", { cause: err });
          }
          const te = err instanceof TransportError ? err : new TransportError(
            "dropped",
            `connection error: ${errMessage(err)}`,
            { cause: err },
          );
          if (pooled !== undefined && te.failure === "dropped" && !progress.written) continue;
          throw te;
        } finally {
          signal?.removeEventListener("abort", onAbort);
        }
      }
    },
  };

  /** Connects, giving up as soon as `signal` aborts (a late connection is closed). */
  function connectAbortable(url: URL, signal: AbortSignal | undefined): Promise<PooledConn> {
    const pending = connect(url, signal);
    if (!signal) return pending;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        pending.then((pc) => safeClose(pc.conn), () => {});
        reject(abortError(signal, "request aborted while connecting"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      pending.then(
        (pc) => {
          signal.removeEventListener("abort", onAbort);
          if (signal.aborted) safeClose(pc.conn);
          else resolve(pc);
        },
        (err) => {
          signal.removeEventListener("abort", onAbort);
          reject(err);
        },
      );
    });
  }
}

function encodeRequest(request: HttpRequest): Uint8Array {
  const { url } = request;
  let s = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  let hasLength = false;
  for (const name in request.headers) {
    const value = request.headers[name];
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) {
      throw new TypeError(
        `Cannot send request: header ${JSON.stringify(name)} contains a line break`,
      );
    }
    if (name.toLowerCase() === "content-length") hasLength = true;
    s += `${name}: ${value}\r\n`;
  }
  if (!hasLength && (request.body || request.method === "POST")) {
    s += `Content-Length: ${request.body?.length ?? 0}\r\n`;
  }
  s += "\r\n";
  const head = encoder.encode(s);
  const body = request.body;
  if (!body || body.length === 0) return head;
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

function safeClose(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/** `host:port` of a URL, with the scheme's default port when it has none. */
function hostPort(url: URL): string {
  return url.port ? url.host : `${url.host}:${url.protocol === "https:" ? 443 : 80}`;
}

/** Whether the bytes start like a TLS record (alert or handshake, version 3.x). */
function isTlsRecord(b: Uint8Array): boolean {
  return (b[0] === 0x15 || b[0] === 0x16) && b[1] === 0x03;
}

function hex(b: Uint8Array, n: number): string {
  return Array.from(b.subarray(0, n), (x) => x.toString(16).padStart(2, "0")).join(" ");
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
