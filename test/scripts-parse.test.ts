// The scansion grammar the `script` command accepts: one test per rule of docs/scripts.md.
import { expect } from "chai";
import { ScriptError, parseScript } from "../src/scripts/parse.js";
import type { Action, Script } from "../src/scripts/script.js";

const CLIENTS = "[Client] Romeo\n\tjid: romeo@localhost\n\tpassword: pw\n\n[Client] Juliet\n\tjid: juliet@localhost\n\tpassword: pw\n";

function parse(text: string): Script {
  return parseScript(text, "test.scs");
}

/** A script with the two clients, a separator and `body` as its actions. */
function actions(body: string): Action[] {
  return parse(`# T\n\n${CLIENTS}\n-----\n\n${body}`).actions;
}

function refused(text: string, line: number, pattern: RegExp): void {
  let error: unknown;
  try {
    parse(text);
  } catch (err) {
    error = err;
  }
  expect(error, "a ScriptError").to.be.instanceOf(ScriptError);
  expect((error as Error).message).to.match(new RegExp(`^test\\.scs:${line}: `));
  expect((error as Error).message).to.match(pattern);
}

const xmlOf = (a: Action | undefined) => (a && "elements" in a ? a.elements.map(String) : []);

describe("script grammar: header", () => {
  it("takes the first # line as the title and the next ones as the description", () => {
    const s = parse(`# Basic messaging\n# Line one\n# Line two\n\n${CLIENTS}`);
    expect(s.title).to.equal("Basic messaging");
    expect(s.description).to.deep.equal(["Line one", "Line two"]);
  });

  it("ends the header at the first other line: later # lines are comments", () => {
    const s = parse(`# Title\n\n# not description\n${CLIENTS}`);
    expect(s.description).to.deep.equal([]);
  });

  it("names a script without a header after its file", () => {
    expect(parseScript(CLIENTS, "dir/basic_roster.scs").title).to.equal("basic_roster");
  });

  it("reads `## tag` and `## key: value` tags", () => {
    const s = parse(`# T\n## slow\n## status: stable\n${CLIENTS}`);
    expect(s.tags).to.deep.equal([{ key: "slow" }, { key: "status", value: "stable" }]);
  });

  it("refuses an empty tag or a key without a value", () => {
    refused(`# T\n##\n${CLIENTS}`, 2, /empty tag/);
    refused(`# T\n## status:\n${CLIENTS}`, 2, /## key: value/);
  });
});

describe("script grammar: declarations", () => {
  it("reads [Client] NAME with jid and password", () => {
    const [romeo] = parse(CLIENTS).actors;
    expect(romeo).to.deep.include({ name: "Romeo", jid: "romeo@localhost", password: "pw", line: 1 });
  });

  it("takes names with spaces and 's", () => {
    const s = parse(`${CLIENTS}\n[Client] Juliet's phone\n\tjid: juliet@localhost\n\tpassword: pw\n`);
    expect(s.actors.map((a) => a.name)).to.deep.equal(["Romeo", "Juliet", "Juliet's phone"]);
  });

  it("takes the resource from `resource` or from a full JID in `jid`", () => {
    const s = parse("[Client] A\n\tjid: a@localhost/balcony\n\tpassword: pw\n[Client] B\n\tjid: b@localhost\n\tpassword: pw\n\tresource: phone\n");
    expect(s.actors.map((a) => [a.jid, a.kind === "client" ? a.resource : undefined])).to.deep.equal([["a@localhost", "balcony"], ["b@localhost", "phone"]]);
  });

  it("reads connect_host and connect_port, and the custom_host/custom_port spelling", () => {
    const s = parse("[Client] A\n\tjid: a@localhost\n\tpassword: pw\n\tconnect_host: 127.0.0.2\n\tconnect_port: 5223\n[Client] B\n\tjid: b@localhost\n\tpassword: pw\n\tcustom_port: 5300\n");
    expect(s.actors[0]).to.deep.include({ connectHost: "127.0.0.2", connectPort: 5223 });
    expect(s.actors[1]).to.deep.include({ connectPort: 5300 });
  });

  it("warns about an unknown key instead of failing", () => {
    const s = parse("[Client] A\n\tjid: a@localhost\n\tpassword: pw\n\tcolour: blue\n");
    expect(s.warnings).to.deep.equal(["test.scs:4: unknown key 'colour' for [Client] A, ignored"]);
  });

  it("refuses what it cannot play, at the line", () => {
    refused("[Client] A\n\tpassword: pw\n", 1, /has no jid/);
    refused("[Client] A\n\tjid: a@localhost\n", 1, /has no password/);
    refused("[Client] A\n\tjid: localhost\n\tpassword: pw\n", 2, /expected user@domain/);
    refused("[Client] A\n\tjid: a@localhost\n\tpassword: pw\n\tconnect_port: http\n", 4, /expected a number/);
    refused("[Room] A\n", 1, /unknown actor type \[Room\]/);
    refused(`${CLIENTS}[Client] Romeo\n\tjid: r@localhost\n\tpassword: pw\n`, 8, /declared twice/);
    refused("[Client] A\n\tjid: a@localhost\n\tpassword: pw\n[Client] B\n\tjid: b@example.org\n\tpassword: pw\n", 5, /not in localhost.*one server/);
    refused("# T\n", 1, /no clients/);
  });
});

describe("script grammar: separator and comments", () => {
  it("takes a line of dashes, of any length, or none at all", () => {
    expect(parse(`${CLIENTS}---------\nRomeo connects\n`).actions).to.have.length(1);
    expect(parse(`${CLIENTS}Romeo connects\n`).actions).to.have.length(1);
  });

  it("ignores lines starting with #, // or --, also between declarations and above actions", () => {
    const s = parse(`# T\n[Client] Romeo\n\tjid: romeo@localhost\n\tpassword: pw\n// the admin\n[Client] Juliet\n\tjid: juliet@localhost\n\tpassword: pw\n-----\n# Act 1\nRomeo connects\n// Juliet waits\n-- a dash comment\nJuliet connects\n`);
    expect(s.actions.map((a) => a.kind)).to.deep.equal(["connects", "connects"]);
  });

  it("comments a whole action out with --, its XML lines included", () => {
    const a = actions("-- Juliet sends:\n-- \t<iq type='set'/>\n--\nRomeo connects\n");
    expect(a.map((x) => x.kind)).to.deep.equal(["connects"]);
  });

  it("reads CRLF line endings", () => {
    expect(parse(`${CLIENTS}-----\r\nRomeo connects\r\n`.replace(/\n/g, "\r\n")).actions).to.have.length(1);
  });
});

describe("script grammar: actions", () => {
  it("reads connects, disconnects, sends, receives and receives: nothing, with their lines", () => {
    const a = actions("Romeo connects\nRomeo sends:\n\t<presence/>\nRomeo receives:\n\t<presence/>\nJuliet receives: nothing\nRomeo disconnects\n");
    expect(a.map((x) => [x.kind, x.actor, x.line])).to.deep.equal([
      ["connects", "Romeo", 13],
      ["sends", "Romeo", 14],
      ["receives", "Romeo", 16],
      ["receives-nothing", "Juliet", 18],
      ["disconnects", "Romeo", 19],
    ]);
  });

  it("takes sends and receives with or without the colon", () => {
    const a = actions("Romeo sends\n\t<presence/>\nRomeo receives\n\t<presence/>\nRomeo receives nothing\n");
    expect(a.map((x) => x.kind)).to.deep.equal(["sends", "receives", "receives-nothing"]);
  });

  it("takes an actor whose name has spaces and 's", () => {
    const a = parse(`${CLIENTS}[Client] Juliet's phone\n\tjid: juliet@localhost\n\tpassword: pw\n-----\nJuliet's phone receives: nothing\n`).actions;
    expect(a[0]).to.deep.include({ actor: "Juliet's phone", kind: "receives-nothing" });
  });

  it("refuses an unknown actor, an unknown line, stray text and an empty block", () => {
    refused(`${CLIENTS}-----\nNurse connects\n`, 9, /unknown actor 'Nurse' \(declared: Romeo, Juliet\)/);
    refused(`${CLIENTS}-----\nthe curtain falls\n`, 9, /expected a declaration/);
    refused(`${CLIENTS}-----\nRomeo waits\n`, 9, /'waits': unknown action of Romeo/);
    refused(`${CLIENTS}-----\nRomeo connects: now\n`, 9, /takes nothing after it/);
    refused(`${CLIENTS}-----\nRomeo sends:\nRomeo connects\n`, 9, /needs an indented XML block/);
    refused(`${CLIENTS}-----\nRomeo connects\n\t<presence/>\n`, 10, /indented line outside/);
  });
});

describe("script grammar: XML blocks", () => {
  it("holds several top-level elements, sent or expected in order", () => {
    expect(xmlOf(actions("Romeo sends:\n\t<presence/>\n\t<message to='a@b'/>\n")[0])).to.deep.equal(["<presence/>", '<message to="a@b"/>']);
  });

  it("spans blank lines up to the next line that is not indented", () => {
    const a = actions("Romeo sends:\n\t<presence/>\n\n\n\t<message/>\n\nRomeo connects\n");
    expect(xmlOf(a[0])).to.deep.equal(["<presence/>", "<message/>"]);
    expect(a[1]).to.deep.include({ kind: "connects", line: 19 });
  });

  it("takes tabs and spaces, attributes wrapped over lines, and drops whitespace-only text", () => {
    const a = actions("Romeo sends:\n\t  <message\n\t\t\tto='a@b'\n\t\t\ttype='chat'>\n\t\t<body>hi</body>\n\t</message>\n");
    expect(xmlOf(a[0])).to.deep.equal(['<message to="a@b" type="chat"><body>hi</body></message>']);
  });

  it("puts elements without xmlns in jabber:client and binds the scansion prefix", () => {
    const [el] = (actions("Romeo receives:\n\t<iq type='result'>\n\t\t<query xmlns='jabber:iq:version' scansion:strict='false'/>\n\t</iq>\n")[0] as { elements: import("../src/xmpp/element.js").Element[] }).elements;
    expect(el!.getNS()).to.equal("jabber:client");
    expect(el!.getChildElements()[0]!.getNS()).to.equal("jabber:iq:version");
  });

  it("reports malformed XML at the line it is on", () => {
    refused(`${CLIENTS}-----\nRomeo sends:\n\t<message>\n\t\t<body>hi</bdy>\n\t</message>\n`, 11, /not well-formed XML/);
    refused(`${CLIENTS}-----\nRomeo sends:\n\t<presence/>\n\tstray\n`, 11, /text outside any element/);
  });

  it("expects only stanzas (and, as extensions, Stream Management elements and stream errors)", () => {
    refused(`${CLIENTS}-----\nRomeo receives:\n\t<query xmlns='jabber:iq:roster'/>\n`, 10, /<query> is neither a stanza/);
    refused(`${CLIENTS}-----\nRomeo receives:\n\t<message xmlns='urn:example'/>\n`, 10, /<message> is neither a stanza/);
  });

  it("refuses scansion attributes other than strict='true|false'", () => {
    refused(`${CLIENTS}-----\nRomeo receives:\n\t<iq scansion:strict='yes'/>\n`, 10, /expected true or false/);
    refused(`${CLIENTS}-----\nRomeo receives:\n\t<iq scansion:loose='true'/>\n`, 10, /unknown attribute scansion:loose/);
  });
});

describe("script grammar: variables and special values", () => {
  it("accepts ${Name's full JID} and ${Name's JID}, in attributes and text, for names with 's", () => {
    const text = `${CLIENTS}[Client] Juliet's phone\n\tjid: juliet@localhost\n\tpassword: pw\n-----\nRomeo sends:\n\t<message to="\${Juliet's phone's full JID}"><body>\${Romeo's JID}</body></message>\n`;
    const [el] = (parse(text).actions[0] as { elements: import("../src/xmpp/element.js").Element[] }).elements;
    expect(el!.attrs.to).to.equal("${Juliet's phone's full JID}");
    expect(el!.getChildText("body")).to.equal("${Romeo's JID}");
  });

  it("refuses an unknown actor or property", () => {
    refused(`${CLIENTS}-----\nRomeo sends:\n\t<message to="\${Nurse's JID}"/>\n`, 10, /unknown actor 'Nurse'/);
    refused(`${CLIENTS}-----\nRomeo sends:\n\t<message to="\${Juliet's resource}"/>\n`, 10, /unknown property 'resource'/);
    refused(`${CLIENTS}-----\nRomeo sends:\n\t<message to="\${Juliet}"/>\n`, 10, /expected \$\{NAME's full JID\}/);
  });

  it("accepts {scansion:any} and {scansion:capture:NAME} as whole values, and refuses others", () => {
    expect(actions("Romeo receives:\n\t<iq id='{scansion:any}'><x xmlns='urn:x' a='{scansion:capture:first}'/></iq>\n")).to.have.length(1);
    refused(`${CLIENTS}-----\nRomeo receives:\n\t<iq id='{scansion:whatever}'/>\n`, 10, /unknown special value/);
    refused(`${CLIENTS}-----\nRomeo receives:\n\t<iq id='x-{scansion:any}'/>\n`, 10, /must be the whole value/);
  });
});

const COMPONENT = "[Component] Service\n\tjid: pubsub.localhost\n\tsecret: s3cret\n";
const PHONE = "[Client] Romeo's phone\n\tjid: romeo@localhost\n\tpassword: pw\n";

/** The two clients, Romeo's phone, the component, and `body` as the actions. */
function extended(body: string): Action[] {
  return parse(`# T\n${CLIENTS}${PHONE}${COMPONENT}-----\n${body}`).actions;
}

// Lines of extended(): the separator is line 15, the first action line 16.
describe("script grammar: extensions", () => {
  it("declares [Component] NAME with a domain jid and its secret (or password, as jasca spells it)", () => {
    const s = parse(`${CLIENTS}${COMPONENT}[Component] Other\n\tjid: other.localhost\n\tpassword: pw\n\tconnect_port: 5347\n`);
    expect(s.actors[2]).to.deep.equal({ kind: "component", name: "Service", line: 8, jid: "pubsub.localhost", secret: "s3cret" });
    expect(s.actors[3]).to.deep.include({ kind: "component", secret: "pw", connectPort: 5347 });
  });

  it("refuses a component without a secret, with a JID that is not a domain, or alone", () => {
    refused(`${CLIENTS}[Component] S\n\tjid: pubsub.localhost\n`, 8, /has no secret/);
    refused(`${CLIENTS}[Component] S\n\tjid: a@pubsub.localhost\n\tsecret: s\n`, 9, /a component's JID is a domain/);
    refused(COMPONENT, 1, /no clients/);
  });

  it("lets a component connect, send, receive and disconnect, but not use Stream Management", () => {
    const a = extended("Service connects\nService sends:\n\t<message from='pubsub.localhost' to=\"${Romeo's JID}\"/>\nService receives:\n\t<iq type='set'/>\nService disconnects\n");
    expect(a.map((x) => x.kind)).to.deep.equal(["connects", "sends", "receives", "disconnects"]);
    refused(`# T\n${CLIENTS}${COMPONENT}-----\nService is killed\n`, 13, /Service is a \[Component\]/);
  });

  it("reads `NAME is killed` and `NAME acks`", () => {
    expect(extended("Romeo is killed\nRomeo acks\n").map((x) => [x.kind, x.actor, x.line])).to.deep.equal([
      ["killed", "Romeo", 16],
      ["acks", "Romeo", 17],
    ]);
  });

  it("reads `NAME enables stream management`, with or without the window it asks for", () => {
    expect(extended("Romeo enables stream management\nJuliet enables stream management with max 2\n")).to.deep.equal([
      { kind: "enables-sm", actor: "Romeo", line: 16 },
      { kind: "enables-sm", actor: "Juliet", line: 17, max: 2 },
    ]);
    refused(`# T\n${CLIENTS}-----\nRomeo enables stream management with max 0\n`, 10, /above 0/);
    refused(`# T\n${CLIENTS}-----\nRomeo enables stream management with max two\n`, 10, /unknown action of Romeo/);
  });

  it("reads `NAME resumes` and `NAME resumes OTHER's session` for another resource of the same account", () => {
    const a = extended("Romeo resumes\nRomeo's phone resumes Romeo's session\n");
    expect(a).to.deep.equal([
      { kind: "resumes", actor: "Romeo", line: 16, session: "Romeo" },
      { kind: "resumes", actor: "Romeo's phone", line: 17, session: "Romeo" },
    ]);
    refused(`# T\n${CLIENTS}-----\nJuliet resumes Romeo's session\n`, 10, /a session is resumed by its own account/);
    refused(`# T\n${CLIENTS}-----\nJuliet resumes Nurse's session\n`, 10, /unknown actor 'Nurse'/);
  });

  it("takes the longest declared name a line starts with: `Romeo's phone` is not Romeo", () => {
    expect(extended("Romeo's phone acks\n")[0]).to.deep.include({ actor: "Romeo's phone" });
  });

  it("reads `NAME waits out the resumption window` only after the account asked for one", () => {
    const a = extended("Romeo enables stream management with max 1\nRomeo is killed\nRomeo's phone waits out the resumption window\n");
    expect(a[2]).to.deep.equal({ kind: "waits-window", actor: "Romeo's phone", line: 18 });
    refused(`# T\n${CLIENTS}-----\nRomeo enables stream management\nRomeo waits out the resumption window\n`, 11, /a window nobody asked for/);
  });

  it("expects <r/>, <a/> and other Stream Management elements, and <stream:error/> with the stream prefix bound", () => {
    const a = extended("Romeo receives:\n\t<r xmlns='urn:xmpp:sm:3'/>\n\t<a xmlns='urn:xmpp:sm:3' h='2'/>\n\t<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>\n");
    const els = (a[0] as { elements: import("../src/xmpp/element.js").Element[] }).elements;
    expect(els.map((e) => [e.getName(), e.getNS()])).to.deep.equal([
      ["r", "urn:xmpp:sm:3"],
      ["a", "urn:xmpp:sm:3"],
      ["error", "http://etherx.jabber.org/streams"],
    ]);
  });

  it("reads `NAME receives in any order:` with a block of stanzas", () => {
    const [a] = extended("Romeo receives in any order:\n\t<iq type='result'/>\n\t<iq type='set'/>\n");
    expect(a).to.deep.include({ kind: "receives-any-order", actor: "Romeo", line: 16 });
    expect(xmlOf(a)).to.deep.equal(['<iq type="result"/>', '<iq type="set"/>']);
    refused(`# T\n${CLIENTS}-----\nRomeo receives in any order:\n\t<r xmlns='urn:xmpp:sm:3'/>\n`, 11, /takes stanzas only/);
    refused(`# T\n${CLIENTS}-----\nRomeo receives: in any order\n\t<iq/>\n`, 10, /unexpected 'in any order'/);
  });

  it("reads `needs:` on a client: features its account must advertise, or the script is skipped", () => {
    const s = parse("[Client] A\n\tjid: a@localhost\n\tpassword: pw\n\tneeds: urn:xmpp:pam:0, urn:example:x\n");
    expect(s.actors[0]).to.deep.include({ needs: ["urn:xmpp:pam:0", "urn:example:x"] });
    expect(parse(CLIENTS).actors[0]).to.deep.include({ needs: [] });
  });
});
