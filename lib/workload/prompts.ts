/**
 * The older `prompts: { file }` field's file format, read by the file's
 * name: `.json` is a JSON list of prompts (strings, or objects with a
 * `prompt` or `text` field), `.jsonl`/`.ndjson` one such object a line, and
 * anything else one prompt a line (text). The `file` source reads it as
 * format `prompts`. Also how a prompt file's bytes become text: a file that
 * is not UTF-8 text (a NUL byte, or bytes that are not UTF-8, in its first
 * {@linkcode TEXT_SNIFF_BYTES}) is refused, never split into lines. Also
 * re-exports the sample prompts.
 *
 * @module
 */

import { ConfigError } from "../config/errors.ts";

/** How many leading bytes of a file are checked before it is read as text. */
export const TEXT_SNIFF_BYTES = 8192;

/**
 * Where a byte sequence stops being valid UTF-8 (overlong forms and
 * surrogates included), or -1 when the first `end` bytes are valid. A
 * character cut off by `end` (but not by the end of the data) is valid.
 */
function invalidUtf8At(b: Uint8Array, end: number): number {
  let i = 0;
  while (i < end) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number, lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      if (i + k >= b.length) return i; // cut off by the end of the data
      if (i + k >= end) return -1; // cut off by the window: the rest is not checked
      const d = b[i + k];
      if (d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

/**
 * Decodes a prompt file's bytes as UTF-8 text, after checking that its first
 * {@linkcode TEXT_SNIFF_BYTES} hold no NUL byte and nothing that is not
 * UTF-8: a binary file (or a UTF-16 one) is refused rather than read as
 * hundreds of garbled prompts. A leading byte order mark is dropped. Bytes
 * past the checked ones that are not UTF-8 become U+FFFD.
 *
 * @param bytes The file's contents.
 * @param name The file's path, for the error.
 * @param field The config field the file came from, for the error. @default "prompts.file"
 * @returns The text.
 * @throws {ConfigError} When the file looks binary: "... got "NAME", which is
 *   not a text file: it looks binary (a NUL byte at byte 3)".
 *
 * @example
 * ```ts
 * import { decodeTextFile } from "./prompts.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(decodeTextFile(new TextEncoder().encode("\uFEFFhello\n"), "p.txt"), "hello\n");
 * assert.throws(
 *   () => decodeTextFile(new Uint8Array([0x50, 0x4b, 0x03, 0x00]), "p.zip"),
 *   /"p.zip", which is not a text file: it looks binary \(a NUL byte at byte 3\)/,
 * );
 * ```
 */
export function decodeTextFile(bytes: Uint8Array, name: string, field = "prompts.file"): string {
  const end = Math.min(bytes.length, TEXT_SNIFF_BYTES);
  const nul = bytes.subarray(0, end).indexOf(0);
  const bad = nul >= 0 ? -1 : invalidUtf8At(bytes, end);
  if (nul >= 0 || bad >= 0) {
    const utf16 = bytes.length >= 2 &&
      ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
    const what = nul >= 0 ? `a NUL byte at byte ${nul}` : `bytes that are not UTF-8 at byte ${bad}`;
    throw new ConfigError("benchmark", [{
      path: field,
      expected: "a UTF-8 text file (one prompt a line, JSON or JSONL)",
      received: `${JSON.stringify(name)}, which is not a text file: it looks binary (${what}` +
        (utf16 ? "; it starts like UTF-16: save it as UTF-8)" : ")"),
    }]);
  }
  return new TextDecoder().decode(bytes); // drops a leading BOM
}

/** The prompt of one JSON item: a non-empty string, or an object's `prompt` or `text`. */
function promptOf(v: unknown): string | undefined {
  if (typeof v === "string") return v === "" ? undefined : v;
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  // Request fields are read by a file workload only: never dropped in silence here.
  if (REQUEST_FIELDS.some((k) => k in o)) return undefined;
  for (const k of ["prompt", "text"]) {
    if (typeof o[k] === "string" && o[k] !== "") return o[k] as string;
  }
  return undefined;
}

/** A value shown briefly in an error. */
function brief(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Per-item request fields a file workload reads (`file_source.ts`), and this older format does not. */
const REQUEST_FIELDS = [
  "response_format",
  "tools",
  "tool_choice",
  "max_tokens",
  "output_len",
  "temperature",
  "extra",
];

/** What a JSON item that is not a prompt may be instead, as a hint. */
function hintFor(v: unknown): string {
  if (typeof v === "object" && v !== null) {
    const fields = REQUEST_FIELDS.filter((k) => k in v);
    if (fields.length > 0) {
      return ` and no request fields (${fields.join(", ")}: read by a file workload: ` +
        "workload: { source: file, path: ... } in a config, or --prompts with --num-prompts)";
    }
  }
  if (typeof v === "object" && v !== null && "conversations" in v) {
    return " (this looks like a ShareGPT file: give it with --dataset or workload source sharegpt)";
  }
  if (typeof v === "object" && v !== null && "messages" in v) {
    return " (for chat histories use workload source file, which reads 'messages')";
  }
  return "";
}

/**
 * Parses the text of a prompts file by its name: `.json` a JSON list,
 * `.jsonl`/`.ndjson` JSON lines, anything else one prompt a line. A JSON
 * item is a non-empty string or an object with a non-empty string `prompt`
 * (or, without one, `text`).
 *
 * @param text File contents.
 * @param fileName Picks the format and names the file in errors.
 * @returns The prompts, in file order.
 * @throws {ConfigError} When the JSON is invalid or not a list, an item or a
 *   JSONL line is not a prompt (naming its index or line), or there are none.
 *
 * @example
 * ```ts
 * import { parsePromptsText } from "./prompts.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parsePromptsText("a\n\nb\n", "p.txt"), ["a", "b"]);
 * assert.deepEqual(parsePromptsText('{"prompt":"x"}\n{"text":"y"}\n', "p.jsonl"), ["x", "y"]);
 * assert.deepEqual(parsePromptsText('["a", {"prompt": "b"}, {"text": "c"}]', "p.json"), ["a", "b", "c"]);
 * ```
 */
export function parsePromptsText(text: string, fileName: string): string[] {
  if (/\.json$/i.test(fileName)) return parseJsonPrompts(text, fileName);
  const jsonl = /\.(jsonl|ndjson)$/i.test(fileName);
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    if (!jsonl) {
      out.push(line);
      continue;
    }
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      obj = undefined;
    }
    const p = typeof obj === "object" ? promptOf(obj) : undefined;
    if (p === undefined) {
      throw new ConfigError("benchmark", [{
        path: `prompts (${fileName} line ${i + 1})`,
        expected: `a JSON object with a non-empty string "prompt" or "text"${hintFor(obj)}`,
        received: brief(line),
      }]);
    }
    out.push(p);
  }
  return atLeastOne(out, fileName);
}

function parseJsonPrompts(text: string, fileName: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new ConfigError("benchmark", [{
      path: `prompts (${fileName})`,
      expected: 'valid JSON: a list of prompts, or of objects with "prompt" or "text"',
      received: `a parse error: ${
        brief((err instanceof Error ? err.message : String(err)).split("\n")[0])
      }`,
    }]);
  }
  if (!Array.isArray(v)) {
    throw new ConfigError("benchmark", [{
      path: `prompts (${fileName})`,
      expected: 'a JSON list of prompts, or of objects with "prompt" or "text"',
      received: brief(JSON.stringify(v) ?? String(v)),
    }]);
  }
  const out = v.map((item, i) => {
    const p = promptOf(item);
    if (p === undefined) {
      throw new ConfigError("benchmark", [{
        path: `prompts (${fileName} item ${i})`,
        expected: 'a non-empty string, or an object with a non-empty string "prompt" or "text"' +
          hintFor(item),
        received: brief(JSON.stringify(item) ?? String(item)),
      }]);
    }
    return p;
  });
  return atLeastOne(out, fileName);
}

function atLeastOne(out: string[], fileName: string): string[] {
  if (out.length === 0) {
    throw new ConfigError("benchmark", [{
      path: "prompts",
      expected: "a file with at least one prompt",
      received: `${fileName} with none`,
    }]);
  }
  return out;
}

/** A few varied prompts for the demo and quick tries (declared in the config, which the CLI may import). */
export { SAMPLE_PROMPTS } from "../config/benchmark.ts";
