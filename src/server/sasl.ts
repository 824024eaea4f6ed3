// Server side of SASL PLAIN (RFC 4616) and the SCRAM family (RFC 5802, RFC 7677,
// draft-melnikov-scram-sha-512), with tls-exporter channel binding (RFC 9266) for the
// -PLUS mechanisms, on the SCRAM math both sides share (src/xmpp/scram.ts).
import { randomBytes } from "node:crypto";
import { SASL_MECHANISMS, TLS_EXPORTER, isSaslMechanism, scramVariant, type SaslMechanism } from "../xmpp/sasl.js";
import {
  ScramHash,
  ScramKeys,
  channelBindingAttribute,
  parseScramAttributes,
  saltedPassword,
  scramKeys,
  unescapeUsername,
  verifyClientProof,
} from "../xmpp/scram.js";

export const MECHANISMS = SASL_MECHANISMS;
export type Mechanism = SaslMechanism;

/**
 * The mechanisms a server is configured to offer, checked: known names, at least one,
 * kept in the order of strength. Throws naming the unknown ones and the known.
 */
export function checkMechanisms(names: readonly string[]): Mechanism[] {
  const unknown = names.filter((n) => !isSaslMechanism(n));
  if (unknown.length > 0) {
    throw new Error(`unknown SASL mechanism ${unknown.map((n) => `"${n}"`).join(", ")} (known: ${MECHANISMS.join(", ")})`);
  }
  if (names.length === 0) throw new Error(`no SASL mechanism to offer (known: ${MECHANISMS.join(", ")})`);
  return MECHANISMS.filter((m) => names.includes(m));
}

export interface ScramCredentials extends ScramKeys {
  salt: Buffer;
  iterations: number;
}

/** What the server keeps of a password for one hash: the salt, the iteration count and the derived keys. */
export function scramCredentials(password: string, salt: Buffer, iterations: number, hash: ScramHash = "sha1"): ScramCredentials {
  return { salt, iterations, ...scramKeys(saltedPassword(password, salt, iterations, hash), hash) };
}

export type SaslStep =
  | { kind: "challenge"; data: string }
  | { kind: "success"; username: string; data?: string }
  | { kind: "failure"; condition: "not-authorized" | "malformed-request" | "invalid-authzid" };

export interface SaslExchange {
  step(data: string): SaslStep;
}

export interface SaslAccounts {
  checkPassword(username: string, password: string): boolean;
  scramCredentials(username: string, hash: ScramHash): ScramCredentials | undefined;
}

export interface SaslOptions {
  /** tls-exporter data of the connection, when it can bind (TLS 1.3). */
  channelBinding?: Buffer;
  /** A -PLUS mechanism was offered on this stream: a client flagging `y` then meets a downgrade. */
  offeredPlus?: boolean;
  nonce?: () => string;
}

export function startSasl(mechanism: Mechanism, accounts: SaslAccounts, domain: string, opts: SaslOptions = {}): SaslExchange {
  return mechanism === "PLAIN" ? new PlainServer(accounts, domain) : new ScramServer(accounts, domain, { ...opts, mechanism });
}

const malformed: SaslStep = { kind: "failure", condition: "malformed-request" };
const notAuthorized: SaslStep = { kind: "failure", condition: "not-authorized" };

function authzidOk(authzid: string, username: string, domain: string): boolean {
  return authzid === "" || authzid.toLowerCase() === `${username.toLowerCase()}@${domain}`;
}

class PlainServer implements SaslExchange {
  constructor(
    private readonly accounts: SaslAccounts,
    private readonly domain: string,
  ) {}

  step(data: string): SaslStep {
    const parts = data.split("\0");
    if (parts.length !== 3) return malformed;
    const [authzid, user, password] = parts as [string, string, string];
    if (!authzidOk(authzid, user, this.domain)) return { kind: "failure", condition: "invalid-authzid" };
    return this.accounts.checkPassword(user, password) ? { kind: "success", username: user.toLowerCase() } : notAuthorized;
  }
}

