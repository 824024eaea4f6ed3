// Moves a script's JIDs onto the target: its actors' accounts onto the accounts the run
// provides, its components onto the component the run attaches as, and its domain (and
// subdomains: pubsub.localhost) onto the target's. A script written for
// juliet@localhost then runs as alice@example.org, and a literal `to='juliet@localhost'`
// in its XML follows.

const JID = /^(?:([^@/\s]+)@)?([^@/\s]+)(\/.*)?$/;

export class JidMap {
  constructor(
    private readonly scriptDomain: string,
    private readonly targetDomain: string,
    /** Script bare JID to the bare JID it runs as. */
    private readonly accounts: ReadonlyMap<string, string>,
    /** Script component JID to the component JID it runs as, where moving the domain is not enough. */
    private readonly domains: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** The bare JID a script's bare JID runs as. */
  bare(scriptBare: string): string {
    return this.accounts.get(scriptBare) ?? this.rewrite(scriptBare);
  }

  /** `value` moved to the target when it is a JID of the script's domain, a subdomain or a component; anything else unchanged. */
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
    if (this.domains.has(d)) moved = this.domains.get(d)!;
    else if (d === this.scriptDomain) moved = this.targetDomain;
    else if (d.endsWith(`.${this.scriptDomain}`)) moved = d.slice(0, -this.scriptDomain.length) + this.targetDomain;
    else return value;
    return `${local === undefined ? "" : `${local}@`}${moved}${resource}`;
  }
}
