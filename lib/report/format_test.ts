import assert from "node:assert/strict";
import {
  formatEstimate,
  formatFixed,
  formatSignificant,
  formatValue,
  groupThousands,
  significantDecimals,
} from "./format.ts";

Deno.test("a mean's value is rounded to two significant digits of its half-width", () => {
  const cases: [number, [number, number], string][] = [
    [45.213, [43.081, 47.345], "45.2 ± 2.1"], // the example
    [1245.3, [1203.3, 1287.3], "1,245 ± 42"],
    [5.51, [5.4978, 5.5222], "5.510 ± 0.012"], // was "5.51 ± 0.0122"
    [0.0707, [-0.2293, 0.3707], "0.07 ± 0.30"], // was "0.0707 ± 0.30"
    [177.38, [173.41, 181.35], "177.4 ± 4.0"],
    [2228.39, [2114.86, 2341.92], "2,228 ± 114"], // never rounded into the integer digits
    [0.0297, [0.02481, 0.03459], "0.0297 ± 0.0049"],
    [9.96, [8.964, 10.956], "10.0 ± 1.0"], // a half-width of 0.996 rounds to 1.0: one decimal
    [9.96, [9.0, 10.92], "9.96 ± 0.96"],
    [21.26, [20.82, 21.7], "21.26 ± 0.44"],
    [-3.25, [-3.5, -3.0], "-3.25 ± 0.25"],
  ];
  for (const [value, ci, text] of cases) {
    assert.equal(formatEstimate("ttft_mean_ms", { value, ci }), text, `${value} ${ci}`);
  }
});

Deno.test("the last decimal of value and half-width always agree", () => {
  // Many random estimates: both numbers printed to the same decimal, and the half-width shows
  // two significant digits (or is an integer).
  let seed = 7;
  const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  for (let i = 0; i < 2000; i++) {
    const value = 10 ** (rand() * 8 - 3);
    const half = value * 10 ** (rand() * 3 - 3.5);
    const text = formatEstimate("e2e_mean_ms", { value, ci: [value - half, value + half] });
    const m = /^([\d,]+)(?:\.(\d+))? ± ([\d,]+)(?:\.(\d+))?$/.exec(text);
    assert.ok(m, text);
    assert.equal((m[2] ?? "").length, (m[4] ?? "").length, text);
    const digits = m[3].replace(/,/g, "") + (m[4] ?? "");
    const significant = digits.replace(/^0+/, "");
    if (m[4] !== undefined) assert.equal(significant.length, 2, text);
    // The printed value is within half a unit of the last decimal of the true value.
    const printed = Number(`${m[1].replace(/,/g, "")}.${m[2] ?? "0"}`);
    assert.ok(Math.abs(printed - value) <= 0.5 * 10 ** -(m[2]?.length ?? 0) + 1e-9, text);
  }
});

Deno.test("a pooled percentile shows value (low–high) at the precision of its half-width", () => {
  const p = (value: number, ci: [number, number]) =>
    formatEstimate("ttft_p50_ms", { value, ci, basis: "pooled" });
  assert.equal(p(57.704, [55.13, 61.02]), "57.7 (55.1–61.0)");
  assert.equal(p(6.17, [5.8, 7.9]), "6.2 (5.8–7.9)");
  assert.equal(p(5.5, [5.47, 5.54]), "5.500 (5.470–5.540)");
  assert.equal(p(1234.5, [1100, 1500]), "1,235 (1,100–1,500)");
  // An asymmetric interval keeps both bounds.
  assert.equal(p(57.7, [6.1, 57.88]), "58 (6–58)");
  // A failure-adjusted percentile whose upper bound is past the completed requests.
  assert.equal(
    formatEstimate("e2e_failure_adjusted_p99_ms", {
      value: 228.14,
      ci: [223.36, Infinity],
      basis: "pooled",
    }),
    "228 (223–∞)",
  );
  // A zero-width interval: the value at three significant digits.
  assert.equal(p(5.5, [5.5, 5.5]), "5.50 (5.50–5.50)");
});

Deno.test("counts print as integers with no interval, never ± 0", () => {
  assert.equal(formatEstimate("requests_completed", { value: 64, ci: [64, 64] }), "64");
  assert.equal(formatEstimate("requests_failed", { value: 0, ci: [0, 0] }), "0");
  assert.equal(
    formatEstimate("output_tokens_total", { value: 12800, ci: [12700, 12900] }),
    "12,800",
  );
  // A mean of counts from trials that differ keeps one decimal.
  assert.equal(formatEstimate("requests_failed", { value: 1.5, ci: [0, 3] }), "1.5");
});

Deno.test("values without an interval show three significant digits", () => {
  const v = (value: number) => formatEstimate("itl_p99_ms", { value, ci: null });
  assert.equal(v(7.5912), "7.59");
  assert.equal(v(0.00587), "0.00587");
  assert.equal(v(228.61), "229");
  assert.equal(v(12345.6), "12,346");
  assert.equal(v(0), "0");
  assert.equal(v(Infinity), "∞");
  assert.equal(v(NaN), "—");
});

Deno.test("zero and infinite half-widths of a mean", () => {
  assert.equal(formatEstimate("goodput_ratio", { value: 1, ci: [1, 1] }), "1.00 ± 0");
  assert.equal(formatEstimate("ttft_mean_ms", { value: 5, ci: [-Infinity, Infinity] }), "5.00 ± ∞");
});

Deno.test("helpers: grouping, fixed, significant decimals", () => {
  assert.equal(groupThousands("0.123456"), "0.123456");
  assert.equal(groupThousands("123456"), "123,456");
  assert.equal(groupThousands("1000000.5"), "1,000,000.5");
  assert.equal(formatFixed(-0.00001, 3), "0.000");
  assert.equal(formatFixed(-1234.5, 0), "-1,235");
  assert.equal(formatFixed(NaN, 2), "—");
  assert.equal(significantDecimals(0, 3), 0);
  assert.equal(significantDecimals(1e-20, 3), 12, "capped");
  assert.equal(formatSignificant(0.0999999), "0.100");
  assert.equal(formatSignificant(-45.213), "-45.2");
});

Deno.test("formatValue (comparison and regression tables) is unchanged", () => {
  assert.equal(formatValue("ttft_p50_ms", 45.2), "45.20");
  assert.equal(formatValue("ttft_p50_ms", 0.0707), "0.0707");
  assert.equal(formatValue("requests_failed", 3), "3");
});
