// How many connections the server holds, how many of them are still in their handshake
// (TLS, stream opening, SASL), and how long a handshake may take. A peer that never
// authenticates must not hold a connection for ever, nor may many of them starve the
// others. Authenticated connections have no deadline here: an idle one lives by the
// ping and Stream Management rules it negotiated.
import type { Timers } from "./context.js";

export interface ConnectionCaps {
  /** Open connections, authenticated or not. */
  maxConnections: number;
  /** Connections that have not authenticated yet. */
  maxHandshakes: number;
  /** Time from TCP accept to SASL success, in ms. */
  handshakeTimeoutMs: number;
}

export const DEFAULT_CAPS: ConnectionCaps = { maxConnections: 1000, maxHandshakes: 100, handshakeTimeoutMs: 30_000 };

export interface Load {
  connections: number;
  handshakes: number;
}

/** One connection's place in the counts. */
export interface Slot {
  /** Why the connection is refused (it is then not counted), if it is. */
  readonly refused: string | undefined;
  /** What to do when the handshake deadline passes. */
  onDeadline(expire: () => void): void;
  /** The peer authenticated: no longer a handshake, no deadline. */
  authenticated(): void;
  /** The socket closed. */
  release(): void;
}

export class ConnectionLimits {
  private connections = 0;
  private handshakes = 0;

  constructor(
    private readonly caps: ConnectionCaps,
    private readonly timers: Timers,
  ) {}

  get load(): Load {
    return { connections: this.connections, handshakes: this.handshakes };
  }

  /** Counts a new connection, or says why it is refused. */
  admit(): Slot {
    const refused =
      this.connections >= this.caps.maxConnections
        ? `the server already holds ${this.caps.maxConnections} connections`
        : this.handshakes >= this.caps.maxHandshakes
          ? `${this.caps.maxHandshakes} connections are already authenticating`
          : undefined;
    if (refused) return { refused, onDeadline: () => undefined, authenticated: () => undefined, release: () => undefined };

    this.connections++;
    this.handshakes++;
    let expire = (): void => undefined;
    let deadline: NodeJS.Timeout | undefined = this.timers.after(this.caps.handshakeTimeoutMs, () => expire());
    let open = true;
    const authenticated = (): void => {
      if (!deadline) return;
      this.timers.cancel(deadline);
      deadline = undefined;
      this.handshakes--;
    };
    return {
      refused,
      onDeadline: (fn) => (expire = fn),
      authenticated,
      release: () => {
        if (!open) return;
        open = false;
        authenticated();
        this.connections--;
      },
    };
  }
}
