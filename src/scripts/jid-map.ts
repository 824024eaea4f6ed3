// Moves a script's JIDs onto the target: its actors' accounts onto the accounts the run
// provides, and its domain (and subdomains: pubsub.localhost) onto the target's. A
// script written for juliet@localhost then runs as alice@example.org, and a literal
// `to='juliet@localhost'` in its XML follows.

const JID = /^(?:([^@/\s]+)@)?([^@/\s]+)(\/.*)?$/;

export class JidMap {
  constructor(
    private readonly scriptDomain: string,
    private readonly targetDomain: string,
    /** Script bare JID to the bare JID it runs as. */
    private readonly accounts: ReadonlyMap<string, string>,
  ) {}

  /** The bare JID a script's bare JID runs as. */
  bare(scriptBare: string): string {
    return this.accounts.get(scriptBare) ?? this.rewrite(scriptBare);
  }

  /** `value` moved to the target when it is a JID of the script's domain or a subdomain; anything else unchanged. */
  rewrite(value: string): string {
    const m = JID.exec(value);
    if (!m) return value;
    const [, local, domain, resource = ""] = m;
    const d = domain!.toLowerCase();
    if (local !== undefined) {
      const mapped = this.accounts.get(`${local}@${d}`.toLowerCase());
      if (mapped) return mapped + resource;
    }
    let moved: string;
    if (d === this.scriptDomain) moved = this.targetDomain;
    else if (d.endsWith(`.${this.scriptDomain}`)) moved = d.slice(0, -this.scriptDomain.length) + this.targetDomain;
    else return value;
    return `${local === undefined ? "" : `${local}@`}${moved}${resource}`;
  }
}
