import assert from "node:assert/strict";
import { FG, greyBorders, paint } from "./_ansi.ts";

Deno.test("paint wraps in the colour and resets only the foreground", () => {
  assert.equal(paint(FG.cyan, "Metric"), "\x1b[36mMetric\x1b[39m");
});

Deno.test("greyBorders colours box-drawing runs and leaves cell text alone", () => {
  const out = greyBorders("┌──┐\n│ a–b │\n└──┘");
  assert.equal(
    out,
    "\x1b[90m┌──┐\x1b[39m\n\x1b[90m│\x1b[39m a–b \x1b[90m│\x1b[39m\n\x1b[90m└──┘\x1b[39m",
  );
});
