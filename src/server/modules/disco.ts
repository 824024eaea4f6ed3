// XEP-0030 for the domain (identity server/im and the features modules added) and
// for accounts, answered by the server on their behalf (account/registered and the
// identities modules added); items of the domain are collected from modules on the bus.
import { xml } from "../../xmpp/element.js";
import { NS } from "../../xmpp/ns.js";
import type { ServerContext } from "../context.js";
import type { IqEvent } from "../hooks.js";
import { defineModule } from "../module.js";
import { errorFor, resultFor } from "../replies.js";

export default defineModule({
  name: "disco",
  faults: {},
  load(ctx) {
    ctx.features.host.add(NS.discoInfo);
    ctx.features.host.add(NS.discoItems);
    ctx.features.account.add(NS.discoInfo);
    ctx.hooks.on(`iq-get/host/${NS.discoInfo}:query`, (e) => serverInfo(ctx, e));
    for (const scope of ["self", "bare"] as const) ctx.hooks.on(`iq-get/${scope}/${NS.discoInfo}:query`, (e) => accountInfo(ctx, e));
    ctx.hooks.on(`iq-get/host/${NS.discoItems}:query`, (e) => items(ctx, e));
    for (const ns of [NS.discoInfo, NS.discoItems]) ctx.hooks.on(`iq-set/host/${ns}:query`, ({ iq }) => errorFor(iq, "cancel", "bad-request"));
  },
});

function serverInfo(ctx: ServerContext, { iq }: IqEvent) {
  return resultFor(
    iq,
    xml(
      "query",
      { xmlns: NS.discoInfo, node: iq.getChild("query")?.attrs.node },
      xml("identity", ctx.identity),
      ...[...ctx.features.host].map((v) => xml("feature", { var: v })),
    ),
  );
}

function accountInfo(ctx: ServerContext, { iq }: IqEvent) {
  return resultFor(
    iq,
    xml(
      "query",
      { xmlns: NS.discoInfo },
      xml("identity", { category: "account", type: "registered" }),
      ...ctx.accountIdentities.map((i) => xml("identity", i)),
      ...[...ctx.features.account].map((v) => xml("feature", { var: v })),
    ),
  );
}

function items(ctx: ServerContext, { iq, session }: IqEvent) {
  const node = iq.getChild("query")?.attrs.node;
  const event = { session, node, items: [] };
  ctx.hooks.fireAll("disco-items", event);
  return resultFor(iq, xml("query", { xmlns: NS.discoItems, node }, ...event.items));
}
