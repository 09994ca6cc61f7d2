import assert from "node:assert/strict";
import { EXIT } from "../io.ts";
import { memoryIO } from "../memory_io.ts";
import { simCommand } from "./sim.ts";

Deno.test("splleed sim --port N on a taken port says so, names the port and host and the flag, exit 1", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  try {
    const io = memoryIO();
    const code = await simCommand({ port, ttftMs: 1, itlMs: 1 }, io);
    assert.equal(code, EXIT.failure);
    assert.equal(
      io.stderr,
      `error: port ${port} on 127.0.0.1 is already in use; choose another with --port ` +
        "(or 0 for any free port)\n",
    );
    assert.equal(io.stdout, "", "no URL printed for a server that did not start");
  } finally {
    taken.close();
  }
});
