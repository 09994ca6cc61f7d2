/**
 * The fixed cost of a short run: runs the CLI's `main` once in this process
 * (as `cli.ts` would, output discarded) and prints one JSON line with the
 * process's CPU time (user + system, every thread: workers included) and
 * wall time from process start, module loading included.
 *
 * ```sh
 * deno run -A bench/startup.ts --help
 * deno run -A bench/startup.ts run --endpoint http://127.0.0.1:8000 --runs 1 --warmup 0 --trials 1 -q
 * ```
 *
 * @module
 */

import process from "node:process";
import { main } from "../lib/cli/main.ts";

const code = await main(Deno.args, {
  out: () => {},
  err: () => {},
  exit: (c: number) => Deno.exit(c),
  isTerminal: false,
  errIsTerminal: false,
});
const u = process.cpuUsage();
console.log(JSON.stringify({
  code,
  cpuS: (u.user + u.system) / 1e6,
  // performance.now() counts from the process's time origin.
  wallS: performance.now() / 1000,
}));
