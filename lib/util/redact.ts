/**
 * Keeping secrets out of everything splleed writes: one redaction pass over
 * text (error messages, records, results, logs, the console) and over JSON
 * values.
 *
 * {@linkcode redact} replaces
 *
 * - every secret registered with {@linkcode registerSecret} (the API key a
 *   backend resolved, secret-looking header and environment values), and the
 *   forms it takes when echoed (URL-encoded, JSON-escaped);
 * - URL userinfo: `http://user:pass@host` → `http://[redacted]@host`;
 * - credential-looking query parameters (`?api_key=`, `&token=`, `&sig=`, ...);
 * - `Authorization: ...`, `X-Api-Key: ...`, `Cookie: ...` header lines, and
 *   their echoes as JSON or Python dictionaries (`"authorization": "..."`);
 * - `Bearer xxx` and `Basic xxx` credentials;
 * - token shapes that are keys wherever they appear (`sk-...`, `hf_...`, `ghp_...`).
 *
 * The registry is process-wide (a module-level set, empty until a key is
 * registered). Nothing runs at import.
 *
 * @module
 */

/** What a redacted value is replaced with. */
export const REDACTED = "[redacted]";

/** Registered secrets shorter than this are ignored (they would redact ordinary words). */
export const MIN_SECRET_LENGTH = 6;

/**
 * Placeholder keys that local servers document (`api_key="EMPTY"`, `"ollama"`):
 * no secret, and redacting them would blank out engine names in the results.
 */
const PLACEHOLDERS = new Set([
  "empty",
  "ollama",
  "lm-studio",
  "dummy",
  "not-needed",
  "no-key",
  "sk-no-key-required",
]);

const secrets = new Set<string>();
/** The registered secrets, longest first (so a key is never half-replaced by a shorter one). */
let ordered: string[] | null = null;

/**
 * Names of headers, query parameters and JSON fields whose values are secrets
 * (matched whole, case-insensitively).
 */
const SECRET_NAMES = "(?:proxy-)?authorization|x-api-key|api[-_]?key|apikey|x-auth-token|" +
  "(?:access|auth|refresh|id|hf|bearer|session)[-_]?token|token|(?:client[-_]?)?secret|" +
  "secret[-_]?key|private[-_]?key|password|passwd|cookie|set-cookie|credentials?";

/** A field name whose value is a secret (for {@linkcode redactDeep}). */
const SECRET_FIELD = new RegExp(`^(?:${SECRET_NAMES})$`, "i");

/** Header names whose values are secrets in text (`Authorization: Bearer x`). */
const HEADER_LINE = new RegExp(
  `(?<![A-Za-z0-9_-])((?:proxy-)?authorization|x-api-key|api-key|x-auth-token|cookie|set-cookie)` +
    `([ \\t]*:[ \\t]*)([^\\s"'\\\\][^\\r\\n"'\\\\]*)`,
  "gi",
);

/** A quoted secret field and its quoted value: `"authorization": "Bearer x"`, `'api_key': 'x'`. */
const QUOTED_FIELD = new RegExp(
  `(["'])(${SECRET_NAMES})\\1(\\s*[:=]\\s*)(["'])((?:\\\\.|(?!\\4)[^\\\\\\r\\n])*)\\4`,
  "gi",
);

/** URL userinfo: `scheme://user:pass@`. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"'<>\\]+)@/gi;

/** Credential-looking query parameters. */
const QUERY_PARAM = new RegExp(
  `([?&;](?:api[-_]?key|apikey|key|(?:access|auth|refresh|id)[-_]?token|token|` +
    `(?:client[-_]?)?secret|password|passwd|sig|signature|x-amz-signature|` +
    `x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential)=)` +
    `([^&#\\s"'<>\\\\]+)`,
  "gi",
);

/** `Bearer xxx` (RFC 6750 b64token). */
const BEARER = /\b(bearer)(\s+)([A-Za-z0-9\-._~+/]+=*)/gi;

/** `Basic xxx` (base64 of `user:password`). */
const BASIC = /\b(basic)(\s+)([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])/gi;

/** Token shapes that are keys wherever they appear. */
const TOKEN_SHAPES = new RegExp(
  "(?<![A-Za-z0-9_-])(?:sk-[A-Za-z0-9][A-Za-z0-9_-]{6,}|sk_(?:live|test)_[A-Za-z0-9]{8,}|" +
    "hf_[A-Za-z0-9]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|" +
    "xox[abprs]-[A-Za-z0-9-]{10,}|glpat-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16})",
  "g",
);

/**
 * A quick test: could the text hold anything a pattern redacts? Text that
 * matches none of these is returned as it is after the registered secrets
 * are checked.
 */
const MAYBE =
  /:\/\/|[?&;][\w-]*=|bearer|basic|authoriz|key|token|secret|passw|cookie|credential|sk[-_]|hf_|gh[pousr]_|github_pat|xox|glpat|AKIA/i;

