import assert from "node:assert/strict";
import { FaultPicker, parseFaultHeader } from "./faults.ts";

Deno.test("fault header values", () => {
  assert.deepEqual(parseFaultHeader("http500"), { kind: "http500" });
  assert.deepEqual(parseFaultHeader(" 429 "), { kind: "http429" });
  assert.deepEqual(parseFaultHeader("stall:250"), { kind: "stall", ms: 250 });
  assert.deepEqual(parseFaultHeader("drop:0"), { kind: "drop", afterTokens: 0 });
  assert.equal(parseFaultHeader("drop:"), undefined);
  assert.equal(parseFaultHeader("explode"), undefined);
});

Deno.test("configured shares are honoured over many requests", () => {
  const p = new FaultPicker({
    http500: 0.1,
    http429: 0.2,
    drop: { probability: 0.05, afterTokens: 3 },
    seed: 9,
  });
  const n = 20_000;
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const k = p.pick(undefined).kind;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  // Binomial standard error at n = 20,000 is at most 0.0035; allow 4 of them.
  assert.ok(Math.abs(counts.http500 / n - 0.1) < 0.014, `http500 ${counts.http500}`);
  assert.ok(Math.abs(counts.http429 / n - 0.2) < 0.014, `http429 ${counts.http429}`);
  assert.ok(Math.abs(counts.drop / n - 0.05) < 0.014, `drop ${counts.drop}`);
  assert.equal(counts.stall, undefined);
});

Deno.test("a fault header wins over configured shares; an unknown header is ignored", () => {
  const p = new FaultPicker({ http500: 1 });
  assert.deepEqual(p.pick("stall:5"), { kind: "stall", ms: 5 });
  assert.equal(p.pick("nonsense").kind, "http500");
  assert.equal(new FaultPicker().pick(undefined).kind, "none");
});
