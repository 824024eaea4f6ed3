// Playing scripts against the reference server: what passes, and what each kind of
// failure reports (the line, the action, what was expected and what came).
import { expect } from "chai";
import { Transcript } from "../src/harness/transcript.js";
import { cast, type Cast } from "../src/scripts/cast.js";
import { parseScript } from "../src/scripts/parse.js";
import { play, type Played } from "../src/scripts/play.js";
import { scriptAccounts } from "../src/scripts/script.js";
import { startServer } from "../src/server/index.js";

const HEAD = "# T\n[Client] Romeo\n\tjid: romeo@localhost\n\tpassword: pw\n[Client] Juliet\n\tjid: juliet@localhost\n\tpassword: pw\n-----\n";

/** Plays HEAD + `body` against a fresh server that has the script's accounts (or `users`). */
async function playOn(body: string, users?: Array<{ username: string; password: string }>): Promise<Played & { transcript: string }> {
  const script = parseScript(HEAD + body, "t.scs");
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    domain: "localhost",
    users: users ?? scriptAccounts(script).map((a) => ({ username: a.jid.split("@")[0]!, password: a.password })),
  });
  try {
    const target = { host: server.host, port: server.port, domain: server.domain, tls: "plain" as const, insecure: false };
    const c = (await cast(script, target.domain, { own: true })) as Cast;
    const transcript = new Transcript();
    const played = await play(script, { targetOf: () => target, actors: c.actors, jids: c.jids, timeoutMs: 400, transcript });
    return { ...played, transcript: transcript.format() };
  } finally {
    await server.stop();
  }
}

const MESSAGE = 'Romeo connects\nJuliet connects\nRomeo sends:\n\t<message to="${Juliet\'s full JID}" type="chat"><body>hi</body></message>\n';

describe("script play", function () {
  this.timeout(10_000);

  it("passes a conversation between two actors, and records both", async () => {
    const p = await playOn(`${MESSAGE}Juliet receives:\n\t<message from="\${Romeo's full JID}" type="chat"><body>hi</body></message>\nJuliet receives: nothing\n`);
    expect(p.failure).to.equal(undefined);
    expect(p.transcript).to.match(/ Romeo -> <message/).and.to.match(/ Juliet <- .*<body>hi<\/body>/);
  });

  it("fails on the next stanza when it does not match, with the line, the template and what came", async () => {
    const p = await playOn(`${MESSAGE}Juliet receives:\n\t<message type="chat"><body>bye</body></message>\n`);
    expect(p.failure).to.deep.include({ line: 13, action: "Juliet receives:" });
    expect(p.failure!.message).to.match(/does not match: .*expected 'bye', got 'hi'/);
    expect(p.failure!.expected).to.equal('<message type="chat"><body>bye</body></message>');
    expect(p.failure!.received).to.match(/^<message .*<body>hi<\/body><\/message>$/);
  });

  it("takes stanzas in order: the second of two does not match first", async () => {
    const p = await playOn(`${MESSAGE}Romeo sends:\n\t<message to="\${Juliet's full JID}" type="chat"><body>two</body></message>\nJuliet receives:\n\t<message><body>two</body></message>\n`);
    expect(p.failure).to.deep.include({ line: 15 });
  });

  it("proves receives: nothing with a ping, and fails on a stanza sent before it", async () => {
    const p = await playOn(`${MESSAGE}Juliet receives: nothing\n`);
    expect(p.failure).to.deep.include({ line: 13, action: "Juliet receives: nothing" });
    expect(p.failure!.received).to.match(/<body>hi<\/body>/);
    expect(p.transcript).to.match(/ Juliet -> <iq type="get"[^>]*><ping xmlns="urn:xmpp:ping"\/>/);
  });

  it("fails when no stanza comes within the timeout", async () => {
    const p = await playOn("Romeo connects\nRomeo receives:\n\t<message/>\n");
    expect(p.failure).to.deep.include({ line: 10, message: "no stanza came" });
    expect(p.failure!.received).to.match(/nothing matching within 400 ms/);
  });

  it("captures a value and sends it back", async () => {
    const p = await playOn(
      "Romeo connects\nRomeo sends:\n\t<iq type='get' id='q1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>\nRomeo receives:\n\t<iq type='result' id='{scansion:capture:id}'/>\n" +
        "Romeo sends:\n\t<message to=\"${Romeo's full JID}\"><body>{scansion:capture:id}</body></message>\nRomeo receives:\n\t<message><body>q1</body></message>\n",
    );
    expect(p.failure).to.equal(undefined);
  });

  it("lets a disconnected actor's sends go, as scansion does, but not its receives", async () => {
    const p = await playOn("Romeo connects\nRomeo disconnects\nRomeo sends:\n\t<presence type='unavailable'/>\nRomeo receives:\n\t<presence/>\n");
    expect(p.failure).to.deep.include({ line: 13, message: "Romeo is no longer connected" });
    expect(p.transcript).to.include("not sent, Romeo has disconnected (line 11)");
  });

  it("fails an action on an actor that never connected, or a full JID not bound yet", async () => {
    expect((await playOn("Romeo sends:\n\t<presence/>\n")).failure!.message).to.match(/Romeo is not connected/);
    expect((await playOn("Romeo connects\nRomeo sends:\n\t<message to=\"${Juliet's full JID}\"/>\n")).failure!.message).to.match(/Juliet's full JID\} is not known before Juliet connects/);
  });

  it("fails connects when the login is refused, at its line", async () => {
    const p = await playOn("Romeo connects\n", [{ username: "romeo", password: "other" }]);
    expect(p.failure).to.deep.include({ line: 9, action: "Romeo connects" });
    expect(p.failure!.message).to.match(/Romeo could not connect: login refused/);
  });
});
