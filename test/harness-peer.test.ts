// The harness's S2S peer against itself: two peers, each the other's target, federate as
// two servers would (streams both ways, dialback with XEP-0185 keys, verification by the
// Authoritative Server), so the peer's every role is exercised without a server.
import { expect } from "chai";
import { PeerListener, type TestPeer } from "../src/harness/peer.js";
import { Transcript } from "../src/harness/transcript.js";
import { discoInfo } from "../src/xmpp/builders.js";
import { capsVer } from "../src/xmpp/caps.js";
import { dialbackElement, dialbackKey, offersDialbackErrors } from "../src/xmpp/dialback.js";
import { xml } from "../src/xmpp/element.js";
import { NS } from "../src/xmpp/ns.js";
import { PEER_CAPS_NODE } from "../src/harness/peer-info.js";

const HOST = "127.0.0.1";

describe("harness S2S peer", function () {
  this.timeout(20_000);
  let a: PeerListener;
  let b: PeerListener;
  let pa: TestPeer;
  let pb: TestPeer;

  before(async () => {
    a = await PeerListener.start({ domain: "a.example", host: HOST, port: 0 });
    b = await PeerListener.start({ domain: "b.example", host: HOST, port: 0, target: { ...a.address, domain: a.domain } });
    a.target = { host: HOST, port: b.address.port, domain: b.domain };
  });
  after(async () => {
    await a.stop();
    await b.stop();
  });

  function begin(aOpts = {}, bOpts = {}): void {
    pa = a.begin(aOpts, new Transcript(), 3000);
    pb = b.begin(bOpts, new Transcript(), 3000);
  }
  afterEach(async () => {
    await Promise.all([pa.close(), pb.close()]);
    a.release(pa);
    b.release(pb);
  });

  it("federates: its ping, sent after dialback, is answered on a stream the other side opened and verified", async () => {
    begin();
    await pa.barrier();
    const own = await pa.open();
    expect(own.verified.has(a.domain)).to.equal(true);
    expect(offersDialbackErrors(own.features)).to.equal(true);
    expect(pa.inbound).to.have.length(1);
    expect(pa.inbound[0]!.keys.map((k) => [k.from, k.to])).to.deep.equal([[b.domain, a.domain]]);
    expect(pa.inbound[0]!.headers[0]!.attrs).to.include({ from: b.domain, to: a.domain, "xmlns:db": NS.dialback });
  });

  it("delivers stanzas both ways and says which stream each came on", async () => {
    begin();
    await pa.send(xml("message", { from: pa.jid("romeo", "r"), to: pb.jid("juliet"), id: "m1" }, xml("body", {}, "hi")));
    const got = await pb.expect({ name: "message", attrs: { id: "m1" } });
    expect(pb.streamOf(got)?.from).to.equal(a.domain);
    await pb.send(xml("message", { from: pb.jid("juliet"), to: pa.jid("romeo", "r"), id: "m2" }));
    await pa.expect({ name: "message", attrs: { id: "m2" } });
  });

  it("answers db:verify as Authoritative Server: its own key valid, another invalid", async () => {
    begin();
    const s = await pa.openStream();
    const id = "stream-1";
    await s.send(dialbackElement("verify", { from: a.domain, to: b.domain, id }, dialbackKey(b.secret, a.domain, b.domain, id)));
    expect((await s.expect({ name: "db:verify" })).attrs).to.include({ from: b.domain, to: a.domain, id, type: "valid" });
    await s.send(dialbackElement("verify", { from: a.domain, to: b.domain, id }, dialbackKey("not its secret", a.domain, b.domain, id)));
    expect((await s.expect({ name: "db:verify" })).attrs.type).to.equal("invalid");
    expect(await s.barrier()).to.not.equal(undefined);
  });

  it("holds its verdict on the other side's key when asked, keeping that pair pending", async () => {
    begin();
    pa.holdResults(true);
    let opened = false;
    const opening = pb.open().then(() => (opened = true));
    const { stream, key } = await pa.keyFrom(b.domain);
    expect(key.key).to.equal(dialbackKey(b.secret, a.domain, b.domain, stream.id!));
    expect(opened).to.equal(false);
    pa.holdResults(false);
    await opening;
  });

  it("refuses a stream to a domain it does not play with host-unknown", async () => {
    begin();
    const s = await pa.openStream({ to: "elsewhere.example" });
    expect(s.streamError?.getChild("host-unknown", NS.streams)).to.not.equal(undefined);
  });

  it("advertises urn:xmpp:rsf:0 when asked, in its caps and its disco#info", async () => {
    begin({}, { rsf: true });
    const s = await pa.open();
    const c = s.features!.getChild("c", NS.caps)!;
    expect(c.attrs.ver).to.equal(capsVer(pb.info));
    const reply = await pa.iq(withFrom(discoInfo(b.domain, `${PEER_CAPS_NODE}#${c.attrs.ver}`), a.domain));
    const features = reply.getChild("query", NS.discoInfo)!.getChildren("feature").map((f) => f.attrs.var);
    expect(features).to.include(NS.rsf);
  });

  it("offers Stream Management when asked: enables, counts, acknowledges, and holds acknowledgements", async () => {
    begin({ sm: true });
    const own = await pb.open();
    expect(own.features?.getChild("sm", NS.sm3)).to.not.equal(undefined);
    expect((await pb.enableSm()).name).to.equal("enabled");
    for (const id of ["s1", "s2"]) await pb.send(xml("message", { from: pb.jid("juliet"), to: pa.jid("romeo"), id }));
    await pa.expect({ name: "message", attrs: { id: "s2" } });
    expect(await pb.requestAck()).to.equal(2);
    expect(pa.inboundSm).to.deep.equal({ enabled: true, received: 2 });
    pa.holdAcks(true);
    await own.send(xml("r", { xmlns: NS.sm3 }));
    await own.barrier();
    expect(own.unread().filter((el) => el.name === "a")).to.deep.equal([]);
    pa.holdAcks(false);
    expect((await own.expect({ name: "a", xmlns: NS.sm3 })).attrs.h).to.equal("2");
  });

  it("drops the other side's streams without a closing tag, and closes every stream cleanly", async () => {
    begin();
    await pa.barrier();
    const own = await pb.open();
    await pa.dropIncoming();
    expect(await own.waitClosed(1000)).to.equal(true);
    await pb.barrier();
    await Promise.all([pa.close(), pb.close()]);
    expect(a.openInbound()).to.deep.equal([]);
    expect(b.openInbound()).to.deep.equal([]);
  });

  it("says why a target does not federate", async () => {
    const lone = await PeerListener.start({ domain: "lone.example", host: HOST, port: 0, target: { host: HOST, port: 1, domain: "nowhere.example" } });
    try {
      const probe = await lone.probe(1000);
      expect(probe.federates).to.equal(false);
      expect(probe.error).to.match(/cannot connect to the S2S port 127\.0\.0\.1:1: connection refused/);
    } finally {
      await lone.stop();
    }
  });
});

function withFrom<T extends { attrs: Record<string, string | undefined> }>(el: T, from: string): T {
  el.attrs.from = from;
  return el;
}
