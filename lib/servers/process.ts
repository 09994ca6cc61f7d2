/**
 * Managed engines as child processes: a free port, output captured to a log
 * file, readiness by polling, a startup timeout whose error shows the log's
 * tail and the command line, teardown of the whole process group, and
 * notice when the engine dies on its own.
 *
 * @module
 */

import { join } from "node:path";
import type { ProcessLaunch } from "../config/launch.ts";
import { delay } from "../util/async.ts";
import { redact, registerSecret } from "../util/redact.ts";
import { guard, release, signalGroup } from "./_reaper.ts";

/** Lines of the engine's log shown when it fails. */
export const LOG_TAIL_LINES = 40;

/** Longest part of a line held back, waiting for its end, before it is written anyway (characters). */
const MAX_PENDING_LINE = 65536;

const REDACTED = "[redacted]";
/** Environment variable names whose value is a secret. */
const SECRET_ENV = /auth|key|token|secret|password|cookie|credential/i;
/** Flags whose value is a secret. */
const SECRET_FLAGS = /^--?(api[-_]?key|token|hf[-_]?token|password|secret)s?$/i;

/** How an engine process ended. */
export interface ProcessExit {
  /** Exit code (128 + n when killed by a signal). */
  code: number;
  /** The signal that killed it, if one did. */
  signal: Deno.Signal | null;
}

/** A managed engine process that is up and answering. */
export interface ProcessServer {
  /** Base URL to connect to. */
  readonly endpoint: string;
  /** How it was started (command line with secrets redacted, log file, port), for the results. */
  readonly info: Record<string, unknown>;
  /** Process id of the group leader. */
  readonly pid: number;
  /** Path of the log file. */
  readonly logFile: string;
  /** Resolves with an error when the engine exits without being asked to stop; never rejects. */
  readonly died: Promise<Error>;
  /** Stops it (SIGTERM to the group, SIGKILL after the grace period); safe to call more than once. */
  stop(): Promise<void>;
}

/** Options of {@linkcode startProcessServer}. */
export interface StartProcessOptions {
  /** Told of the first SIGINT/SIGTERM/SIGHUP while the engine runs (the engine is stopped after). */
  onSignal?: (signal: Deno.Signal) => void;
  /** Interval between readiness polls, ms. @default 250 */
  pollMs?: number;
}

/**
 * Redacts the values of secret-looking flags in a command line
 * (`--api-key X`, `--hf-token=X`).
 *
 * @param argv Command and arguments.
 * @returns A copy with secrets replaced.
 *
 * @example
 * ```ts
 * import { redactArgv } from "./process.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   redactArgv(["vllm", "serve", "m", "--api-key", "s3", "--hf-token=t"]),
 *   ["vllm", "serve", "m", "--api-key", "[redacted]", "--hf-token=[redacted]"],
 * );
 * ```
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    if (eq > 0 && SECRET_FLAGS.test(a.slice(0, eq))) {
      out.push(`${a.slice(0, eq)}=${REDACTED}`);
    } else if (SECRET_FLAGS.test(a) && i + 1 < argv.length) {
      out.push(a, REDACTED);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/**
 * Renders a command line for a human to copy (POSIX shell quoting).
 *
 * @param argv Command and arguments.
 * @returns One line.
 *
 * @example
 * ```ts
 * import { shellLine } from "./process.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(shellLine(["a", "b c", "it's"]), "a 'b c' 'it'\\''s'");
 * ```
 */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => /^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)
    .join(" ");
}

/**
 * The full command line of a launch: the engine's own, or `docker run ...`,
 * with the host and port flags.
 *
 * @param launch The launch spec.
 * @param port The port chosen.
 * @returns Command and arguments.
 *
 * @example
 * ```ts
 * import { commandLine } from "./process.ts";
 * import assert from "node:assert/strict";
 *
 * const launch = {
 *   kind: "process" as const, engine: "llama.cpp", argv: ["llama-server", "-m", "m.gguf"],
 *   dockerArgv: ["-m", "m.gguf"], hostFlag: "--host", portFlag: "--port", host: "127.0.0.1",
 *   env: {}, secretEnv: [], readiness: ["/health"], startupTimeoutMs: 1000, stopGraceMs: 1000,
 * };
 * assert.deepEqual(commandLine(launch, 8080), [
 *   "llama-server", "-m", "m.gguf", "--host", "127.0.0.1", "--port", "8080",
 * ]);
 * ```
 */
