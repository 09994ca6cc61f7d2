/**
 * The floor of any Deno client on this machine: a bare read loop on
 * `Deno.connect` that reads the harness server's streams and does nothing
 * else (no parsing, no timestamps kept). Prints CPU per read and per token as
 * one JSON line. Used by `bench/run.ts` beside splleed's own figures.
 *
 * ```sh
 * deno run -A bench/raw_reader.ts PORT STREAMS REQUESTS_PER_STREAM TOKENS
 * ```
 *
 * @module
 */

import process from "node:process";

const [port, streams, perStream, tokens] = Deno.args.map(Number);
const body = JSON.stringify({ prompt: "raw", max_tokens: tokens, stream: true });
const request = new TextEncoder().encode(
  `POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
);
let reads = 0;

async function stream(): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const buf = new Uint8Array(65536);
  for (let r = 0; r < perStream; r++) {
    await conn.write(request);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) return;
      reads++;
      // The last chunk of a response ends the exchange.
      if (n >= 5 && buf[n - 5] === 48 && buf[n - 4] === 13 && buf[n - 1] === 10) break;
    }
  }
  conn.close();
}

const cpu0 = process.cpuUsage();
await Promise.all(Array.from({ length: streams }, stream));
const cpu = process.cpuUsage(cpu0);
const us = cpu.user + cpu.system;
console.log(JSON.stringify({
  reads,
  tokens: streams * perStream * tokens,
  cpuUsPerRead: us / reads,
  cpuUsPerToken: us / (streams * perStream * tokens),
  userUsPerRead: cpu.user / reads,
  systemUsPerRead: cpu.system / reads,
}));
