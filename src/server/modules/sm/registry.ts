// SM-IDs of live (connected or hibernating) sessions, plus tombstones of expired
// ones so a late <resume/> can be told the last inbound h (SM-20 MAY).
import type { Session } from "../../session.js";

interface Tombstone {
  bare: string;
  h: number;
}

const MAX_TOMBSTONES = 1000;

export class SmRegistry {
  private readonly live = new Map<string, Session>();
  private readonly tombstones = new Map<string, Tombstone>();

  register(id: string, session: Session): void {
    this.live.set(id, session);
  }

  find(id: string): Session | undefined {
    return this.live.get(id);
  }

  forget(id: string, session: Session): void {
    if (this.live.get(id) === session) this.live.delete(id);
  }

  bury(id: string, bare: string, h: number): void {
    this.tombstones.set(id, { bare, h });
    if (this.tombstones.size > MAX_TOMBSTONES) this.tombstones.delete(this.tombstones.keys().next().value!);
  }

  /** The last inbound h of an expired session, only for its own user. */
  tombstoneH(id: string, bare: string | undefined): number | undefined {
    const t = this.tombstones.get(id);
    return t && t.bare === bare ? t.h : undefined;
  }
}
