// What the target advertised, discovered once per run and shown in the summary.
export interface FeatureSeen {
  name: string;
  xmlns: string | undefined;
  /** The element as sent, for the summary and for tests that inspect it. */
  xml: string;
}

/** One entity's disco#info: identities as category/type, and feature vars. */
export interface DiscoInfo {
  jid: string;
  identities: string[];
  features: string[];
}

export interface Capabilities {
  preAuthFeatures: FeatureSeen[];
  postAuthFeatures: FeatureSeen[];
  /** disco#info of the server's domain. */
  domain: DiscoInfo;
  /** The test account's own bare JID, where PEP is advertised. */
  account: DiscoInfo;
  /** Every service the domain lists in disco#items. */
  services: DiscoInfo[];
  /** Whether the harness could attach as the configured XEP-0114 component, and why not. */
  component?: { jid: string; connected: boolean; error?: string };
  /** Whether the harness's S2S peer federates with the target (its stream passes dialback and the target's answer comes back), and why not. */
  peer?: { domain: string; federates: boolean; error?: string };
}

/** The first service with a pubsub/service identity: where pubsub tests publish. */
export function pubsubService(caps: Capabilities): DiscoInfo | undefined {
  return caps.services.find((s) => s.identities.includes("pubsub/service"));
}
