// Named deliberate defects of the reference server, so the suites can prove they
// catch each one. Every fault switches off exactly one behaviour and lists every
// rule a test of that behaviour could see failing.
export const FAULTS = {
  "sm.offer-before-auth": { rules: ["SM-01"], description: "sm:3 feature is also offered in the pre-auth stream features" },
  "sm.enable-before-auth": { rules: ["SM-02"], description: "<enable/> before SASL success is answered with <enabled/>" },
  "sm.resume-before-auth": { rules: ["SM-02"], description: "<resume/> of a live previd before SASL success is answered with <resumed/>" },
  "sm.enable-before-bind": { rules: ["SM-03"], description: "<enable/> after SASL but before bind is answered with <enabled/>" },
  "sm.no-enabled-id": { rules: ["SM-05", "SM1-04"], description: "<enabled resume='true'/> is sent without an id" },
  "sm.reuse-id": { rules: ["SM-07"], description: "SM-ID is derived from the full JID, so sequential sessions of one full JID repeat it" },
  "sm.zero-max": { rules: ["SM-08"], description: "<enabled/> announces max='0'" },
  "sm.duplicate-enabled": { rules: ["SM-04", "SM-09"], description: "<enable/> is answered with two <enabled/> elements" },
  "sm.double-enable": { rules: ["SM-09"], description: "a second <enable/> is answered with a second <enabled/>" },
  "sm.ack-off-by-one": { rules: ["SM-10", "SM-11", "SM-12", "SM-16", "SM-18"], description: "<a/> reports the inbound count plus one" },
  "sm.count-nonzas": { rules: ["SM-11", "SM-10", "SM-12", "SM-16", "SM-18", "SM-20"], description: "<r/>, <a/> and CSI nonzas are counted as stanzas" },
  "sm.skip-error-stanzas": { rules: ["SM-11"], description: "stanzas answered with a stanza error are not counted" },
  "sm.count-from-enabled": { rules: ["SM-12"], description: "a stanza arriving in the same data chunk as <enable/> is not counted" },
  "sm.no-wrap": { rules: ["SM-13", "SM-10", "SM-11", "SM-12", "SM-14", "SM-16", "SM-18"], description: "inbound counter starts at 4294967295 and is not reduced modulo 2^32" },
  "sm.h-goes-back": { rules: ["SM-14", "SM-10", "SM-11", "SM-18"], description: "every second <a/> reports one less than the previous one" },
  "sm.ignore-ack-too-high": { rules: ["SM-15"], description: "an h acknowledging more than was sent is accepted, in <a/> and <resume/>" },
  "sm.resumed-h-zero": { rules: ["SM-16", "SM-18", "SM1-06"], description: "<resumed/> carries h='0'" },
  "sm.no-retransmit": { rules: ["SM-17", "SM1-08"], description: "unacknowledged stanzas are not re-sent after <resumed/>" },
  "sm.retransmit-acked": { rules: ["SM-17", "SM1-08"], description: "after <resumed/> the whole queue is re-sent, acknowledged stanzas included" },
  "sm.retransmit-reversed": { rules: ["SM-17", "SM1-08"], description: "unacknowledged stanzas are re-sent in reverse order" },
  "sm.reset-counters-on-resume": { rules: ["SM-18"], description: "inbound counter restarts at 0 after resumption (<resumed/> h is still right)" },
  "sm.resume-unresumable": { rules: ["SM-19"], description: "sessions enabled without resume hibernate and can be resumed" },
  "sm.failed-with-h": { rules: ["SM-20"], description: "an unknown previd gets <failed h='0'/>" },
  "sm.failed-bad-request": { rules: ["SM-20", "SM-19", "SM-25", "SM-28", "SM1-05"], description: "an unknown previd gets failed/bad-request" },
  "sm.close-after-failed-resume": { rules: ["SM-21"], description: "a failed resume is followed by a stream error" },
  "sm.no-conflict": { rules: ["SM-22"], description: "the old connection is left open after its session is resumed elsewhere" },
  "sm.presence-flap": { rules: ["SM-23"], description: "unavailable presence on TCP drop, available again on resume" },
  "sm.failed-wrong-ns": { rules: ["SM-24"], description: "<failed/> conditions are in the streams namespace" },
  "sm.resume-after-close": { rules: ["SM-25"], description: "a cleanly closed session hibernates and stays resumable" },
  "sm.silent-drop-on-expiry": { rules: ["SM-26"], description: "unacknowledged stanzas are discarded at expiry or queue overflow" },
  "sm.early-expiry": { rules: ["SM-27"], description: "a hibernating session expires after half the announced max" },
  "sm.resume-other-account": { rules: ["SM-28"], description: "another account may resume a session" },
  "sm.resume-after-bind": { rules: ["SM-29"], description: "<resume/> after bind on the same stream succeeds" },
  "sm1.h-below-u": { rules: ["SM1-03"], description: "sm:1 <a/> answers <r u='N'/> with h='N-1'" },
  "sm1.feature-without-max": { rules: ["SM1-01"], description: "sm:1 stream feature lacks max" },
  "sm1.enabled-wrong-ns": { rules: ["SM1-02"], description: "sm:1 <enable/> is answered in the urn:xmpp:sm:3 namespace" },
  "sm1.no-resume": { rules: ["SM1-05"], description: "sm:1 <resume/> always fails with item-not-found" },
  "sm1.u-not-increasing": { rules: ["SM1-07"], description: "the server's sm:1 <r u/> repeats the same u" },
} satisfies Record<string, { rules: string[]; description: string }>;

export type FaultName = keyof typeof FAULTS;

export class Faults {
  readonly names: ReadonlySet<string>;

  constructor(names: Iterable<string> = []) {
    const list = [...names];
    const unknown = list.filter((n) => !(n in FAULTS));
    if (unknown.length) {
      throw new Error(`unknown fault(s) ${unknown.join(", ")}; known: ${Object.keys(FAULTS).join(", ")}`);
    }
    this.names = new Set(list);
  }

  has(name: FaultName): boolean {
    return this.names.has(name);
  }
}
