/**
 * How well the event loop serves sockets while some code runs: the check
 * that a precise wait (or a load generator built on one) still lets the
 * runtime read its connections. Public so that the tests of every folder can
 * use it.
 *
 * @module
 */

/**
 * Counts one-byte round trips over a loopback TCP connection (echoed inside
 * this process) while `work` runs: a measure of how often the runtime polls
 * its sockets meanwhile.
 *
 * @param work The code under test.
 * @returns Round trips completed before `work` settled.
 *
 * @example
 * ```ts
 * import { roundTripsDuring } from "./round_trips.ts";
 * import assert from "node:assert/strict";
 *
 * const trips = await roundTripsDuring(() => new Promise((r) => setTimeout(r, 50)));
 * assert.ok(trips > 0);
 * ```
 */
export async function roundTripsDuring(work: () => Promise<unknown>): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const [client, server] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port }),
    listener.accept(),
  ]);
  listener.close();
  const echo = (async () => {
    const b = new Uint8Array(1);
    try {
      while ((await server.read(b)) !== null) await server.write(b);
    } catch {
      // closed
    }
  })();
  let stop = false;
  let trips = 0;
  const pinger = (async () => {
    const b = new Uint8Array(1);
    while (!stop) {
      await client.write(b);
      await client.read(b);
      trips++;
    }
  })();
  try {
    await work();
  } finally {
    stop = true;
    await pinger;
    client.close();
    server.close();
    await echo;
  }
  return trips;
}
