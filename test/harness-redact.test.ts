import { expect } from "chai";
import { XmlRedactor, redactXml } from "../src/harness/redact.js";

const PLAIN = Buffer.from("\0alice\0s3cret-pw").toString("base64");

/** Feeds `xml` to one redactor in the given pieces and joins what it emits. */
function inPieces(xml: string, cuts: number[]): string {
  const r = new XmlRedactor();
  let out = "";
  let from = 0;
  for (const cut of [...cuts, xml.length]) {
    out += r.push(xml.slice(from, cut));
    from = cut;
  }
  return out + r.end();
}

describe("transcript redaction", () => {
  it("replaces SASL payloads in both directions, keeping the element and its mechanism", () => {
    expect(redactXml(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${PLAIN}</auth>`)).to.equal(
      `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>[redacted ${PLAIN.length} bytes]</auth>`,
    );
    for (const name of ["challenge", "response", "success"]) {
      expect(redactXml(`<${name} xmlns="urn:ietf:params:xml:ns:xmpp-sasl">cj1meWtv</${name}>`)).to.equal(
        `<${name} xmlns="urn:ietf:params:xml:ns:xmpp-sasl">[redacted 8 bytes]</${name}>`,
      );
    }
    expect(redactXml(`<sasl:auth xmlns:sasl='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${PLAIN}</sasl:auth>`)).not.to.contain(PLAIN);
  });

  it("leaves everything else as it was on the wire", () => {
    const stream =
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' to='x'>" +
      "<message to='a@x' id='m1'><body>hello &amp; <!-- c --> bye</body></message><success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" +
      "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text>Wrong</text></failure><r xmlns='urn:xmpp:sm:3'/>";
    expect(redactXml(stream)).to.equal(stream);
  });

  it("redacts XEP-0077 passwords and data-form password fields, and nothing else of the form", () => {
    expect(redactXml("<iq type='set'><query xmlns='jabber:iq:register'><username>u</username><password>pw1</password></query></iq>")).to.equal(
      "<iq type='set'><query xmlns='jabber:iq:register'><username>u</username><password>[redacted 3 bytes]</password></query></iq>",
    );
    const form =
      '<x xmlns="jabber:x:data" type="submit"><field var="accountjid"><value>u@x</value></field>' +
      '<field var="password"><value>pw2</value></field><field var="password-verify"><value>pw2</value></field>' +
      '<field var="pin" type="text-private"><value>1234</value></field></x>';
    expect(redactXml(form)).to.equal(
      '<x xmlns="jabber:x:data" type="submit"><field var="accountjid"><value>u@x</value></field>' +
        '<field var="password"><value>[redacted 3 bytes]</value></field><field var="password-verify"><value>[redacted 3 bytes]</value></field>' +
        '<field var="pin" type="text-private"><value>[redacted 4 bytes]</value></field></x>',
    );
  });

  it("redacts a payload however the chunks cut it, and emits all the markup", () => {
    const xml = `<stream:stream xmlns='jabber:client'><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism="PLAIN">${PLAIN}</auth><a x='>'>ok</a>`;
    for (let i = 0; i <= xml.length; i++) {
      for (const j of [i, i + 1, i + 7]) {
        const out = inPieces(xml, [i, Math.min(j, xml.length)]);
        expect(out, `cut at ${i}, ${j}`).not.to.contain(PLAIN.slice(0, 6));
        for (let k = 0; k + 4 <= PLAIN.length; k++) expect(out, `cut at ${i}, ${j}`).not.to.contain(PLAIN.slice(k, k + 4));
        expect(out.replace(/\[redacted \d+ bytes\]/g, "")).to.equal(xml.replace(PLAIN, ""));
        expect(out).to.match(/>ok<\/a>$/);
      }
    }
  });

  it("counts bytes, not characters, and redacts CDATA inside a secret element", () => {
    expect(redactXml("<password>pässwörd</password>")).to.equal("<password>[redacted 10 bytes]</password>");
    expect(redactXml("<password><![CDATA[a<b]]></password>")).to.equal("<password><![CDATA[[redacted 3 bytes]]]></password>");
    expect(redactXml("<body><![CDATA[a<b]]></body>")).to.equal("<body><![CDATA[a<b]]></body>");
    // The last two characters of an unfinished CDATA section wait: they might begin its "]]>".
    expect(inPieces("<password><![CDATA[secret]]></password>", [20, 25, 27])).to.equal("<password><![CDATA[[redacted 4 bytes][redacted 2 bytes]]]></password>");
  });

  it("keeps its footing after a stream restart and a stray end tag", () => {
    const r = new XmlRedactor();
    r.push("<stream:stream xmlns='jabber:client'><auth mechanism='PLAIN'>AAAA</auth>");
    r.push("<stream:stream xmlns='jabber:client'></nothing>");
    expect(r.push("<iq><bind/></iq><response>BBBB</response><x>ok</x>")).to.equal("<iq><bind/></iq><response>[redacted 4 bytes]</response><x>ok</x>");
  });
});
