// XEP-0351's vocabulary as both sides read it: the +events- caps feature, split on its
// last marker with its tokens as written, and the event type of a notification.
import { expect } from "chai";
import { xml } from "../src/xmpp/element.js";
import { NS } from "../src/xmpp/ns.js";
import { eventsFeature, notificationOf, parseEventsFeature } from "../src/xmpp/rsf.js";

const GEOLOC = "http://jabber.org/protocol/geoloc";
const notification = (...children: ReturnType<typeof xml>[]) => xml("message", {}, xml("event", { xmlns: NS.pubsubEvent }, ...children));

describe("xmpp: XEP-0351 features and event types", () => {
  it("writes the tokens as given and reads them back, split on the last marker", () => {
    expect(eventsFeature(GEOLOC, ["config", "sub"])).to.equal(`${GEOLOC}+events-config-sub`);
    expect(parseEventsFeature(`${GEOLOC}+events-config-sub`)).to.deep.equal({ node: GEOLOC, tokens: ["config", "sub"] });
    expect(parseEventsFeature("urn:x:a+events-b+events-retract")).to.deep.equal({ node: "urn:x:a+events-b", tokens: ["retract"] });
    expect(parseEventsFeature("urn:x:a+events-b+events-retract", true)).to.deep.equal({ node: "urn:x:a", tokens: ["b+events", "retract"] });
    expect(parseEventsFeature(`${GEOLOC}+events-`)).to.deep.equal({ node: GEOLOC, tokens: [] });
    expect(parseEventsFeature(`${GEOLOC}+notify`)).to.equal(undefined);
  });

  it("tells items from retractions, and names every other event child", () => {
    expect(notificationOf(notification(xml("items", { node: "n" }, xml("item", { id: "1" }))))).to.deep.equal({ node: "n", type: "items" });
    expect(notificationOf(notification(xml("items", { node: "n" }, xml("retract", { id: "1" }))))).to.deep.equal({ node: "n", type: "retract" });
    expect(notificationOf(notification(xml("purge", { node: "n" })))).to.deep.equal({ node: "n", type: "purge" });
    expect(notificationOf(notification(xml("configuration", { node: "n" })))).to.deep.equal({ node: "n", type: "config" });
    expect(notificationOf(notification(xml("delete", { node: "n" })))).to.deep.equal({ node: "n", type: "delete" });
    expect(notificationOf(notification(xml("subscription", { node: "n", jid: "a@b", subscription: "none" })))).to.deep.equal({ node: "n", type: "sub" });
    expect(notificationOf(notification(xml("collection", { node: "n" })))).to.deep.equal({ node: "n", type: "other" });
    expect(notificationOf(xml("message", {}, xml("body", {}, "hi")))).to.equal(undefined);
  });
});
