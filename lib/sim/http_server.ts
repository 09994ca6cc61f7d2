/**
 * A small HTTP/1.1 server on `Deno.listen` for the simulated engine.
 *
 * The simulator is the ground truth splleed's accuracy tests measure against,
 * so it must put each token on the wire at the instant it schedules it. With
 * `Deno.serve`, a streamed body passes through a `ReadableStream` pump and
 * each request through extra dispatch; on this 2-core machine that added
 * about 0.5 ms per event at 8 concurrent streams. Here every SSE event is one
 * `conn.write` issued immediately. Supports keep-alive, `Content-Length` and
 * chunked request bodies, chunked streaming responses, and abrupt closes
 * (for fault injection).
 *
 * @module
 */

import { ChunkedDecoder, findHeadEnd, parseHead } from "../http/http1_parse.ts";
import { concatBytes } from "../util/bytes.ts";

/** A request as the handler sees it. */
export interface SimHttpRequest {
  /** Method, upper case as sent. */
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query string including `?`, or "". */
  search: string;
  /** Header fields, lower-cased names. */
  headers: ReadonlyMap<string, string>;
  /** The full request body. */
  body: Uint8Array;
  /** Monotonic time (`performance.now()`) at which the request was complete. */
  receivedMs: number;
}

/** The response side of one exchange. Exactly one of `send` or `startStream` … `end` / `destroy`. */
export interface SimHttpResponse {
  /** Sends a complete response with a `Content-Length` body. */
  send(status: number, headers: Record<string, string>, body: string | Uint8Array): void;
  /** Sends the head of a chunked (streamed) response. */
  startStream(status: number, headers: Record<string, string>): void;
  /** Writes one chunk of a streamed response now. */
  write(chunk: string): void;
  /** Ends a streamed response (the zero-length chunk). */
  end(): void;
  /** Closes the connection abruptly, mid-response. */
  destroy(): void;
  /** True once the client has gone away or the response was destroyed. */
  readonly closed: boolean;
  /** Called once if the client goes away before the response is complete. */
  onClose?: () => void;
}

/** Handles one request; it may answer later (streaming). */
export type SimHttpHandler = (req: SimHttpRequest, res: SimHttpResponse) => void;

/** A listening server. */
export interface SimHttpServer {
  /** The bound address (port 0 resolves to a free port). */
  readonly addr: Deno.NetAddr;
  /** Stops accepting and closes every connection. */
  close(): void;
  /** Resolves when the accept loop has ended. */
  readonly finished: Promise<void>;
}

/** Options of {@linkcode serveHttp1}. */
export interface ServeHttp1Options {
  /** @default {"127.0.0.1"} */
  hostname?: string;
  /** 0 picks a free port. @default {0} */
  port?: number;
  /** Largest request body accepted, in bytes. @default {67108864} */
  maxBodyBytes?: number;
}

const encoder = new TextEncoder();
const CRLF = encoder.encode("\r\n");
const LAST_CHUNK = encoder.encode("0\r\n\r\n");
const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Content Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * Starts an HTTP/1.1 server.
 *
 * @param options Address and limits.
 * @param handler Called for each complete request, in order per connection.
 * @returns The server.
 * @throws {Deno.errors.AddrInUse} When the port is taken: "port 8000 on
 *   127.0.0.1 is already in use; choose another port (or 0 for any free
 *   port)". Other failures to listen name the host and port too (see
 *   {@linkcode listenError}).
 *
 * @example
 * ```ts
 * import { serveHttp1 } from "./http_server.ts";
 * import assert from "node:assert/strict";
 *
 * const server = serveHttp1({}, (_req, res) => res.send(200, { "content-type": "text/plain" }, "hi"));
 * const r = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 * assert.equal(await r.text(), "hi");
 * server.close();
 * await server.finished;
 * ```
 */
