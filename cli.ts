/**
 * The `splleed` command line: `run`, `sim` and `demo`.
 *
 * ```sh
 * deno run -A cli.ts demo
 * deno run -A cli.ts run --endpoint http://localhost:8000 --concurrency 1,4,16 --trials 3
 * deno run -A cli.ts sim --profile medium --port 8000
 * ```
 *
 * Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error,
 * 130 interrupted.
 *
 * @module
 */

import { type CliIO, main } from "./lib/cli/main.ts";
import { redact } from "./lib/util/redact.ts";

const encoder = new TextEncoder();

function writeAll(w: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let off = 0;
  while (off < bytes.length) off += w.writeSync(bytes.subarray(off));
}

/**
 * The console-bound I/O of the real command line. Everything written passes
 * through `redact` (messages, warnings, progress, results): no key reaches
 * the console.
 */
function consoleIO(): CliIO {
  return {
    out: (s) => writeAll(Deno.stdout, redact(s)),
    err: (s) => writeAll(Deno.stderr, redact(s)),
    exit: (code) => Deno.exit(code),
    isTerminal: Deno.stdout.isTerminal() && !Deno.noColor,
    errIsTerminal: Deno.stderr.isTerminal(),
    errColumns: () => Deno.consoleSize().columns,
    // The results table fits a terminal; written to a file or a pipe, it keeps its full width.
    ...(Deno.stdout.isTerminal() ? { outColumns: () => Deno.consoleSize().columns } : {}),
  };
}

if (import.meta.main) Deno.exit(await main(Deno.args, consoleIO()));
