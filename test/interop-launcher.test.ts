// The interop launcher's own parts that need no real server: templates, port checks,
// and stopping a process group down to its grandchildren.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireFree, waitForPorts } from "../src/interop/ports.js";
import { startProcess } from "../src/interop/processes.js";
import { writeFromTemplate } from "../src/interop/template.js";

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((s) => s.destroy()).listen(0, "127.0.0.1", () => {
      resolve({ server, port: (server.address() as { port: number }).port });
    });
  });
}

/** A port that was free a moment ago. */
async function closedPort(): Promise<number> {
  const { server, port } = await listen();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Not gone and not a zombie waiting for init to reap it. */
function living(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("interop launcher", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "interop-test-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("fills every placeholder of a template and refuses one without a value", () => {
    writeFileSync(join(dir, "t.in"), "port: {{C2S_PORT}}\nip: {127,0,0,1}\n");
    writeFromTemplate(join(dir, "t.in"), join(dir, "t"), { C2S_PORT: 15222 });
    assert.equal(readFileSync(join(dir, "t"), "utf8"), "port: 15222\nip: {127,0,0,1}\n");
    assert.throws(() => writeFromTemplate(join(dir, "t.in"), join(dir, "u"), {}), { name: "SetupError", message: /no value for \{\{C2S_PORT\}\}/ });
  });

  it("refuses a port someone else listens on, and waits for one to open, naming it", async () => {
    const { server, port } = await listen();
    try {
      await assert.rejects(requireFree({ c2s: port }), { message: `port 127.0.0.1:${port} (c2s) is already in use` });
      await waitForPorts({ c2s: port }, new Promise(() => {}), 1000, "server.log");
    } finally {
      server.close();
    }
    const closed = await closedPort();
    await requireFree({ component: closed });
    await assert.rejects(waitForPorts({ component: closed }, new Promise(() => {}), 200, "server.log"), {
      message: `127.0.0.1:${closed} (component) did not open within 0.2 s; see server.log`,
    });
    await assert.rejects(waitForPorts({ c2s: closed }, Promise.resolve("exit code 1"), 5000, "server.log"), {
      message: `the server ended (exit code 1) before 127.0.0.1:${closed} (c2s) opened; see server.log`,
    });
  });

  it("stops a server's whole process group, grandchildren included, and logs its output", async () => {
    const log = join(dir, "server.log");
    const proc = await startProcess("sh", ["-c", "echo started; sleep 60 & echo $! > grandchild; wait"], { cwd: dir, logFile: log });
    while (!readFileSync(log, "utf8").includes("started")) await new Promise((r) => setTimeout(r, 20));
    while (!readFileSync(join(dir, "grandchild"), { encoding: "utf8", flag: "a+" }).trim()) await new Promise((r) => setTimeout(r, 20));
    const grandchild = Number(readFileSync(join(dir, "grandchild"), "utf8"));
    await proc.stop(2000);
    assert.match(await proc.exited, /SIGTERM|exit code/);
    assert.equal(living(grandchild), false);
  });
});
