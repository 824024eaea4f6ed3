// Server side of SASL PLAIN (RFC 4616) and SCRAM-SHA-1 (RFC 5802). The SCRAM math
// is exported as pure functions so the RFC 5802 test vector can check it.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

export const MECHANISMS = ["SCRAM-SHA-1", "PLAIN"] as const;
export type Mechanism = (typeof MECHANISMS)[number];

export interface ScramCredentials {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, text: string): Buffer => createHmac("sha1", key).update(text).digest();
const sha1 = (data: Buffer): Buffer => createHash("sha1").update(data).digest();

export function scramSaltedPassword(password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(password, salt, iterations, 20, "sha1");
}

export function scramKeys(password: string, salt: Buffer, iterations: number): ScramCredentials {
  const salted = scramSaltedPassword(password, salt, iterations);
  return {
    salt,
    iterations,
    storedKey: sha1(hmac(salted, "Client Key")),
    serverKey: hmac(salted, "Server Key"),
  };
}

/** True when `proof` (base64) proves knowledge of the password behind `creds`. */
export function scramVerifyProof(creds: ScramCredentials, authMessage: string, proof: string): boolean {
  const p = Buffer.from(proof, "base64");
  if (p.length !== 20) return false;
  const signature = hmac(creds.storedKey, authMessage);
  const clientKey = Buffer.from(p.map((b, i) => b ^ signature[i]!));
  return timingSafeEqual(sha1(clientKey), creds.storedKey);
}

/** The `v=` value of server-final-message, base64. */
export function scramServerSignature(creds: ScramCredentials, authMessage: string): string {
  return hmac(creds.serverKey, authMessage).toString("base64");
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
  scramCredentials(username: string): ScramCredentials | undefined;
}

export function startSasl(
  mechanism: Mechanism,
  accounts: SaslAccounts,
  domain: string,
  nonce: () => string = () => randomBytes(18).toString("base64"),
): SaslExchange {
  return mechanism === "PLAIN" ? new PlainServer(accounts, domain) : new ScramServer(accounts, domain, nonce);
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

/** RFC 5802 server: client-first → server-first, client-final → server-final. */
export class ScramServer implements SaslExchange {
  private state: { username: string; gs2: string; nonce: string; clientFirstBare: string; serverFirst: string; creds?: ScramCredentials } | undefined;

  constructor(
    private readonly accounts: SaslAccounts,
    private readonly domain: string,
    private readonly nonce: () => string,
  ) {}

  step(data: string): SaslStep {
    return this.state ? this.final(data) : this.first(data);
  }

  private first(data: string): SaslStep {
    const m = /^([ny]|p=[^,]*),(a=[^,]*)?,(.*)$/.exec(data);
    if (!m) return malformed;
    if (m[1]!.startsWith("p=")) return malformed; // no channel binding offered
    const attrs = scramAttrs(m[3]!);
    const rawUser = attrs.get("n");
    const clientNonce = attrs.get("r");
    if (rawUser === undefined || !clientNonce || /[^!-+--~]/.test(clientNonce)) return malformed;
    const username = decodeSaslName(rawUser);
    if (username === undefined) return malformed;
    if (!authzidOk(m[2] ? decodeSaslName(m[2].slice(2)) ?? "?" : "", username, this.domain)) {
      return { kind: "failure", condition: "invalid-authzid" };
    }
    const creds = this.accounts.scramCredentials(username);
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
    const attrs = scramAttrs(withoutProof);
    if (attrs.get("c") !== Buffer.from(s.gs2).toString("base64") || attrs.get("r") !== s.nonce) return malformed;
    const authMessage = `${s.clientFirstBare},${s.serverFirst},${withoutProof}`;
    if (!s.creds || !scramVerifyProof(s.creds, authMessage, data.slice(proofAt + 3))) return notAuthorized;
    return { kind: "success", username: s.username, data: `v=${scramServerSignature(s.creds, authMessage)}` };
  }
}

function scramAttrs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}

function decodeSaslName(text: string): string | undefined {
  if (/=(?!2C|3D)/.test(text)) return undefined;
  return text.replace(/=2C/g, ",").replace(/=3D/g, "=");
}
