// XEP-0114 components as the router sees them: the domains configured with a secret,
// and the connection serving each one now (at most one: a second is refused).
import type { Element } from "../xmpp/element.js";

/** The connection currently serving a component's domain. */
export interface ComponentLink {
  write(el: Element): void;
}

export class Components {
  private readonly links = new Map<string, ComponentLink>();

  /** `secrets`: the shared secret of each configured domain (lower case). */
  constructor(private readonly secrets: ReadonlyMap<string, string>) {}

  configured(domain: string): boolean {
    return this.secrets.has(domain);
  }

  secret(domain: string): string | undefined {
    return this.secrets.get(domain);
  }

  link(domain: string): ComponentLink | undefined {
    return this.links.get(domain);
  }

  /** Makes `link` serve `domain`; false when another connection already does. */
  attach(domain: string, link: ComponentLink): boolean {
    if (this.links.has(domain)) return false;
    this.links.set(domain, link);
    return true;
  }

  detach(domain: string, link: ComponentLink): void {
    if (this.links.get(domain) === link) this.links.delete(domain);
  }

  /** The domains served right now, in the order they connected. */
  connected(): string[] {
    return [...this.links.keys()];
  }
}
