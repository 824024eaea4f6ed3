// XEP-0199: the server answers pings to itself and on behalf of its accounts.
import { NS } from "../../xmpp/ns.js";
import { defineModule } from "../module.js";
import { resultFor } from "../replies.js";

export default defineModule({
  name: "ping",
  faults: {},
  load(ctx) {
    ctx.features.host.add(NS.ping);
    for (const scope of ["host", "self", "bare"] as const) ctx.hooks.on(`iq-get/${scope}/${NS.ping}:ping`, ({ iq }) => resultFor(iq));
  },
});
