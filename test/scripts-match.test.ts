// How a script's XML is matched against what arrives and turned into what is sent:
// scansion's strictness rules, its special values, variables, and JIDs moved to the target.
import { expect } from "chai";
import { JidMap } from "../src/scripts/jid-map.js";
import { parseScript } from "../src/scripts/parse.js";
import { toPattern, toSend, type Bindings } from "../src/scripts/template.js";
import { parseXml, type Element } from "../src/xmpp/element.js";
import { match } from "../src/xmpp/match.js";

const HEAD = "[Client] Romeo\n\tjid: romeo@localhost\n\tpassword: pw\n[Client] Juliet's phone\n\tjid: juliet@localhost\n\tpassword: pw\n-----\n";

/** The elements of a one-action script `Romeo receives:` (or sends:) with `xml` as its block. */
function block(xml: string, verb = "receives"): Element[] {
  const [a] = parseScript(`${HEAD}Romeo ${verb}:\n${xml.split("\n").map((l) => `\t${l}`).join("\n")}\n`, "t.scs").actions;
  return (a as { elements: Element[] }).elements;
}

function bindings(jids = new JidMap("localhost", "localhost", new Map())): Bindings {
  const full: Record<string, string> = { Romeo: "romeo@localhost/r1", "Juliet's phone": "juliet@localhost/phone" };
  return {
    variable: (v) => (v.property === "JID" ? jids.bare(`${v.actor === "Romeo" ? "romeo" : "juliet"}@localhost`) : full[v.actor]!),
    jid: (value) => jids.rewrite(value),
    captures: new Map(),
  };
}

function matches(template: string, received: string, b = bindings()): boolean {
  return match(parseXml(received), toPattern(block(template)[0]!, b)).ok;
}

describe("script matching: strictness", () => {
  it("matches jabber:client elements loosely: extra attributes and children, any order", () => {
    expect(matches("<message type='chat'><body>hi</body></message>", "<message xmlns='jabber:client' type='chat' id='x' to='a@b'><thread>t</thread><body>hi</body></message>")).to.equal(true);
    expect(matches("<message type='chat'><body>hi</body></message>", "<message xmlns='jabber:client' type='normal'><body>hi</body></message>")).to.equal(false);
    expect(matches("<message><body>hi</body></message>", "<message xmlns='jabber:client'><body>ho</body></message>"), "text given is compared").to.equal(false);
  });

  it("matches namespaced elements exactly: attributes, children, their order and text", () => {
    const t = "<iq type='result'><query xmlns='jabber:iq:version'><name>x</name><version>1</version></query></iq>";
    expect(matches(t, "<iq xmlns='jabber:client' type='result'><query xmlns='jabber:iq:version'><name>x</name><version>1</version></query></iq>")).to.equal(true);
    expect(matches(t, "<iq xmlns='jabber:client' type='result'><query xmlns='jabber:iq:version'><version>1</version><name>x</name></query></iq>"), "order").to.equal(false);
    expect(matches(t, "<iq xmlns='jabber:client' type='result'><query xmlns='jabber:iq:version'><name>x</name><version>1</version><os>y</os></query></iq>"), "extra child").to.equal(false);
    expect(matches(t, "<iq xmlns='jabber:client' type='result'><query xmlns='jabber:iq:version' ver='2'><name>x</name><version>1</version></query></iq>"), "extra attribute").to.equal(false);
  });

  it("counts an inherited namespace as the element's own: <field> in jabber:x:data is strict", () => {
    const t = "<message><x xmlns='jabber:x:data' type='form'><field var='a'/></x></message>";
    expect(matches(t, "<message xmlns='jabber:client'><x xmlns='jabber:x:data' type='form'><field var='a' type='text-single'/></x></message>")).to.equal(false);
  });

  it("lets scansion:strict turn strictness off and on, per element", () => {
    expect(matches("<iq><query xmlns='jabber:iq:roster' scansion:strict='false'/></iq>", "<iq xmlns='jabber:client'><query xmlns='jabber:iq:roster' ver='3'><item jid='a@b'/></query></iq>")).to.equal(true);
    expect(matches("<message scansion:strict='true'><body>hi</body></message>", "<message xmlns='jabber:client'><body>hi</body></message>")).to.equal(true);
    expect(matches("<message scansion:strict='true'><body>hi</body></message>", "<message xmlns='jabber:client' id='1'><body>hi</body></message>")).to.equal(false);
    // A loose parent does not loosen its namespaced children.
    expect(matches("<iq><query xmlns='jabber:iq:roster' scansion:strict='false'><item jid='a@b'/></query></iq>", "<iq xmlns='jabber:client'><query xmlns='jabber:iq:roster'><item jid='a@b' subscription='none'/></query></iq>")).to.equal(false);
  });

  it("requires the element's name and namespace", () => {
    expect(matches("<iq><query xmlns='jabber:iq:roster' scansion:strict='false'/></iq>", "<iq xmlns='jabber:client'><query xmlns='jabber:iq:private'/></iq>")).to.equal(false);
  });
});