export function commandLine(launch: ProcessLaunch, port: number): string[] {
  if (!launch.docker) {
    return [...launch.argv, launch.hostFlag, launch.host, launch.portFlag, String(port)];
  }
  const d = launch.docker;
  const envFlags = Object.keys(launch.env).flatMap((k) => ["-e", k]); // values come from the environment
  return [
    "docker",
    "run",
    "--rm",
    "--name",
    containerName(launch, port),
    "-p",
    `${launch.host}:${port}:${port}`,
    ...envFlags,
    ...(d.args ?? []),
    d.image,
    ...launch.dockerArgv,
    launch.hostFlag,
    "0.0.0.0",
    launch.portFlag,
    String(port),
  ];
}

function containerName(launch: ProcessLaunch, port: number): string {
  return `splleed-${launch.engine.replace(/[^a-zA-Z0-9_.-]/g, "")}-${port}-${Deno.pid}`;
}

/**
 * Picks a port nobody listens on now (the OS's choice).
 *
 * @param host Interface.
 * @returns A free port.
 *
 * @example
 * ```ts
 * import { freePort } from "./process.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(freePort("127.0.0.1") > 0);
 * ```
 */
export function freePort(host: string): number {
  const l = Deno.listen({ hostname: host === "0.0.0.0" ? "127.0.0.1" : host, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * The last lines of a log file, redacted.
 *
 * @param path Log file.
 * @param lines How many.
 * @returns The lines, or a note when the file cannot be read.
 *
 * @example
 * ```ts
 * import { logTail } from "./process.ts";
 * import assert from "node:assert/strict";
 *
 * const f = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(f, "a\nb\nc\n");
 * assert.equal(logTail(f, 2), "b\nc");
 * ```
 */
export function logTail(path: string, lines = LOG_TAIL_LINES): string {
  try {
    const text = Deno.readTextFileSync(path).replace(/\s+$/, "");
    if (text === "") return "(the log is empty)";
    return redact(text.split(/\r?\n/).slice(-lines).join("\n"));
  } catch (err) {
    return `(cannot read the log: ${err instanceof Error ? err.message : err})`;
  }
}

/**
 * Copies an engine's output to its log a line at a time, each line passed
 * through `redact` (`lib/util/redact.ts`): an engine started with
 * `--api-key KEY` may print its arguments, a server its request headers. A
 * line is written when its end (`\n` or `\r`) arrives; a part of a line
 * longer than 64 KiB is written without waiting; the rest is written when
 * the stream ends.
 *
 * @param stream The engine's stdout or stderr.
 * @param write Writes text to the log.
 * @returns When the stream has ended and everything is written.
 *
 * @example
 * ```ts
 * import { copyToLog } from "./process.ts";
 * import assert from "node:assert/strict";
 *
 * const enc = new TextEncoder();
 * const parts = ["args: --api-key=x Authorization: Bea", "rer sk-abcdef123456\nready", "\n"];
 * let log = "";
 * await copyToLog(ReadableStream.from(parts.map((p) => enc.encode(p))), (t) => (log += t));
 * assert.equal(log, "args: --api-key=x Authorization: [redacted]\nready\n");
 * ```
 */
export async function copyToLog(
  stream: ReadableStream<Uint8Array>,
  write: (text: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  const emit = (final: boolean) => {
    let cut = Math.max(pending.lastIndexOf("\n"), pending.lastIndexOf("\r")) + 1;
    if (final || pending.length - cut > MAX_PENDING_LINE) cut = pending.length;
    if (cut === 0) return;
    write(redact(pending.slice(0, cut)));
    pending = pending.slice(cut);
  };
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    emit(false);
  }
  pending += decoder.decode();
  emit(true);
}

/** Registers the secrets of a launch (secret environment values, secret flags' values) for redaction. */
function registerLaunchSecrets(launch: ProcessLaunch, argv: readonly string[]): void {
  for (const [k, v] of Object.entries(launch.env)) {
    if (launch.secretEnv.includes(k) || SECRET_ENV.test(k)) registerSecret(v);
  }
  const shown = redactArgv(argv);
  for (let i = 0; i < argv.length; i++) {
    if (shown[i] === argv[i]) continue;
    const eq = argv[i].indexOf("=");
    registerSecret(shown[i] === REDACTED ? argv[i] : argv[i].slice(eq + 1));
  }
}

function hostForUrl(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

async function poll(url: string, timeoutMs: number, client: Deno.HttpClient): Promise<number> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), client });
    await r.body?.cancel();
    return r.status;
  } catch {
    return 0;
  }
}

