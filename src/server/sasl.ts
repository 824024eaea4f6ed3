// Server side of SASL PLAIN (RFC 4616) and SCRAM-SHA-1 (RFC 5802), on the SCRAM math
// both sides share (src/xmpp/scram.ts).
import { randomBytes } from "node:crypto";
import { ScramKeys, parseScramAttributes, saltedPassword, scramKeys, unescapeUsername, verifyClientProof } from "../xmpp/scram.js";

export const MECHANISMS = ["SCRAM-SHA-1", "PLAIN"] as const;
export type Mechanism = (typeof MECHANISMS)[number];

export interface ScramCredentials extends ScramKeys {
  salt: Buffer;
  iterations: number;
}

/** What the server keeps of a password: the salt, the iteration count and the derived keys. */
export function scramCredentials(password: string, salt: Buffer, iterations: number): ScramCredentials {
  return { salt, iterations, ...scramKeys(saltedPassword(password, salt, iterations)) };
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
    const attrs = parseScramAttributes(m[3]!);
    const rawUser = attrs.get("n");
    const clientNonce = attrs.get("r");
    if (rawUser === undefined || !clientNonce || /[^!-+--~]/.test(clientNonce)) return malformed;
    const username = unescapeUsername(rawUser);
    if (username === undefined) return malformed;
    if (!authzidOk(m[2] ? unescapeUsername(m[2].slice(2)) ?? "?" : "", username, this.domain)) {
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
    const attrs = parseScramAttributes(withoutProof);
    if (attrs.get("c") !== Buffer.from(s.gs2).toString("base64") || attrs.get("r") !== s.nonce) return malformed;
    const authMessage = `${s.clientFirstBare},${s.serverFirst},${withoutProof}`;
    const signature = s.creds && verifyClientProof(s.creds, authMessage, Buffer.from(data.slice(proofAt + 3), "base64"));
    if (!signature) return notAuthorized;
    return { kind: "success", username: s.username, data: `v=${signature.toString("base64")}` };
  }
}
