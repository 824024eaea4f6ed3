// XEP-0199: the server answers pings to itself and on behalf of its accounts.
import type { Element } from "../../xmpp/element.js";
import { resultFor } from "../replies.js";

export function pingIq(iq: Element): Element {
  return resultFor(iq);
}
