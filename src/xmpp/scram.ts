// SCRAM-SHA-1 (RFC 5802) arithmetic for both sides, on node:crypto. xmpp.js derives
// the salted password with one WebCrypto HMAC call per iteration (200-400 ms per
// login at 4096 iterations), too slow for a harness that logs in hundreds of times.
import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";

export interface ScramKeys {
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, data: string) => createHmac("sha1", key).update(data).digest();

export function saltedPassword(password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 20, "sha1");
}

export function scramKeys(salted: Buffer): ScramKeys {
  const clientKey = hmac(salted, "Client Key");
  return { storedKey: createHash("sha1").update(clientKey).digest(), serverKey: hmac(salted, "Server Key") };
}

/** The client's proof and the server signature it expects, for one exchange. */
export function clientProof(salted: Buffer, authMessage: string): { proof: Buffer; serverSignature: Buffer } {
  const clientKey = hmac(salted, "Client Key");
  const storedKey = createHash("sha1").update(clientKey).digest();
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.alloc(clientKey.length);
  for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
  return { proof, serverSignature: hmac(hmac(salted, "Server Key"), authMessage) };
}

/** Server side: checks a client proof against stored keys; returns the server signature or undefined. */
export function verifyClientProof(keys: ScramKeys, authMessage: string, proof: Buffer): Buffer | undefined {
  const signature = hmac(keys.storedKey, authMessage);
  if (proof.length !== signature.length) return undefined;
  const clientKey = Buffer.alloc(signature.length);
  for (let i = 0; i < clientKey.length; i++) clientKey[i] = proof[i]! ^ signature[i]!;
  const candidate = createHash("sha1").update(clientKey).digest();
  if (!timingSafeEqual(candidate, keys.storedKey)) return undefined;
  return hmac(keys.serverKey, authMessage);
}

/** Parses `k=v,k=v` SCRAM attribute lists. */
export function parseScramAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

/** SASLprep-lite for usernames in SCRAM: `=` and `,` must be escaped (RFC 5802 5.1). */
export function escapeUsername(name: string): string {
  return name.replace(/=/g, "=3D").replace(/,/g, "=2C");
}

/** Undoes escapeUsername; undefined when `=` starts anything but `=2C` or `=3D`. */
export function unescapeUsername(name: string): string | undefined {
  if (/=(?!2C|3D)/.test(name)) return undefined;
  return name.replace(/=2C/g, ",").replace(/=3D/g, "=");
}
