// The embedded reference XMPP server: c2s on loopback with optional STARTTLS or
// direct TLS, SASL PLAIN / SCRAM-SHA-1, XEP-0198 and the modules the suites need,
// plus named faults that break one rule each.
import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext, createServer as createTlsServer, type SecureContext } from "node:tls";
import { makeCertificate } from "./certificate.js";
import { ComponentConnection, hookComponents } from "./component-connection.js";
import { Components } from "./components.js";
import { Connection, hookCoreIq } from "./connection.js";
import { Timers, type ServerConfig, type ServerContext } from "./context.js";
import { Faults } from "./faults.js";
import { HookBus } from "./hooks.js";
import { parseJid, validUsername } from "./jid.js";
import { MODULES } from "./modules/index.js";
import { Rosters } from "./rosters.js";
import { Sessions } from "./sessions.js";
import { Store } from "./store.js";

export { FAULTS } from "./faults.js";

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
  maxStanzaBytes?: number;
  registration?: boolean;
  /** Usernames that may add and delete accounts with XEP-0133 ad-hoc commands; the accounts need not exist yet. */
  admins?: string[];
  /** XEP-0114 components (jabber:component:accept), each a domain and its shared secret. */
  components?: Array<{ name: string; secret: string }>;
  /** Port of the component listener (default: an ephemeral one); it listens only when components are configured. */
  componentPort?: number;
  log?: (line: string) => void;
}

export interface RunningServer {
  host: string;
  port: number;
  directTlsPort?: number;
  /** Where XEP-0114 components connect, when any are configured. */
  componentPort?: number;
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
  const admins = (opts.admins ?? []).map((a) => a.toLowerCase());
  for (const a of admins) if (!validUsername(a)) throw new Error(`invalid admin username ${JSON.stringify(a)}`);
  const components = componentSecrets(opts.components ?? [], domain);

  const ctx = new ServerState(
    {
      domain,
      smMax: opts.smMax ?? 300,
      smQueueLimit: opts.smQueueLimit ?? 500,
      tls: opts.tls ?? "optional",
      maxStanzaBytes: opts.maxStanzaBytes ?? 262144,
      registration: opts.registration ?? true,
      admins,
      components,
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
  const componentConnections = new Set<ComponentConnection>();
  let componentListener: Server | undefined;
  let componentPort: number | undefined;
  if (components.size > 0) {
    componentListener = createServer((socket) => componentConnections.add(new ComponentConnection(ctx, socket, (c) => componentConnections.delete(c))));
    componentPort = await listen(componentListener, host, opts.componentPort ?? 0);
  }
  ctx.log(`listening on ${host}:${port}${directTlsPort ? ` (direct TLS ${directTlsPort})` : ""}${componentPort ? ` (components ${componentPort})` : ""} for ${domain}`);

  return {
    host,
    port,
    ...(directTlsPort !== undefined ? { directTlsPort } : {}),
    ...(componentPort !== undefined ? { componentPort } : {}),
    domain,
    certificatePem: certificate.cert,
    faults: faults.names,
    addUser,
    async stop() {
      ctx.sessions.endAll();
      const closed = [plain, direct, componentListener].filter((s): s is Server => s !== undefined).map((s) => new Promise<void>((r) => s.close(() => r())));
      for (const c of connections) c.destroy();
      connections.clear();
      for (const c of componentConnections) c.destroy();
      componentConnections.clear();
      ctx.timers.clear();
      await Promise.all(closed);
    },
  };
}

class ServerState implements ServerContext {
  readonly hooks = new HookBus();
  readonly sessions: Sessions;
  readonly rosters: Rosters;
  readonly components: Components;
  readonly features = { host: new Set<string>(), account: new Set<string>() };
  readonly accountIdentities: Array<{ category: string; type: string; name?: string }> = [];
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
    this.sessions = new Sessions(this.hooks, config.domain, (line) => this.log(line));
    this.rosters = new Rosters(store, this.sessions, config.domain, this.hooks);
    this.components = new Components(config.components);
    hookCoreIq(this);
    hookComponents(this);
    for (const module of MODULES) module.load(this);
  }

  log(line: string): void {
    this.sink?.(line);
  }
}

/** Component domains, checked: a domain of its own (not this server's), each configured once. */
function componentSecrets(list: Array<{ name: string; secret: string }>, domain: string): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const { name, secret } of list) {
    const jid = parseJid(name);
    if (!jid || jid.local || jid.resource || jid.domain === domain) throw new Error(`invalid component name ${JSON.stringify(name)}: expected a domain other than ${domain}`);
    if (secrets.has(jid.domain)) throw new Error(`component ${jid.domain} is configured twice`);
    secrets.set(jid.domain, secret);
  }
  return secrets;
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