/**
 * RFC 5802 server: client-first → server-first, client-final → server-final. The GS2
 * flag is held to RFC 5802 section 6: a -PLUS mechanism must bind (`p=tls-exporter`) and
 * prove the connection's exporter in `c=`; any other must not; `y` ("I could bind, you
 * seem unable") fails when this stream offered a -PLUS mechanism, since that means
 * someone removed it on the way.
 */
export class ScramServer implements SaslExchange {
  private state: { username: string; gs2: string; nonce: string; clientFirstBare: string; serverFirst: string; creds?: ScramCredentials } | undefined;
  private readonly hash: ScramHash;
  private readonly plus: boolean;
  private readonly nonce: () => string;

  constructor(
    private readonly accounts: SaslAccounts,
    private readonly domain: string,
    private readonly opts: SaslOptions & { mechanism?: Mechanism } = {},
  ) {
    const variant = scramVariant(opts.mechanism ?? "SCRAM-SHA-1");
    if (!variant) throw new Error(`${opts.mechanism} is not a SCRAM mechanism`);
    this.hash = variant.hash;
    this.plus = variant.plus;
    this.nonce = opts.nonce ?? (() => randomBytes(18).toString("base64"));
  }

  step(data: string): SaslStep {
    return this.state ? this.final(data) : this.first(data);
  }

  private first(data: string): SaslStep {
    const m = /^(n|y|p=[A-Za-z0-9.-]+),(a=[^,]*)?,(.*)$/.exec(data);
    if (!m) return malformed;
    const flag = m[1]!;
    if (this.plus) {
      if (flag !== `p=${TLS_EXPORTER}` || !this.opts.channelBinding) return malformed;
    } else {
      if (flag.startsWith("p=")) return malformed;
      if (flag === "y" && this.opts.offeredPlus) return notAuthorized;
    }
    const attrs = parseScramAttributes(m[3]!);
    const rawUser = attrs.get("n");
    const clientNonce = attrs.get("r");
    if (rawUser === undefined || !clientNonce || /[^!-+--~]/.test(clientNonce)) return malformed;
    const username = unescapeUsername(rawUser);
    if (username === undefined) return malformed;
    if (!authzidOk(m[2] ? unescapeUsername(m[2].slice(2)) ?? "?" : "", username, this.domain)) {
      return { kind: "failure", condition: "invalid-authzid" };
    }
    const creds = this.accounts.scramCredentials(username, this.hash);
    const nonce = clientNonce + this.nonce();
    // An unknown user gets a plausible challenge and fails at the proof, like a wrong password.
    const salt = creds?.salt ?? randomBytes(16);
    const serverFirst = `r=${nonce},s=${salt.toString("base64")},i=${creds?.iterations ?? 4096}`;
    this.state = { username: username.toLowerCase(), gs2: data.slice(0, data.length - m[3]!.length), nonce, clientFirstBare: m[3]!, serverFirst, ...(creds ? { creds } : {}) };
    return { kind: "challenge", data: serverFirst };
  }

  private final(data: string): SaslStep {
    const s = this.state!;
    const proofAt = data.lastIndexOf(",p=");
    if (proofAt < 0) return malformed;
    const withoutProof = data.slice(0, proofAt);
    const attrs = parseScramAttributes(withoutProof);
    if (attrs.get("r") !== s.nonce) return malformed;
    if (attrs.get("c") !== channelBindingAttribute(s.gs2, this.plus ? this.opts.channelBinding : undefined)) {
      // For -PLUS, other binding data means another TLS connection: a man in the middle.
      return this.plus ? notAuthorized : malformed;
    }
    const authMessage = `${s.clientFirstBare},${s.serverFirst},${withoutProof}`;
    const signature = s.creds && verifyClientProof(s.creds, authMessage, Buffer.from(data.slice(proofAt + 3), "base64"), this.hash);
    if (!signature) return notAuthorized;
    return { kind: "success", username: s.username, data: `v=${signature.toString("base64")}` };
  }
}