describe("script matching: special values", () => {
  it("{scansion:any} wants the attribute present, with any value", () => {
    expect(matches("<iq id='{scansion:any}'/>", "<iq xmlns='jabber:client' id='abc'/>")).to.equal(true);
    expect(matches("<iq id='{scansion:any}'/>", "<iq xmlns='jabber:client'/>")).to.equal(false);
  });

  it("{scansion:capture:NAME} records the first value and wants it again later in the script", () => {
    const b = bindings();
    const [first] = block("<iq id='{scansion:capture:q}'/>");
    const r = match(parseXml("<iq xmlns='jabber:client' id='q-1'/>"), toPattern(first!, b));
    expect(r).to.deep.include({ ok: true, captures: { q: "q-1" } });
    if (r.ok) for (const [k, v] of Object.entries(r.captures)) b.captures.set(k, v);
    expect(match(parseXml("<iq xmlns='jabber:client' id='q-1'/>"), toPattern(first!, b)).ok).to.equal(true);
    expect(match(parseXml("<iq xmlns='jabber:client' id='q-2'/>"), toPattern(first!, b)).ok).to.equal(false);
  });
});

describe("script sending", () => {
  it("fills in variables, drops scansion attributes and keeps namespaces", () => {
    const [el] = block(`<message to="\${Juliet's phone's full JID}" scansion:strict='true'><body>from \${Romeo's JID}</body><x xmlns='urn:x'/></message>`, "sends");
    expect(String(toSend(el!, bindings()))).to.equal(`<message to="juliet@localhost/phone"><body>from romeo@localhost</body><x xmlns="urn:x"/></message>`);
  });

  it("sends {scansion:any} as written and a captured value in place of its capture", () => {
    const b = bindings();
    b.captures.set("push", "p-7");
    const [el] = block("<iq type='result' id='{scansion:capture:push}'><x xmlns='urn:x' v='{scansion:any}'/></iq>", "sends");
    expect(String(toSend(el!, b))).to.equal(`<iq type="result" id="p-7"><x xmlns="urn:x" v="{scansion:any}"/></iq>`);
    expect(() => toSend(block("<iq id='{scansion:capture:none}'/>", "sends")[0]!, bindings())).to.throw(/captured nothing yet/);
  });
});

describe("script JIDs on the target", () => {
  const jids = new JidMap("localhost", "example.org", new Map([["juliet@localhost", "alice@example.org"]]));

  it("moves the actors' accounts, the domain and its subdomains, keeping resources", () => {
    expect(jids.rewrite("juliet@localhost")).to.equal("alice@example.org");
    expect(jids.rewrite("juliet@localhost/balcony")).to.equal("alice@example.org/balcony");
    expect(jids.rewrite("nurse@localhost")).to.equal("nurse@example.org");
    expect(jids.rewrite("localhost")).to.equal("example.org");
    expect(jids.rewrite("pubsub.localhost")).to.equal("pubsub.example.org");
  });

  it("leaves everything else alone", () => {
    for (const v of ["romeo@elsewhere.net", "Hello Juliet!", "1.0", "notlocalhost", "chat"]) expect(jids.rewrite(v)).to.equal(v);
  });

  it("applies to literal JIDs in what is sent and expected, not to filled-in variables", () => {
    const b = bindings(jids);
    const [el] = block(`<message to='juliet@localhost' from="\${Juliet's phone's full JID}"/>`, "sends");
    expect(String(toSend(el!, b))).to.equal(`<message to="alice@example.org" from="juliet@localhost/phone"/>`);
    expect(matches("<presence from='pubsub.localhost'/>", "<presence xmlns='jabber:client' from='pubsub.example.org'/>", b)).to.equal(true);
  });
});
