#!/usr/bin/env node
// npm run fuzz:record: runs the SM suite through the CLI against the reference server,
// behind a proxy that keeps every byte each client wrote, and saves one stream per
// connection as the fuzzer's corpus. SCRAM exchanges become PLAIN (a SCRAM proof is
// bound to the server's nonce, so a replay of one would never authenticate).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Account } from "../harness/target.js";
import { startServer } from "../server/index.js";
import { DEFAULT_CORPUS, type Corpus } from "./corpus.js";

const ACCOUNTS: Account[] = ["alice", "bob", "carol"].map((username) => ({ username, password: "pw" }));
const DOMAIN = "localhost";
const CLI = fileURLToPath(new URL("../cli.js", import.meta.url));

/** Relays to `upstream` and keeps what each client wrote, chunk by chunk. */
async function recordingProxy(upstream: number): Promise<{ port: number; streams: string[][]; close(): void }> {
  const streams: string[][] = [];
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const chunks: string[] = [];
    streams.push(chunks);
    const server = connect(upstream, "127.0.0.1");
    for (const s of [client, server]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on("error", () => [client, server].forEach((x) => x.destroy()));
      s.on("close", () => sockets.delete(s));
    }
    client.on("data", (d: Buffer) => chunks.push(d.toString("utf8")));
    client.pipe(server);
    server.pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    streams,
    close() {
      for (const s of sockets) s.destroy();
      proxy.close();
    },
  };
}

const SASL = "urn:ietf:params:xml:ns:xmpp-sasl";

/** Replaces a SCRAM <auth/> by PLAIN for the same account and drops the SCRAM <response/>s. */
function toPlain(chunks: string[], accounts: Account[]): string[] {
  const auth = /<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="SCRAM-SHA-1">([^<]*)<\/auth>/;
  return chunks
    .map((chunk) =>
      chunk
        .replace(auth, (_, b64: string) => {
          const user = /(?:^|,)n=([^,]*)/.exec(Buffer.from(b64, "base64").toString("utf8"))?.[1] ?? "";
          const password = accounts.find((a) => a.username === user)?.password ?? "";
          return `<auth xmlns="${SASL}" mechanism="PLAIN">${Buffer.from(`\0${user}\0${password}`).toString("base64")}</auth>`;
        })
        .replace(/<response xmlns="urn:ietf:params:xml:ns:xmpp-sasl">[^<]*<\/response>/g, ""),
    )
    .filter((chunk) => chunk !== "");
}

async function main(): Promise<void> {
  const server = await startServer({ domain: DOMAIN, users: ACCOUNTS });
  const proxy = await recordingProxy(server.port);
  const reports = mkdtempSync(join(tmpdir(), "xc-fuzz-record-"));
  try {
    const accounts = ACCOUNTS.flatMap((a) => ["--account", `${a.username}:${a.password}`]);
    // Without --sm-queue-limit the overflow test skips: its 500 messages would swamp the corpus.
    const args = [CLI, "run", "--target", `127.0.0.1:${proxy.port}`, "--domain", DOMAIN, ...accounts, "--suite", "sm", "--reports", reports];
    const code = await new Promise<number | null>((resolve) => spawn(process.execPath, args, { stdio: "inherit" }).on("close", resolve));
    if (code !== 0) throw new Error(`the SM suite exited ${code}`);
  } finally {
    proxy.close();
    await server.stop();
    rmSync(reports, { recursive: true, force: true });
  }
  const corpus: Corpus = {
    about: "npm run fuzz:record: the client side of every connection of the sm suite against the reference server, SCRAM replaced by PLAIN",
    domain: DOMAIN,
    accounts: ACCOUNTS,
    streams: proxy.streams.map((s) => toPlain(s, ACCOUNTS)).filter((s) => s.length > 0),
  };
  const out = fileURLToPath(DEFAULT_CORPUS);
  writeFileSync(out, `${JSON.stringify(corpus, null, 1)}\n`);
  console.log(`${corpus.streams.length} streams, ${corpus.streams.flat().join("").length} characters, written to ${out}`);
}

await main();
