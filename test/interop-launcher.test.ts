// The interop launcher's own parts that need no real server: the run plan and the
// harness options it turns into, templates, port checks, and stopping a process group
// down to its grandchildren.
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accountOptions, peerOptions } from "../src/interop/harness.js";
import { DEFAULT_ACCOUNTS, describeRun, PLATFORMS } from "../src/interop/plan.js";
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

/** What `promise` rejects with, or undefined if it fulfils (which no property assertion accepts). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("interop launcher", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "interop-test-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs Prosody with registration, then given accounts twice in a row; ejabberd with the admin; each the scenario scripts, the robustness suite and, last, the s2s-refusals suite apart; Libervia's pubsub and PAM with given accounts twice", () => {
    const plan = Object.fromEntries(
      PLATFORMS.map((p) => [p.name, p.runs.map((r) => `${r.name}:${r.provisioning}${r.suites ? `:${r.suites.join("+")}` : ""}${r.scenarios ? ":scripts" : ""}`)]),
    );
    expect(plan).to.deep.equal({
      prosody: ["register:register", "given:given", "given-again:given", "scenarios:given:scripts", "robustness:register:robustness", "s2s-refusals:register:s2s-refusals"],
      ejabberd: ["admin:admin", "scenarios:admin:scripts", "robustness:admin:robustness", "s2s-refusals:admin:s2s-refusals"],
      libervia: ["given:given:pubsub+pam", "given-again:given:pubsub+pam"],
    });
    for (const p of PLATFORMS) expect(new Set(p.runs.map((r) => r.name)).size, `${p.name}: run names (report directories)`).to.equal(p.runs.length);
  });

  it("passes each provisioning to the harness as its own options", () => {
    const admin = { username: "admin", password: "admin-pw" };
    expect(accountOptions("register", admin, DEFAULT_ACCOUNTS)).to.deep.equal(["--register"]);
    expect(accountOptions("admin", admin, DEFAULT_ACCOUNTS)).to.deep.equal(["--admin", "admin:admin-pw"]);
    expect(accountOptions("given", admin, [...DEFAULT_ACCOUNTS, { username: "dave", password: "a:b" }])).to.deep.equal([
      "--account", "alice:alice-pw", "--account", "bob:bob-pw", "--account", "carol:carol-pw", "--account", "dave:a:b",
    ]);
  });

  it("federates Prosody and ejabberd with the harness's S2S peer, each on a port of its own, and points the peer at the server's S2S port", () => {
    const federation = Object.fromEntries(PLATFORMS.map((p) => [p.name, p.federation ?? "none"]));
    expect(federation).to.deep.equal({
      prosody: { peerDomain: "peer.example", peerPort: 15270 },
      ejabberd: { peerDomain: "127.0.0.1", peerPort: 16270 },
      libervia: "none",
    });
    expect(peerOptions({ peerDomain: "peer.example", peerPort: 15270 }, 15269)).to.deep.equal([
      "--peer-domain", "peer.example", "--peer-listen", "127.0.0.1:15270", "--target-s2s", "127.0.0.1:15269",
    ]);
    expect(peerOptions(undefined, undefined)).to.deep.equal([]);
  });

  it("describes a given run that follows another as the same accounts again", () => {
    const prosody = PLATFORMS.find((p) => p.name === "prosody")!;
    const [, given, again] = prosody.runs;
    expect(describeRun(prosody, given!, DEFAULT_ACCOUNTS)).to.equal("alice, bob and carol (`--account`), created with `prosodyctl register` when the server started");
    expect(describeRun(prosody, again!, DEFAULT_ACCOUNTS)).to.equal("alice, bob and carol (`--account`) again, after run `given` on the same running server");
  });

  it("fills every placeholder of a template and refuses one without a value", () => {
    writeFileSync(join(dir, "t.in"), "port: {{C2S_PORT}}\nip: {127,0,0,1}\n");
    writeFromTemplate(join(dir, "t.in"), join(dir, "t"), { C2S_PORT: 15222 });
    expect(readFileSync(join(dir, "t"), "utf8")).to.equal("port: 15222\nip: {127,0,0,1}\n");
    expect(() => writeFromTemplate(join(dir, "t.in"), join(dir, "u"), {})).to.throw(/no value for \{\{C2S_PORT\}\}/).with.property("name", "SetupError");
  });

  it("refuses a port someone else listens on, and waits for one to open, naming it", async () => {
    const { server, port } = await listen();
    try {
      expect(await rejection(requireFree({ c2s: port }))).to.have.property("message", `port 127.0.0.1:${port} (c2s) is already in use`);
      await waitForPorts({ c2s: port }, new Promise(() => {}), 1000, "server.log");
    } finally {
      server.close();
    }
    const closed = await closedPort();
    await requireFree({ component: closed });
    expect(await rejection(waitForPorts({ component: closed }, new Promise(() => {}), 200, "server.log"))).to.have.property(
      "message",
      `127.0.0.1:${closed} (component) did not open within 0.2 s; see server.log`,
    );
    expect(await rejection(waitForPorts({ c2s: closed }, Promise.resolve("exit code 1"), 5000, "server.log"))).to.have.property(
      "message",
      `the server ended (exit code 1) before 127.0.0.1:${closed} (c2s) opened; see server.log`,
    );
  });

  it("stops a server's whole process group, grandchildren included, and logs its output", async () => {
    const log = join(dir, "server.log");
    const proc = await startProcess("sh", ["-c", "echo started; sleep 60 & echo $! > grandchild; wait"], { cwd: dir, logFile: log });
    while (!readFileSync(log, "utf8").includes("started")) await new Promise((r) => setTimeout(r, 20));
    while (!readFileSync(join(dir, "grandchild"), { encoding: "utf8", flag: "a+" }).trim()) await new Promise((r) => setTimeout(r, 20));
    const grandchild = Number(readFileSync(join(dir, "grandchild"), "utf8"));
    await proc.stop(2000);
    expect(await proc.exited).to.match(/SIGTERM|exit code/);
    expect(living(grandchild)).to.equal(false);
  });
});
