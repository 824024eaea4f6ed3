// Client side of SASL PLAIN and the SCRAM family (SHA-1, SHA-256, SHA-512, each with or
// without tls-exporter channel binding) as step functions, so the test client can drive
// each <auth/>/<response/> itself (xmpp.js's SCRAM is too slow, see src/xmpp/scram.ts).
// Error messages never quote a payload: they end up in reports.
import { randomBytes } from "node:crypto";
import { SASL_MECHANISMS, TLS_EXPORTER, scramVariant, type SaslMechanism } from "../xmpp/sasl.js";
import { channelBindingAttribute, clientProof, escapeUsername, gs2Header, parseScramAttributes, saltedPassword } from "../xmpp/scram.js";

export type Mechanism = SaslMechanism;

export interface SaslExchange {
  mechanism: Mechanism;
  /** Payload of <auth/> (base64). */
  initial: string;
  /** Given a challenge (base64), returns the response (base64); throws on a bad challenge. */
  respond(challenge: string): string;
  /** Checks the additional data of <success/> (base64); throws when the server cannot be trusted. */
  verifySuccess(data: string): void;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

export function plain(username: string, password: string): SaslExchange {
  return {
    mechanism: "PLAIN",
    initial: b64(`\0${username}\0${password}`),
    respond: () => "",
    verifySuccess: () => {},
  };
}

export interface ScramOptions {
  /** The client nonce (random by default; fixed in the RFC test vectors). */
  nonce?: string;
  /** tls-exporter data of the stream's TLS connection: required for a -PLUS mechanism. */
  channelBinding?: Buffer;
  /**
   * Without -PLUS, the GS2 flag: `y` when the client could bind this channel but the
   * server offered no -PLUS mechanism, `n` otherwise (RFC 5802 section 6).
   */
  flag?: "n" | "y";
}

export function scram(mechanism: Mechanism, username: string, password: string, opts: ScramOptions = {}): SaslExchange {
  const variant = scramVariant(mechanism);
  if (!variant) throw new Error(`${mechanism} is not a SCRAM mechanism`);
  if (variant.plus && !opts.channelBinding) throw new Error(`${mechanism} needs ${TLS_EXPORTER} channel-binding data (TLS 1.3)`);
  const nonce = opts.nonce ?? randomBytes(18).toString("base64");
  const header = gs2Header(variant.plus ? { type: TLS_EXPORTER } : (opts.flag ?? "n"));
  const bare = `n=${escapeUsername(username)},r=${nonce}`;
  let expectedSignature: Buffer | undefined;
  return {
    mechanism,
    initial: b64(`${header}${bare}`),
    respond(challenge) {
      const serverFirst = unb64(challenge);
      const attrs = parseScramAttributes(serverFirst);
      const r = attrs.get("r");
      const s = attrs.get("s");
      const i = Number(attrs.get("i"));
      if (attrs.has("m")) throw new Error("malformed SCRAM challenge: a mandatory extension (m=) the client does not know");
      if (!r?.startsWith(nonce) || r.length === nonce.length) throw new Error("malformed SCRAM challenge: its nonce does not extend the client's");
      if (!s || !Number.isInteger(i) || i < 1) throw new Error("malformed SCRAM challenge: no salt or no iteration count");
      const finalBare = `c=${channelBindingAttribute(header, variant.plus ? opts.channelBinding : undefined)},r=${r}`;
      const salted = saltedPassword(password, Buffer.from(s, "base64"), i, variant.hash);
      const { proof, serverSignature } = clientProof(salted, `${bare},${serverFirst},${finalBare}`, variant.hash);
      expectedSignature = serverSignature;
      return b64(`${finalBare},p=${proof.toString("base64")}`);
    },
    verifySuccess(data) {
      const attrs = parseScramAttributes(unb64(data));
      const e = attrs.get("e");
      if (e !== undefined) throw new Error(`the server ended SCRAM with error ${e}`);
      if (!expectedSignature || attrs.get("v") !== expectedSignature.toString("base64")) {
        throw new Error("server signature in SCRAM <success/> does not verify");
      }
    },
  };
}

/** SCRAM-SHA-1 (RFC 5802), as the RFC's test vector drives it. */
export function scramSha1(username: string, password: string, nonce?: string): SaslExchange {
  return scram("SCRAM-SHA-1", username, password, nonce === undefined ? {} : { nonce });
}

/**
 * The mechanism the client uses when a test does not force one: the strongest offered
 * (SASL_MECHANISMS is ordered strongest first), a -PLUS one only when the channel can be
 * bound, and PLAIN only when `plainAllowed`.
 */
export function chooseMechanism(offered: readonly string[], canBind: boolean, plainAllowed: boolean): Mechanism | undefined {
  return SASL_MECHANISMS.find((m) => offered.includes(m) && (canBind || !scramVariant(m)?.plus) && (plainAllowed || m !== "PLAIN"));
}
