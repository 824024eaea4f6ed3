// How the server ends a connection it closes: a FIN after what it wrote, then, since a
// peer may never close its side, the socket destroyed after a short grace.
import type { Socket } from "node:net";
import type { Timers } from "./context.js";

/** How long a closed stream's socket may linger before it is destroyed. */
const CLOSE_GRACE_MS = 250;

export function endSocket(socket: Socket, timers: Timers): void {
  socket.end();
  timers.after(CLOSE_GRACE_MS, () => socket.destroy());
}
