// Faults of the core's server-to-server streams (dialback, S2S stream management): the
// core implements S2S as it implements XEP-0114, so its faults live beside it.
import type { FaultSpec } from "../module.js";

export const S2S_FAULTS = {
  "s2s.accept-unverified": { rules: ["DB-05", "DB-15", "DB-19"], description: "routes stanzas from a domain that was never verified on the stream, and takes an unsolicited db:result type='valid' as proof" },
  "s2s.verify-always-valid": { rules: ["DB-13"], description: "as the authoritative server, answers every db:verify with type='valid' whatever its key" },
  "s2s.no-dialback-errors-feature": { rules: ["DB-24"], description: "leaves <dialback><errors/></dialback> out of the S2S stream features" },
  "s2s.unknown-host-accepted": { rules: ["DB-02"], description: "answers a stream header for a domain it does not host with a normal header instead of host-unknown" },
  "s2s.db-error-closes-stream": { rules: ["DB-14"], description: "answers a db:result for a domain it does not host with a host-unknown stream error instead of a dialback error" },
  "s2s.send-before-valid": { rules: ["DB-10"], description: "sends queued stanzas right after its db:result, before the remote said valid" },
  "s2s.header-without-from": { rules: ["DB-02", "CAPS-01"], description: "leaves 'from' out of the response header of an incoming S2S stream" },
  "s2s.outgoing-header-with-id": { rules: ["DB-01"], description: "puts an id on the header of the streams it opens, which only the receiving side may set" },
  "s2s.empty-key": { rules: ["DB-08"], description: "sends its db:result with no key" },
  "s2s.reply-on-incoming-stream": { rules: ["DB-06"], description: "sends stanzas for a remote domain back on the stream that domain opened, instead of a stream of its own" },
  "s2s.drop-remote-messages": { rules: ["DB-16"], description: "takes messages from a proven domain without error and never delivers them" },
  "s2s.invalid-keeps-stream": { rules: ["DB-17"], description: "answers type='invalid' when the authoritative server found the key invalid, and keeps the stream that had nothing else proven" },
  "s2s.verify-error-as-invalid": { rules: ["DB-18"], description: "takes a dialback error from the authoritative server as invalid, instead of answering with remote-server-not-found" },
  "s2s.invalid-bounce-as-timeout": { rules: ["DB-22"], description: "bounces stanzas queued for a key found invalid with remote-server-timeout, as for an error, instead of internal-server-error" },
  "sm.s2s-wrong-h": { rules: ["SM-30"], description: "counts each <r/> in the h of an S2S stream as if it were a stanza" },
  "sm.s2s-lose-unacked": { rules: ["SM-30"], description: "forgets the stanzas a dropped S2S stream had not acknowledged, instead of sending them again" },
} satisfies Record<string, FaultSpec>;
