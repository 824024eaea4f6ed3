// Just enough JID handling for routing: split, validate (RFC 7622 lengths and
// forbidden localpart characters) and compare case-insensitively; no PRECIS.
// Not @xmpp/jid: it is a client's parser, which escapes forbidden characters
// (XEP-0106) and accepts any length, where a server must answer jid-malformed.
export interface Jid {
  local: string;
  domain: string;
  resource: string;
  bare: string;
  full: string;
}

const FORBIDDEN_LOCAL = /["&'/:<>@\s]/;

export function parseJid(text: string): Jid | undefined {
  const slash = text.indexOf("/");
  const resource = slash >= 0 ? text.slice(slash + 1) : "";
  const rest = slash >= 0 ? text.slice(0, slash) : text;
  const at = rest.indexOf("@");
  const local = at >= 0 ? rest.slice(0, at).toLowerCase() : "";
  const domain = (at >= 0 ? rest.slice(at + 1) : rest).toLowerCase().replace(/\.$/, "");
  if (slash >= 0 && resource === "") return undefined;
  if (at >= 0 && local === "") return undefined;
  if (!domain || /[\s@/]/.test(domain) || Buffer.byteLength(domain) > 1023) return undefined;
  if (FORBIDDEN_LOCAL.test(local) || Buffer.byteLength(local) > 1023 || Buffer.byteLength(resource) > 1023) return undefined;
  return makeJid(local, domain, resource);
}

export function makeJid(local: string, domain: string, resource = ""): Jid {
  const bare = local ? `${local}@${domain}` : domain;
  return { local, domain, resource, bare, full: resource ? `${bare}/${resource}` : bare };
}

/** A localpart acceptable for a new account. */
export function validUsername(name: string): boolean {
  return name !== "" && !FORBIDDEN_LOCAL.test(name) && Buffer.byteLength(name) <= 1023;
}
