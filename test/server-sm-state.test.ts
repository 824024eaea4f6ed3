import { expect } from "chai";
import { SmState } from "../src/server/modules/sm/state.js";
import { xml } from "../src/xmpp/element.js";
import { NS } from "../src/xmpp/ns.js";
import { H_MAX } from "../src/xmpp/sm-counter.js";

const state = () => new SmState({ ns: NS.sm3, id: "x", resumable: true, window: 300, enableChunk: 0 });
const msg = (n: number) => xml("message", { id: `m${n}` });

describe("server SM state counters", () => {
  it("wraps the inbound counter from 2^32-1 to 0", () => {
    const s = state();
    s.inbound = H_MAX;
    s.countInbound();
    expect(s.inbound).to.equal(0);
    s.countInbound();
    expect(s.inbound).to.equal(1);
  });

  it("numbers outbound stanzas across the wrap", () => {
    const s = state();
    s.sent = H_MAX - 1;
    s.lastAcked = H_MAX - 1;
    expect([1, 2, 3].map((n) => s.recordSent(msg(n)).seq)).to.deep.equal([H_MAX, 0, 1]);
  });

  it("acks across the wrap and detects an ack that is too high", () => {
    const s = state();
    s.sent = H_MAX - 1;
    s.lastAcked = H_MAX - 1;
    for (const n of [1, 2, 3]) s.recordSent(msg(n));
    expect(s.tooHigh(2)).to.equal(true);
    expect(s.tooHigh(1)).to.equal(false);
    expect(s.tooHigh(H_MAX - 1)).to.equal(false);
    expect(s.ack(0).map((e) => e.el.attrs.id)).to.deep.equal(["m1", "m2"]);
    expect(s.queue.map((e) => e.el.attrs.id)).to.deep.equal(["m3"]);
    expect(s.tooHigh(2)).to.equal(true);
    expect(s.ack(1).map((e) => e.el.attrs.id)).to.deep.equal(["m3"]);
    expect(s.queue).to.have.length(0);
  });

  it("treats a repeated or older h as acknowledging nothing new", () => {
    const s = state();
    for (const n of [1, 2]) s.recordSent(msg(n));
    s.ack(1);
    expect(s.ack(1)).to.deep.equal([]);
    expect(s.queue.map((e) => e.seq)).to.deep.equal([2]);
  });
});
