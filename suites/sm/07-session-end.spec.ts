// XEP-0198 when a session ends without a resume, and the session state a resume keeps
// (behaviours MongooseIM's sm_SUITE checks that the other SM tests did not).
import { conformance } from "../../src/runner/dsl.js";
import { endOtherSessions } from "../common/accounts.js";
import { SUITE, deliver, enable, needsSm3, requireAccountedFor } from "./sm-helpers.js";

const needs = [needsSm3, { accounts: 2 }];

describe(SUITE, () => {
  conformance({ id: "sm.close.unacked-no-loss", rules: ["SM-25", "SM-26"], title: "messages unacknowledged at a clean close, resumable or not, are bounced or stored, not lost", needs }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    await endOtherSessions(t, alice!);
    const b = await t.connect(bob!);
    for (const resume of [true, false]) {
      const a = await t.connect(alice!);
      await enable(a, { resume });
      const sent = await deliver(b, a, 2, resume ? "closed-resumable" : "closed-plain");
      await a.close();
      await requireAccountedFor(t, b, alice!, sent);
    }
  });
});
