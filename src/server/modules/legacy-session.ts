// RFC 3921 session establishment, kept as RFC 6121 Appendix E allows: offered as
// optional, and answered with an empty result for clients that still send it.
import { xml } from "../../xmpp/element.js";
import { NS } from "../../xmpp/ns.js";
import { defineModule } from "../module.js";
import { resultFor } from "../replies.js";

export default defineModule({
  name: "legacy-session",
  faults: {},
  load(ctx) {
    ctx.hooks.on("stream-features", ({ host, features }) => {
      if (host.username !== undefined) features.push(xml("session", { xmlns: NS.session }, xml("optional")));
    });
    ctx.hooks.on(`iq-set/host/${NS.session}:session`, ({ iq }) => resultFor(iq));
  },
});
