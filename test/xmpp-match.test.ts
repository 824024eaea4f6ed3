import { expect } from "chai";
import { ABSENT, ANY, capture, describe as describeMatcher, match, patternFromXml, predicate } from "../src/xmpp/match.js";
import { parseXml } from "../src/xmpp/element.js";

describe("matcher", () => {
  const a = parseXml("<a xmlns='urn:xmpp:sm:3' h='3' extra='x'><child xmlns='urn:x' v='1'/>text</a>");

  it("requires named attributes and ignores extras unless strict", () => {
    expect(match(a, { name: "a", xmlns: "urn:xmpp:sm:3", attrs: { h: "3" } }).ok).to.equal(true);
    expect(match(a, { name: "a", attrs: { h: "4" } })).to.deep.include({ ok: false });
    expect(match(a, { name: "a", attrs: { h: "3" }, strict: true }).ok).to.equal(false);
  });

  it("checks namespaces, presence and absence", () => {
    expect(match(a, { name: "a", xmlns: "urn:xmpp:sm:2" }).ok).to.equal(false);
    expect(match(a, { name: "a", attrs: { h: ANY, missing: ABSENT } }).ok).to.equal(true);
    expect(match(a, { name: "a", attrs: { extra: ABSENT } }).ok).to.equal(false);
  });

  it("matches children in any order and captures values", () => {
    const r = match(a, { name: "a", attrs: { h: capture("h", /^\d+$/) }, children: [{ name: "child", xmlns: "urn:x", attrs: { v: capture("v") } }] });
    expect(r).to.deep.equal({ ok: true, captures: { h: "3", v: "1" } });
    expect(match(a, { name: "a", children: [{ name: "child", xmlns: "urn:y" }] }).ok).to.equal(false);
  });

  it("reads XML templates with {*} and {$name}", () => {
    const p = patternFromXml("<a xmlns='urn:xmpp:sm:3' h='{$h}'><child xmlns='urn:x' v='{*}'/></a>");
    expect(match(a, p)).to.deep.equal({ ok: true, captures: { h: "3" } });
    expect(match(a, "<a xmlns='urn:xmpp:sm:3' h='9'/>").ok).to.equal(false);
  });

  it("says why an element does not match", () => {
    const r = match(a, { name: "a", attrs: { h: "4" } });
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.reason).to.contain("expected '4', got '3'");
    expect(describeMatcher({ name: "a", xmlns: "urn:xmpp:sm:3", attrs: { h: "4" } })).to.equal("<a xmlns='urn:xmpp:sm:3' h='4'/>");
  });

  it("in strict mode wants the same attributes, the same text and the same children in order", () => {
    const q = parseXml("<query xmlns='jabber:iq:version'><name>x</name><version>1.0</version></query>");
    const exact = { name: "query", xmlns: "jabber:iq:version", strict: true, children: [{ name: "name", text: "x", strict: true }, { name: "version", text: "1.0", strict: true }] };
    expect(match(q, exact).ok).to.equal(true);
    const swapped = { ...exact, children: [exact.children[1]!, exact.children[0]!] };
    expect(match(q, swapped).ok, "order").to.equal(false);
    expect(match(q, { ...exact, children: [exact.children[0]!] }).ok, "an extra child").to.equal(false);
    expect(match(q, { ...exact, children: [exact.children[0]!, { name: "version", strict: true }] }).ok, "text left out").to.equal(false);
    expect(match(q, { ...exact, children: [exact.children[0]!, { name: "version" }] }).ok, "a non-strict child ignores its text").to.equal(true);
    expect(match(parseXml("<x xmlns='urn:x' xmlns:p='urn:p'/>"), { name: "x", xmlns: "urn:x", strict: true }).ok, "namespace declarations").to.equal(true);
  });

  it("compares text trimmed", () => {
    expect(match(parseXml("<body>\n  hi\n</body>"), { name: "body", text: "hi" }).ok).to.equal(true);
  });

  it("wants a name captured twice to capture the same value", () => {
    const two = parseXml("<a x='1'><b y='1'/><b y='2'/></a>");
    expect(match(two, { name: "a", attrs: { x: capture("v") }, children: [{ name: "b", attrs: { y: capture("v") } }] }).ok).to.equal(true);
    expect(match(parseXml("<a x='1'><b y='2'/></a>"), { name: "a", attrs: { x: capture("v") }, children: [{ name: "b", attrs: { y: capture("v") } }] }).ok).to.equal(false);
  });

  it("matches prefixed stream elements by local name and namespace", () => {
    const root = parseXml("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>");
    const err = root.getChildElements()[0]!;
    expect(match(err, { name: "error", xmlns: "http://etherx.jabber.org/streams", children: [{ name: "conflict", xmlns: "urn:ietf:params:xml:ns:xmpp-streams" }] }).ok).to.equal(true);
  });
});

describe("described predicates", () => {
  it("say in words what they accept, for verdicts", () => {
    const p = predicate("an <a/> with h", (el) => el.name === "a" && el.attrs.h !== undefined);
    expect(describeMatcher(p)).to.equal("an <a/> with h");
    expect(match(parseXml("<a h='1'/>"), p).ok).to.equal(true);
    expect(match(parseXml("<a/>"), p).ok).to.equal(false);
  });
});
