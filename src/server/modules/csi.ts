// XEP-0352 Client State Indication: accepted and acknowledged by nothing; the
// server does not throttle delivery for inactive clients.
import { xml } from "../../xmpp/element.js";
import { NS } from "../../xmpp/ns.js";
import { defineModule } from "../module.js";

export default defineModule({
  name: "csi",
  faults: {},
  load(ctx) {
    ctx.features.host.add(NS.csi);
    ctx.hooks.on("stream-features", ({ host, features }) => {
      if (host.username !== undefined) features.push(xml("csi", { xmlns: NS.csi }));
    });
    // Only a bound client has a state to indicate.
    ctx.hooks.on(`nonza/${NS.csi}`, ({ host, el }) => host.username !== undefined && (el.name === "active" || el.name === "inactive"));
  },
});
