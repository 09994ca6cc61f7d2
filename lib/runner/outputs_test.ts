import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { ConfigError } from "../config/errors.ts";
import { checkOutputs, OUTPUT_SLACK_BYTES, RECORD_BYTES_ESTIMATE } from "./outputs.ts";

/** Runs `fn` with a fresh temp dir, removed after (permissions restored first). */
async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "splleed_outputs_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.chmod(dir, 0o755).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
}

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

/** Asserts `p` rejects with an error of `kind` whose message matches every pattern. */
async function rejects(
  p: Promise<unknown>,
  kind: abstract new (...args: never[]) => Error,
  ...patterns: RegExp[]
): Promise<Error> {
  const err = await p.then(() => assert.fail("expected an error"), (e: unknown) => e);
  assert.ok(err instanceof kind, `expected ${kind.name}, got ${err}`);
  for (const re of patterns) assert.match((err as Error).message, re);
  return err as Error;
}

const ROOT = Deno.build.os !== "windows" && Deno.uid() === 0;

Deno.test("checkOutputs: writable paths pass, leave nothing behind, and create no folder", async () => {
  await withDir(async (dir) => {
    const before = await entries(dir);
    assert.deepEqual(
      await checkOutputs({
        out: join(dir, "r.json"),
        records: join(dir, "r.records.jsonl"),
        plannedRequests: 100,
      }),
      [],
    );
    assert.deepEqual(await checkOutputs({ out: join(dir, "R.CSV"), records: "temp" }), []);
    assert.deepEqual(await checkOutputs({ records: null }), []);
    // Folders that do not exist yet are created by the run: fine, and not made here.
    assert.deepEqual(await checkOutputs({ out: join(dir, "a", "b", "r.json"), records: null }), []);
    assert.deepEqual(await entries(dir), before, "no probe file or folder left");
    // An existing, writable file is fine (it is overwritten by the run, not here).
    await Deno.writeTextFile(join(dir, "old.json"), "keep");
    assert.deepEqual(await checkOutputs({ out: join(dir, "old.json"), records: null }), []);
    assert.equal(await Deno.readTextFile(join(dir, "old.json")), "keep");
  });
});

Deno.test("checkOutputs: an extension splleed cannot write is a ConfigError naming 'out', what is expected and what was given", async () => {
  for (const out of ["r", "r.yaml", "results.json.bak", "dir/r.txt"]) {
    const err = await rejects(
      checkOutputs({ out, records: null }),
      ConfigError,
      /'out' must be a path ending in \.json \(the results document\) or \.csv \(its table\)/,
    );
    assert.ok(err.message.endsWith(`got ${JSON.stringify(out)}`), err.message);
  }
});

Deno.test("checkOutputs: out and records as one file is a ConfigError, through '..' and symbolic links too", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(join(dir, "sub"));
    await Deno.symlink(dir, join(dir, "link"));
    const out = join(dir, "r.json");
    for (const records of [out, join(dir, "sub", "..", "r.json"), join(dir, "link", "r.json")]) {
      await rejects(
        checkOutputs({ out, records }),
        ConfigError,
        /'records' must be another file than 'out'/,
        /the same file as 'out'/,
      );
    }
    // And once the file exists.
    await Deno.writeTextFile(out, "{}");
    await rejects(checkOutputs({ out, records: join(dir, "link", "r.json") }), ConfigError);
  });
});

Deno.test("checkOutputs: a folder where a file goes, or a file where a folder goes, is an Error naming the path", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(join(dir, "r.json"));
    await rejects(
      checkOutputs({ out: join(dir, "r.json"), records: null }),
      Error,
      /'out' ".*r\.json" is a folder; give a file path ending in \.json or \.csv/,
    );
    await Deno.mkdir(join(dir, "recs"));
    await rejects(
      checkOutputs({ records: join(dir, "recs") }),
      Error,
      /'records' ".*recs" is a folder/,
    );
    await Deno.writeTextFile(join(dir, "plain"), "");
    await rejects(
      checkOutputs({ out: join(dir, "plain", "deeper", "r.json"), records: null }),
      Error,
      /cannot create the folder of 'out' ".*plain\/deeper\/r\.json": ".*plain" is a file, not a folder/,
    );
  });
});