/**
 * Starts an engine process and waits until every readiness path answers 200.
 *
 * The engine runs in its own process group; stdout and stderr go to the log
 * file, redacted ({@linkcode copyToLog}). When it exits, or does not answer within the startup timeout, the
 * error names the command line and shows the last
 * {@linkcode LOG_TAIL_LINES} lines of its log.
 *
 * @param launch What to start.
 * @param options Signal callback and poll interval.
 * @returns The running engine.
 * @throws {Error} When it cannot be started or does not become ready.
 *
 * @example A small HTTP server as the "engine"
 * ```ts
 * import { startProcessServer } from "./process.ts";
 * import assert from "node:assert/strict";
 *
 * const code = "const p = Deno.args[Deno.args.indexOf('--port') + 1];" +
 *   "Deno.serve({ port: Number(p), onListen() {} }, () => new Response('ok'));";
 * const s = await startProcessServer({
 *   kind: "process", engine: "tiny", argv: [Deno.execPath(), "eval", code],
 *   dockerArgv: [], hostFlag: "--host", portFlag: "--port", host: "127.0.0.1",
 *   env: {}, secretEnv: [], readiness: ["/health"], startupTimeoutMs: 20_000, stopGraceMs: 2_000,
 * });
 * assert.equal((await fetch(`${s.endpoint}/health`).then((r) => r.text())), "ok");
 * await s.stop();
 * ```
 */
