import { pathToFileURL } from "node:url";
import { chromium } from "npm:playwright-core@^1.65.1";

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

/** What the page did and showed. */
export interface PageCheck {
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** Every URL the page requested. */
  requests: string[];
  /** Per chart container: its id, canvas size and whether the canvas has pixels drawn. */
  charts: { id: string; width: number; height: number; drawn: boolean; legend: string[] }[];
  /** The section ids present, in order. */
  sections: string[];
  /** Rows of the full metric tables. */
  metricRows: number;
  /** Every table: its section, class and the text of each cell of each body row. */
  tables: { section: string; cls: string; rows: string[][] }[];
  /** The page's visible text. */
  text: string;
  /** Table cells marked as a change (`td.bad`: the trend page's change points). */
  changeCells: string[];
  /** Whether an injected script ran. */
  pwned: boolean;
}

/**
 * Runs in the page (a string: the page's DOM is not Deno's): each chart
 * container's canvas size, whether anything is drawn on it and its legend;
 * the sections; the rows of the full metric tables; the visible text;
 * whether an injected script ran.
 */
const PAGE_PROBE = `(() => {
  const charts = [...document.querySelectorAll("figure.chart")].map((fig) => {
    const canvas = fig.querySelector("canvas");
    let drawn = false;
    if (canvas && canvas.width > 0 && canvas.height > 0) {
      const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < data.length; i += 4) {
        if (data[i] !== 0) { drawn = true; break; }
      }
    }
    const rect = canvas ? canvas.getBoundingClientRect() : null;
    return {
      id: fig.id,
      width: rect ? rect.width : 0,
      height: rect ? rect.height : 0,
      drawn,
      legend: [...fig.querySelectorAll(".u-legend .u-label")].map((e) => e.textContent || ""),
    };
  });
  return {
    charts,
    sections: [...document.querySelectorAll("main > section")].map((s) => s.id),
    metricRows: document.querySelectorAll("details.metric-table table tbody tr").length,
    tables: [...document.querySelectorAll("main table:not(.u-legend)")].map((t) => ({
      section: t.closest("section").id,
      cls: t.className,
      rows: [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent.trim())),
    })),
    changeCells: [...document.querySelectorAll("main table td.bad")].map((td) => td.textContent),
    text: document.body.innerText,
    pwned: globalThis.__pwned === true,
  };
})()`;

/** Opens a report file in the browser, checks it and takes a full-page screenshot. */
export async function openReport(path: string, screenshot: string): Promise<PageCheck> {
  const browser = await chromium.launch({ executablePath: BROWSER! });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(path).href);
    await page.waitForFunction("document.documentElement.dataset.chartsDrawn !== undefined", {
      timeout: 20_000,
    });
    const result = await page.evaluate(PAGE_PROBE) as Omit<PageCheck, "errors" | "requests">;
    await page.screenshot({ path: screenshot, fullPage: true });
    return { errors, requests, ...result };
  } finally {
    await browser.close();
  }
}
