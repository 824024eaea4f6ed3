// The embedded reference XMPP server: c2s on loopback with optional STARTTLS or
// direct TLS, SASL PLAIN / SCRAM-SHA-1, XEP-0198 and the modules the suites need,
// plus named faults that break one rule each.
import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext, createServer as createTlsServer, type SecureContext } from "node:tls";
import { makeCertificate } from "./certificate.js";
import { Connection } from "./connection.js";
import { Timers, type ServerConfig, type ServerContext } from "./context.js";
import { Faults } from "./faults.js";
import { validUsername } from "./jid.js";
import { Sessions } from "./sessions.js";
import { SmRegistry } from "./sm-registry.js";
import { Store } from "./store.js";
import { DEFAULT_STREAM_LIMITS } from "./stream-parser.js";

export { FAULTS, type FaultName } from "./faults.js";

export interface ServerOptions {
  host?: string;
  port?: number;
  domain: string;
  users?: Array<{ username: string; password: string }>;
  faults?: string[];
  /** Longest resumption window in seconds. */
  smMax?: number;
  /** Unacknowledged stanzas a session may have before it is ended. */
  smQueueLimit?: number;
  tls?: "off" | "optional" | "required";
  directTls?: boolean;
  /** Bytes of one top-level element (default 262144); a larger one is a policy-violation. */
  maxStanzaBytes?: number;
  /** Element nesting below the stream root, a stanza being level 1 (default 64); deeper is a policy-violation. */
  maxDepth?: number;
  registration?: boolean;
  log?: (line: string) => void;
}

export interface RunningServer {
  host: string;
  port: number;
  directTlsPort?: number;
  domain: string;
  certificatePem: string;
  faults: ReadonlySet<string>;
  addUser(username: string, password: string): void;
  stop(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const faults = new Faults(opts.faults ?? []);
  const domain = opts.domain.toLowerCase();
  const host = opts.host ?? "127.0.0.1";
  const certificate = await makeCertificate(domain);
  const store = new Store();
  const addUser = (username: string, password: string): void => {
    if (!validUsername(username.toLowerCase())) throw new Error(`invalid username ${JSON.stringify(username)}`);
    store.addUser(username, password);
  };
  for (const u of opts.users ?? []) addUser(u.username, u.password);

  const ctx = new ServerState(
    {
      domain,
      smMax: opts.smMax ?? 300,
      smQueueLimit: opts.smQueueLimit ?? 500,
      tls: opts.tls ?? "optional",
      maxStanzaBytes: opts.maxStanzaBytes ?? DEFAULT_STREAM_LIMITS.maxStanzaBytes,
      maxDepth: opts.maxDepth ?? DEFAULT_STREAM_LIMITS.maxDepth,
      registration: opts.registration ?? true,
    },
    faults,
    store,
    createSecureContext({ cert: certificate.cert, key: certificate.key }),
    opts.log,
  );

  const connections = new Set<Connection>();
  const accept = (secure: boolean) => (socket: Socket) => {
    try {
      connections.add(new Connection(ctx, socket, secure, (c) => connections.delete(c)));
    } catch (err) {
      ctx.log(`accept failed: ${(err as Error).message}`);
      socket.destroy();
    }
  };

  const plain = createServer(accept(false));
  const port = await listen(plain, host, opts.port ?? 0);
  let direct: Server | undefined;
  let directTlsPort: number | undefined;
  if (opts.directTls) {
    // tls.Server ignores a lone `secureContext` option for its handshakes: give it the PEMs.
    direct = createTlsServer({ cert: certificate.cert, key: certificate.key }, accept(true));
    direct.on("tlsClientError", (err) => ctx.log(`direct TLS handshake failed: ${err.message}`));
    directTlsPort = await listen(direct, host, 0);
  }
  ctx.log(`listening on ${host}:${port}${directTlsPort ? ` (direct TLS ${directTlsPort})` : ""} for ${domain}`);

  return {
    host,
    port,
    ...(directTlsPort !== undefined ? { directTlsPort } : {}),
    domain,
    certificatePem: certificate.cert,
    faults: faults.names,
    addUser,
    async stop() {
      ctx.sessions.endAll();
      const closed = [plain, direct].filter((s): s is Server => s !== undefined).map((s) => new Promise<void>((r) => s.close(() => r())));
      for (const c of connections) c.destroy();
      connections.clear();
      ctx.timers.clear();
      await Promise.all(closed);
    },
  };
}

class ServerState implements ServerContext {
  readonly sessions = new Sessions(this);
  readonly sm = new SmRegistry();
  readonly timers = new Timers();
  readonly logging: boolean;

  constructor(
    readonly config: ServerConfig,
    readonly faults: Faults,
    readonly store: Store,
    readonly secureContext: SecureContext,
    private readonly sink: ((line: string) => void) | undefined,
  ) {
    this.logging = sink !== undefined;
  }

  log(line: string): void {
    this.sink?.(line);
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const addr = server.address();
      resolve(typeof addr === "object" && addr ? addr.port : port);
    });
  });
}
