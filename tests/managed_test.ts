/**
 * Managed mode's lifecycle, on a stand-in engine process
 * (`tests/fixtures/fake_engine.ts`, the simulator started the way
 * `llama-server` is): readiness, the log file, startup failures with the
 * log's tail, teardown of the whole process group (also when the engine
 * ignores SIGTERM, and when splleed itself gets SIGTERM or two SIGINTs), and
 * an engine that dies mid-run. The same paths run against the real
 * llama.cpp server in `llamacpp_e2e_test.ts`.
 */

import assert from "node:assert/strict";
import { llamacpp } from "../lib/backends/llamacpp.ts";
import type { ProcessLaunch } from "../lib/config/launch.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { startProcessServer } from "../lib/servers/process.ts";
import { alive, readRecords, spawnCli } from "./_helpers.ts";
import { delay } from "../lib/util/async.ts";

const FAKE = new URL("./fixtures/fake_engine.ts", import.meta.url).pathname;
const FAKE_COMMAND = [Deno.execPath(), "run", "-A", FAKE];

async function gone(pid: number, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await delay(50);
  }
  return !alive(pid);
}

async function readPids(file: string, ms = 30_000): Promise<[number, number]> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t = await Deno.readTextFile(file).catch(() => "");
    if (t.trim() !== "") {
      const [a, b] = t.trim().split(" ").map(Number);
      return [a, b];
    }
    await delay(50);
  }
  throw new Error(`the fake engine never wrote ${file}`);
}

function fakeLaunch(
  env: Record<string, string>,
  extra: Partial<ProcessLaunch> = {},
): ProcessLaunch {
  return {
    kind: "process",
    engine: "fake",
    argv: [...FAKE_COMMAND, "--model", "fake.gguf"],
    dockerArgv: [],
    hostFlag: "--host",
    portFlag: "--port",
    host: "127.0.0.1",
    env,
    secretEnv: [],
    readiness: ["/health", "/v1/models"],
    startupTimeoutMs: 60_000,
    stopGraceMs: 5_000,
    ...extra,
  };
}

Deno.test("a managed engine starts, logs to its file, and stop() leaves no process of its group", async () => {
  const dir = await Deno.makeTempDir();
  const pidFile = `${dir}/pids`;
  const logFile = `${dir}/engine.log`;
  const s = await startProcessServer(
    fakeLaunch({ FAKE_PID_FILE: pidFile, FAKE_CHILD: "1" }, { logFile }),
  );
  const [pid, child] = await readPids(pidFile);
  assert.equal(pid, s.pid);
  assert.ok(alive(pid) && alive(child), "engine and its child run");
  const models = await fetch(`${s.endpoint}/v1/models`).then((r) => r.json());
  assert.equal(models.data[0].id, "fake-model");
  assert.equal(s.info.logFile, logFile);
  assert.match(
    String(s.info.commandLine),
    /fake_engine\.ts --model fake\.gguf --host 127\.0\.0\.1 --port \d+/,
  );
  await s.stop();
  await s.stop(); // twice is fine
  assert.ok(await gone(pid), "the engine is gone");
  assert.ok(await gone(child), "the engine's child is gone too (the whole group was signalled)");
  assert.match(await Deno.readTextFile(logFile), /fake engine listening on 127\.0\.0\.1:\d+/);
});

Deno.test("an engine that exits at startup: the error has the command line and the log's last 40 lines", async () => {
  const err = await startProcessServer(fakeLaunch({ FAKE_FAIL_STARTUP: "1" })).then(
    () => assert.fail("it should not start"),
    (e: Error) => e,
  );
  assert.match(err.message, /fake exited before it was ready \(exit code 1\)/);
  assert.match(
    err.message,
    /command: .*fake_engine\.ts --model fake\.gguf --host 127\.0\.0\.1 --port \d+/,
  );
  assert.match(err.message, /failed to open model 'fake\.gguf': No such file/);
  assert.match(err.message, /loading layer 50/);
  assert.doesNotMatch(err.message, /loading layer 10\n/, "only the last 40 lines");
  assert.match(err.message, /log: \S+\.log/);
});

Deno.test("an engine that never becomes ready: a timeout naming the path and its last answer", async () => {
  const t0 = Date.now();
  const err = await startProcessServer(
    fakeLaunch({ FAKE_NEVER_READY: "1" }, { startupTimeoutMs: 3_000 }),
  ).then(() => assert.fail("it should not start"), (e: Error) => e);
  assert.match(err.message, /did not answer 200 at \/health within 3 s \(last answer: HTTP 503\)/);
  assert.ok(Date.now() - t0 < 20_000);
});

Deno.test("an engine that ignores SIGTERM is killed after the grace period", async () => {
  const dir = await Deno.makeTempDir();
  const pidFile = `${dir}/pids`;
  const s = await startProcessServer(
    fakeLaunch({ FAKE_PID_FILE: pidFile, FAKE_IGNORE_TERM: "1" }, { stopGraceMs: 500 }),
  );
  const [pid] = await readPids(pidFile);
  const t0 = performance.now();
  await s.stop();
  assert.ok(performance.now() - t0 >= 450, "it waited for the grace period");
  assert.ok(await gone(pid));
  assert.match(await Deno.readTextFile(s.logFile), /no exit after SIGTERM; SIGKILL/);
});

