// What the harness knows about the server under test and how to reach it, and the
// safety rules that decide how far a password may travel unencrypted.
import { BlockList, isIP } from "node:net";

export type TlsMode = "plain" | "starttls" | "direct";

export interface TargetProfile {
  host: string;
  port: number;
  domain: string;
  tls: TlsMode;
  /** Accept any certificate (test certificates); never set process-wide. */
  insecure: boolean;
  /** PEM of a CA (or the self-signed certificate) to trust. */
  caPem?: string;
  /** Send SASL PLAIN over an unencrypted stream even to a host that is not loopback. */
  allowPlaintextAuth?: boolean;
}

export interface Account {
  username: string;
  password: string;
}

export function bareJid(account: Account, domain: string): string {
  return `${account.username}@${domain}`;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/**
 * True for a host that never leaves this machine: `localhost`, 127.0.0.0/8 and ::1
 * (also written IPv4-mapped, or in brackets). Any other name counts as remote, even one
 * that resolves to loopback: the decision is made from what the user typed.
 */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost") return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 6 ? "ipv6" : "ipv4");
}

/**
 * How streams are secured when the user did not say (`--tls`): in the clear to a loopback
 * host (the embedded server, a server under test on this machine), STARTTLS with a
 * verified certificate to anything else.
 */
export function defaultTlsMode(host: string): TlsMode {
  return isLoopback(host) ? "plain" : "starttls";
}

/**
 * Whether SASL PLAIN, which carries the password itself, may be sent: always over TLS or
 * to a loopback host, otherwise only when the user allowed it. SCRAM reveals no password
 * and is not restricted.
 */
export function plainAuthAllowed(target: Pick<TargetProfile, "host" | "allowPlaintextAuth">, encrypted: boolean): boolean {
  return encrypted || isLoopback(target.host) || target.allowPlaintextAuth === true;
}
