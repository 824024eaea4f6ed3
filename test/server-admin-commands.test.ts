// XEP-0133 Add User and Delete User through XEP-0050 ad-hoc commands, on the wire.
import { expect } from "chai";
import type { Element } from "../src/xmpp/element.js";
import { startServer, type RunningServer } from "../src/server/index.js";
import { RawClient, errorCondition, expectLoginRefused } from "./server-raw-client.js";

const COMMANDS = "http://jabber.org/protocol/commands";
const ADD_USER = "http://jabber.org/protocol/admin#add-user";
const DELETE_USER = "http://jabber.org/protocol/admin#delete-user";

const execute = (node: string) => (id: string) =>
  `<iq type='set' id='${id}' to='localhost'><command xmlns='${COMMANDS}' node='${node}' action='execute'/></iq>`;

/** A submitted form, under `sessionid` (none: with the first execute). */
function submit(node: string, sessionid: string | undefined, fields: Record<string, string | string[]>): (id: string) => string {
  const body = Object.entries({ FORM_TYPE: "http://jabber.org/protocol/admin", ...fields })
    .map(([name, v]) => `<field var='${name}'>${(Array.isArray(v) ? v : [v]).map((x) => `<value>${x}</value>`).join("")}</field>`)
    .join("");
  const sid = sessionid === undefined ? "" : ` sessionid='${sessionid}'`;
  return (id) => `<iq type='set' id='${id}' to='localhost'><command xmlns='${COMMANDS}' node='${node}'${sid}><x xmlns='jabber:x:data' type='submit'>${body}</x></command></iq>`;
}

