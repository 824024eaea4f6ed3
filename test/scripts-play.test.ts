// Playing scripts against the reference server: what passes, and what each kind of
// failure reports (the line, the action, what was expected and what came).
import { expect } from "chai";
import { Transcript } from "../src/harness/transcript.js";
import { cast, type Cast } from "../src/scripts/cast.js";
import { parseScript } from "../src/scripts/parse.js";
import { play, type Played } from "../src/scripts/play.js";
import { componentsOf, scriptAccounts } from "../src/scripts/script.js";
import { startServer } from "../src/server/index.js";

const HEAD = "# T\n[Client] Romeo\n\tjid: romeo@localhost\n\tpassword: pw\n[Client] Juliet\n\tjid: juliet@localhost\n\tpassword: pw\n-----\n";

interface PlayOn {
  /** The server's accounts (default: the script's). */
  users?: Array<{ username: string; password: string }>;
  smQueueLimit?: number;
  maxWaitMs?: number;
  /** Declarations after HEAD's. */
  more?: string;
}

/** Plays HEAD + `body` against a fresh server that has the script's accounts and components. */
async function playOn(body: string, o: PlayOn = {}): Promise<Played & { transcript: string }> {
  const script = parseScript(HEAD.replace("-----\n", `${o.more ?? ""}-----\n`) + body, "t.scs");
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    domain: "localhost",
    users: o.users ?? scriptAccounts(script).map((a) => ({ username: a.jid.split("@")[0]!, password: a.password })),
    components: componentsOf(script).map((d) => ({ name: d.jid, secret: d.secret })),
    ...(o.smQueueLimit ? { smQueueLimit: o.smQueueLimit } : {}),
  });
  try {
    const target = { host: server.host, port: server.port, domain: server.domain, tls: "plain" as const, insecure: false };
    const c = (await cast(script, target.domain, { own: true })) as Cast;
    const transcript = new Transcript();
    const played = await play(script, {
      targetOf: () => target,
      componentOf: (d) => ({ host: server.host, port: server.componentPort!, domain: d.jid, secret: d.secret, serverDomain: server.domain }),
      actors: c.actors,
      jids: c.jids,
      timeoutMs: 400,
      maxWaitMs: o.maxWaitMs ?? 5000,
      transcript,
    });
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
    const p = await playOn("Romeo connects\n", { users: [{ username: "romeo", password: "other" }] });
    expect(p.failure).to.deep.include({ line: 9, action: "Romeo connects" });
    expect(p.failure!.message).to.match(/Romeo could not connect: login refused/);
  });
});

const ECHO = "[Component] Echo\n\tjid: echo.localhost\n\tsecret: s3cret\n";
const JULIET_AGAIN = "[Client] Juliet again\n\tjid: juliet@localhost\n\tpassword: pw\n";
const ENABLED = "Romeo connects\nRomeo enables stream management\n";

