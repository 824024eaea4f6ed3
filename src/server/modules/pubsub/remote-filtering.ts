// XEP-0351 as a sender: a remote user whose server advertised urn:xmpp:rsf:0 gets every
// notification at its bare JID, and its server filters them for the user's resources.
// Which servers did is the rsf module's knowledge; it is asked through `remote-rsf`.
import type { ServerContext } from "../../context.js";
import { parseJid } from "../../jid.js";

/** Whether notifications to `jid` go the XEP-0351 way: a user at another server that filters them itself. */
export function filtersRemotely(ctx: ServerContext, jid: string): boolean {
  const user = parseJid(jid);
  // Users only: a domain or a service has no resources to filter for.
  if (!user?.local || user.domain === ctx.config.domain) return false;
  return ctx.hooks.fire("remote-rsf", { domain: user.domain }) === true;
}
