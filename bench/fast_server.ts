/**
 * The benchmark harness's streaming server: an OpenAI-compatible endpoint
 * (`/v1/completions`, `/v1/chat/completions`, `/v1/models`) that sends
 * pre-serialised, vLLM-shaped SSE chunks as fast as the socket takes them,
 * or on a fixed TTFT and inter-token schedule (kept with plain timers, to
 * the millisecond). Every token event carries the
 * wall-clock time it was handed to the socket, in nanoseconds
 * (`"splleed_sent_ns"`), and with `--log` the server keeps per-request truth
 * (arrival and every send time) served at `GET /bench/log`, so that client
 * timestamps can be checked against it.
 *
 * Run in its own process (pinned to its own core by `bench/run.ts`):
 *
 * ```sh
 * deno run -A bench/fast_server.ts --port 0 [--ttft-ms 50 --itl-ms 10] [--per-write 1] [--log]
 * ```
 *
 * It prints `listening PORT` on stdout when ready.
 *
 * @module
 */

import { parseArgs } from "node:util";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Server options. */
export interface FastServerOptions {
  /** Port (0: a free one). */
  port: number;
  /** Time from request arrival to the first token (0: at once). */
  ttftMs: number;
  /** Gap between tokens (0: as fast as the socket takes them). */
  itlMs: number;
  /** Events per write when there is no gap (1: one event per write). */
  perWrite: number;
  /** Keep per-request send times for `GET /bench/log`. */
  log: boolean;
}

/** Wall-clock now in nanoseconds, as 19 decimal digits. */
function nowNsText(): string {
  const ms = performance.timeOrigin + performance.now();
  const whole = Math.floor(ms);
  const frac = Math.floor((ms - whole) * 1e6);
  return `${whole}${String(frac).padStart(6, "0")}`;
}

// One token event: `data: {...,"splleed_sent_ns":NNNNNNNNNNNNNNNNNNN}\n\n`,
// framed as one HTTP chunk. The timestamp has a fixed width, so every frame
// has the same length and is built by copying a template and patching digits.
function template(chat: boolean): { frame: Uint8Array; tsAt: number } {
  const body = chat
    ? `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"bench","choices":[{"index":0,"delta":{"content":" tok"},"logprobs":null,"finish_reason":null}],"usage":null,"splleed_sent_ns":0000000000000000000}\n\n`
    : `data: {"id":"cmpl-bench","object":"text_completion","created":1,"model":"bench","choices":[{"index":0,"text":" tok","logprobs":null,"finish_reason":null,"stop_reason":null}],"usage":null,"splleed_sent_ns":0000000000000000000}\n\n`;
  const payload = encoder.encode(body);
  const prefix = encoder.encode(payload.length.toString(16) + "\r\n");
  const frame = new Uint8Array(prefix.length + payload.length + 2);
  frame.set(prefix);
  frame.set(payload, prefix.length);
  frame.set([13, 10], prefix.length + payload.length);
  const tsAt = prefix.length + body.indexOf("0000000000000000000");
  return { frame, tsAt };
}

const TEMPLATES = { chat: template(true), completions: template(false) };

/**
 * Runs callbacks at deadlines on plain timers: millisecond precision, but
 * the event loop stays idle between them, so thousands of streams and their
 * sockets are served promptly. The harness needs no finer schedule: what
 * the client is checked against is the stamped send time, not the plan.
 */
class CoarseScheduler {
  #d: number[] = [];
  #f: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedFor = Infinity;
  #closed = false;

