// XEP-0030 for the domain (identity server/im and the features implemented here)
// and for accounts, answered by the server on their behalf (account/registered).
import { xml, type Element } from "../../xmpp/element.js";
import { NS } from "../../xmpp/ns.js";
import type { ServerContext } from "../context.js";
import { resultFor } from "../replies.js";
import type { Session } from "../session.js";
import { commandItems } from "./admin-commands.js";

function features(ctx: ServerContext): string[] {
  return [
    NS.discoInfo,
    NS.discoItems,
    NS.ping,
    NS.roster,
    ...(ctx.config.registration ? [NS.register] : []),
    NS.sm2,
    NS.sm3,
    NS.csi,
    NS.commands,
  ];
}

export function serverDiscoInfo(ctx: ServerContext, iq: Element): Element {
  return resultFor(
    iq,
    xml(
      "query",
      { xmlns: NS.discoInfo, node: iq.getChild("query")?.attrs.node },
      xml("identity", { category: "server", type: "im", name: "xmpp-conformance reference server" }),
      ...features(ctx).map((v) => xml("feature", { var: v })),
    ),
  );
}

export function accountDiscoInfo(iq: Element): Element {
  return resultFor(
    iq,
    xml(
      "query",
      { xmlns: NS.discoInfo },
      xml("identity", { category: "account", type: "registered" }),
      xml("feature", { var: NS.discoInfo }),
    ),
  );
}

/** The ad-hoc commands the session may run (XEP-0050 2.2); no other items: no components. */
export function discoItems(ctx: ServerContext, session: Session, iq: Element): Element {
  const node = iq.getChild("query")?.attrs.node;
  const items = node === NS.commands ? commandItems(ctx, session) : [];
  return resultFor(iq, xml("query", { xmlns: NS.discoItems, node }, ...items));
}
