// Hostile input against `serve`, as a user would meet it: the stream error comes at once
// and the server keeps serving.
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { serve } from "./cli-process.js";
import { RawClient, STREAM_HEADER } from "./server-raw-client.js";

/** The requirement: the stream error within 50 ms of the input's last byte. */
const BOUND_MS = 50;

describe("serve under hostile input", function () {
  this.timeout(30_000);
  let child: ChildProcess;
  let port: number;

  before(async () => {
    ({ child, port } = await serve("--port", "0", "--user", "alice:pw"));
  });
  after(() => child.kill("SIGTERM"));

  for (const levels of [40_000, 200_000]) {
    it(`closes ${levels.toLocaleString("en")} nested elements with policy-violation within ${BOUND_MS} ms and keeps serving`, async () => {
      const c = await RawClient.open(port);
      try {
        c.send(STREAM_HEADER());
        await c.expect(/<\/stream:features>/);
        const payload = "<a>".repeat(levels);
        const sent = performance.now();
        let lastByte = Infinity;
        c.socket.write(payload, () => (lastByte = performance.now()));
        await c.expect(/<stream:error><policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>.*<\/stream:stream>/);
        const answered = performance.now();
        // The answer may beat the write callback: then it came before the last byte left.
        const afterLastByte = Math.max(0, answered - Math.min(lastByte, answered));
        console.log(`      ${payload.length} bytes: stream error ${(answered - sent).toFixed(1)} ms after the first byte, ${afterLastByte.toFixed(1)} ms after the last`);
        expect(afterLastByte).to.be.below(BOUND_MS);
        await c.waitClosed();
      } finally {
        c.kill();
      }
      const good = await RawClient.open(port);
      try {
        await good.login("alice", "pw");
      } finally {
        good.kill();
      }
      expect(child.exitCode).to.equal(null);
    });
  }
});

describe("serve --handshake-timeout --max-handshakes --max-connections", function () {
  this.timeout(30_000);

  it("refuses a handshake beyond the cap and times out one that never authenticates", async () => {
    const { child, port } = await serve("--port", "0", "--handshake-timeout", "1", "--max-handshakes", "1", "--max-connections", "5");
    const clients: RawClient[] = [];
    try {
      const silent = await RawClient.open(port);
      clients.push(silent);
      const refused = await RawClient.open(port);
      clients.push(refused);
      await refused.expect(/<stream:error><resource-constraint xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>.*<\/stream:stream>/);
      await silent.expect(/<stream:error><connection-timeout xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>.*<\/stream:stream>/, 3000);
      await silent.waitClosed();
    } finally {
      for (const c of clients) c.kill();
      child.kill("SIGTERM");
    }
  });
});
