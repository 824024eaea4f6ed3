import { expect } from "chai";
import { dialbackKey } from "../src/xmpp/dialback.js";

describe("XEP-0185 dialback key", () => {
  // The two examples of XEP-0220 (keys recomputed from the stated secrets, domains and ids).
  it("gives the key of the first example (Receiving montague, Originating capulet)", () => {
    expect(dialbackKey("s3cr3tf0rd14lb4ck", "montague.example", "capulet.example", "D60000229F")).to.equal(
      "b4835385f37fe2895af6c196b59097b16862406db80559900d96bf6fa7d23df3",
    );
  });

  it("gives the key of the second example (Receiving capulet, Originating montague)", () => {
    expect(dialbackKey("d14lb4ck43v3r", "capulet.example", "montague.example", "417GAF25")).to.equal(
      "225cc5aa6a071133249d25fef42ae516fc7a86c523aa1c6980a7f73e784c972d",
    );
  });

  it("depends on the order of the domains and on the stream id", () => {
    const key = dialbackKey("s3cr3tf0rd14lb4ck", "montague.example", "capulet.example", "D60000229F");
    expect(dialbackKey("s3cr3tf0rd14lb4ck", "capulet.example", "montague.example", "D60000229F")).to.not.equal(key);
    expect(dialbackKey("s3cr3tf0rd14lb4ck", "montague.example", "capulet.example", "D60000229G")).to.not.equal(key);
  });
});
