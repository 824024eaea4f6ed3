import { expect } from "chai";
import { H_MAX, ackTooHigh, hDistance, incH, parseH } from "../src/xmpp/sm-counter.js";

describe("XEP-0198 counter arithmetic (SM-13)", () => {
  it("wraps from 2^32-1 to 0", () => {
    expect(incH(H_MAX)).to.equal(0);
    expect(incH(H_MAX, 3)).to.equal(2);
  });

  it("measures distance modulo 2^32", () => {
    expect(hDistance(5, 9)).to.equal(4);
    expect(hDistance(H_MAX - 1, 2)).to.equal(4);
    expect(hDistance(9, 5)).to.equal(2 ** 32 - 4);
  });

  it("detects an ack above what was sent, across the wrap", () => {
    expect(ackTooHigh(H_MAX - 1, 1, 2)).to.equal(false);
    expect(ackTooHigh(H_MAX - 1, 3, 2)).to.equal(true);
    expect(ackTooHigh(10, 10, 10)).to.equal(false);
    expect(ackTooHigh(10, 11, 10)).to.equal(true);
  });

  it("parses h only as an unsignedInt", () => {
    expect(parseH("0")).to.equal(0);
    expect(parseH("4294967295")).to.equal(H_MAX);
    for (const bad of ["4294967296", "-1", "1.5", "", " 1", "0x10", undefined]) expect(parseH(bad)).to.equal(undefined);
  });
});
