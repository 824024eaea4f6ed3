// What the harness and a client library's driver process say to each other, one JSON
// object per line: the configuration first, then commands on the driver's stdin, and
// events on its stdout. Each driver (xmppjs-driver.ts, fixtures/clients/slixmpp_driver.py)
// does only what the library itself offers its users; the harness judges.

/** The first line on the driver's stdin: whom to log in as, and where. */
export interface DriverConfig {
  host: string;
  port: number;
  domain: string;
  username: string;
  password: string;
  resource: string;
  /** direct: TLS from the first byte; otherwise the library upgrades with STARTTLS when offered, as it does by default. */
  tls: "starttls" | "direct";
  /** How the library checks the server's certificate: against this CA file, the system's CAs, or not at all. */
  trust: { ca: string } | "system" | "none";
  /** The run's --timeout, in ms: the longest the library waits for one step of its own (xmpp.js would give up after 2 s, too soon on a loaded CI machine). */
  timeoutMs: number;
}

export type DriverCommand =
  /** A chat message to `to`, with this id. */
  | { op: "send"; to: string; id: string; body: string }
  /** An XEP-0199 ping to the domain through the library: its answer is a barrier on the library's stream. */
  | { op: "ping" }
  /** Destroys the library's socket, with no closing tag: a network failure as the library meets it. */
  | { op: "drop" }
  /** The library reconnects the way it does by itself (resuming its session if it can). */
  | { op: "reconnect" }
  /** The library acknowledges what it received and closes its stream, then the driver exits. */
  | { op: "stop" };

export type DriverEvent =
  /** Raw XML the library wrote or read. */
  | { event: "wire"; dir: "out" | "in"; data: string }
  /** Something the library or the driver said (an error, a warning). */
  | { event: "log"; text: string }
  /** A session began: the library bound this full JID (again after a drop: resumption failed). */
  | { event: "online"; jid: string }
  /** The server's <enabled/> as the library read it. */
  | { event: "sm-enabled"; id: string; resume: boolean }
  /** The server's <failed/> (to <enable/> or <resume/>), with its condition. */
  | { event: "sm-failed"; condition: string }
  /** A message with a body reached the library's application. */
  | { event: "message"; from: string; id: string; body: string }
  /** The answer to a `ping` came. */
  | { event: "pong" }
  /** The socket is gone; `handled` is the library's count of stanzas it received on the session. */
  | { event: "dropped"; handled: number }
  /** The library resumed its session. */
  | { event: "resumed" }
  /** The library cannot log in to this target with what it supports (say, no common SASL mechanism). */
  | { event: "unsupported"; reason: string }
  /** Logging in or a command failed. */
  | { event: "error"; message: string }
  /** The stream is closed; the driver exits next. */
  | { event: "stopped" };
