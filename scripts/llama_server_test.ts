import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  BuildLog,
  ensureLlamaServer,
  isLockStale,
  llamaCacheDir,
  llamaServerPath,
  llamaSourcePath,
  LOCK_STALE_MS,
  missingBuildTools,
  NODE_LLAMA_CPP_INTEGRITY,
  runLogged,
  splleedCacheDir,
  verifyIntegrity,
  withFileLock,
} from "./llama_server.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("cache dir: SPLLEED_CACHE_DIR, then XDG_CACHE_HOME/splleed, then HOME/.cache/splleed", () => {
  const all = { SPLLEED_CACHE_DIR: "/s", XDG_CACHE_HOME: "/x", HOME: "/h" };
  assert.equal(splleedCacheDir(envOf(all)), "/s");
  assert.equal(splleedCacheDir(envOf({ XDG_CACHE_HOME: "/x", HOME: "/h" })), "/x/splleed");
  assert.equal(splleedCacheDir(envOf({ HOME: "/h" })), "/h/.cache/splleed");
  // Empty values count as unset; a relative XDG_CACHE_HOME is ignored, as the XDG spec says.
  assert.equal(
    splleedCacheDir(envOf({ SPLLEED_CACHE_DIR: "", XDG_CACHE_HOME: "rel", HOME: "/h" })),
    "/h/.cache/splleed",
  );
  // A relative SPLLEED_CACHE_DIR is taken from the working directory.
  assert.equal(splleedCacheDir(envOf({ SPLLEED_CACHE_DIR: "c" })), join(Deno.cwd(), "c"));
});

Deno.test("cache dir: with no variable set, the error names the variables that fix it", () => {
  assert.throws(
    () => splleedCacheDir(envOf({})),
    (e: Error) => /SPLLEED_CACHE_DIR/.test(e.message) && /HOME/.test(e.message),
  );
});

Deno.test("binary and source paths follow the pinned version and commit; SPLLEED_LLAMA_SERVER overrides", () => {
  const env = { XDG_CACHE_HOME: "/x" } as Record<string, string>;
  const dir = "/x/splleed/llama.cpp/node-llama-cpp-3.22.1-de3ff815";
  assert.equal(llamaCacheDir(envOf(env)), dir);
  const exe = Deno.build.os === "windows" ? ".exe" : "";
  assert.equal(llamaServerPath(envOf(env)), `${dir}/llama-server${exe}`);
  assert.equal(llamaSourcePath(envOf(env)), `${dir}/src`);
  env.SPLLEED_LLAMA_SERVER = "/opt/bin/llama-server";
  assert.equal(llamaServerPath(envOf(env)), "/opt/bin/llama-server");
  assert.equal(llamaSourcePath(envOf(env)), `${dir}/src`); // the source stays in the cache
});

