/**
 * Helpers for tests against the real Prometheus and Pushgateway (Debian's
 * `prometheus` and `prometheus-pushgateway` packages): find the binaries,
 * start them on free loopback ports with a temporary configuration and
 * storage, query the HTTP API, and stop them.
 *
 * @module
 */

import { join } from "node:path";

/**
 * Finds a binary: the environment variable when set (and only it), else
 * `/usr/bin/<name>`, then `PATH`.
 *
 * @param envName Variable that overrides the path (`SPLLEED_PROMETHEUS`).
 * @param name Executable name (`prometheus`).
 * @returns The path, or null when there is none.
 */
export function findBinary(envName: string, name: string): string | null {
  const set = Deno.env.get(envName);
  const candidates = set ? [set] : [ // a path given and missing is missing: no fallback
    `/usr/bin/${name}`,
    ...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean).map((d) => join(d, name)),
  ];
  for (const c of candidates) {
    if (!c) continue;
    try {
      if (Deno.statSync(c).isFile) return c;
    } catch {
      // not there
    }
  }
  return null;
}

/** A free loopback TCP port (free when returned; another process could take it). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A started server. */
export interface Server {
  /** Base URL (`http://127.0.0.1:PORT`). */
  url: string;
  /** Kills it and waits for it to exit (idempotent); returns what it wrote to stderr. */
  stop(): Promise<string>;
}

/**
 * Polls `f` until it returns a value that is not undefined, or fails at the deadline.
 *
 * @param what What is awaited, for the error.
 * @param f The probe (errors count as "not yet").
 * @param timeoutMs Deadline. @default 15000
 * @param everyMs Poll period. @default 200
 * @returns The value.
 */
export async function waitFor<T>(
  what: string,
  f: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 200,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown = undefined;
  while (performance.now() < deadline) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}` +
      (last ? `: ${last instanceof Error ? last.message : String(last)}` : ""),
  );
}

async function spawnServer(
  binary: string,
  args: string[],
  port: number,
  what: string,
): Promise<Server> {
  const child = new Deno.Command(binary, { args, stdout: "null", stderr: "piped" }).spawn();
  const chunks: Uint8Array[] = [];
  const drained = (async () => {
    for await (const c of child.stderr) chunks.push(c);
  })();
  const url = `http://127.0.0.1:${port}`;
  let stopped: Promise<string> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // already exited
      }
      await child.status;
      await drained;
      return new TextDecoder().decode(
        new Uint8Array(chunks.flatMap((c) => [...c])),
      );
    })();
    return stopped;
  };
  let exited = false;
  child.status.then(() => exited = true);
  try {
    await waitFor(`${what} to be ready at ${url}`, async () => {
      if (exited) throw new Error(`${what} exited`);
      const r = await fetch(`${url}/-/ready`);
      await r.body?.cancel();
      return r.ok ? true : undefined;
    });
  } catch (err) {
    const log = await stop();
    throw new Error(`${(err as Error).message}\n${what}'s log:\n${log.slice(-2000)}`);
  }
  return { url, stop };
}

/**
 * Starts `prometheus-pushgateway` on a free loopback port.
 *
 * @param binary Its path.
 * @returns The server.
 */
export function startPushgateway(binary: string): Promise<Server> {
  const port = freePort();
  return spawnServer(binary, [`--web.listen-address=127.0.0.1:${port}`], port, "the Pushgateway");
}

/**
 * Starts `prometheus` on a free loopback port, scraping the given targets every second.
 *
 * @param binary Its path.
 * @param dir A temporary folder (configuration and storage go there).
 * @param jobs Job name → target (`host:port`) and whether to keep the target's labels.
 * @returns The server.
 */
export async function startPrometheus(
  binary: string,
  dir: string,
  jobs: Record<string, { target: string; honorLabels?: boolean }>,
): Promise<Server> {
  const port = freePort();
  const config = {
    global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
    scrape_configs: Object.entries(jobs).map(([job, j]) => ({
      job_name: job,
      honor_labels: j.honorLabels ?? false,
      static_configs: [{ targets: [j.target] }],
    })),
  };
  const file = join(dir, "prometheus.yml");
  await Deno.writeTextFile(file, JSON.stringify(config)); // JSON is YAML
  return await spawnServer(
    binary,
    [
      `--config.file=${file}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    port,
    "Prometheus",
  );
}

/** One series of a PromQL answer. */
export interface PromSeries {
  /** Its labels. */
  metric: Record<string, string>;
  /** Instant query: [time, value]. */
  value?: [number, string];
  /** Range query: [time, value] per step. */
  values?: [number, string][];
}

/**
 * Runs a PromQL query (instant, or over a range when `range` is given).
 *
 * @param url Prometheus' base URL.
 * @param expr The query.
 * @param range Start and end (Unix seconds) and step.
 * @returns The series.
 * @throws {Error} When Prometheus answers with an error (a bad expression).
 */
export async function promQuery(
  url: string,
  expr: string,
  range?: { start: number; end: number; step: string },
): Promise<PromSeries[]> {
  const params = new URLSearchParams({ query: expr });
  if (range) {
    params.set("start", String(range.start));
    params.set("end", String(range.end));
    params.set("step", range.step);
  }
  const r = await fetch(`${url}/api/v1/${range ? "query_range" : "query"}?${params}`);
  const body = await r.json();
  if (body.status !== "success") {
    throw new Error(`PromQL '${expr}' failed: ${body.errorType}: ${body.error}`);
  }
  return body.data.result as PromSeries[];
}

/**
 * Waits until Prometheus has scraped each of its targets once (up or down):
 * it applies its targets only every 5 s after starting, and a run that
 * starts before then is not scraped.
 *
 * @param url Prometheus' base URL.
 * @param count How many targets.
 */
export async function waitForTargets(url: string, count: number): Promise<void> {
  await waitFor(`Prometheus to scrape its ${count} targets`, async () => {
    const body = await (await fetch(`${url}/api/v1/targets`)).json();
    const t = body.data.activeTargets as { health: string }[];
    return t.length === count && t.every((x) => x.health !== "unknown") ? true : undefined;
  });
}
