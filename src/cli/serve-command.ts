// `serve`: the reference server on its own, until SIGINT or SIGTERM.
import { writeFileSync } from "node:fs";
import { UsageError } from "../runner/errors.js";
import { startServer } from "../server/index.js";
import { checkFaults, checkSasl, parseAccount, positiveInt, splitList } from "./args.js";

export interface ServeArgs {
  host: string;
  port: number;
  domain: string;
  user: string[];
  admin: string[];
  fault: string[];
  smMax?: number;
  smQueueLimit?: number;
  maxDepth?: number;
  handshakeTimeout?: number;
  maxConnections?: number;
  maxHandshakes?: number;
  upstreamTimeout?: number;
  tls: "off" | "optional" | "required";
  directTls: boolean;
  component: string[];
  componentPort?: number;
  s2sPort?: number;
  s2sRoute: string[];
  register: boolean;
  cert?: string;
  sasl?: string[];
}

export async function serveCommand(args: ServeArgs): Promise<number> {
  const users = args.user.map((u) => parseAccount(u, "--user"));
  const admins = splitList(args.admin);
  for (const a of admins) {
    if (a.includes(":")) throw new UsageError(`--admin ${a}: expected a USER name; give its password with --user USER:PASSWORD`);
    const known = users.some((u) => u.username.toLowerCase() === a.toLowerCase());
    if (!known && !args.register) throw new UsageError(`--admin ${a}: no such account; create it with --user ${a}:PASSWORD (registration is off)`);
  }
  const faults = splitList(args.fault);
  checkFaults(faults);
  const sasl = args.sasl === undefined ? undefined : checkSasl(splitList(args.sasl));
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new UsageError(`--port: expected a port number (0-65535)`);
  const components = args.component.map(parseComponent);
  if (args.componentPort !== undefined) {
    if (!Number.isInteger(args.componentPort) || args.componentPort < 0 || args.componentPort > 65535) throw new UsageError(`--component-port: expected a port number (0-65535)`);
    if (components.length === 0) throw new UsageError("--component-port: no --component NAME:SECRET to listen for");
  }
  if (args.s2sPort !== undefined && (!Number.isInteger(args.s2sPort) || args.s2sPort < 0 || args.s2sPort > 65535)) throw new UsageError(`--s2s-port: expected a port number (0-65535)`);
  const s2sRoutes = args.s2sRoute.map(parseRoute);
  const server = await startServer({
    host: args.host,
    port: args.port,
    domain: args.domain,
    users,
    admins,
    faults,
    ...(args.smMax !== undefined ? { smMax: positiveInt("--sm-max", args.smMax) } : {}),
    ...(args.smQueueLimit !== undefined ? { smQueueLimit: positiveInt("--sm-queue-limit", args.smQueueLimit) } : {}),
    ...(args.maxDepth !== undefined ? { maxDepth: positiveInt("--max-depth", args.maxDepth) } : {}),
    ...(args.handshakeTimeout !== undefined ? { handshakeTimeoutMs: positiveInt("--handshake-timeout", args.handshakeTimeout) * 1000 } : {}),
    ...(args.maxConnections !== undefined ? { maxConnections: positiveInt("--max-connections", args.maxConnections) } : {}),
    ...(args.maxHandshakes !== undefined ? { maxHandshakes: positiveInt("--max-handshakes", args.maxHandshakes) } : {}),
    ...(args.upstreamTimeout !== undefined ? { upstreamTimeoutMs: positiveInt("--upstream-timeout", args.upstreamTimeout) * 1000 } : {}),
    tls: args.tls,
    directTls: args.directTls,
    registration: args.register,
    ...(sasl ? { sasl } : {}),
    components,
    ...(args.componentPort !== undefined ? { componentPort: args.componentPort } : {}),
    ...(args.s2sPort !== undefined ? { s2sPort: args.s2sPort } : {}),
    s2sRoutes,
  });
  if (args.cert) {
    try {
      writeFileSync(args.cert, server.certificatePem);
    } catch (err) {
      await server.stop();
      throw new UsageError(`--cert ${args.cert}: cannot write it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  const direct = server.directTlsPort !== undefined ? `, direct TLS port ${server.directTlsPort}` : "";
  const admin = admins.length > 0 ? `, admins: ${admins.join(", ")}` : "";
  const offer = sasl ? `, SASL: ${sasl.join(", ")}` : "";
  const component = server.componentPort !== undefined ? `, component port ${server.componentPort} for ${components.map((c) => c.name).join(", ")}` : "";
  const s2s = server.s2sPort !== undefined ? `, s2s port ${server.s2sPort}` : "";
  const routed = s2sRoutes.length > 0 ? `, routes: ${s2sRoutes.map((r) => `${r.domain}=${r.host}:${r.port}`).join(", ")}` : "";
  console.log(`listening on ${server.host}:${server.port} (domain ${server.domain}, faults: ${[...server.faults].join(", ") || "none"}${direct}${admin}${offer}${component}${s2s}${routed})`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await server.stop();
  return 0;
}

/** NAME:SECRET, split at the first colon; NAME is a domain of its own such as component.localhost. */
function parseComponent(spec: string): { name: string; secret: string } {
  const colon = spec.indexOf(":");
  if (colon <= 0 || colon === spec.length - 1) throw new UsageError(`--component ${spec}: expected NAME:SECRET`);
  const name = spec.slice(0, colon).toLowerCase();
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(name)) throw new UsageError(`--component ${spec}: NAME must be a domain such as component.localhost`);
  return { name, secret: spec.slice(colon + 1) };
}

/** DOMAIN=HOST:PORT: where the server of a remote domain listens (there is no DNS lookup). */
function parseRoute(spec: string): { domain: string; host: string; port: number } {
  const m = /^([^=\s]+)=(.+):(\d+)$/.exec(spec);
  if (!m) throw new UsageError(`--s2s-route ${spec}: expected DOMAIN=HOST:PORT`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new UsageError(`--s2s-route ${spec}: PORT must be 1-65535`);
  return { domain: m[1]!.toLowerCase(), host: m[2]!.replace(/^\[(.*)\]$/, "$1"), port };
}
