// What the target offers, learned once per run from one logged-in connection.
import { TestClient } from "../harness/client.js";
import type { AccountSource } from "../harness/accounts.js";
import type { TargetProfile } from "../harness/target.js";
import { discoInfo } from "../xmpp/builders.js";
import { childElements, type Element } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";
import type { Capabilities, FeatureSeen } from "./capabilities.js";

export async function discoverCapabilities(target: TargetProfile, accounts: AccountSource): Promise<Capabilities> {
  const [account] = await accounts.take(1);
  const client = await TestClient.connect(target, account, { until: "bound", label: "discovery" });
  try {
    const reply = await client.iq(discoInfo(target.domain));
    const domainFeatures =
      reply.attrs.type === "result"
        ? (reply.getChild("query", NS.discoInfo)?.getChildren("feature") ?? [])
            .map((f) => f.attrs.var)
            .filter((v): v is string => v !== undefined)
        : [];
    return {
      preAuthFeatures: featuresOf(client.featuresPreAuth),
      postAuthFeatures: featuresOf(client.featuresPostAuth),
      domainFeatures,
    };
  } finally {
    await client.close();
  }
}

function featuresOf(features: Element | undefined): FeatureSeen[] {
  if (!features) return [];
  return childElements(features).map((el) => ({ name: el.name, xmlns: el.getNS(), xml: el.toString() }));
}
