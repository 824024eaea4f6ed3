// Plays one script against a target: each actor is a TestClient, all recorded in one
// transcript. `receives` takes the actor's next stanza, as scansion does (nothing is
// skipped; other actors' stanzas are their own business), and fails when it does not
// match; `receives: nothing` sends a ping and fails on any stanza that came before its
// answer, so absence is proved without waiting; `sends` after `disconnects` is a no-op,
// as it is in scansion. The first failure ends the script.
import { shown } from "../harness/actor.js";
import { TestClient } from "../harness/client.js";
import type { Account, TargetProfile } from "../harness/target.js";
import type { Transcript } from "../harness/transcript.js";
import { Violation } from "../verdict/verdict.js";
import { isStanza, type Element } from "../xmpp/element.js";
import { match, predicate } from "../xmpp/match.js";
import type { JidMap } from "./jid-map.js";
import type { Action, ClientDecl, Script } from "./script.js";
import { shownTemplate, toPattern, toSend, type Bindings } from "./template.js";
import type { Variable } from "./values.js";

export interface ScriptFailure {
  line: number;
  /** The action as the script words it: `Juliet receives:`. */
  action: string;
  message: string;
  expected?: string;
  received?: string;
}

export interface ScriptActor {
  decl: ClientDecl;
  /** The account it logs in as on the target. */
  account: Account;
}

export interface PlayOptions {
  /** Where an actor connects (the target, or where its declaration points). */
  targetOf(decl: ClientDecl): TargetProfile;
  actors: ScriptActor[];
  jids: JidMap;
  timeoutMs: number;
  /** Where every actor's traffic is recorded. */
  transcript: Transcript;
}

export interface Played {
  failure?: ScriptFailure;
  /** What each account sent, for the cleanup to find what the script made. */
  sent: Array<{ account: Account; el: Element }>;
}

/** A failure at an action, with what was expected and what came. */
class Failed extends Error {
  constructor(
    message: string,
    readonly expected?: string,
    readonly received?: string,
  ) {
    super(message);
  }
}

const nextStanza = predicate("the next stanza", isStanza);

export async function play(script: Script, opts: PlayOptions): Promise<Played> {
  const { transcript } = opts;
  const sent: Played["sent"] = [];
  const clients = new Map<string, TestClient>();
  const gone = new Set<string>();
  const actors = new Map(opts.actors.map((a) => [a.decl.name, a]));
  const bindings: Bindings = {
    variable: (v: Variable) => {
      const actor = actors.get(v.actor)!;
      if (v.property === "JID") return opts.jids.bare(actor.decl.jid);
      const jid = clients.get(v.actor)?.jid;
      if (!jid) throw new Failed(`\${${v.actor}'s full JID} is not known before ${v.actor} connects`);
      return jid;
    },
    jid: (value) => opts.jids.rewrite(value),
    captures: new Map(),
  };

  const connected = (name: string): TestClient => {
    const c = clients.get(name);
    if (c?.isOpen) return c;
    if (gone.has(name) || c) throw new Failed(`${name} is no longer connected`);
    throw new Failed(`${name} is not connected (no \`${name} connects\` before this line)`);
  };

  const step = async (a: Action): Promise<void> => {
    switch (a.kind) {
      case "connects": {
        if (clients.get(a.actor)?.isOpen) throw new Failed(`${a.actor} is already connected`);
        const { decl, account } = actors.get(a.actor)!;
        try {
          const c = await TestClient.connect(opts.targetOf(decl), account, {
            label: a.actor,
            transcript,
            timeoutMs: opts.timeoutMs,
            ...(decl.resource ? { resource: decl.resource } : {}),
          });
          clients.set(a.actor, c);
          gone.delete(a.actor);
        } catch (err) {
          throw new Failed(`${a.actor} could not connect: ${(err as Error).message}`);
        }
        return;
      }
      case "disconnects":
        await connected(a.actor).close();
        gone.add(a.actor);
        return;
      case "sends": {
        if (gone.has(a.actor)) {
          transcript.add("event", a.actor, `not sent, ${a.actor} has disconnected (line ${a.line})`);
          return;
        }
        const c = connected(a.actor);
        for (const template of a.elements) {
          const el = toSend(template, bindings);
          sent.push({ account: actors.get(a.actor)!.account, el });
          await c.send(el);
        }
        return;
      }
      case "receives": {
        const c = connected(a.actor);
        for (const template of a.elements) {
          const pattern = toPattern(template, bindings);
          let el: Element;
          try {
            el = await c.expect(nextStanza);
          } catch (err) {
            if (!(err instanceof Violation)) throw err;
            throw new Failed("no stanza came", shownTemplate(template, bindings), err.received);
          }
          const r = match(el, pattern);
          if (!r.ok) throw new Failed(`the next stanza does not match: ${r.reason}`, shownTemplate(template, bindings), shown(el));
          for (const [name, value] of Object.entries(r.captures)) bindings.captures.set(name, value);
        }
        return;
      }
      case "receives-nothing": {
        const before = (await connected(a.actor).drainUntilBarrier()).filter(isStanza);
        if (before.length > 0) {
          throw new Failed(`${before.length === 1 ? "a stanza" : `${before.length} stanzas`} came where nothing was expected`, "nothing (before the answer to a ping)", before.map(shown).join("\n"));
        }
        return;
      }
    }
  };

  let failure: ScriptFailure | undefined;
  try {
    for (const a of script.actions) {
      try {
        await step(a);
      } catch (err) {
        const f = err instanceof Failed ? err : err instanceof Violation ? new Failed(err.message, err.expected, err.received) : new Failed((err as Error).message);
        failure = {
          line: a.line,
          action: `${a.actor} ${a.kind === "receives-nothing" ? "receives: nothing" : a.kind === "sends" || a.kind === "receives" ? `${a.kind}:` : a.kind}`,
          message: f.message,
          ...(f.expected !== undefined ? { expected: f.expected } : {}),
          ...(f.received !== undefined ? { received: f.received } : {}),
        };
        break;
      }
    }
  } finally {
    // Stanzas left unread at the end are not an error, as in scansion.
    await Promise.all([...clients.values()].map((c) => c.close().catch(() => c.kill())));
  }
  return { ...(failure ? { failure } : {}), sent };
}