export function serveHttp1(options: ServeHttp1Options, handler: SimHttpHandler): SimHttpServer {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? 0;
  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ hostname, port });
  } catch (err) {
    throw listenError(err, hostname, port);
  }
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const conns = new Set<Deno.Conn>();
  let closing = false;

  const finished = (async () => {
    try {
      for await (const conn of listener) {
        if (closing) {
          conn.close();
          break;
        }
        conns.add(conn);
        serveConn(conn, handler, maxBody).finally(() => {
          conns.delete(conn);
          try {
            conn.close();
          } catch { /* closed */ }
        });
      }
    } catch (err) {
      if (!closing) throw err;
    }
  })();

  return {
    addr: listener.addr as Deno.NetAddr,
    finished,
    close() {
      if (closing) return;
      closing = true;
      try {
        listener.close();
      } catch { /* closed */ }
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      conns.clear();
    },
  };
}

/**
 * The error of a failed `Deno.listen`, with a message that names the host
 * and port and says what to do; the same class as the original (which is
 * its `cause`), so callers can still tell a taken port from other failures.
 *
 * @param err What `Deno.listen` threw.
 * @param hostname The interface asked for.
 * @param port The port asked for.
 * @returns The error to throw.
 *
 * @example
 * ```ts
 * import { listenError } from "./http_server.ts";
 * import assert from "node:assert/strict";
 *
 * const e = listenError(new Deno.errors.AddrInUse("Address already in use (os error 98)"), "127.0.0.1", 8000);
 * assert.ok(e instanceof Deno.errors.AddrInUse);
 * assert.equal(e.message, "port 8000 on 127.0.0.1 is already in use; choose another port (or 0 for any free port)");
 * ```
 */
export function listenError(err: unknown, hostname: string, port: number): Error {
  const cause = { cause: err };
  const os = err instanceof Error ? err.message : String(err);
  if (err instanceof Deno.errors.AddrInUse) {
    return new Deno.errors.AddrInUse(
      `port ${port} on ${hostname} is already in use; choose another port (or 0 for any free port)`,
      cause,
    );
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return new Deno.errors.PermissionDenied(
      `cannot listen on port ${port} on ${hostname}: ${os}` +
        (port > 0 && port < 1024 ? " (ports below 1024 need privileges; choose one above)" : ""),
      cause,
    );
  }
  if (err instanceof Deno.errors.AddrNotAvailable) {
    return new Deno.errors.AddrNotAvailable(
      `cannot listen on ${hostname}: it is not an address of this machine (${os}); ` +
        "use 127.0.0.1, or 0.0.0.0 for every interface",
      cause,
    );
  }
  return err instanceof Error ? err : new Error(os);
}

/** Writes to one connection in order, coalescing what queues up while a write is in flight. */
class ConnWriter {
  #conn: Deno.Conn;
  #queue: Uint8Array[] = [];
  #busy = false;
  #dead = false;
  #idle: (() => void)[] = [];

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  get dead(): boolean {
    return this.#dead;
  }

  write(bytes: Uint8Array): void {
    if (this.#dead) return;
    if (this.#busy) {
      this.#queue.push(bytes);
      return;
    }
    this.#busy = true;
    this.#pump(bytes);
  }

  /** Resolves when every queued byte has been handed to the socket. */
  flushed(): Promise<void> {
    if (!this.#busy || this.#dead) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  kill(): void {
    this.#dead = true;
    this.#queue = [];
    const idle = this.#idle;
    this.#idle = [];
    for (const r of idle) r();
  }

  async #pump(first: Uint8Array): Promise<void> {
    let bytes: Uint8Array | undefined = first;
    try {
      while (bytes && !this.#dead) {
        let off = 0;
        while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
        bytes = this.#take();
      }
    } catch {
      this.kill();
      try {
        this.#conn.close();
      } catch { /* closed */ }
    }
    this.#busy = false;
    const idle = this.#idle;
    this.#idle = [];
    for (const r of idle) r();
  }

  #take(): Uint8Array | undefined {
    const q = this.#queue;
    if (q.length === 0) return undefined;
    if (q.length === 1) return q.pop();
    this.#queue = [];
    return concatBytes(q);
  }
}