/**
 * Remembers a secret, so that {@linkcode redact} replaces it wherever it
 * appears. Called where a key is resolved. Values shorter than
 * {@linkcode MIN_SECRET_LENGTH} characters, values that are a number, and
 * the placeholder keys local servers document (`ollama`, `EMPTY`) are
 * ignored: they would redact ordinary words, figures and engine names.
 *
 * @param value The secret (undefined is ignored).
 *
 * @example
 * ```ts
 * import { redact, registerSecret } from "./redact.ts";
 * import assert from "node:assert/strict";
 *
 * registerSecret("my-local-key-4817");
 * assert.equal(redact("HTTP 401: bad key my-local-key-4817"), "HTTP 401: bad key [redacted]");
 * ```
 */
export function registerSecret(value: string | undefined): void {
  if (value === undefined) return;
  const v = value.trim();
  if (
    v.length < MIN_SECRET_LENGTH || /^[-+0-9.eE]*$/.test(v) || v === REDACTED ||
    PLACEHOLDERS.has(v.toLowerCase())
  ) {
    return;
  }
  const forms = [v, encodeURIComponent(v), JSON.stringify(v).slice(1, -1)];
  // `Bearer KEY`: the key alone is echoed too.
  const scheme = /^(?:bearer|basic|token)\s+(\S+)$/i.exec(v);
  if (scheme) forms.push(scheme[1]);
  for (const f of forms) {
    if (f.length >= MIN_SECRET_LENGTH && !secrets.has(f)) {
      secrets.add(f);
      ordered = null;
    }
  }
}

/**
 * Registers the values of the secret-looking fields of a header or
 * environment map (`Authorization`, `X-Api-Key`, `HF_TOKEN`, ...).
 *
 * @param fields Header fields or environment variables.
 *
 * @example
 * ```ts
 * import { redact, registerSecretFields } from "./redact.ts";
 * import assert from "node:assert/strict";
 *
 * registerSecretFields({ "X-Api-Key": "team-key-0042", "X-Trace": "abcdef" });
 * assert.equal(redact("key team-key-0042, trace abcdef"), "key [redacted], trace abcdef");
 * ```
 */
export function registerSecretFields(fields: Record<string, string> | undefined): void {
  if (fields === undefined) return;
  for (const [k, v] of Object.entries(fields)) if (isSecretName(k)) registerSecret(v);
}

/**
 * Whether a header, environment variable or field name holds a secret
 * (`Authorization`, `X-Api-Key`, `HF_TOKEN`, `password`, `Cookie`, ...).
 *
 * @param name The name.
 * @returns True when its value must be redacted.
 *
 * @example
 * ```ts
 * import { isSecretName } from "./redact.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isSecretName("Authorization"), true);
 * assert.equal(isSecretName("HF_TOKEN"), true);
 * assert.equal(isSecretName("X-Trace"), false);
 * ```
 */
export function isSecretName(name: string): boolean {
  return /auth|key|token|secret|password|passwd|cookie|credential/i.test(name);
}

function secretList(): string[] {
  ordered ??= [...secrets].sort((a, b) => b.length - a.length);
  return ordered;
}

/** Whether a `Bearer` token looks like a credential rather than a word ("Bearer token", "Bearer realm"). */
function credentialLike(token: string): boolean {
  const t = token.replace(/=+$/, "");
  return t.length >= 16 || /[0-9\-._~+/]/.test(t);
}

/** `Bearer xxx` with the token replaced when it looks like a credential (a sentence's full stop kept). */
function bearer(m: string, word: string, sp: string, token: string): string {
  const dots = /\.+$/.exec(token)?.[0] ?? "";
  const t = token.slice(0, token.length - dots.length);
  return t !== "" && credentialLike(t) ? `${word}${sp}${REDACTED}${dots}` : m;
}

/** Whether `Basic xxx` carries (padded) base64 of printable `user:password`. */
function basicCredential(b64: string): boolean {
  if (b64.length % 4 !== 0) return false;
  try {
    const d = atob(b64);
    return d.includes(":") && /^[\x20-\x7e]+$/.test(d);
  } catch {
    return false;
  }
}

/**
 * Replaces every secret in a text with `[redacted]`: registered secrets,
 * URL userinfo, credential query parameters, authorization headers echoed as
 * text or JSON, `Bearer`/`Basic` credentials and key-shaped tokens (`sk-...`).
 * Text with none of them comes back unchanged, cheaply. JSON text stays valid
 * JSON (values are replaced inside their quotes).
 *
 * @param text Any text (an error message, a log line, a whole document).
 * @returns The text with secrets replaced.
 *
 * @example
 * ```ts
 * import { redact } from "./redact.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(redact("GET http://me:pw@h:8000/v1?api_key=abc&x=1"), "GET http://[redacted]@h:8000/v1?api_key=[redacted]&x=1");
 * assert.equal(redact('{"authorization": "Bearer abc.def"}'), '{"authorization": "[redacted]"}');
 * assert.equal(redact("Authorization: Bearer sk-abcdefgh123"), "Authorization: [redacted]");
 * assert.equal(redact("no secret here"), "no secret here");
 * ```
 */
