/**
 * Helpers shared by the workload tests: temp files, the tiny tokenizer
 * fixture, and expecting a ConfigError.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../config/errors.ts";
import { hfTokenizer, type Tokenizer } from "./tokenizer.ts";

/** Path of a file under testdata/. */
export function testdata(name: string): string {
  return new URL(`./testdata/${name}`, import.meta.url).pathname;
}

/** The tiny byte-level BPE tokenizer of testdata/ (named "tiny"). */
export async function tinyTokenizer(): Promise<Tokenizer> {
  const json = JSON.parse(await Deno.readTextFile(testdata("tiny_bpe_tokenizer.json")));
  return hfTokenizer(json, "tiny");
}

/** Runs `fn` with a fresh temp folder, removed afterwards. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "splleed_workload_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes `files` (name → text or bytes) into `dir`; returns `dir`. */
export async function writeFiles(
  dir: string,
  files: Record<string, string | Uint8Array>,
): Promise<string> {
  for (const [name, content] of Object.entries(files)) {
    const p = join(dir, name);
    await Deno.mkdir(join(p, ".."), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(p, content);
    else await Deno.writeFile(p, content);
  }
  return dir;
}

/** Awaits `p`, expecting a ConfigError; returns it. */
export async function rejectsConfig(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err;
  }
  assert.fail("expected a ConfigError");
}
