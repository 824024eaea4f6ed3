// What must still work after a batch of hostile input: a normal login, and a Stream
// Management session dropped on one connection and resumed on another.
import { TestClient } from "../harness/client.js";
import type { Account, TargetProfile } from "../harness/target.js";
import { sm } from "../xmpp/builders.js";
import { NS } from "../xmpp/ns.js";

export async function loginAndResume(target: TargetProfile, account: Account): Promise<void> {
  const first = await TestClient.connect(target, account, { label: "health" });
  try {
    await first.send(sm.enable(NS.sm3, { resume: "true" }));
    const enabled = await first.expect({ name: "enabled", xmlns: NS.sm3 });
    const id = enabled.attrs.id;
    if (!id) throw new Error(`health check: <enabled/> without an id: ${enabled.toString()}`);
    first.kill();
    const second = await TestClient.connect(target, account, { until: "authenticated", label: "health-resume" });
    try {
      await second.send(sm.resume(id, 0));
      await second.expect({ name: "resumed", xmlns: NS.sm3 });
      await second.close();
    } finally {
      second.kill();
    }
  } finally {
    first.kill();
  }
}
