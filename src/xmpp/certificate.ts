// Self-signed certificate made at start-up, by the reference server and by the harness's
// S2S peer for STARTTLS (EC P-256: tens of milliseconds, where RSA key generation would
// cost far more).
import { generate } from "selfsigned";

export interface Certificate {
  cert: string;
  key: string;
}

export async function makeCertificate(domain: string): Promise<Certificate> {
  const names = [...new Set([domain, "localhost", "*.localhost"])];
  const pems = await generate([{ name: "commonName", value: domain }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [...names.map((value) => ({ type: 2 as const, value })), { type: 7, ip: "127.0.0.1" }] },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
