// Client side of SASL PLAIN and SCRAM-SHA-1 as step functions, so the test client can
// drive each <auth/>/<response/> itself (xmpp.js's SCRAM is too slow, see src/xmpp/scram.ts).
import { randomBytes } from "node:crypto";
import { clientProof, escapeUsername, parseScramAttributes, saltedPassword } from "../xmpp/scram.js";

export type Mechanism = "SCRAM-SHA-1" | "PLAIN";

export interface SaslExchange {
  mechanism: Mechanism;
  /** Payload of <auth/> (base64). */
  initial: string;
  /** Given a challenge (base64), returns the response (base64); throws on a bad challenge. */
  respond(challenge: string): string;
  /** Checks the additional data of <success/> (base64); throws when the server cannot be trusted. */
  verifySuccess(data: string): void;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

export function plain(username: string, password: string): SaslExchange {
  return {
    mechanism: "PLAIN",
    initial: b64(`\0${username}\0${password}`),
    respond: () => "",
    verifySuccess: () => {},
  };
}

export function scramSha1(username: string, password: string, nonce = randomBytes(18).toString("base64")): SaslExchange {
  const bare = `n=${escapeUsername(username)},r=${nonce}`;
  let expectedSignature: Buffer | undefined;
  return {
    mechanism: "SCRAM-SHA-1",
    initial: b64(`n,,${bare}`),
    respond(challenge) {
      const serverFirst = unb64(challenge);
      const attrs = parseScramAttributes(serverFirst);
      const r = attrs.get("r");
      const s = attrs.get("s");
      const i = Number(attrs.get("i"));
      if (!r?.startsWith(nonce) || !s || !Number.isInteger(i) || i < 1) {
        throw new Error(`malformed SCRAM challenge '${serverFirst}'`);
      }
      const finalBare = `c=biws,r=${r}`;
      const salted = saltedPassword(password, Buffer.from(s, "base64"), i);
      const { proof, serverSignature } = clientProof(salted, `${bare},${serverFirst},${finalBare}`);
      expectedSignature = serverSignature;
      return b64(`${finalBare},p=${proof.toString("base64")}`);
    },
    verifySuccess(data) {
      const v = parseScramAttributes(unb64(data)).get("v");
      if (!expectedSignature || v !== expectedSignature.toString("base64")) {
        throw new Error("server signature in SCRAM <success/> does not verify");
      }
    },
  };
}
