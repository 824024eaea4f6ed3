// The SASL mechanisms both sides know, and the one channel binding they use: tls-exporter
// (RFC 9266), advertised in XMPP with XEP-0440.
import type { TLSSocket } from "node:tls";
import type { ScramHash } from "./scram.js";

/** Every mechanism, strongest first: the harness's order of preference, the server's order of offer. */
export const SASL_MECHANISMS = [
  "SCRAM-SHA-512-PLUS",
  "SCRAM-SHA-256-PLUS",
  "SCRAM-SHA-1-PLUS",
  "SCRAM-SHA-512",
  "SCRAM-SHA-256",
  "SCRAM-SHA-1",
  "PLAIN",
] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export function isSaslMechanism(name: string): name is SaslMechanism {
  return (SASL_MECHANISMS as readonly string[]).includes(name);
}

/** The hash of a SCRAM mechanism and whether it binds the channel; undefined for PLAIN. */
export function scramVariant(mechanism: SaslMechanism): { hash: ScramHash; plus: boolean } | undefined {
  const m = /^SCRAM-SHA-(1|256|512)(-PLUS)?$/.exec(mechanism);
  return m ? { hash: `sha${m[1]}` as ScramHash, plus: m[2] !== undefined } : undefined;
}

/** The channel-binding type of RFC 9266, the only one either side implements. */
export const TLS_EXPORTER = "tls-exporter";

/**
 * The tls-exporter channel-binding data of a TLS connection (RFC 9266 section 2: 32
 * bytes of the TLS exporter with label "EXPORTER-Channel-Binding" and an empty context),
 * or undefined when the connection cannot bind. RFC 9266 defines it for TLS 1.3 and
 * forbids it over TLS 1.2 without the extended master secret, which node does not
 * report, so both sides bind over TLS 1.3 only. node's `exportKeyingMaterial` with a
 * zero-length context gives the same bytes as with none under TLS 1.3 (RFC 8446 section
 * 7.5), which is how the RFC's "empty context" is met.
 */
export function tlsExporter(socket: TLSSocket | undefined): Buffer | undefined {
  if (!socket || socket.getProtocol?.() !== "TLSv1.3") return undefined;
  try {
    return socket.exportKeyingMaterial(32, "EXPORTER-Channel-Binding", Buffer.alloc(0));
  } catch {
    return undefined;
  }
}
