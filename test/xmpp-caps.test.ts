import { expect } from "chai";
import { capsString, capsVer, discoInfoQuery, readDiscoInfo, type DiscoInfoData } from "../src/xmpp/caps.js";
import { parseXml } from "../src/xmpp/element.js";

const FEATURES = ["http://jabber.org/protocol/caps", "http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items", "http://jabber.org/protocol/muc"];

// XEP-0115 §5.2, the simple generation example.
const simple: DiscoInfoData = { identities: [{ category: "client", type: "pc", name: "Exodus 0.9.1" }], features: FEATURES, forms: [] };

// XEP-0115 §5.3, the complex generation example (two identities, a software-info form).
const complex: DiscoInfoData = {
  identities: [
    { category: "client", type: "pc", lang: "en", name: "Psi 0.11" },
    { category: "client", type: "pc", lang: "el", name: "Ψ 0.11" },
  ],
  features: [...FEATURES].reverse(),
  forms: [
    {
      formType: "urn:xmpp:dataforms:softwareinfo",
      fields: [
        { var: "ip_version", values: ["ipv6", "ipv4"] },
        { var: "os", values: ["Mac"] },
        { var: "os_version", values: ["10.5.1"] },
        { var: "software", values: ["Psi"] },
        { var: "software_version", values: ["0.11"] },
      ],
    },
  ],
};

describe("entity capabilities (XEP-0115, CAPS-02)", () => {
  it("computes the simple example's S and ver", () => {
    expect(capsString(simple)).to.equal(
      "client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<",
    );
    expect(capsVer(simple)).to.equal("QgayPKawpkPSDYmwT/WM94uAlu0=");
  });

  it("computes the complex example's ver, sorting identities, features, fields and values by octets", () => {
    expect(capsString(complex)).to.equal(
      "client/pc/el/Ψ 0.11<client/pc/en/Psi 0.11<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<urn:xmpp:dataforms:softwareinfo<ip_version<ipv4<ipv6<os<Mac<os_version<10.5.1<software<Psi<software_version<0.11<",
    );
    expect(capsVer(complex)).to.equal("q07IKJEyjvHSyhy//CH0CxmKi8w=");
  });

  it("reads back the disco#info it writes, giving the same ver", () => {
    const read = readDiscoInfo(parseXml(discoInfoQuery(complex, "http://example/#x").toString()));
    expect("illFormed" in read).to.equal(false);
    expect(capsVer(read as DiscoInfoData)).to.equal("q07IKJEyjvHSyhy//CH0CxmKi8w=");
  });

  it("calls an answer with duplicates ill-formed and ignores forms without a hidden FORM_TYPE (CAPS-03)", () => {
    const ns = "xmlns='http://jabber.org/protocol/disco#info'";
    expect(readDiscoInfo(parseXml(`<query ${ns}><feature var='a'/><feature var='a'/></query>`))).to.deep.equal({ illFormed: "duplicate feature a" });
    expect(readDiscoInfo(parseXml(`<query ${ns}><identity category='client' type='pc'/><identity category='client' type='pc' name='x'/></query>`))).to.have.property("illFormed");
    const form = (t: string) => `<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>${t}</value></field></x>`;
    expect(readDiscoInfo(parseXml(`<query ${ns}>${form("f")}${form("f")}</query>`))).to.deep.equal({ illFormed: "duplicate FORM_TYPE f" });
    const unhidden = `<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE'><value>f</value></field></x>`;
    expect(readDiscoInfo(parseXml(`<query ${ns}><feature var='a'/>${unhidden}</query>`))).to.deep.equal({ identities: [], features: ["a"], forms: [] });
  });
});
