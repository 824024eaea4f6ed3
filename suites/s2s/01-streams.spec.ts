// Server-to-server streams (RFC 6120 section 4, XEP-0220 section 2.4): the header the
// target sends when it opens a stream to the harness's peer, the header it answers the
// peer's streams with, and the dialback stream feature.
import { conformance } from "../../src/runner/dsl.js";
import { restsOn } from "../common/addendum.js";
import { check } from "../../src/verdict/verdict.js";
import { dialbackElement, isDialback, offersDialbackErrors } from "../../src/xmpp/dialback.js";
import { predicate } from "../../src/xmpp/match.js";
import { NS } from "../../src/xmpp/ns.js";
import { SUITE, dbResultAnswer, dialbackErrorCondition, needsPeer, streamCondition, unhostedDomain } from "./s2s-helpers.js";

describe(SUITE, () => {
  conformance({ id: "s2s.stream.outgoing-header", rules: ["DB-01"], title: "the target's stream to the peer declares jabber:server and xmlns:db, from its domain to the peer's, without an id", needs: needsPeer }, async (t) => {
    const peer = await t.peer();
    // The answer to the peer's ping comes on a stream the target opens to the peer.
    await peer.barrier();
    const headers = peer.inbound.flatMap((s) => s.headers.map((h) => ({ stream: s.label, h })));
    check(headers.length > 0, "DB-01", "a stream header from the target", "the target opened no stream to the peer");
    for (const { stream, h } of headers) {
      const problems = [
        h.attrs.xmlns !== NS.server && `default namespace ${h.attrs.xmlns ?? "(none)"}`,
        h.attrs["xmlns:db"] !== NS.dialback && `xmlns:db ${h.attrs["xmlns:db"] ?? "(none)"}`,
        h.attrs.from !== peer.targetDomain && `from ${h.attrs.from ?? "(none)"}`,
        h.attrs.to !== peer.domain && `to ${h.attrs.to ?? "(none)"}`,
        h.attrs.id !== undefined && `an id ('${h.attrs.id}')${h.attrs.id === "" ? ` ${restsOn("Empty id")}` : ""}`,
      ].filter(Boolean);
      check(problems.length === 0, "DB-01", `a header in jabber:server with xmlns:db='${NS.dialback}', from='${peer.targetDomain}', to='${peer.domain}' and no id`, `${problems.join(", ")} on ${stream}: ${h.toString()}`);
    }
  });

  conformance({ id: "s2s.stream.response-header", rules: ["DB-02"], title: "the target answers each stream of the peer with a header from its domain, to the peer's, with a fresh id", needs: needsPeer }, async (t) => {
    const peer = await t.peer();
    const first = await peer.openStream();
    const second = await peer.openStream();
    for (const s of [first, second]) {
      const h = s.header!;
      check(h.attrs.from === peer.targetDomain && h.attrs.to === peer.domain && !!h.attrs.id, "DB-02", `a header from='${peer.targetDomain}' to='${peer.domain}' with an id`, h.toString());
    }
    check(first.id !== second.id, "DB-02", "a different id on each stream", `'${first.id}' on both`);
  });

  conformance({ id: "s2s.stream.host-unknown", rules: ["DB-02"], title: "a stream to a domain the target does not host gets a header, then the host-unknown stream error", needs: needsPeer }, async (t) => {
    const peer = await t.peer();
    const to = unhostedDomain();
    const s = await peer.openStream({ to });
    // Features mean the target took the stream on.
    check(!s.features, "DB-02", `the host-unknown stream error for to='${to}'`, () => `the stream's features: ${s.features!.toString()}`);
    const error = s.streamError ?? (await s.expect({ name: "error", xmlns: NS.stream }, { rule: "DB-02" }));
    check(streamCondition(error) === "host-unknown", "DB-02", `the host-unknown stream error for to='${to}'`, error.toString());
  });

  conformance({ id: "s2s.features.dialback-errors", rules: ["DB-24"], title: "a target that answers with dialback errors advertises <errors/> in its dialback stream feature", needs: needsPeer }, async (t) => {
    const peer = await t.peer();
    const s = await peer.openStream();
    if (offersDialbackErrors(s.features)) return;
    // No <errors/>: the target breaks the rule only if it sends dialback errors anyway.
    const to = unhostedDomain();
    await s.send(dialbackElement("result", { from: peer.domain, to }, s.key(peer.domain, to)));
    const answer = await s.expect(predicate("a typed <db:result/> or the stream's end", (el) => isDialback(el, "result") && !!el.attrs.type), { rule: "DB-24" }).catch(() => undefined);
    if (answer?.attrs.type === "error") {
      check(false, "DB-24", `<dialback xmlns='${NS.dialbackFeature}'><errors/></dialback> among the features of a target that sends dialback errors`, `features ${s.features?.toString() ?? "(none)"} and the dialback error ${answer.toString()}`);
    }
    t.skip(`the target does not handle dialback errors: no <errors/> in its ${NS.dialbackFeature} feature, and a db:result for an unhosted domain got ${answer?.toString() ?? s.streamError?.toString() ?? "no dialback answer"}`);
  });

  conformance({ id: "s2s.dialback.unhosted-target", rules: ["DB-14", "DB-20"], title: "a db:result for a domain the target does not host gets an item-not-found dialback error, and the stream stays open", needs: needsPeer }, async (t) => {
    const peer = await t.peer();
    const s = await peer.openStream();
    if (!offersDialbackErrors(s.features)) t.skip(`the target does not advertise dialback errors (<errors/> in its ${NS.dialbackFeature} feature)`);
    const to = unhostedDomain();
    await s.send(dialbackElement("result", { from: peer.domain, to }, s.key(peer.domain, to)));
    const answer = await s.expect(dbResultAnswer(to, peer.domain), { rule: "DB-14" });
    check(answer.attrs.type === "error", "DB-14", `<db:result from='${to}' to='${peer.domain}' type='error'/>`, answer.toString());
    const { type, condition } = dialbackErrorCondition(answer);
    check(!!type && condition === "item-not-found", "DB-20", "an <error/> with a type and the item-not-found condition", answer.toString());
    // The same stream still serves dialback for the domain the target does host.
    const verdict = await s.dialback(peer.domain, { rule: "DB-14" });
    check(verdict.attrs.type === "valid", "DB-14", `dialback for ${peer.targetDomain} on the same stream after the error`, verdict.toString());
  });
});
