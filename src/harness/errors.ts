// A failure to reach or log in to the target: a run-level error (exit 2), reported in one line.
export class ConnectError extends Error {
  constructor(
    readonly kind: "connect" | "tls" | "auth" | "protocol",
    message: string,
  ) {
    super(message);
    this.name = "ConnectError";
  }
}

/** Turns a socket error into the short phrase a user needs ("connection refused"). */
export function describeSocketError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case "ECONNREFUSED": return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN": return "host not found";
    case "ETIMEDOUT": return "connection timed out";
    case "ECONNRESET": return "connection reset";
    case "EHOSTUNREACH": return "host unreachable";
    case "EADDRINUSE": return "address already in use";
    case "EADDRNOTAVAIL": return "address not available";
    case "EACCES": return "permission denied";
    default: return e?.message ?? String(err);
  }
}
