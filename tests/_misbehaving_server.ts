/**
 * A scripted misbehaving OpenAI-compatible server for tests: raw TCP, so it
 * can do what a real server or proxy sometimes does and `Deno.serve` would
 * not (a 103 before the 200, a head and then silence, one giant event).
 * Every connection carries one exchange (`Connection: close`).
 *
 * @module
 */

/** What the server does with a completion request (`/v1/completions` or chat). */
export type Behaviour =
  /** A good stream: `tokens` token chunks, usage, `[DONE]`. */
  | { kind: "ok"; tokens?: number }
  /** Reads the request and never answers. */
  | { kind: "stall_head" }
  /** Answers the head (and `tokens` token chunks), then goes silent. */
  | { kind: "stall_after_head"; tokens?: number }
  /** Answers `status` with a JSON error body that quotes the request's `Authorization` header. */
  | { kind: "echo_auth"; status: number }
  /** A 200 stream whose first event is an error quoting the `Authorization` header. */
  | { kind: "echo_auth_in_stream" }
  /** A `103 Early Hints` interim response, then a good stream. */
  | { kind: "early_hints"; tokens?: number }
  /** A good stream whose one content event is `bytes` long. */
  | { kind: "giant_event"; bytes: number }
  /** `status` with a body (an HTML page, a plain text, a JSON error). */
  | { kind: "status"; status: number; body: string; contentType?: string };

/** Options of {@linkcode startMisbehavingServer}. */
export interface MisbehavingOptions {
  /** What a completion request gets; a function chooses per request (0-based). */
  behaviour: Behaviour | ((n: number) => Behaviour);
  /** Models `/v1/models` lists. @default ["m"] */
  models?: string[];
  /** `/v1/models` answers this status instead (with an error body quoting the Authorization header). */
  modelsStatus?: number;
  /** After this many completion requests, the server closes its listener and every connection. */
  dieAfter?: number;
}

/** A running misbehaving server. */
export interface MisbehavingServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The port. */
  port: number;
  /** Completion requests received so far. */
  readonly requests: number;
  /** Whether the listener was closed by `dieAfter`. */
  readonly dead: boolean;
  /** Stops it (idempotent). */
  close(): Promise<void>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function head(status: number, reason: string, headers: Record<string, string>): string {
  let h = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (const [k, v] of Object.entries(headers)) h += `${k}: ${v}\r\n`;
  return h + "Connection: close\r\n\r\n";
}

function sse(data: string): string {
  return `data: ${data}\n\n`;
}

function tokenEvent(i: number): string {
  return sse(JSON.stringify({ choices: [{ index: 0, text: `t${i} `, finish_reason: null }] }));
}

function goodTail(tokens: number): string {
  return sse(JSON.stringify({ choices: [{ index: 0, text: "", finish_reason: "length" }] })) +
    sse(JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: tokens } })) +
    sse("[DONE]");
}

const SSE_HEAD = head(200, "OK", { "Content-Type": "text/event-stream" });

/** Reads one request: its line, headers and body. */
async function readRequest(
  conn: Deno.Conn,
): Promise<{ path: string; headers: Map<string, string>; body: string } | null> {
  let buf = new Uint8Array(0);
  const chunk = new Uint8Array(64 * 1024);
  let end = -1;
  while (end < 0) {
    const n = await conn.read(chunk);
    if (n === null) return null;
    const next = new Uint8Array(buf.length + n);
    next.set(buf);
    next.set(chunk.subarray(0, n), buf.length);
    buf = next;
    end = dec.decode(buf).indexOf("\r\n\r\n");
  }
  const text = dec.decode(buf);
  const [line, ...rest] = text.slice(0, end).split("\r\n");
  const headers = new Map<string, string>();
  for (const h of rest) {
    const i = h.indexOf(":");
    if (i > 0) headers.set(h.slice(0, i).trim().toLowerCase(), h.slice(i + 1).trim());
  }
  const length = Number(headers.get("content-length") ?? 0);
  let body = enc.encode(text).subarray(end + 4);
  while (body.length < length) {
    const n = await conn.read(chunk);
    if (n === null) break;
    const next = new Uint8Array(body.length + n);
    next.set(body);
    next.set(chunk.subarray(0, n), body.length);
    body = next;
  }
  return { path: line.split(" ")[1] ?? "/", headers, body: dec.decode(body) };
}