Deno.test({
  name:
    "checkOutputs: a folder that cannot be written in is an Error (a read-only filesystem: /sys)",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    // Writes to /sys fail even for root, so this runs everywhere on Linux.
    await rejects(
      checkOutputs({ out: "/sys/splleed-r.json", records: null }),
      Error,
      /cannot write 'out' "\/sys\/splleed-r\.json": the folder "\/sys" is not writable/,
    );
    await rejects(
      checkOutputs({ records: "/sys/new/r.jsonl" }),
      Error,
      /the folder "\/sys" is not writable .* and "new" would have to be created in it/,
    );
  },
});

Deno.test({
  name: "checkOutputs: a read-only folder or file is an Error naming the path" +
    (ROOT ? " (skipped as root: root ignores permissions)" : ""),
  ignore: ROOT || Deno.build.os === "windows",
  fn: async () => {
    await withDir(async (dir) => {
      const ro = join(dir, "ro");
      await Deno.mkdir(ro);
      await Deno.writeTextFile(join(dir, "locked.json"), "{}");
      await Deno.chmod(join(dir, "locked.json"), 0o444);
      await Deno.chmod(ro, 0o555);
      try {
        await rejects(
          checkOutputs({ out: join(ro, "r.json"), records: null }),
          Error,
          /cannot write 'out' ".*ro\/r\.json": the folder ".*ro" is not writable/,
        );
        await rejects(
          checkOutputs({ records: join(ro, "x", "r.jsonl") }),
          Error,
          /cannot write 'records' .*: the folder ".*ro" is not writable/,
        );
        await rejects(
          checkOutputs({ out: join(dir, "locked.json"), records: null }),
          Error,
          /cannot overwrite 'out' ".*locked\.json"/,
        );
      } finally {
        await Deno.chmod(ro, 0o755);
      }
    });
  },
});

Deno.test("checkOutputs: /dev/null as the records path stays fine, with no space check", async () => {
  assert.deepEqual(
    await checkOutputs({ records: "/dev/null", plannedRequests: 1e15 }, {
      freeBytes: () => Promise.resolve(0),
    }),
    [],
  );
});

Deno.test("checkOutputs: free space below the estimate is an Error with both figures; tight is a warning", async () => {
  await withDir(async (dir) => {
    const planned = 10_000;
    const need = planned * RECORD_BYTES_ESTIMATE + OUTPUT_SLACK_BYTES; // about 15.6 MiB
    const seen: string[] = [];
    const free = (bytes: number | undefined) => ({
      freeBytes: (d: string) => {
        seen.push(d);
        return Promise.resolve(bytes);
      },
    });
    const o = { records: join(dir, "r.jsonl"), plannedRequests: planned };
    await rejects(
      checkOutputs(o, free(need - 1)),
      Error,
      /not enough free space: the records need about 16 MiB \(10000 planned requests\); 16 MiB is free in /,
    );
    await rejects(checkOutputs(o, free(1 << 20)), Error, /need about 16 MiB .*; 1\.0 MiB is free/);
    assert.deepEqual(seen.at(-1), dir, "the space of the records' folder");
    const tight = await checkOutputs(o, free(2 * need));
    assert.equal(tight.length, 1);
    assert.match(tight[0], /little free space: the records need about 16 MiB .*; 31 MiB is free/);
    assert.deepEqual(await checkOutputs(o, free(10 * need)), []);
    assert.deepEqual(await checkOutputs(o, free(undefined)), [], "unknown space: no check");
    // Results and records in one folder add up; a temporary records file is checked in its folder.
    await rejects(
      checkOutputs({ ...o, out: join(dir, "r.json") }, free(need + 1)),
      Error,
      /the results and records need about 17 MiB/,
    );
    assert.deepEqual(
      await checkOutputs({ records: "temp", plannedRequests: 1 }, free(1 << 30)),
      [],
    );
    const tmp = await Deno.makeTempFile();
    await Deno.remove(tmp);
    assert.equal(seen.at(-1), dirname(tmp));
  });
});

Deno.test("checkOutputs: the real free space (statfs) is read: no disk holds 10^13 requests of records", async () => {
  await withDir(async (dir) => {
    await rejects(
      checkOutputs({ records: join(dir, "r.jsonl"), plannedRequests: 1e13 }),
      Error,
      /not enough free space: the records need about 14 PiB \(10000000000000 planned requests\); .* is free in /,
    );
    assert.deepEqual(
      await checkOutputs({ records: join(dir, "r.jsonl"), plannedRequests: 10 }),
      [],
    );
  });
});
