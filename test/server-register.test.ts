// XEP-0077 cancellation on the wire: <remove/> from an authenticated stream.
import { expect } from "chai";
import { startServer, type RunningServer } from "../src/server/index.js";
import { RawClient, STREAM_HEADER, errorCondition, expectLoginRefused } from "./server-raw-client.js";

describe("server XEP-0077 account removal", function () {
  this.timeout(10000);
  let server: RunningServer;
  const clients: RawClient[] = [];
  const login = async (username: string, password: string, resource?: string | false) => {
    const c = await RawClient.open(server.port);
    clients.push(c);
    await c.login(username, password, resource);
    return c;
  };

  beforeEach(async () => {
    server = await startServer({ domain: "localhost", users: [{ username: "alice", password: "a" }] });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.kill();
    await server.stop();
  });

  it("<remove/>: result, then a not-authorized stream error, and the account is gone", async () => {
    const alice = await login("alice", "a", "one");
    const other = await login("alice", "a", "two");
    const bare = await login("alice", "a", false);
    const reply = await alice.ask((id) => `<iq type='set' id='${id}'><query xmlns='jabber:iq:register'><remove/></query></iq>`);
    expect(reply.attrs.type).to.equal("result");
    for (const c of [alice, other]) {
      await c.expect(/<stream:error><not-authorized xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>.*<\/stream:stream>/);
      await c.waitClosed();
    }
    // A stream that authenticated before the removal cannot bind afterwards.
    bare.send("<iq type='set' id='late'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
    await bare.expect(/<not-authorized xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>/);
    await expectLoginRefused(server.port, "alice", "a");
  });

  it("<remove/> with another child is a bad request, and removes nothing", async () => {
    const alice = await login("alice", "a");
    const reply = await alice.ask((id) => `<iq type='set' id='${id}'><query xmlns='jabber:iq:register'><remove/><username>alice</username></query></iq>`);
    expect(errorCondition(reply)).to.equal("bad-request");
    await login("alice", "a");
  });

  it("<remove/> before authentication is not allowed", async () => {
    const c = await RawClient.open(server.port);
    clients.push(c);
    c.send(STREAM_HEADER());
    await c.expect(/<\/stream:features>/);
    const reply = await c.ask((id) => `<iq type='set' id='${id}'><query xmlns='jabber:iq:register'><remove/></query></iq>`);
    expect(errorCondition(reply)).to.equal("not-allowed");
    await login("alice", "a");
  });
});