/**
 * Starts the server on a free loopback port.
 *
 * @param options What it does.
 * @returns The server.
 */
export function startMisbehavingServer(options: MisbehavingOptions): MisbehavingServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const conns = new Set<Deno.Conn>();
  const stalls: (() => void)[] = [];
  let requests = 0;
  let dead = false;
  let closed = false;

  const die = () => {
    if (dead) return;
    dead = true;
    try {
      listener.close();
    } catch { /* closed */ }
    for (const c of conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    conns.clear();
  };

  const stall = () => new Promise<void>((resolve) => stalls.push(resolve));

  const serve = async (conn: Deno.Conn) => {
    conns.add(conn);
    const write = async (s: string | Uint8Array) => {
      let b = typeof s === "string" ? enc.encode(s) : s;
      while (b.length > 0) b = b.subarray(await conn.write(b));
    };
    try {
      const req = await readRequest(conn);
      if (req === null) return;
      const auth = req.headers.get("authorization") ?? "";
      if (req.path.endsWith("/models")) {
        if (options.modelsStatus !== undefined) {
          const body = JSON.stringify({
            error: { message: `invalid credentials: Authorization: ${auth}` },
          });
          await write(
            head(options.modelsStatus, "Error", {
              "Content-Type": "application/json",
              "Content-Length": String(enc.encode(body).length),
            }) + body,
          );
          return;
        }
        const body = JSON.stringify({
          object: "list",
          data: (options.models ?? ["m"]).map((id) => ({ id, object: "model" })),
        });
        await write(
          head(200, "OK", {
            "Content-Type": "application/json",
            "Content-Length": String(enc.encode(body).length),
          }) + body,
        );
        return;
      }
      const n = requests++;
      if (options.dieAfter !== undefined && n >= options.dieAfter) {
        die();
        return;
      }
      const b = typeof options.behaviour === "function" ? options.behaviour(n) : options.behaviour;
      switch (b.kind) {
        case "ok": {
          const t = b.tokens ?? 4;
          await write(SSE_HEAD);
          for (let i = 0; i < t; i++) await write(tokenEvent(i));
          await write(goodTail(t));
          break;
        }
        case "stall_head":
          await stall();
          break;
        case "stall_after_head": {
          await write(SSE_HEAD);
          for (let i = 0; i < (b.tokens ?? 0); i++) await write(tokenEvent(i));
          await stall();
          break;
        }
        case "echo_auth": {
          const body = JSON.stringify({
            error: { message: `request rejected; headers were: Authorization: ${auth}` },
          });
          await write(
            head(b.status, "Error", {
              "Content-Type": "application/json",
              "Content-Length": String(enc.encode(body).length),
            }) + body,
          );
          break;
        }
        case "echo_auth_in_stream":
          await write(SSE_HEAD);
          await write(sse(JSON.stringify({ error: { message: `bad key ${auth}` } })));
          await write(sse("[DONE]"));
          break;
        case "early_hints": {
          const t = b.tokens ?? 4;
          await write("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
          await write(SSE_HEAD);
          for (let i = 0; i < t; i++) await write(tokenEvent(i));
          await write(goodTail(t));
          break;
        }
        case "giant_event": {
          await write(SSE_HEAD);
          const text = "x".repeat(b.bytes);
          await write(sse(JSON.stringify({ choices: [{ index: 0, text, finish_reason: null }] })));
          await write(goodTail(1));
          break;
        }
        case "status": {
          await write(
            head(b.status, "Status", {
              "Content-Type": b.contentType ?? "text/plain",
              "Content-Length": String(enc.encode(b.body).length),
            }) + b.body,
          );
          break;
        }
      }
    } catch {
      // The client went away.
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch { /* closed */ }
    }
  };

  (async () => {
    try {
      for await (const conn of listener) serve(conn);
    } catch {
      // Closed.
    }
  })();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return requests;
    },
    get dead() {
      return dead;
    },
    close() {
      if (!closed) {
        closed = true;
        for (const s of stalls.splice(0)) s();
        die();
      }
      return Promise.resolve();
    },
  };
}
