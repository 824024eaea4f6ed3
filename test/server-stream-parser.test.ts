import { expect } from "chai";
import { StreamParser, type StreamHeader, type StreamLimits } from "../src/server/stream-parser.js";
import type { Element } from "../src/xmpp/element.js";

const HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";

interface Seen {
  headers: StreamHeader[];
  elements: Element[];
  errors: string[];
  ended: boolean;
}

function parser(max?: number, limits: Partial<StreamLimits> = {}): { p: StreamParser; seen: Seen } {
  const seen: Seen = { headers: [], elements: [], errors: [], ended: false };
  const p = new StreamParser(
    {
      header: (h) => seen.headers.push(h),
      element: (el) => seen.elements.push(el),
      end: () => (seen.ended = true),
      error: (condition) => seen.errors.push(condition),
    },
    max === undefined ? limits : { ...limits, maxStanzaBytes: max },
  );
  return { p, seen };
}

function parse(text: string, max?: number, limits: Partial<StreamLimits> = {}): Seen {
  const { p, seen } = parser(max, limits);
  p.write(Buffer.from(text));
  return seen;
}

describe("server stream parser", () => {
  it("emits the header with resolved namespaces and attributes", () => {
    const seen = parse(HEADER);
    expect(seen.headers).to.have.length(1);
    expect(seen.headers[0]).to.deep.include({ name: "stream", ns: "http://etherx.jabber.org/streams", defaultNs: "jabber:client" });
    expect(seen.headers[0]!.attrs.to).to.equal("localhost");
  });

  it("gives top-level elements an explicit xmlns and children only where it differs", () => {
    const seen = parse(`${HEADER}<message to='a@b'><body>hi</body><x:y xmlns:x='urn:x'><z/></x:y></message>`);
    const el = seen.elements[0]!;
    expect(el.attrs.xmlns).to.equal("jabber:client");
    expect(el.getChild("body")!.attrs.xmlns).to.equal(undefined);
    const y = el.getChild("y")!;
    expect(y.attrs.xmlns).to.equal("urn:x");
    expect(y.getNS()).to.equal("urn:x");
    // <z/> has no prefix, so it is in the default namespace, not in y's.
    expect(y.getChild("z")!.getNS()).to.equal("jabber:client");
    expect(el.toString()).to.equal(`<message xmlns="jabber:client" to="a@b"><body>hi</body><y xmlns="urn:x"><z xmlns="jabber:client"/></y></message>`);
  });

  it("keeps the namespace of a prefixed attribute whose prefix an ancestor declared", () => {
    const seen = parse(`${HEADER}<message xmlns:x='urn:x'><y x:attr='1'/></message>`);
    expect(seen.elements[0]!.toString()).to.equal(`<message xmlns="jabber:client"><y x:attr="1" xmlns:x="urn:x"/></message>`);
  });

  it("reports the end of the stream", () => {
    expect(parse(`${HEADER}<r xmlns='urn:xmpp:sm:3'/> </stream:stream>`).ended).to.equal(true);
  });

  it("maps well-formedness errors to not-well-formed", () => {
    expect(parse(`${HEADER}<message><body></message>`).errors).to.deep.equal(["not-well-formed"]);
    expect(parse(`${HEADER}<a b='1' b='2'/>`).errors).to.deep.equal(["not-well-formed"]);
    expect(parse(`${HEADER}<message>&nosuch;</message>`).errors).to.deep.equal(["not-well-formed"]);
    expect(parse(`${HEADER}<x:y/>`).errors).to.deep.equal(["not-well-formed"]);
    expect(parse(`${HEADER}junk<r/>`).errors).to.deep.equal(["not-well-formed"]);
  });

  it("rejects invalid UTF-8 as not-well-formed", () => {
    const { p, seen } = parser();
    p.write(Buffer.from(HEADER));
    p.write(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e]));
    expect(seen.errors).to.deep.equal(["not-well-formed"]);
  });

  it("maps comments, processing instructions and DTDs to restricted-xml", () => {
    expect(parse(`${HEADER}<!-- hello -->`).errors).to.deep.equal(["restricted-xml"]);
    expect(parse(`${HEADER}<message><!-- x --></message>`).errors).to.deep.equal(["restricted-xml"]);
    expect(parse(`${HEADER}<?php echo 1; ?>`).errors).to.deep.equal(["restricted-xml"]);
    expect(parse(`<?xml version='1.0'?><!DOCTYPE stream [<!ENTITY x 'y'>]>`).errors).to.deep.equal(["restricted-xml"]);
  });

  it("emits nothing after an error", () => {
    const seen = parse(`${HEADER}<!-- x --><r xmlns='urn:xmpp:sm:3'/>`);
    expect(seen.elements).to.have.length(0);
    expect(seen.errors).to.have.length(1);
  });

  it("enforces the stanza size limit with policy-violation", () => {
    const small = parse(`${HEADER}<message><body>${"a".repeat(900)}</body></message>`, 1000);
    expect(small.errors).to.deep.equal([]);
    expect(small.elements).to.have.length(1);
    const big = parse(`${HEADER}<message><body>${"a".repeat(1000)}</body></message>`, 1000);
    expect(big.errors).to.deep.equal(["policy-violation"]);
    // Multi-byte characters count as bytes, not characters.
    expect(parse(`${HEADER}<message><body>${"é".repeat(600)}</body></message>`, 1000).errors).to.deep.equal(["policy-violation"]);
  });

  it("bounds the stream header by the size limit too", () => {
    const { p, seen } = parser(10_000);
    p.write("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'");
    for (let i = 0; i < 100 && seen.errors.length === 0; i++) p.write(` a${i}='${"x".repeat(1000)}'`);
    expect(seen.errors).to.deep.equal(["policy-violation"]);
    expect(seen.headers).to.have.length(0);
  });

  it("stops a huge element while it is still arriving", () => {
    const { p, seen } = parser(10_000);
    p.write(`${HEADER}<message><body>`);
    for (let i = 0; i < 100 && seen.errors.length === 0; i++) p.write("b".repeat(1000));
    expect(seen.errors).to.deep.equal(["policy-violation"]);
  });

  it("allows nesting down to the depth limit and refuses one level more with policy-violation", () => {
    const nested = (levels: number) => `${HEADER}${"<a>".repeat(levels)}${"</a>".repeat(levels)}`;
    const atLimit = parse(nested(5), undefined, { maxDepth: 5 });
    expect(atLimit.errors).to.deep.equal([]);
    expect(atLimit.elements).to.have.length(1);
    const deeper = parse(nested(6), undefined, { maxDepth: 5 });
    expect(deeper.errors).to.deep.equal(["policy-violation"]);
    expect(deeper.elements).to.have.length(0);
  });

  it("refuses 200,000 nested elements at a cost linear in the bytes read", () => {
    // saxes resolves each tag's namespace by walking the open tags: unbounded, the cost is quadratic.
    for (const levels of [40_000, 200_000]) {
      const { p, seen } = parser(10_000_000);
      p.write(HEADER);
      const started = process.hrtime.bigint();
      p.write(Buffer.from("<a>".repeat(levels)));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(seen.errors).to.deep.equal(["policy-violation"]);
      expect(ms, `${levels} levels`).to.be.below(50);
    }
  });

  it("does not count stream-level whitespace or earlier stanzas toward the limit", () => {
    const stanza = `<message><body>${"a".repeat(400)}</body></message>`;
    const seen = parse(`${HEADER}${(stanza + "   ").repeat(10)}`, 500);
    expect(seen.errors).to.deep.equal([]);
    expect(seen.elements).to.have.length(10);
  });

  it("parses identically when split at every byte boundary", () => {
    const sample = `${HEADER}<message to='jüliet@example.com/balcony' type='chat' id='m&amp;1'><body>Wherefore art thou, 🌹?</body><thread>t1</thread><x:delay xmlns:x='urn:xmpp:delay' stamp='2020-01-01T00:00:00Z'/></message><r xmlns='urn:xmpp:sm:3'/>`;
    const bytes = Buffer.from(sample);
    const expected = parse(sample).elements.map(String);
    expect(expected).to.have.length(2);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { p, seen } = parser();
      p.write(bytes.subarray(0, cut));
      p.write(bytes.subarray(cut));
      expect(seen.errors, `cut at ${cut}`).to.deep.equal([]);
      expect(seen.elements.map(String), `cut at ${cut}`).to.deep.equal(expected);
    }
  });

  it("hands the input after an element to the next stream on restart", () => {
    let rest = "";
    const seen: string[] = [];
    const restarting = new StreamParser({
      header: () => undefined,
      element: (el) => {
        seen.push(el.name);
        if (el.name === "auth") rest = restarting.takeRest();
      },
      end: () => undefined,
      error: (c) => seen.push(c),
    });
    restarting.write(`${HEADER}<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>${HEADER}<iq/>`);
    expect(seen).to.deep.equal(["auth"]);
    expect(rest).to.equal(`${HEADER}<iq/>`);
  });
});
