/**
 * The Chromium the browser tests drive (Debian's chromium-headless-shell, or
 * `SPLLEED_CHROMIUM`), and the skip reason when there is none.
 */

/** Where a Chromium is looked for, in order. */
export const CANDIDATES: readonly string[] = [
  Deno.env.get("SPLLEED_CHROMIUM"),
  "/usr/bin/chromium-headless-shell",
  "/usr/lib/chromium/chromium-headless-shell",
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
].filter((p): p is string => typeof p === "string" && p !== "");

/** The first candidate that is a file, or null. */
export function findBrowser(): string | null {
  for (const p of CANDIDATES) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // not there
    }
  }
  return null;
}

/** The browser found, or null. */
export const BROWSER: string | null = findBrowser();

/** Appended to a test's name when it is skipped: why, and what to install. */
export const SKIP: string = BROWSER === null
  ? ` (skipped: no Chromium at ${CANDIDATES.join(", ")}; ` +
    "install Debian's chromium-headless-shell or set SPLLEED_CHROMIUM)"
  : "";
