// The embedded reference XMPP server: c2s on loopback with optional STARTTLS or
// direct TLS, SASL PLAIN and SCRAM-SHA-1/256/512 (-PLUS over TLS 1.3), XEP-0198 and the modules the suites need,
// plus named faults that break one rule each.
import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext, TLSSocket, type SecureContext } from "node:tls";
import { makeCertificate } from "../xmpp/certificate.js";
import { ComponentConnection, hookComponents } from "./component-connection.js";
import { Components } from "./components.js";
import { Connection, hookCoreIq } from "./connection.js";
import { Timers, type ServerConfig, type ServerContext } from "./context.js";
import { Faults } from "./faults.js";
import { HookBus } from "./hooks.js";
import { IncomingStream } from "./s2s/incoming.js";
import type { Route } from "./s2s/outgoing.js";
import { RemoteServers } from "./s2s/remotes.js";
import { parseJid, validUsername } from "./jid.js";
import { MODULES } from "./modules/index.js";
import { Rosters } from "./rosters.js";
import { MECHANISMS, checkMechanisms } from "./sasl.js";
import { ConnectionLimits, DEFAULT_CAPS, type Load } from "./limits.js";
import { Sessions } from "./sessions.js";
import { Store } from "./store.js";
import { DEFAULT_STREAM_LIMITS } from "./stream-parser.js";

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
  /** Bytes of one top-level element (default 262144); a larger one is a policy-violation. */
  maxStanzaBytes?: number;
  /** Element nesting below the stream root, a stanza being level 1 (default 64); deeper is a policy-violation. */
  maxDepth?: number;
  registration?: boolean;
  /** Usernames that may add and delete accounts with XEP-0133 ad-hoc commands; the accounts need not exist yet. */
  admins?: string[];
  /** SASL mechanisms to offer (default: all; see MECHANISMS); unknown names are refused. */
  sasl?: string[];
  /** Open connections at most (default 1000); one more is refused with resource-constraint. */
  maxConnections?: number;
  /** Connections not yet authenticated at most (default 100); one more is refused with resource-constraint. */
  maxHandshakes?: number;
  /** Time a connection has from TCP accept to SASL success (default 30000 ms), then connection-timeout. */
  handshakeTimeoutMs?: number;
  /** XEP-0114 components (jabber:component:accept), each a domain and its shared secret. */
  components?: Array<{ name: string; secret: string }>;
  /** Port of the component listener (default: an ephemeral one); it listens only when components are configured. */
  componentPort?: number;
  /** Port of the server-to-server listener (0: an ephemeral one); no S2S listener when absent. */
  s2sPort?: number;
  /** Where each remote domain's server listens (no DNS here: a domain without a route is remote-server-not-found). */
  s2sRoutes?: Array<{ domain: string; host: string; port: number }>;
  /** How long a remote server has to connect, open its stream and finish dialback (default 10000 ms). */
  s2sTimeoutMs?: number;
  /** How long a request the server sends on an account's behalf (XEP-0376) may wait for its answer (default 5000 ms, within run's default --max-wait). */
  upstreamTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface RunningServer {
  host: string;
  port: number;
  directTlsPort?: number;
  /** Where XEP-0114 components connect, when any are configured. */
  componentPort?: number;
  /** Where remote servers connect, when S2S is on. */
  s2sPort?: number;
  domain: string;
  certificatePem: string;
  faults: ReadonlySet<string>;
  addUser(username: string, password: string): void;
  /** Connections open now, and how many of them have not authenticated. */
  load(): Load;
  stop(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const faults = new Faults(opts.faults ?? []);
  const sasl = checkMechanisms(opts.sasl ?? MECHANISMS);
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
  const routes = s2sRoutes(opts.s2sRoutes ?? [], domain, components);

  const ctx = new ServerState(
    {
      domain,
      smMax: opts.smMax ?? 300,
      smQueueLimit: opts.smQueueLimit ?? 500,
      tls: opts.tls ?? "optional",
      maxStanzaBytes: opts.maxStanzaBytes ?? DEFAULT_STREAM_LIMITS.maxStanzaBytes,
      maxDepth: opts.maxDepth ?? DEFAULT_STREAM_LIMITS.maxDepth,
      registration: opts.registration ?? true,
      admins,
      sasl,
      components,
      upstreamTimeoutMs: opts.upstreamTimeoutMs ?? 5000,
    },
    faults,
    store,
    createSecureContext({ cert: certificate.cert, key: certificate.key }),
    { routes, timeoutMs: opts.s2sTimeoutMs ?? 10_000 },
    opts.log,
  );

  const limits = new ConnectionLimits(
    {
      maxConnections: opts.maxConnections ?? DEFAULT_CAPS.maxConnections,
      maxHandshakes: opts.maxHandshakes ?? DEFAULT_CAPS.maxHandshakes,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? DEFAULT_CAPS.handshakeTimeoutMs,
    },
    ctx.timers,
  );
  const connections = new Set<Connection>();
  // Counted from TCP accept, so a direct TLS handshake is part of the connection's handshake.
  // The robustness suite's denial-of-service fault: the first refused input takes the service down.
  let down = false;
  if (ctx.faults.has("robustness.stop-listening-after-hostile")) ctx.hooks.on("input-refused", () => void (down = true));
  const accept = (directTls: boolean) => (raw: Socket) => {
    if (down) return void raw.destroy();
    const slot = limits.admit();
    raw.once("close", () => slot.release());
    try {
      const socket = directTls ? new TLSSocket(raw, { isServer: true, secureContext: ctx.secureContext }) : raw;
      const connection = new Connection(ctx, socket, directTls, slot, (c) => connections.delete(c));
      connections.add(connection);
      // These caps are the server's capacity, not a verdict on this peer: resource-constraint (RFC 6120 4.9.3.17).
      if (slot.refused) connection.end("resource-constraint", slot.refused);
      else slot.onDeadline(() => connection.end("connection-timeout", "not authenticated in time"));
    } catch (err) {
      ctx.log(`accept failed: ${(err as Error).message}`);
      raw.destroy();
    }
  };

  const plain = createServer(accept(false));
  const port = await listen(plain, host, opts.port ?? 0, ctx);
  let direct: Server | undefined;
  let directTlsPort: number | undefined;
  if (opts.directTls) {
    direct = createServer(accept(true));
    directTlsPort = await listen(direct, host, 0, ctx);
  }
  const componentConnections = new Set<ComponentConnection>();
  let componentListener: Server | undefined;
  let componentPort: number | undefined;
  if (components.size > 0) {
    componentListener = createServer((socket) => componentConnections.add(new ComponentConnection(ctx, socket, (c) => componentConnections.delete(c))));
    componentPort = await listen(componentListener, host, opts.componentPort ?? 0, ctx);
  }
  const incoming = new Set<IncomingStream>();
  let s2sListener: Server | undefined;
  let s2sPort: number | undefined;
  if (opts.s2sPort !== undefined) {
    // Remote servers count against the same caps as clients: a stream is authenticated once one domain is proven on it.
    s2sListener = createServer((socket) => {
      if (down) return void socket.destroy();
      const slot = limits.admit();
      socket.once("close", () => slot.release());
      const stream = new IncomingStream(ctx, socket, ctx.remotes, slot, (s) => incoming.delete(s));
      incoming.add(stream);
      if (slot.refused) stream.end("resource-constraint", slot.refused);
      else slot.onDeadline(() => stream.end("connection-timeout", "no domain verified in time"));
    });
    s2sPort = await listen(s2sListener, host, opts.s2sPort, ctx);
  }
  ctx.log(
    `listening on ${host}:${port}${directTlsPort ? ` (direct TLS ${directTlsPort})` : ""}${componentPort ? ` (components ${componentPort})` : ""}${s2sPort ? ` (s2s ${s2sPort})` : ""} for ${domain}`,
  );

  return {
    host,
    port,
    ...(directTlsPort !== undefined ? { directTlsPort } : {}),
    ...(componentPort !== undefined ? { componentPort } : {}),
    ...(s2sPort !== undefined ? { s2sPort } : {}),
    domain,
    certificatePem: certificate.cert,
    faults: faults.names,
    addUser,
    load: () => limits.load,
    async stop() {
      ctx.sessions.endAll();
      const closed = [plain, direct, componentListener, s2sListener].filter((s): s is Server => s !== undefined).map((s) => new Promise<void>((r) => s.close(() => r())));
      for (const c of connections) c.destroy();
      connections.clear();
      for (const c of componentConnections) c.destroy();
      componentConnections.clear();
      for (const s of incoming) s.destroy();
      incoming.clear();
      ctx.remotes.stop();
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
  readonly remotes: RemoteServers;
  readonly features = { host: new Set<string>(), account: new Set<string>() };
  readonly accountIdentities: Array<{ category: string; type: string; name?: string }> = [];
  readonly identity = { category: "server", type: "im", name: "xmpp-conformance reference server" };
  readonly timers = new Timers();
  readonly logging: boolean;

  constructor(
    readonly config: ServerConfig,
    readonly faults: Faults,
    readonly store: Store,
    readonly secureContext: SecureContext,
    s2s: { routes: ReadonlyMap<string, Route>; timeoutMs: number },
    private readonly sink: ((line: string) => void) | undefined,
  ) {
    this.logging = sink !== undefined;
    this.sessions = new Sessions(this.hooks, config.domain, (line) => this.log(line));
    this.rosters = new Rosters(store, this.sessions, config.domain, this.hooks);
    this.components = new Components(config.components);
    this.remotes = new RemoteServers(this, s2s.routes, s2s.timeoutMs);
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

/** Remote domains and where their servers listen: each once, and none of the server's own domains. */
function s2sRoutes(list: Array<{ domain: string; host: string; port: number }>, domain: string, components: ReadonlyMap<string, string>): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const r of list) {
    const jid = parseJid(r.domain);
    if (!jid || jid.local || jid.resource) throw new Error(`invalid S2S route domain ${JSON.stringify(r.domain)}`);
    if (jid.domain === domain || jid.domain.endsWith(`.${domain}`) || components.has(jid.domain)) throw new Error(`${jid.domain} is served here; it cannot be routed to another server`);
    if (routes.has(jid.domain)) throw new Error(`S2S route for ${jid.domain} is configured twice`);
    if (!Number.isInteger(r.port) || r.port < 1 || r.port > 65535) throw new Error(`invalid port in the S2S route for ${jid.domain}`);
    routes.set(jid.domain, { host: r.host, port: r.port });
  }
  return routes;
}

function listen(server: Server, host: string, port: number, ctx: ServerContext): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      // A failed accept (EMFILE) is an 'error' event, which would end the process unheard.
      server.on("error", (err) => ctx.log(`accept failed: ${err.message}`));
      const addr = server.address();
      resolve(typeof addr === "object" && addr ? addr.port : port);
    });
  });
}