  at(deadline: number, fn: () => void): void {
    if (this.#closed) return;
    // Insertion into a sorted array: deadlines mostly arrive in order.
    let i = this.#d.length;
    while (i > 0 && this.#d[i - 1] > deadline) i--;
    this.#d.splice(i, 0, deadline);
    this.#f.splice(i, 0, fn);
    if (deadline < this.#armedFor) this.#arm();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #arm(): void {
    clearTimeout(this.#timer);
    if (this.#d.length === 0) {
      this.#armedFor = Infinity;
      return;
    }
    this.#armedFor = this.#d[0];
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, this.#d[0] - performance.now()));
  }

  #fire(): void {
    const now = performance.now();
    let k = 0;
    while (k < this.#d.length && this.#d[k] <= now) k++;
    const due = this.#f.splice(0, k);
    this.#d.splice(0, k);
    this.#armedFor = Infinity;
    for (const fn of due) fn();
    this.#arm();
  }
}

function stamp(dst: Uint8Array, at: number): string {
  const ns = nowNsText();
  for (let i = 0; i < 19; i++) dst[at + i] = ns.charCodeAt(i);
  return ns;
}

function chunk(text: string): Uint8Array {
  const p = encoder.encode(text);
  const out = new Uint8Array(p.length + 16);
  const head = encoder.encode(p.length.toString(16) + "\r\n");
  out.set(head);
  out.set(p, head.length);
  out.set([13, 10], head.length + p.length);
  return out.subarray(0, head.length + p.length + 2);
}

const HEAD = encoder.encode(
  "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
);
const END = encoder.encode("0\r\n\r\n");

interface Truth {
  id: string;
  recvNs: string;
  sentNs: string[];
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

/**
 * Starts the server.
 *
 * @param o Options.
 * @returns The bound port and a function that stops it.
 */
export function startFastServer(o: FastServerOptions): { port: number; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: o.port });
  const sched = new CoarseScheduler();
  const truth: Truth[] = [];
  const conns = new Set<Deno.Conn>();

  const stream = async (
    conn: Deno.Conn,
    chat: boolean,
    tokens: number,
    id: string,
    recvMs: number,
    recvNs: string,
  ) => {
    const t = TEMPLATES[chat ? "chat" : "completions"];
    const sent: string[] = [];
    await writeAll(conn, HEAD);
    const finish = async () => {
      const usage =
        `data: {"id":"cmpl-bench","object":"text_completion","created":1,"model":"bench","choices":[],"usage":{"prompt_tokens":4,"total_tokens":${
          4 + tokens
        },"completion_tokens":${tokens}}}\n\ndata: [DONE]\n\n`;
      const tail = chunk(usage);
      const out = new Uint8Array(tail.length + END.length);
      out.set(tail);
      out.set(END, tail.length);
      await writeAll(conn, out);
      if (o.log) truth.push({ id, recvNs, sentNs: sent });
    };
    if (o.itlMs === 0 && o.ttftMs === 0) {
      // As fast as the socket takes them, `perWrite` events per write.
      const batch = new Uint8Array(t.frame.length * o.perWrite);
      for (let k = 0; k < o.perWrite; k++) batch.set(t.frame, k * t.frame.length);
      let i = 0;
      while (i < tokens) {
        const n = Math.min(o.perWrite, tokens - i);
        for (let k = 0; k < n; k++) {
          const ns = stamp(batch, k * t.frame.length + t.tsAt);
          if (o.log) sent.push(ns);
        }
        await writeAll(conn, batch.subarray(0, n * t.frame.length));
        i += n;
      }
      await finish();
      return;
    }
    // On a schedule: token i at recv + ttft + i·itl, one event per write.
    // Writes are chained so that they reach the socket in order; the stamp is
    // taken just before the write is issued.
    let chain = Promise.resolve();
    await new Promise<void>((done) => {
      let i = 0;
      const step = () => {
        const frame = t.frame.slice();
        chain = chain.then(() => {
          const ns = stamp(frame, t.tsAt);
          if (o.log) sent.push(ns);
          return writeAll(conn, frame);
        });
        i++;
        if (i >= tokens) done();
        else sched.at(recvMs + o.ttftMs + i * o.itlMs, step);
      };
      sched.at(recvMs + o.ttftMs, step);
    });
    await chain;
    await finish();
  };

  const serve = async (conn: Deno.Conn) => {
    conns.add(conn);
    (conn as Deno.TcpConn).setNoDelay(true);
    const buf = new Uint8Array(65536);
    let filled = 0;
    try {
      for (;;) {
        const n = await conn.read(buf.subarray(filled));
        if (n === null) return;
        filled += n;
        // Handle every complete request in the buffer (head + Content-Length body).
        for (;;) {
          const text = decoder.decode(buf.subarray(0, filled));
          const headEnd = text.indexOf("\r\n\r\n");
          if (headEnd < 0) break;
          const m = /content-length:\s*(\d+)/i.exec(text.slice(0, headEnd));
          const len = m ? Number(m[1]) : 0;
          const total = headEnd + 4 + len;
          if (filled < total) break;
          const recvMs = performance.now();
          const recvNs = nowNsText();
          const startLine = text.slice(0, text.indexOf("\r\n"));
          const body = text.slice(headEnd + 4, total);
          buf.copyWithin(0, total, filled);
          filled -= total;
          const path = startLine.split(" ")[1] ?? "/";
          if (path === "/v1/models") {
            const j = '{"object":"list","data":[{"id":"bench","object":"model"}]}';
            await writeAll(
              conn,
              encoder.encode(
                `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${j.length}\r\n\r\n${j}`,
              ),
            );
          } else if (path === "/bench/log") {
            const j = JSON.stringify(truth.splice(0));
            const b = encoder.encode(j);
            await writeAll(
              conn,
              encoder.encode(
                `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${b.length}\r\n\r\n`,
              ),
            );
            await writeAll(conn, b);
          } else {
            let req: { max_tokens?: number; prompt?: string; messages?: { content: string }[] } =
              {};
            try {
              req = JSON.parse(body);
            } catch { /* defaults */ }
            const id = req.prompt ?? req.messages?.[0]?.content ?? "";
            await stream(conn, path.includes("chat"), req.max_tokens ?? 16, id, recvMs, recvNs);
          }
        }
      }
    } catch {
      // client went away
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
    } catch { /* closed */ }
  })();

  return {
    port: (listener.addr as Deno.NetAddr).port,
    close() {
      sched.close();
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
    },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      port: { type: "string", default: "0" },
      "ttft-ms": { type: "string", default: "0" },
      "itl-ms": { type: "string", default: "0" },
      "per-write": { type: "string", default: "1" },
      log: { type: "boolean", default: false },
    },
  });
  const server = startFastServer({
    port: Number(values.port),
    ttftMs: Number(values["ttft-ms"]),
    itlMs: Number(values["itl-ms"]),
    perWrite: Math.max(1, Number(values["per-write"])),
    log: values.log,
  });
  console.log(`listening ${server.port}`);
  const stop = () => {
    server.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