Deno.test("an engine that dies mid-run ends the run: results say so, records are kept", async () => {
  const dir = await Deno.makeTempDir();
  const results = await benchmark({
    backend: llamacpp({
      command: FAKE_COMMAND,
      model: "fake.gguf",
      env: { FAKE_EXIT_AFTER_MS: "1500" },
      startupTimeoutS: 60,
    }),
    prompts: ["hello"],
    concurrency: [2],
    warmup: 0,
    runs: 100_000,
    trials: 1,
    sampling: { maxTokens: 4 },
    records: `${dir}/records.jsonl`,
    out: `${dir}/results.json`,
  });
  assert.equal(results.interrupted, true);
  assert.equal(results.interruptionCause, "server_exit");
  assert.match(
    results.interruption!,
    /fake exited during the run \(exit code 3\)|llama\.cpp exited during the run \(exit code 3\)/,
  );
  assert.match(results.interruption!, /crashing on purpose/, "the log's tail is in the message");
  const recs = await readRecords(`${dir}/records.jsonl`);
  const ok = recs.requests.filter((r) => r.ok === true);
  assert.ok(ok.length > 10, `${ok.length} completed requests on disk`);
  const saved = JSON.parse(await Deno.readTextFile(`${dir}/results.json`));
  assert.equal(saved.interruptionCause, "server_exit");
  assert.equal(saved.levels[0].summary.requests_completed.value > 10, true);
  assert.equal(saved.backend.server.managed, "process");
});

async function cliWithEngine(
  dir: string,
): Promise<{ child: Deno.ChildProcess; pids: [number, number] }> {
  const child = spawnCli([
    "run",
    "--backend",
    "llamacpp",
    "--command",
    FAKE_COMMAND.join(" "),
    "--model",
    "fake.gguf",
    "--engine-env",
    `FAKE_PID_FILE=${dir}/pids`,
    "FAKE_CHILD=1",
    "--concurrency",
    "2",
    "--runs",
    "100000",
    "--trials",
    "1",
    "--warmup",
    "0",
    "--max-tokens",
    "4",
    "--out",
    `${dir}/results.json`,
  ]);
  const pids = await readPids(`${dir}/pids`);
  await delay(500); // mid-run
  return { child, pids };
}

Deno.test("SIGTERM to splleed stops the engine and its children, and keeps the results", async () => {
  const dir = await Deno.makeTempDir();
  const { child, pids } = await cliWithEngine(dir);
  assert.ok(alive(pids[0]) && alive(pids[1]));
  child.kill("SIGTERM");
  const out = await child.output();
  assert.equal(out.code, 130, new TextDecoder().decode(out.stderr));
  assert.ok(await gone(pids[0]), "engine gone");
  assert.ok(await gone(pids[1]), "engine's child gone");
  const saved = JSON.parse(await Deno.readTextFile(`${dir}/results.json`));
  assert.equal(saved.interrupted, true);
});

Deno.test("two SIGINTs end splleed at once, and still no engine process outlives it", async () => {
  const dir = await Deno.makeTempDir();
  const { child, pids } = await cliWithEngine(dir);
  child.kill("SIGINT");
  child.kill("SIGINT");
  const out = await child.output();
  assert.equal(out.code, 130, new TextDecoder().decode(out.stderr));
  assert.ok(await gone(pids[0]), "engine gone");
  assert.ok(await gone(pids[1]), "engine's child gone");
});

Deno.test("a script that started an engine and gets SIGTERM: the engine is stopped, then the script ends as it would have", async () => {
  const dir = await Deno.makeTempDir();
  const pidFile = `${dir}/pids`;
  const mod = new URL("../lib/servers/process.ts", import.meta.url).href;
  const code = `
    import { startProcessServer } from "${mod}";
    await startProcessServer({
      kind: "process", engine: "fake", argv: ${JSON.stringify([...FAKE_COMMAND, "--model", "m"])},
      dockerArgv: [], hostFlag: "--host", portFlag: "--port", host: "127.0.0.1",
      env: { FAKE_PID_FILE: ${JSON.stringify(pidFile)}, FAKE_CHILD: "1" }, secretEnv: [],
      readiness: ["/health"], startupTimeoutMs: 60000, stopGraceMs: 5000,
    });
    console.log("ready");
    await new Promise(() => setInterval(() => {}, 1000));
  `;
  const script = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const pids = await readPids(pidFile);
  await delay(300);
  script.kill("SIGTERM");
  const status = await script.status;
  assert.equal(status.signal, "SIGTERM", "the script ended by the signal, as without splleed");
  assert.ok(await gone(pids[0]), "engine gone");
  assert.ok(await gone(pids[1]), "engine's child gone");
});
