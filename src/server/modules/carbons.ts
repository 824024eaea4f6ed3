// XEP-0280 Message Carbons: a session that enabled carbons gets a copy of each chat
// message its account sends or receives on another resource. Enabled is session
// state, so a Stream Management resumption keeps it (SM-23).
import clone from "ltx/lib/clone.js";
import { xml, type Element } from "../../xmpp/element.js";
import { NS } from "../../xmpp/ns.js";
import { defineModule } from "../module.js";
import { resultFor } from "../replies.js";
import type { Session } from "../session.js";

const ENABLED = "carbons";

export default defineModule({
  name: "carbons",
  faults: {
    "sm.resume-forgets-carbons": { rules: ["SM-23"], description: "a resumed session has carbons disabled again" },
  },
  load(ctx) {
    ctx.features.host.add(NS.carbons);
    for (const scope of ["host", "self"] as const) {
      ctx.hooks.on(`iq-set/${scope}/${NS.carbons}:enable`, ({ iq, session }) => switchCarbons(session, iq, true));
      ctx.hooks.on(`iq-set/${scope}/${NS.carbons}:disable`, ({ iq, session }) => switchCarbons(session, iq, false));
    }
    ctx.hooks.on("session-resumed", ({ session }) => {
      if (ctx.faults.has("sm.resume-forgets-carbons")) session.state.delete(ENABLED);
    });
    ctx.hooks.on("message/sent", ({ session, el }) => {
      if (eligible(el)) copy(ctx.sessions.of(session.jid.bare), [session], "sent", el);
    });
    ctx.hooks.on("message/delivered", ({ el, to, sessions }) => {
      if (eligible(el)) copy(ctx.sessions.of(to.bare), sessions, "received", el);
    });

    function copy(resources: readonly Session[], except: readonly Session[], direction: "sent" | "received", el: Element): void {
      for (const s of resources) {
        if (except.includes(s) || s.state.get(ENABLED) !== true) continue;
        const inner = clone(el);
        inner.attrs.xmlns = NS.client;
        const wrapper = xml("message", { from: s.jid.bare, to: s.jid.full, type: el.attrs.type }, xml(direction, { xmlns: NS.carbons }, xml("forwarded", { xmlns: NS.forward }, inner)));
        ctx.sessions.deliver(s, wrapper);
      }
    }
  },
});

function switchCarbons(session: Session | undefined, iq: Element, on: boolean): Element | undefined {
  if (!session) return undefined;
  if (on) session.state.set(ENABLED, true);
  else session.state.delete(ENABLED);
  return resultFor(iq);
}

/**
 * XEP-0280 6.1: chat messages, and normal ones with a body, unless marked private or
 * no-copy; never errors or what is already a carbon.
 */
function eligible(el: Element): boolean {
  const type = el.attrs.type ?? "normal";
  if (type !== "chat" && !(type === "normal" && el.getChild("body"))) return false;
  if (el.getChild("private", NS.carbons) || el.getChild("no-copy", NS.hints)) return false;
  return !el.getChild("sent", NS.carbons) && !el.getChild("received", NS.carbons);
}
