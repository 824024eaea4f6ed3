// A throwaway self-signed certificate for localhost and its subdomains, made at each start.
import { join } from "node:path";
import { execOk } from "./processes.js";

export interface Certificate {
  cert: string;
  key: string;
}

export async function makeCertificate(dir: string): Promise<Certificate> {
  const files = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
  await execOk("openssl req -x509", "openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", files.key, "-out", files.cert, "-days", "7", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,DNS:*.localhost",
  ]);
  return files;
}
