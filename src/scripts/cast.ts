// Who plays whom: a script's actors logged in as the accounts of the run. Without
// account options a script runs as its own accounts (Prosody's CI creates juliet@localhost
// with the password its script names), moved to the target's domain; with --account,
// --register or --admin each distinct account of the script is played by one the run
// provides, and every JID of the script follows (jid-map.ts).
import type { AccountSource } from "../harness/accounts.js";
import type { Account } from "../harness/target.js";
import { JidMap } from "./jid-map.js";
import type { ScriptActor } from "./play.js";
import { clientsOf, scriptAccounts, scriptDomain, type Script } from "./script.js";

export interface Cast {
  actors: ScriptActor[];
  jids: JidMap;
  /** The accounts, with whether the run made them for this script (then they go away after it). */
  accounts: Array<{ account: Account; fresh: boolean }>;
  /** Hands made accounts back to their source, which removes them. */
  release(): Promise<void>;
}

/** Where accounts come from: the script's own, or a source (given, registered, admin-made). */
export type Casting = { own: true } | { own: false; source: AccountSource; fresh: boolean };

/**
 * The cast, or why the script cannot be played (too few given accounts). `components`
 * maps a component of the script to the one the run attaches as, when they differ.
 */
export async function cast(script: Script, targetDomain: string, casting: Casting, components: ReadonlyMap<string, string> = new Map()): Promise<Cast | { skip: string }> {
  const wanted = scriptAccounts(script);
  let accounts: Account[];
  if (casting.own) {
    accounts = wanted.map((w) => ({ username: w.jid.slice(0, w.jid.indexOf("@")), password: w.password }));
  } else {
    const { available } = casting.source;
    if (available !== "unlimited" && available < wanted.length) {
      return { skip: `needs ${wanted.length} accounts, ${available} provisioned (give more --account or use --register)` };
    }
    accounts = await casting.source.take(wanted.length);
  }
  const playedBy = new Map(wanted.map((w, i) => [w.jid, accounts[i]!]));
  const jids = new JidMap(scriptDomain(script), targetDomain, new Map([...playedBy].map(([jid, a]) => [jid, `${a.username}@${targetDomain}`])), components);
  const fresh = !casting.own && casting.fresh;
  return {
    actors: clientsOf(script).map((decl) => ({ decl, account: playedBy.get(decl.jid)! })),
    jids,
    accounts: accounts.map((account) => ({ account, fresh })),
    release: async () => {
      if (!casting.own) await casting.source.release?.(accounts);
    },
  };
}