Deno.test("verifyIntegrity accepts the right SHA-512 and rejects a wrong one, naming both", async () => {
  const bytes = new TextEncoder().encode("node-llama-cpp tarball stand-in");
  const good = `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
  await verifyIntegrity(bytes, good, "stand-in");
  // The pinned tarball's hash does not match these bytes.
  await assert.rejects(
    verifyIntegrity(bytes, NODE_LLAMA_CPP_INTEGRITY, "stand-in.tgz"),
    (e: Error) =>
      e.message.includes("stand-in.tgz") && e.message.includes(NODE_LLAMA_CPP_INTEGRITY) &&
      e.message.includes(good),
  );
  // One flipped byte.
  const tampered = bytes.slice();
  tampered[0] ^= 1;
  await assert.rejects(verifyIntegrity(tampered, good), /Integrity check failed/);
  // Not an SRI string at all, or an algorithm npm never uses.
  await assert.rejects(verifyIntegrity(bytes, "deadbeef"), RangeError);
  await assert.rejects(verifyIntegrity(bytes, "md5-AAAA"), RangeError);
});

Deno.test("isLockStale: stale after 30 minutes untouched, or at once when the holder is dead", () => {
  const now = 1_000_000_000_000;
  assert.equal(LOCK_STALE_MS, 30 * 60_000);
  assert.equal(isLockStale({ mtimeMs: now }, now), false);
  assert.equal(isLockStale({ mtimeMs: now - LOCK_STALE_MS }, now), false);
  assert.equal(isLockStale({ mtimeMs: now - LOCK_STALE_MS - 1 }, now), true);
  assert.equal(isLockStale({ mtimeMs: now, holderAlive: false }, now), true);
  assert.equal(isLockStale({ mtimeMs: now - 2 * LOCK_STALE_MS, holderAlive: true }, now), true);
  assert.equal(isLockStale({ mtimeMs: now - 1000 }, now, 500), true);
});

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "splleed-lock-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("withFileLock: a second process waits for the first instead of running beside it", async () => {
  await withTempDir(async (dir) => {
    const lock = join(dir, "build.lock");
    const marks = join(dir, "marks.txt");
    const moduleUrl = new URL("./llama_server.ts", import.meta.url).href;
    // The child holds the lock for 400 ms and records when it lets go.
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { withFileLock } from ${JSON.stringify(moduleUrl)};
         await withFileLock(${JSON.stringify(lock)}, async () => {
           console.log("locked");
           await new Promise((r) => setTimeout(r, 400));
           await Deno.writeTextFile(${JSON.stringify(marks)}, "child done\\n", { append: true });
         });`,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read();
    assert.equal(first.value?.trim(), "locked");
    const waits: string[] = [];
    await withFileLock(lock, async () => {
      await Deno.writeTextFile(marks, "parent\n", { append: true });
    }, { pollMs: 20, onWait: (m) => waits.push(m) });
    await reader.cancel();
    assert.equal((await child.status).code, 0);
    assert.equal(await Deno.readTextFile(marks), "child done\nparent\n");
    assert.equal(waits.length, 1);
    assert.match(waits[0], /waiting for pid \d+/);
    await assert.rejects(Deno.stat(lock), Deno.errors.NotFound); // released
  });
});

Deno.test("withFileLock takes over a lock untouched for longer than staleMs", async () => {
  await withTempDir(async (dir) => {
    const lock = join(dir, "build.lock");
    // Held by this very process (alive), but not touched for 31 minutes.
    await Deno.writeTextFile(
      lock,
      JSON.stringify({ pid: Deno.pid, host: "", token: "x", since: 0 }),
    );
    const old = new Date(Date.now() - 31 * 60_000);
    await Deno.utime(lock, old, old);
    const waits: string[] = [];
    const got = await withFileLock(lock, () => "ran", {
      timeoutMs: 2000,
      onWait: (m) => waits.push(m),
    });
    assert.equal(got, "ran");
    assert.match(waits.join("\n"), /taking over stale lock/);
  });
});

Deno.test("withFileLock takes over at once a lock whose holder on this host has exited", async () => {
  if (Deno.build.os !== "linux") return; // holder liveness is read from /proc
  await withTempDir(async (dir) => {
    const lock = join(dir, "build.lock");
    const done = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "console.log(Deno.pid)"],
      stdout: "piped",
    }).output();
    const deadPid = Number(new TextDecoder().decode(done.stdout).trim());
    await Deno.writeTextFile(
      lock,
      JSON.stringify({ pid: deadPid, host: Deno.hostname(), token: "x", since: Date.now() }),
    );
    const started = Date.now();
    assert.equal(await withFileLock(lock, () => 7, { timeoutMs: 5000, pollMs: 1000 }), 7);
    assert.ok(Date.now() - started < 1000, "did not wait for the dead holder");
  });
});

Deno.test("withFileLock gives up on a live holder after timeoutMs, naming the lock and holder", async () => {
  await withTempDir(async (dir) => {
    const lock = join(dir, "build.lock");
    await Deno.writeTextFile(
      lock,
      JSON.stringify({ pid: Deno.pid, host: Deno.hostname(), token: "x", since: Date.now() }),
    );
    await assert.rejects(
      withFileLock(lock, () => 1, { timeoutMs: 100, pollMs: 20 }),
      (e: Error) => e.message.includes(lock) && e.message.includes(`pid ${Deno.pid}`),
    );
    assert.ok((await Deno.stat(lock)).isFile, "a live holder's lock is left alone");
  });
});

