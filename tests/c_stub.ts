/**
 * Compiles a stand-in C library (the NVML and NVTX stubs under
 * `tests/stubs/`) with the system C compiler into a temporary shared
 * library, once per test process and source file, so the tests load it
 * through the real `Deno.dlopen` path.
 *
 * @module
 */

/** A compiled stub: its path, or why there is none (no C compiler, a compile error). */
export type CStub = { path: string; reason?: undefined } | { path: null; reason: string };

const built = new Map<string, Promise<CStub>>();

/**
 * Compiles `source` (a C file) with `cc` (or `$CC`) into a temporary `.so`,
 * once per process: later calls with the same file return the same result.
 * Never throws: when there is no compiler or the file does not compile, the
 * result has `path: null` and a `reason` a test can skip with.
 *
 * @param source Path or file URL of the C source.
 * @returns The shared library's path, or null with the reason.
 */
export function compileCStub(source: string | URL): Promise<CStub> {
  const file = source instanceof URL ? source.pathname : source;
  let p = built.get(file);
  if (p === undefined) {
    p = build(file);
    built.set(file, p);
  }
  return p;
}

async function build(file: string): Promise<CStub> {
  const cc = Deno.env.get("CC") || "cc";
  const dir = await Deno.makeTempDir({ prefix: "splleed_cstub_" });
  const base = file.split("/").pop()!.replace(/\.c$/, "");
  const out = `${dir}/lib${base}.so`;
  let res: Deno.CommandOutput;
  try {
    res = await new Deno.Command(cc, {
      args: ["-shared", "-fPIC", "-O1", "-o", out, file],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    return {
      path: null,
      reason: `no C compiler: running '${cc}' failed (${
        err instanceof Error ? err.message : String(err)
      }); install cc or set CC`,
    };
  }
  if (!res.success) {
    return {
      path: null,
      reason: `'${cc}' could not compile ${file} (exit ${res.code}): ${
        new TextDecoder().decode(res.stderr).trim()
      }`,
    };
  }
  return { path: out };
}