export async function startProcessServer(
  launch: ProcessLaunch,
  options: StartProcessOptions = {},
): Promise<ProcessServer> {
  const port = launch.port ?? freePort(launch.host);
  const argv = commandLine(launch, port);
  const logFile = launch.logFile ??
    join(Deno.env.get("TMPDIR") ?? "/tmp", `splleed-${launch.engine}-${port}-${Date.now()}.log`);
  registerLaunchSecrets(launch, argv);
  const shown = shellLine(redactArgv(argv));
  const log = await Deno.open(logFile, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  log.writeSync(encoder.encode(`# ${new Date().toISOString()} splleed started: ${shown}\n`));

  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      env: launch.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true, // its own session and process group, killed as a whole
    }).spawn();
  } catch (err) {
    log.close();
    const hint = err instanceof Deno.errors.NotFound
      ? `: '${argv[0]}' was not found (give 'command' or 'binary' with its path)`
      : `: ${err instanceof Error ? err.message : err}`;
    throw new Error(`Cannot start ${launch.engine}${hint}\n  command: ${shown}`, { cause: err });
  }
  const pid = child.pid;

  // Both pipes into the one log file, a redacted line at a time.
  const toLog = (text: string) => {
    try {
      log.writeSync(encoder.encode(text));
    } catch {
      // The log is closed: the engine is being torn down.
    }
  };
  const copied = Promise.allSettled([
    copyToLog(child.stdout, toLog),
    copyToLog(child.stderr, toLog),
  ]);
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const status: Promise<ProcessExit> = child.status.then((s) => ({
    code: s.code,
    signal: s.signal as Deno.Signal | null,
  }));
  const describeExit = (e: ProcessExit) =>
    e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
  const failure = (what: string) =>
    new Error(
      `${what}\n  command: ${shown}\n  log: ${logFile}\n  last lines of the log:\n${
        logTail(logFile).split("\n").map((l) => `    ${l}`).join("\n")
      }`,
    );

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      let exited = false;
      status.then(() => (exited = true));
      if (launch.docker) await dockerStop(containerName(launch, port), launch.stopGraceMs);
      signalGroup(pid, "SIGTERM");
      const grace = new Promise<void>((r) => {
        const id = setTimeout(r, launch.stopGraceMs);
        status.then(() => (clearTimeout(id), r()));
      });
      await grace;
      if (!exited) log.writeSync(encoder.encode(`# splleed: no exit after SIGTERM; SIGKILL\n`));
      // The leader may be gone while children it started linger: kill the group regardless.
      signalGroup(pid, "SIGKILL");
      await status;
      await copied;
      log.close();
      release(target);
    })();
    return stopped;
  };
  const target = { pgid: pid, stop, onSignal: options.onSignal };
  guard(target);

  const died: Promise<Error> = status.then((e) =>
    stopping ? new Error(`${launch.engine} was stopped`) : failure(
      `${launch.engine} exited during the run (${describeExit(e)})`,
    )
  );
  // Once it died on its own, clean up (close the log, kill leftovers).
  died.then(() => {
    if (!stopping) stop();
  });

  const endpoint = `http://${hostForUrl(launch.host)}:${port}`;
  const problem = await waitReady(endpoint, launch, status, () => stopping, options.pollMs ?? 250);
  if (problem !== null) {
    await stop(); // and the log is complete before its tail is read
    throw failure(problem);
  }

  const info: Record<string, unknown> = {
    managed: launch.docker ? "docker" : "process",
    engine: launch.engine,
    command: redactArgv(argv),
    commandLine: shown,
    env: Object.fromEntries(
      Object.entries(launch.env).map((
        [k, v],
      ) => [k, launch.secretEnv.includes(k) || SECRET_ENV.test(k) ? REDACTED : v]),
    ),
    port,
    pid,
    logFile,
    ...(launch.docker ? { image: launch.docker.image } : {}),
  };
  return { endpoint, info, pid, logFile, died, stop };
}

/** Polls every readiness path in turn; returns null when ready, else what went wrong. */
async function waitReady(
  endpoint: string,
  launch: ProcessLaunch,
  status: Promise<ProcessExit>,
  stopping: () => boolean,
  pollMs: number,
): Promise<string | null> {
  // Its own HTTP client, closed once ready: an idle keep-alive connection
  // left from polling would hold one of the engine's HTTP threads for the
  // whole run (llama-server has few, and closes a connection to free one).
  const client = Deno.createHttpClient({});
  try {
    return await pollReady(endpoint, launch, status, stopping, pollMs, client);
  } finally {
    client.close();
  }
}

async function pollReady(
  endpoint: string,
  launch: ProcessLaunch,
  status: Promise<ProcessExit>,
  stopping: () => boolean,
  pollMs: number,
  client: Deno.HttpClient,
): Promise<string | null> {
  const deadline = performance.now() + launch.startupTimeoutMs;
  let exited: ProcessExit | null = null;
  status.then((e) => (exited = e));
  for (const path of launch.readiness) {
    let last = 0;
    for (;;) {
      if (exited) {
        const e: ProcessExit = exited;
        const how = e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
        return `${launch.engine} exited before it was ready (${how})`;
      }
      if (stopping()) return `${launch.engine}: startup interrupted`;
      const left = deadline - performance.now();
      if (left <= 0) {
        return `${launch.engine} did not answer 200 at ${path} within ${
          launch.startupTimeoutMs / 1000
        } s (last answer: ${last === 0 ? "no connection" : `HTTP ${last}`})`;
      }
      last = await poll(`${endpoint}${path}`, Math.min(5_000, left), client);
      if (last === 200) break;
      await delay(Math.min(pollMs, Math.max(0, left)));
    }
  }
  return null;
}

async function dockerStop(name: string, graceMs: number): Promise<void> {
  try {
    await new Deno.Command("docker", {
      args: ["stop", "-t", String(Math.ceil(graceMs / 1000)), name],
      stdout: "null",
      stderr: "null",
    }).output();
  } catch {
    // No docker client, or the container is gone: the group signals below still apply.
  }
}
