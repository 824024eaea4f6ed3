// SCRAM (RFC 5802) arithmetic for both sides, on node:crypto, for each hash a mechanism
// may name: SHA-1 (RFC 5802), SHA-256 (RFC 7677) and SHA-512 (draft-melnikov-scram-sha-512).
// xmpp.js derives the salted password with one WebCrypto HMAC call per iteration
// (200-400 ms per login at 4096 iterations), too slow for a harness that logs in hundreds
// of times.
import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";

export type ScramHash = "sha1" | "sha256" | "sha512";

/** Output size of each hash in bytes: the length of the salted password, keys and proof. */
const HASH_BYTES: Record<ScramHash, number> = { sha1: 20, sha256: 32, sha512: 64 };

export interface ScramKeys {
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (hash: ScramHash, key: Buffer, data: string) => createHmac(hash, key).update(data).digest();
const digest = (hash: ScramHash, data: Buffer) => createHash(hash).update(data).digest();

export function saltedPassword(password: string, salt: Buffer, iterations: number, hash: ScramHash = "sha1"): Buffer {
  return pbkdf2Sync(password.normalize("NFKC"), salt, iterations, HASH_BYTES[hash], hash);
}

export function scramKeys(salted: Buffer, hash: ScramHash = "sha1"): ScramKeys {
  const clientKey = hmac(hash, salted, "Client Key");
  return { storedKey: digest(hash, clientKey), serverKey: hmac(hash, salted, "Server Key") };
}

/** The client's proof and the server signature it expects, for one exchange. */
export function clientProof(salted: Buffer, authMessage: string, hash: ScramHash = "sha1"): { proof: Buffer; serverSignature: Buffer } {
  const clientKey = hmac(hash, salted, "Client Key");
  const signature = hmac(hash, digest(hash, clientKey), authMessage);
  const proof = Buffer.alloc(clientKey.length);
  for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
  return { proof, serverSignature: hmac(hash, hmac(hash, salted, "Server Key"), authMessage) };
}

/** Server side: checks a client proof against stored keys; returns the server signature or undefined. */
export function verifyClientProof(keys: ScramKeys, authMessage: string, proof: Buffer, hash: ScramHash = "sha1"): Buffer | undefined {
  const signature = hmac(hash, keys.storedKey, authMessage);
  if (proof.length !== signature.length || keys.storedKey.length !== signature.length) return undefined;
  const clientKey = Buffer.alloc(signature.length);
  for (let i = 0; i < clientKey.length; i++) clientKey[i] = proof[i]! ^ signature[i]!;
  if (!timingSafeEqual(digest(hash, clientKey), keys.storedKey)) return undefined;
  return hmac(hash, keys.serverKey, authMessage);
}

/**
 * The GS2 header that opens the client-first-message (RFC 5802 section 7): the
 * channel-binding flag (`n` the client cannot bind, `y` it can but thinks the server
 * cannot, `p=TYPE` it binds) and the empty authzid.
 */
export type Gs2Flag = "n" | "y" | { type: string };

export function gs2Header(flag: Gs2Flag): string {
  return `${typeof flag === "string" ? flag : `p=${flag.type}`},,`;
}

/**
 * The `c=` attribute of the client-final-message: base64 of the GS2 header, followed by
 * the channel-binding data when the flag is `p` (RFC 5802 section 7, cbind-input).
 */
export function channelBindingAttribute(header: string, cbindData?: Buffer): string {
  return Buffer.concat([Buffer.from(header, "utf8"), cbindData ?? Buffer.alloc(0)]).toString("base64");
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
