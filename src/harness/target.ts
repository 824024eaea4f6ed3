// What the harness knows about the server under test and how to reach it.
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
}

export interface Account {
  username: string;
  password: string;
}

export function bareJid(account: Account, domain: string): string {
  return `${account.username}@${domain}`;
}
