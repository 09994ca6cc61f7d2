/**
 * The floor of an open-loop Deno client on this machine: splleed's own
 * arrival plan and deadline waits (`planArrivals`, `sleepUntil` with the
 * loopback pair held), but each request is a bare exchange on a pooled
 * `Deno.connect` connection that reads until the end of the response and
 * keeps nothing (no parsing, no records, no metrics). What this keeps of the
 * schedule is what the runtime and the machine allow; splleed's figures are
 * read against it. A warm-up plan of the same rate and length opens the
 * connections first.
 *
 * ```sh
 * deno run -A bench/raw_open_loop.ts PORT RATE REQUESTS TOKENS
 * ```
 *
 * Prints one JSON line: schedule lag p50/p99/max in ms.
 *
 * @module
 */

import { holdPreciseWaits, sleepUntil } from "../lib/clock/precise.ts";
import { planArrivals } from "../lib/load/arrivals.ts";

const [port, rate, requests, tokens] = Deno.args.map(Number);
const body = JSON.stringify({ prompt: "raw", max_tokens: tokens, stream: true });
const request = new TextEncoder().encode(
  `POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
);
const pool: { conn: Deno.Conn; buf: Uint8Array }[] = [];

async function exchange(): Promise<void> {
  const c = pool.pop() ?? {
    conn: await Deno.connect({ hostname: "127.0.0.1", port }),
    buf: new Uint8Array(16384),
  };
  await c.conn.write(request);
  for (;;) {
    const n = await c.conn.read(c.buf);
    if (n === null) return;
    // The last chunk of a response ends the exchange.
    const b = c.buf;
    if (n >= 5 && b[n - 5] === 48 && b[n - 4] === 13 && b[n - 1] === 10) break;
  }
  pool.push(c);
}

async function run(seed: number): Promise<Float64Array> {
  const offsets = planArrivals({ rate, count: requests, seed });
  const lag = new Float64Array(requests);
  const running: Promise<void>[] = [];
  const hold = await holdPreciseWaits();
  try {
    const start = performance.now() + 1;
    for (let i = 0; i < requests; i++) {
      const at = start + offsets[i];
      if (at > performance.now()) await sleepUntil(at);
      lag[i] = performance.now() - at;
      running.push(exchange());
    }
    await Promise.all(running);
  } finally {
    hold.release();
  }
  return lag.sort();
}

await run(2);
const lag = await run(1);
for (const { conn } of pool) conn.close();
const q = (p: number) => lag[Math.floor(p * (lag.length - 1))];
console.log(JSON.stringify({ p50: q(0.5), p99: q(0.99), max: lag[lag.length - 1] }));