Deno.test("withFileLock releases the lock when the work throws", async () => {
  await withTempDir(async (dir) => {
    const lock = join(dir, "build.lock");
    await assert.rejects(
      withFileLock(lock, () => {
        throw new Error("build broke");
      }),
      /build broke/,
    );
    await assert.rejects(Deno.stat(lock), Deno.errors.NotFound);
  });
});

Deno.test("missingBuildTools names each missing tool and how to install it", () => {
  const have = (names: string[]) => (n: string) => names.includes(n) ? `/usr/bin/${n}` : undefined;
  assert.deepEqual(
    missingBuildTools(true, have(["git", "tar", "cmake", "cc", "c++"]), envOf({})),
    [],
  );
  const missing = missingBuildTools(true, have(["tar", "gcc"]), envOf({}));
  assert.equal(missing.length, 3);
  assert.match(missing[0], /^git .*apt-get install git/);
  assert.match(missing[1], /^cmake .*apt-get install cmake/);
  assert.match(missing[2], /^a C\+\+ compiler \(tried c\+\+, g\+\+, clang\+\+\).*build-essential/);
  // Cloning only needs git and tar.
  assert.deepEqual(missingBuildTools(false, have(["git", "tar"]), envOf({})), []);
  // An explicit CXX is what gets looked for, and the hint says so.
  const cxx = missingBuildTools(
    true,
    have(["git", "tar", "cmake", "cc", "g++"]),
    envOf({ CXX: "clang++-19" }),
  );
  assert.equal(cxx.length, 1);
  assert.match(cxx[0], /tried clang\+\+-19.*CXX is set/);
});

Deno.test("runLogged: a failing step's error names the command and shows the log's last 30 lines", async () => {
  await withTempDir(async (dir) => {
    const log = await BuildLog.open(join(dir, "build.log"));
    const script = "for (let i = 1; i <= 40; i++) console.log('line ' + i); Deno.exit(3)";
    const err = await runLogged(log, [Deno.execPath(), "eval", script], {
      action: "build llama-server",
    })
      .then(() => undefined, (e: Error) => e);
    await log.close();
    assert.ok(err instanceof Error);
    assert.match(err.message, /^Cannot build llama-server: `.*eval .*` exited with code 3\./);
    assert.ok(err.message.includes(join(dir, "build.log")));
    assert.ok(err.message.includes("line 11\n") && err.message.endsWith("line 40"));
    assert.ok(!err.message.includes("line 10\n"), "only the last 30 lines");
    // The whole output is in the log, after the command line.
    const text = await Deno.readTextFile(join(dir, "build.log"));
    assert.match(text, /^\$ .*eval/);
    assert.ok(text.includes("line 1\n") && text.includes("line 40\n"));
  });
});

Deno.test("runLogged: a command that does not exist is reported as such", async () => {
  await withTempDir(async (dir) => {
    const log = await BuildLog.open(join(dir, "build.log"));
    await assert.rejects(
      runLogged(log, ["splleed-no-such-tool", "--x"], { action: "configure llama.cpp" }),
      /Cannot configure llama.cpp: could not start `splleed-no-such-tool --x`/,
    );
    await log.close();
  });
});

Deno.test("ensureLlamaServer: SPLLEED_LLAMA_SERVER is used as is, and must be an executable file", async () => {
  const saved = Deno.env.get("SPLLEED_LLAMA_SERVER");
  try {
    Deno.env.set("SPLLEED_LLAMA_SERVER", Deno.execPath());
    assert.equal(
      await ensureLlamaServer({ log: () => assert.fail("nothing to log") }),
      Deno.execPath(),
    );
    await withTempDir(async (dir) => {
      const notExecutable = join(dir, "llama-server");
      await Deno.writeTextFile(notExecutable, "#!/bin/sh\n");
      if (Deno.build.os !== "windows") await Deno.chmod(notExecutable, 0o644);
      for (const bad of [notExecutable, join(dir, "missing"), dir]) {
        Deno.env.set("SPLLEED_LLAMA_SERVER", bad);
        await assert.rejects(
          ensureLlamaServer(),
          (e: Error) => e.message.includes("SPLLEED_LLAMA_SERVER") && e.message.includes(bad),
        );
      }
    });
  } finally {
    if (saved === undefined) Deno.env.delete("SPLLEED_LLAMA_SERVER");
    else Deno.env.set("SPLLEED_LLAMA_SERVER", saved);
  }
});
