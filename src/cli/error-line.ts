// The one line a user sees for any error: our own messages as they are, system errors in plain words.
import { ConnectError } from "../harness/errors.js";
import { UsageError } from "../runner/errors.js";

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: "address already in use",
  EACCES: "permission denied",
  EADDRNOTAVAIL: "address not available",
};

export function errorLine(err: unknown): string {
  if (err instanceof UsageError || err instanceof ConnectError) return oneLine(err.message);
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code && e.syscall === "listen" && LISTEN_ERRORS[e.code]) {
    return `cannot listen on ${e.address}:${e.port}: ${LISTEN_ERRORS[e.code]}`;
  }
  return oneLine(e instanceof Error ? e.message : String(err));
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
