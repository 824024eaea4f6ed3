// What the target advertised, discovered once per run and shown in the summary.
export interface FeatureSeen {
  name: string;
  xmlns: string | undefined;
  /** The element as sent, for the summary and for tests that inspect it. */
  xml: string;
}

export interface Capabilities {
  preAuthFeatures: FeatureSeen[];
  postAuthFeatures: FeatureSeen[];
  /** disco#info features of the server's domain. */
  domainFeatures: string[];
}