describe("server XEP-0133 admin commands (XEP-0050)", function () {
  this.timeout(10000);
  let server: RunningServer;
  const clients: RawClient[] = [];
  const login = async (username: string, password: string, resource?: string) => {
    const c = await RawClient.open(server.port);
    clients.push(c);
    await c.login(username, password, resource);
    return c;
  };

  beforeEach(async () => {
    server = await startServer({
      domain: "localhost",
      users: [{ username: "admin", password: "pw" }, { username: "alice", password: "a" }],
      admins: ["admin"],
    });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.kill();
    await server.stop();
  });

  /** Runs add-user to completion; returns the completing answer. */
  async function addUser(admin: RawClient, jid: string, password: string, verify = password): Promise<Element> {
    const form = await admin.ask(execute(ADD_USER));
    const sessionid = form.getChild("command", COMMANDS)!.attrs.sessionid;
    return admin.ask(submit(ADD_USER, sessionid, { accountjid: jid, password, "password-verify": verify }));
  }

  it("offers the commands feature, and lists the admin commands to admins only", async () => {
    const admin = await login("admin", "pw");
    const info = await admin.ask((id) => `<iq type='get' id='${id}' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`);
    expect(info.getChild("query")!.getChildren("feature").map((f) => f.attrs.var)).to.include(COMMANDS);
    const items = (c: RawClient) => c.ask((id) => `<iq type='get' id='${id}' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items' node='${COMMANDS}'/></iq>`);
    const listed = (await items(admin)).getChild("query")!.getChildren("item");
    expect(listed.map((i) => [i.attrs.jid, i.attrs.node])).to.deep.equal([["localhost", ADD_USER], ["localhost", DELETE_USER]]);
    const alice = await login("alice", "a");
    expect((await items(alice)).getChild("query")!.getChildren("item")).to.deep.equal([]);
  });

  it("add-user: the form under a session id, then completed, and the account logs in", async () => {
    const admin = await login("admin", "pw");
    const start = await admin.ask(execute(ADD_USER));
    const command = start.getChild("command", COMMANDS)!;
    expect(start.attrs.type).to.equal("result");
    expect(command.attrs).to.include({ node: ADD_USER, status: "executing" });
    expect(command.attrs.sessionid).to.be.a("string").and.not.equal("");
    const form = command.getChild("x", "jabber:x:data")!;
    expect(form.attrs.type).to.equal("form");
    const fields = Object.fromEntries(form.getChildren("field").map((f) => [f.attrs.var, f.attrs.type]));
    expect(fields).to.deep.equal({ FORM_TYPE: "hidden", accountjid: "jid-single", password: "text-private", "password-verify": "text-private" });
    expect(form.getChildren("field")[0]!.getChildText("value")).to.equal("http://jabber.org/protocol/admin");

    const done = await admin.ask(submit(ADD_USER, command.attrs.sessionid, { accountjid: "carol@localhost", password: "c", "password-verify": "c" }));
    expect(done.attrs.type).to.equal("result");
    expect(done.getChild("command", COMMANDS)!.attrs).to.include({ node: ADD_USER, sessionid: command.attrs.sessionid, status: "completed" });
    await login("carol", "c");
  });

  it("add-user refuses an existing account, a mismatched verification, a foreign or malformed JID", async () => {
    const admin = await login("admin", "pw");
    expect(errorCondition(await addUser(admin, "alice@localhost", "x"))).to.equal("conflict");
    expect(errorCondition(await addUser(admin, "dave@localhost", "x", "y"))).to.equal("not-acceptable");
    expect(errorCondition(await addUser(admin, "dave@elsewhere.example", "x"))).to.equal("not-acceptable");
    expect(errorCondition(await addUser(admin, "dave@localhost/res", "x"))).to.equal("not-acceptable");
    expect(errorCondition(await addUser(admin, "localhost", "x"))).to.equal("not-acceptable");
    await expectLoginRefused(server.port, "dave", "x");
    await login("alice", "a");
  });

  it("refuses an unknown or finished session id with bad-request and <bad-sessionid/>", async () => {
    const admin = await login("admin", "pw");
    const unknown = await admin.ask(submit(ADD_USER, "add-user:nope", { accountjid: "erin@localhost", password: "e", "password-verify": "e" }));
    expect(errorCondition(unknown)).to.equal("bad-request");
    expect(unknown.getChild("error")!.getChild("bad-sessionid", COMMANDS)).to.not.equal(undefined);
    const form = await admin.ask(execute(ADD_USER));
    const sessionid = form.getChild("command", COMMANDS)!.attrs.sessionid;
    const fields = { accountjid: "erin@localhost", password: "e", "password-verify": "e" };
    expect((await admin.ask(submit(ADD_USER, sessionid, fields))).attrs.type).to.equal("result");
    expect(errorCondition(await admin.ask(submit(ADD_USER, sessionid, fields)))).to.equal("bad-request");
  });

  it("cancel ends the session: status canceled, and its id is no longer valid", async () => {
    const admin = await login("admin", "pw");
    const form = await admin.ask(execute(ADD_USER));
    const sessionid = form.getChild("command", COMMANDS)!.attrs.sessionid!;
    const cancel = await admin.ask((id) => `<iq type='set' id='${id}' to='localhost'><command xmlns='${COMMANDS}' node='${ADD_USER}' sessionid='${sessionid}' action='cancel'/></iq>`);
    expect(cancel.getChild("command", COMMANDS)!.attrs.status).to.equal("canceled");
    expect(errorCondition(await admin.ask(submit(ADD_USER, sessionid, { accountjid: "f@localhost", password: "f", "password-verify": "f" })))).to.equal("bad-request");
  });

  it("answers a non-admin with forbidden, for add-user and delete-user", async () => {
    const alice = await login("alice", "a");
    expect(errorCondition(await alice.ask(execute(ADD_USER)))).to.equal("forbidden");
    expect(errorCondition(await alice.ask(submit(ADD_USER, undefined, { accountjid: "mallory@localhost", password: "m", "password-verify": "m" })))).to.equal("forbidden");
    expect(errorCondition(await alice.ask(execute(DELETE_USER)))).to.equal("forbidden");
    expect(errorCondition(await alice.ask(submit(DELETE_USER, undefined, { accountjids: "admin@localhost" })))).to.equal("forbidden");
    await expectLoginRefused(server.port, "mallory", "m");
    await login("admin", "pw");
  });

  it("answers an unknown command node with item-not-found", async () => {
    const admin = await login("admin", "pw");
    expect(errorCondition(await admin.ask(execute("http://jabber.org/protocol/admin#shutdown")))).to.equal("item-not-found");
  });

  it("delete-user removes the accounts, ends their sessions with not-authorized and cancels subscriptions", async () => {
    const admin = await login("admin", "pw");
    for (const name of ["bob", "carol"]) expect((await addUser(admin, `${name}@localhost`, name)).attrs.type).to.equal("result");
    // bob and alice subscribe to each other.
    const alice = await login("alice", "a", "desk");
    alice.send("<presence/>");
    const bob = await login("bob", "bob", "phone");
    bob.send("<presence/><presence type='subscribe' to='alice@localhost'/>");
    await alice.expect(/<presence type="subscribe" from="bob@localhost"/);
    alice.send("<presence type='subscribed' to='bob@localhost'/><presence type='subscribe' to='bob@localhost'/>");
    await bob.expect(/<presence type="subscribe" from="alice@localhost"/);
    bob.send("<presence type='subscribed' to='alice@localhost'/>");
    await alice.expect(/<item jid="bob@localhost" subscription="both"\/>/);
    const carol = await login("carol", "carol");

    const form = await admin.ask(execute(DELETE_USER));
    const command = form.getChild("command", COMMANDS)!;
    const field = command.getChild("x", "jabber:x:data")!.getChildren("field").find((f) => f.attrs.var === "accountjids");
    expect(field?.attrs.type).to.equal("jid-multi");
    const done = await admin.ask(submit(DELETE_USER, command.attrs.sessionid, { accountjids: ["bob@localhost", "carol@localhost"] }));
    expect(done.getChild("command", COMMANDS)!.attrs.status).to.equal("completed");

    for (const gone of [bob, carol]) {
      await gone.expect(/<stream:error><not-authorized xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>.*<\/stream:error><\/stream:stream>/);
      await gone.waitClosed();
    }
    // alice keeps her item for bob, with both directions cancelled.
    await alice.expect(/<presence type="unavailable" from="bob@localhost\/phone"/);
    await alice.expect(/<item jid="bob@localhost" subscription="none"\/>/);
    const roster = await alice.ask((id) => `<iq type='get' id='${id}'><query xmlns='jabber:iq:roster'/></iq>`);
    expect(roster.getChild("query")!.getChildren("item").map((i) => i.attrs)).to.deep.equal([{ jid: "bob@localhost", subscription: "none" }]);
    await expectLoginRefused(server.port, "bob", "bob");
    await expectLoginRefused(server.port, "carol", "carol");
    const ping = await alice.ask((id) => `<iq type='get' id='${id}' to='bob@localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
    expect(errorCondition(ping)).to.equal("service-unavailable");
  });

  it("delete-user refuses an unknown account and a foreign JID, deleting none of the list", async () => {
    const admin = await login("admin", "pw");
    expect(errorCondition(await admin.ask(submit(DELETE_USER, undefined, { accountjids: ["alice@localhost", "nobody@localhost"] })))).to.equal("item-not-found");
    expect(errorCondition(await admin.ask(submit(DELETE_USER, undefined, { accountjids: ["alice@localhost", "alice@elsewhere.example"] })))).to.equal("not-acceptable");
    expect(errorCondition(await admin.ask(submit(DELETE_USER, undefined, { accountjids: [] })))).to.equal("bad-request");
    await login("alice", "a");
  });

  it("an admin may delete its own account: the completion arrives before the stream error", async () => {
    const admin = await login("admin", "pw");
    const done = await admin.ask(submit(DELETE_USER, undefined, { accountjids: "admin@localhost" }));
    expect(done.getChild("command", COMMANDS)!.attrs.status).to.equal("completed");
    await admin.expect(/<not-authorized xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>/);
    await expectLoginRefused(server.port, "admin", "pw");
  });
});
