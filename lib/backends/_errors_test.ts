import assert from "node:assert/strict";
import { createFetchTransport } from "../http/fetch_transport.ts";
import { createHttp1Transport } from "../http/http1_transport.ts";
import { type HttpTransport, TransportError } from "../http/transport.ts";
import { classifyTransportError } from "./_errors.ts";

/** A port nothing listens on: bound, then closed. */
function refusedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** What `transport` throws for a GET to `port`. */
async function failureOf(transport: HttpTransport, port: number): Promise<unknown> {
  try {
    await transport.send({
      url: new URL(`http://127.0.0.1:${port}/v1/models`),
      method: "GET",
      headers: {},
      signal: AbortSignal.timeout(5000),
    }, { onHead() {}, onBody() {} });
  } catch (err) {
    return err;
  } finally {
    transport.close();
  }
  throw new Error(`expected the request to 127.0.0.1:${port} to fail; it succeeded`);
}

for (
  const [name, make] of [["http1", createHttp1Transport], ["fetch", createFetchTransport]] as const
) {
  Deno.test(`classifyTransportError: a refused connection (${name}) is connection_refused and names the address`, async () => {
    const port = refusedPort();
    const err = await failureOf(make(), port);
    const { reason, message } = classifyTransportError(err, 0, "");
    assert.equal(reason, "connection_refused", message);
    assert.match(message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.match(message, /nothing listens there/);
  });
}

/** An error shaped as Deno raises it for an errno (checked against real ones where they can be caused). */
function osError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

Deno.test("classifyTransportError: this machine's resource failures are client_error with what to do", () => {
  const cases: [Error, RegExp][] = [
    // The exact shape Deno 2 raises when connect() hits the open-file limit.
    [osError("Too many open files (os error 24)", "EMFILE"), /ulimit -n 65536/],
    [osError("Too many open files in system (os error 23)", "ENFILE"), /fs\.file-max/],
    [
      new Deno.errors.AddrNotAvailable("Cannot assign requested address (os error 99)"),
      /ip_local_port_range/,
    ],
    [osError("Cannot allocate memory (os error 12)", "ENOMEM"), /free memory/],
    [osError("No buffer space available (os error 105)", "ENOBUFS"), /socket memory/],
  ];
  for (const [cause, fix] of cases) {
    for (const failure of ["connect", "dropped"] as const) {
      const err = new TransportError(
        failure,
        `cannot connect to 127.0.0.1:8000: ${cause.message}`,
        { cause },
      );
      const { reason, message } = classifyTransportError(err, 0, "");
      assert.equal(reason, "client_error", `${cause.message} (${failure})`);
      assert.match(message, /splleed's side, not the server's/);
      assert.match(message, fix);
      assert.match(message, /127\.0\.0\.1:8000/, "the original message is kept");
    }
  }
  // Found by the message alone too (an error that lost its code on the way).
  const bare = new TransportError("connect", "cannot reach x: Too many open files (os error 24)");
  assert.equal(classifyTransportError(bare, 0, "").reason, "client_error");
});

Deno.test("classifyTransportError: other failures keep their reasons", () => {
  const refusedCause = new Deno.errors.ConnectionRefused("Connection refused (os error 111)");
  const cases: [unknown, number, string][] = [
    [
      new TransportError("connect", "cannot connect to h:1: failed to lookup address"),
      0,
      "connect_error",
    ],
    [new TransportError("dropped", "closed", { cause: refusedCause }), 0, "connection_closed"],
    [new TransportError("dropped", "closed"), 200, "stream_dropped"],
    [new TransportError("timeout", "no response head within 30000 ms"), 0, "timeout"],
    [new TransportError("aborted", "stopped"), 0, "aborted"],
    [new TransportError("protocol", "bad head"), 0, "protocol_error"],
    [new TransportError("dropped", "closed"), 503, "http_503"],
    [new Error("bug"), 0, "client_error"],
    // A timeout whose cause happens to be a resource error is still a timeout.
    [
      new TransportError("timeout", "late", { cause: osError("x (os error 24)", "EMFILE") }),
      0,
      "timeout",
    ],
  ];
  for (const [err, status, want] of cases) {
    assert.equal(classifyTransportError(err, status, "").reason, want, String(err));
  }
});

const hasBash = (() => {
  try {
    return new Deno.Command("bash", {
      args: ["-c", "ulimit -n 64"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync().success;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "classifyTransportError: a real EMFILE (open-file limit lowered to 40) is client_error",
  ignore: !hasBash, // needs bash to lower the limit of a child process
  async fn() {
    // The server holds every connection and never answers.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const held: Deno.Conn[] = [];
    const accepting = (async () => {
      try {
        for await (const c of listener) held.push(c);
      } catch { /* closed */ }
    })();
    const dir = await Deno.makeTempDir();
    try {
      const script = `${dir}/emfile.ts`;
      await Deno.writeTextFile(
        script,
        `
import { createHttp1Transport } from ${
          JSON.stringify(new URL("../http/http1_transport.ts", import.meta.url).href)
        };
import { classifyTransportError } from ${
          JSON.stringify(new URL("./_errors.ts", import.meta.url).href)
        };
const url = new URL("http://127.0.0.1:" + Deno.args[0] + "/");
const t = createHttp1Transport();
const stop = new AbortController();
const seen: { reason: string; message: string }[] = [];
await Promise.allSettled(Array.from({ length: 200 }, () =>
  t.send({ url, method: "GET", headers: {}, signal: stop.signal }, { onHead() {}, onBody() {} })
    .catch((err) => {
      if (!stop.signal.aborted) seen.push(classifyTransportError(err, 0, ""));
      stop.abort();
    })
));
console.log(JSON.stringify(seen[0] ?? null));
`,
      );
      const port = (listener.addr as Deno.NetAddr).port;
      const out = await new Deno.Command("bash", {
        args: [
          "-c",
          `ulimit -n 40 && exec "$0" run --no-check --no-config -A "$1" "$2"`,
          Deno.execPath(),
          script,
          String(port),
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout).trim();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const first = JSON.parse(text.split("\n").at(-1)!);
      assert.notEqual(first, null, "no request failed: the limit did not bite");
      assert.equal(first.reason, "client_error", first.message);
      assert.match(first.message, /too many open files.*\(os error 24\): splleed's side/);
      assert.match(first.message, /ulimit -n 65536/);
    } finally {
      listener.close();
      await accepting;
      for (const c of held) c.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