async function serveConn(conn: Deno.Conn, handler: SimHttpHandler, maxBody: number): Promise<void> {
  if (conn.remoteAddr.transport === "tcp") {
    try {
      (conn as Deno.TcpConn).setNoDelay(true);
    } catch { /* not TCP */ }
  }
  const writer = new ConnWriter(conn);
  let buf = new Uint8Array(16384);
  let filled = 0;
  let eof = false;
  let current: Exchange | undefined;

  // Reads more bytes and appends them to buf; false at end of stream. Only
  // one read is ever outstanding: a read started to watch for a departing
  // client during a streamed response is reused afterwards. The read lands in
  // a scratch buffer and is appended when it completes, so the request parser
  // may consume bytes from buf while a read is pending.
  const scratch = new Uint8Array(16384);
  let reading: Promise<boolean> | undefined;
  const readMore = (): Promise<boolean> => {
    if (reading) return reading;
    if (eof) return Promise.resolve(false);
    reading = (async () => {
      let n: number | null;
      try {
        n = await conn.read(scratch);
      } catch {
        n = null;
      }
      if (n === null) {
        eof = true;
        current?.clientGone();
        return false;
      }
      if (buf.length - filled < n) {
        const bigger = new Uint8Array(Math.max(buf.length * 2, filled + n));
        bigger.set(buf.subarray(0, filled));
        buf = bigger;
      }
      buf.set(scratch.subarray(0, n), filled);
      filled += n;
      return true;
    })().finally(() => {
      reading = undefined;
    });
    return reading;
  };

  const consume = (k: number) => {
    buf.copyWithin(0, k, filled);
    filled -= k;
  };

  for (;;) {
    // --- head ---
    // A TLS ClientHello (record type 0x16) is no HTTP request: answer in plain text at once,
    // so an https:// client learns the server speaks plain HTTP instead of waiting.
    if (filled === 0 && !(await readMore())) return;
    if (buf[0] === 0x16) {
      writer.write(plainResponse(400, "this server speaks plain HTTP, not TLS: use http://", true));
      await writer.flushed();
      return;
    }
    let headEnd = findHeadEnd(buf, 0, filled);
    while (headEnd < 0) {
      if (filled > 65536) {
        writer.write(plainResponse(431, "request head too large", true));
        await writer.flushed();
        return;
      }
      if (!(await readMore())) return;
      headEnd = findHeadEnd(buf, 0, filled);
    }
    let head;
    try {
      head = parseHead(buf.subarray(0, headEnd));
    } catch {
      writer.write(plainResponse(400, "malformed request head", true));
      await writer.flushed();
      return;
    }
    consume(headEnd);
    // --- body ---
    const te = head.headers.get("transfer-encoding")?.toLowerCase();
    let body: Uint8Array;
    if (te?.includes("chunked")) {
      const parts: Uint8Array[] = [];
      let size = 0;
      const dec = new ChunkedDecoder();
      let ok = true;
      for (;;) {
        let stop = 0;
        try {
          stop = dec.push(buf, 0, filled, (b) => {
            parts.push(b.slice());
            size += b.length;
          });
        } catch {
          ok = false;
          break;
        }
        consume(stop);
        if (dec.done || size > maxBody) break;
        if (!(await readMore())) return;
      }
      if (!ok || size > maxBody) {
        writer.write(
          plainResponse(ok ? 413 : 400, ok ? "body too large" : "bad chunked body", true),
        );
        await writer.flushed();
        return;
      }
      body = concatBytes(parts);
    } else {
      const len = Number(head.headers.get("content-length") ?? "0");
      if (!Number.isSafeInteger(len) || len < 0 || len > maxBody) {
        writer.write(plainResponse(len > maxBody ? 413 : 400, "bad content-length", true));
        await writer.flushed();
        return;
      }
      while (filled < len) {
        if (!(await readMore())) return;
      }
      body = buf.slice(0, len);
      consume(len);
    }
    const q = head.b.indexOf("?");
    const keepAlive = head.c === "HTTP/1.1"
      ? !(head.headers.get("connection")?.toLowerCase().includes("close"))
      : (head.headers.get("connection")?.toLowerCase().includes("keep-alive") ?? false);
    const exchange = new Exchange(writer, conn, keepAlive);
    current = exchange;
    try {
      handler({
        method: head.a,
        path: q < 0 ? head.b : head.b.slice(0, q),
        search: q < 0 ? "" : head.b.slice(q),
        headers: head.headers,
        body,
        receivedMs: performance.now(),
      }, exchange);
    } catch (err) {
      if (!exchange.started) {
        exchange.send(500, { "content-type": "text/plain" }, `handler error: ${err}`);
      } else {
        exchange.destroy();
      }
    }
    // While the response is in progress, keep reading so that a client that
    // goes away is noticed (and its generation cancelled).
    while (!exchange.finished) {
      const more = await Promise.race([exchange.done, readMore().then((ok) => ok || undefined)]);
      if (more === undefined && !exchange.finished) {
        await exchange.done;
      }
    }
    current = undefined;
    if (!exchange.keepAlive || writer.dead) {
      await writer.flushed();
      return;
    }
    if (eof && filled === 0) return;
  }
}