describe("script play: extensions", function () {
  this.timeout(20_000);

  it("plays a [Component]: it attaches with its secret, receives in its own stream's namespace and answers", async () => {
    const p = await playOn(
      'Romeo connects\nEcho connects\nRomeo sends:\n\t<message to="echo.localhost" type="chat"><body>ping</body></message>\n' +
        'Echo receives:\n\t<message from="${Romeo\'s full JID}" to="${Echo\'s JID}" type="chat"><body>ping</body></message>\n' +
        'Echo sends:\n\t<message from="${Echo\'s JID}" to="${Romeo\'s full JID}" type="chat"><body>pong</body></message>\n' +
        'Romeo receives:\n\t<message from="echo.localhost"><body>pong</body></message>\nEcho receives: nothing\n',
      { more: ECHO },
    );
    expect(p.failure).to.equal(undefined);
    expect(p.transcript).to.match(/ Echo -> <handshake>/);
  });

  it("resumes a killed actor's session: what came while it was away arrives on the new stream", async () => {
    const p = await playOn(
      "Romeo connects\nJuliet connects\nJuliet enables stream management\n" +
        'Romeo sends:\n\t<message to="${Juliet\'s full JID}" type="chat"><body>before</body></message>\nJuliet is killed\n' +
        'Romeo sends:\n\t<message to="${Juliet\'s full JID}" type="chat"><body>while away</body></message>\nRomeo receives: nothing\n' +
        'Juliet resumes\nJuliet receives:\n\t<message from="${Romeo\'s full JID}"><body>before</body></message>\n\t<message from="${Romeo\'s full JID}"><body>while away</body></message>\n' +
        "Juliet receives: nothing\n",
    );
    expect(p.failure).to.equal(undefined);
    expect(p.transcript).to.match(/ Juliet -> <resume xmlns="urn:xmpp:sm:3" previd="[^"]+" h="\d"\/>/);
  });

  it("fails an action of a killed actor until it resumes", async () => {
    const p = await playOn("Juliet connects\nJuliet is killed\nJuliet sends:\n\t<presence/>\n");
    expect(p.failure).to.deep.include({ line: 11, message: "Juliet is no longer connected (killed)" });
  });

  it("resumes another resource's session while its stream is open: that stream gets a conflict stream error", async () => {
    const body =
      "Juliet connects\nJuliet enables stream management\nJuliet again resumes Juliet's session\n" +
      "Juliet receives:\n\t<stream:error scansion:strict='false'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>\n" +
      'Romeo connects\nRomeo sends:\n\t<message to="${Juliet again\'s full JID}" type="chat"><body>hi</body></message>\nJuliet again receives:\n\t<message><body>hi</body></message>\n';
    const p = await playOn(body, { more: JULIET_AGAIN });
    expect(p.failure, JSON.stringify(p.failure) + p.transcript).to.equal(undefined);
  });

  it("expects <r/> and <a/>, and acks with the count of stanzas received", async () => {
    const p = await playOn(
      `${ENABLED}Romeo sends:\n\t<r xmlns='urn:xmpp:sm:3'/>\nRomeo receives:\n\t<a xmlns='urn:xmpp:sm:3' h='0'/>\n` +
        'Romeo sends:\n\t<message to="${Romeo\'s full JID}"><body>1</body></message>\n\t<message to="${Romeo\'s full JID}"><body>2</body></message>\n' +
        "Romeo receives:\n\t<message><body>1</body></message>\n\t<message><body>2</body></message>\n\t<r xmlns='urn:xmpp:sm:3'/>\n" +
        "Romeo acks\nRomeo sends:\n\t<r xmlns='urn:xmpp:sm:3'/>\nRomeo receives:\n\t<a xmlns='urn:xmpp:sm:3' h='2'/>\n",
      { smQueueLimit: 4 },
    );
    expect(p.failure).to.equal(undefined);
    expect(p.transcript).to.match(/ Romeo -> <a xmlns="urn:xmpp:sm:3" h="2"\/>/);
  });

  it("expects a stream error, and fails with what came when another does", async () => {
    const tooHigh = `${ENABLED}Romeo sends:\n\t<a xmlns='urn:xmpp:sm:3' h='9'/>\nRomeo receives:\n\t<stream:error scansion:strict='false'>\n\t\t<undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\n\t\t<handled-count-too-high xmlns='urn:xmpp:sm:3' h='SEND' send-count='0'/>\n\t</stream:error>\n`;
    const ok = await playOn(tooHigh.replace("SEND", "9"));
    expect(ok.failure, JSON.stringify(ok.failure)).to.equal(undefined);
    const p = await playOn(tooHigh.replace("SEND", "8"));
    expect(p.failure).to.deep.include({ line: 13, action: "Romeo receives:" });
    expect(p.failure!.message).to.match(/the next <stream:error\/> does not match: .*handled-count-too-high/);
  });

  // fixtures/scenarios/sm-window-expiry.scs waits out a whole window (scripts-cli.test.ts plays it).
  it("waits out only a window within --max-wait, and skips the script at a longer one", async () => {
    const body = "Juliet connects\nJuliet enables stream management with max 1\nJuliet is killed\nJuliet waits out the resumption window\nJuliet resumes\n";
    const p = await playOn(body, { maxWaitMs: 500 });
    expect(p.skip).to.equal(`line 12, "Juliet waits out the resumption window": the target's resumption window is 1 s, longer than --max-wait 0.5 s`);
    expect(p.transcript).to.match(/ Juliet -> <enable xmlns="urn:xmpp:sm:3" resume="true" max="1"\/>/);
  });

  it("receives a block in any order: each stanza matches a distinct template, and one that matches none fails", async () => {
    const body =
      "Romeo connects\nRomeo sends:\n\t<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>\nRomeo receives:\n\t<iq type='result' id='r1'/>\n" +
      "Romeo sends:\n\t<iq type='set' id='add1'><query xmlns='jabber:iq:roster'><item jid='nurse@localhost'/></query></iq>\n" +
      "Romeo receives in any order:\n\t<iq type='result' id='add1'/>\n\t<iq type='set' id='{scansion:capture:push}'><query xmlns='jabber:iq:roster' scansion:strict='false'/></iq>\n" +
      "Romeo sends:\n\t<iq type='result' id='{scansion:capture:push}'/>\n";
    expect((await playOn(body)).failure).to.equal(undefined);
    const p = await playOn(body.replace("id='add1'/>", "id='add2'/>"));
    expect(p.failure).to.deep.include({ line: 16, action: "Romeo receives in any order:", message: "none of the next 2 stanzas matches this one" });
    expect(p.failure!.received!.split("\n")).to.have.length(2);
  });

  it("skips a script whose client needs a feature its account does not advertise", async () => {
    const p = await playOn("Romeo connects\n", { more: "[Client] Nurse\n\tjid: nurse@localhost\n\tpassword: pw\n\tneeds: urn:example:nothing\n" });
    expect(p.skip).to.match(/^nurse@localhost does not advertise urn:example:nothing in disco#info \(needed by \[Client\] Nurse, line 8\)$/);
    expect(p.failure).to.equal(undefined);
  });
});