export function redact(text: string): string {
  let s = text;
  if (secrets.size > 0) {
    for (const secret of secretList()) {
      if (s.includes(secret)) s = s.split(secret).join(REDACTED);
    }
  }
  if (!MAYBE.test(s)) return s;
  s = s.replace(
    QUOTED_FIELD,
    (m, q, name, sep, vq, value) => value === "" ? m : `${q}${name}${q}${sep}${vq}${REDACTED}${vq}`,
  );
  s = s.replace(HEADER_LINE, (_m, name, sep) => `${name}${sep}${REDACTED}`);
  s = s.replace(USERINFO, `$1${REDACTED}@`);
  s = s.replace(QUERY_PARAM, `$1${REDACTED}`);
  s = s.replace(BEARER, bearer);
  s = s.replace(BASIC, (m, word, sp, b64) => basicCredential(b64) ? `${word}${sp}${REDACTED}` : m);
  s = s.replace(TOKEN_SHAPES, REDACTED);
  return s;
}

/**
 * Redacts every string in a JSON-like value (object keys included), and
 * replaces the string value of every secret-named field (`apiKey`,
 * `authorization`, `api_key`, `password`, ...). Arrays and plain objects are
 * copied; other values are returned as they are.
 *
 * @param value A JSON-like value (a results document, a records header).
 * @returns A redacted copy.
 *
 * @example
 * ```ts
 * import { redactDeep } from "./redact.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   redactDeep({ server: { api_key: "x1", url: "http://u:p@h" }, n: [1, "Bearer abc-123"] }),
 *   { server: { api_key: "[redacted]", url: "http://[redacted]@h" }, n: [1, "Bearer [redacted]"] },
 * );
 * ```
 */
export function redactDeep<T>(value: T): T {
  return deep(value) as T;
}

function deep(v: unknown): unknown {
  if (typeof v === "string") return redact(v);
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(deep);
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    out[redact(k)] = typeof x === "string" && x !== "" && SECRET_FIELD.test(k) ? REDACTED : deep(x);
  }
  return out;
}

/**
 * Redacts header values whose names look secret (`Authorization`, `X-Api-Key`, ...).
 *
 * @param headers Header fields (or environment variables).
 * @returns A copy with secret values replaced by `[redacted]`.
 *
 * @example
 * ```ts
 * import { redactHeaders } from "./redact.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(redactHeaders({ Authorization: "Bearer x", "X-Trace": "1" }), {
 *   Authorization: "[redacted]",
 *   "X-Trace": "1",
 * });
 * ```
 */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = isSecretName(k) ? REDACTED : v;
  return out;
}

/** Prefixes of well-known key formats, shown when a key is masked (`sk-…[redacted]`). */
const KEY_PREFIX =
  /^(sk-(?:proj-|ant-|or-)?|sk_(?:live|test)_|hf_|gh[pousr]_|github_pat_|xox[abprs]-|glpat-|gsk_|xai-|AKIA)/;

/**
 * Whether a value given where a name or a path belongs (`--api-key-env`,
 * `--api-key-file`) looks like a key itself: a well-known key prefix
 * (`sk-`, `hf_`, `ghp_`, ...), or a long random-looking string (letters and
 * digits, no path separator, not short words joined by `_` or `-`).
 *
 * @param value The value given.
 * @returns True when it must not be echoed.
 *
 * @example
 * ```ts
 * import { looksLikeKey } from "./redact.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(looksLikeKey("sk-proj-abc123"), true);
 * assert.equal(looksLikeKey("a8F3kQ9zLm2Xv7Rt5Yp1Wd4"), true);
 * assert.equal(looksLikeKey("OPENAI_API_KEY"), false);
 * assert.equal(looksLikeKey("/run/secrets/openai.key"), false);
 * ```
 */
export function looksLikeKey(value: string): boolean {
  const v = value.trim();
  if (KEY_PREFIX.test(v)) return true;
  if (/\s|[/\\]/.test(v) || v.length < 20) return false;
  // Words joined by `_` or `-` (`OPENAI_API_KEY`, `SPLLEED_TEST_KEY_1a2b3c4d`): a name.
  if (
    /^[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)+$/.test(v) &&
    v.split(/[_-]/).every((w) => w.length < 16)
  ) {
    return false;
  }
  if (/\.(?:txt|key|pem|json|env|secret|token|cfg|conf)$/i.test(v)) return false;
  return /[0-9]/.test(v) && /[A-Za-z]/.test(v);
}

/**
 * A key shown without its secret part: its well-known prefix, if any, then
 * `…[redacted]` (`sk-…[redacted]`), or `[redacted]`.
 *
 * @param value The key.
 * @returns The masked form.
 *
 * @example
 * ```ts
 * import { maskKey } from "./redact.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(maskKey("sk-abc123def456"), "sk-…[redacted]");
 * assert.equal(maskKey("a8F3kQ9zLm2Xv7Rt5Yp1Wd4"), "[redacted]");
 * ```
 */
export function maskKey(value: string): string {
  const m = KEY_PREFIX.exec(value.trim());
  return m ? `${m[1]}…${REDACTED}` : REDACTED;
}