class Exchange implements SimHttpResponse {
  #writer: ConnWriter;
  #conn: Deno.Conn;
  #resolve!: () => void;
  readonly done: Promise<void>;
  keepAlive: boolean;
  started = false;
  finished = false;
  #closed = false;
  #streaming = false;
  onClose?: () => void;

  constructor(writer: ConnWriter, conn: Deno.Conn, keepAlive: boolean) {
    this.#writer = writer;
    this.#conn = conn;
    this.keepAlive = keepAlive;
    this.done = new Promise((r) => (this.#resolve = r));
  }

  get closed(): boolean {
    return this.#closed;
  }

  clientGone(): void {
    if (this.finished) return;
    this.#closed = true;
    this.keepAlive = false;
    this.#finish();
    this.onClose?.();
  }

  send(status: number, headers: Record<string, string>, body: string | Uint8Array): void {
    if (this.started || this.#closed) return;
    this.started = true;
    const bytes = typeof body === "string" ? encoder.encode(body) : body;
    const headBytes = encoder.encode(
      statusLine(status) + headerLines(headers) + `content-length: ${bytes.length}\r\n` +
        (this.keepAlive ? "" : "connection: close\r\n") + "\r\n",
    );
    const out = new Uint8Array(headBytes.length + bytes.length);
    out.set(headBytes);
    out.set(bytes, headBytes.length);
    this.#writer.write(out);
    this.#finish();
  }

  startStream(status: number, headers: Record<string, string>): void {
    if (this.started || this.#closed) return;
    this.started = true;
    this.#streaming = true;
    this.#writer.write(encoder.encode(
      statusLine(status) + headerLines(headers) + "transfer-encoding: chunked\r\n" +
        (this.keepAlive ? "" : "connection: close\r\n") + "\r\n",
    ));
  }

  write(chunk: string): void {
    if (!this.#streaming || this.finished) return;
    const payload = encoder.encode(chunk);
    if (payload.length === 0) return;
    const size = encoder.encode(payload.length.toString(16) + "\r\n");
    const out = new Uint8Array(size.length + payload.length + 2);
    out.set(size);
    out.set(payload, size.length);
    out.set(CRLF, size.length + payload.length);
    this.#writer.write(out);
  }

  end(): void {
    if (!this.#streaming || this.finished) return;
    this.#writer.write(LAST_CHUNK);
    this.#finish();
  }

  destroy(): void {
    if (this.finished) return;
    this.#closed = true;
    this.keepAlive = false;
    // Let bytes already queued reach the socket first, then cut the connection.
    this.#writer.flushed().then(() => {
      this.#writer.kill();
      try {
        this.#conn.close();
      } catch { /* closed */ }
    });
    this.#finish();
  }

  #finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.#resolve();
  }
}

function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Status"}\r\n`;
}

function headerLines(headers: Record<string, string>): string {
  let s = "";
  for (const k in headers) s += `${k}: ${headers[k]}\r\n`;
  return s;
}

function plainResponse(status: number, text: string, close: boolean): Uint8Array {
  return encoder.encode(
    statusLine(status) +
      `content-type: text/plain\r\ncontent-length: ${encoder.encode(text).length}\r\n` +
      (close ? "connection: close\r\n" : "") + "\r\n" + text,
  );
}
