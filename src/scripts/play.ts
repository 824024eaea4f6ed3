// Plays one script against a target: each client actor is a TestClient and each
// component a TestComponent, all recorded in one transcript. `receives` takes the
// actor's next stanza, as scansion does (nothing is skipped; other actors' stanzas are
// their own business), or, for an expected Stream Management element or stream error,
// the next element of that kind (`receives in any order` takes as many stanzas as its
// block has and matches them in any order); `receives: nothing` sends a ping and fails on any
// stanza that came before its answer, so absence is proved without waiting; `sends`
// after `disconnects` is a no-op, as it is in scansion. The first failure ends the
// script. The extensions (docs/scripts.md) drop a connection, enable, acknowledge and
// resume Stream Management, and wait out a resumption window the script asked for.
import { shown } from "../harness/actor.js";
import { TestClient } from "../harness/client.js";
import { TestComponent, type ComponentProfile } from "../harness/component.js";
import type { Account, TargetProfile } from "../harness/target.js";
import type { Transcript } from "../harness/transcript.js";
import { Violation } from "../verdict/verdict.js";
import { discoInfo, sm } from "../xmpp/builders.js";
import { isStanza, type Element } from "../xmpp/element.js";
import { match, predicate, type Pattern } from "../xmpp/match.js";
import { NS } from "../xmpp/ns.js";
import type { JidMap } from "./jid-map.js";
import { actionText, type Action, type ClientDecl, type ComponentDecl, type Script } from "./script.js";
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
  /** Where a client connects (the target, or where its declaration points). */
  targetOf(decl: ClientDecl): TargetProfile;
  /** Where and as what a component attaches. */
  componentOf(decl: ComponentDecl): ComponentProfile;
  actors: ScriptActor[];
  jids: JidMap;
  timeoutMs: number;
  /** The longest resumption window `waits out the resumption window` waits for, in ms; a longer one skips the script. */
  maxWaitMs: number;
  /** Where every actor's traffic is recorded. */
  transcript: Transcript;
}

export interface Played {
  failure?: ScriptFailure;
  /** Why the target cannot play the script (a feature it lacks); then nothing else is said. */
  skip?: string;
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

/** The target lacks what the action needs: the script is skipped, not failed. */
class Unplayable extends Error {}

/**
 * Margin past an announced window before calling it expired: servers check windows with
 * whole-second timers (Prosody 0.12 at max + 1 s), as the SM suite allows (docs/rules-addendum.md, "Expiry").
 */
const EXPIRY_MARGIN_MS = 2500;

const nextStanza = predicate("the next stanza", isStanza);

/** An actor as the script has left it. */
interface Live {
  conn?: TestClient | TestComponent;
  /** Why `conn` no longer serves the script: the script ended it. */
  ended?: "disconnected" | "killed";
  /** Stanzas that arrived on a connection the actor has since left by resuming, not yet received. */
  carried: Element[];
  /** The Stream Management session it holds, with the window (seconds) the server announced. */
  session?: { max?: number };
}

export async function play(script: Script, opts: PlayOptions): Promise<Played> {
  const { transcript } = opts;
  const sent: Played["sent"] = [];
  const live = new Map(script.actors.map((a) => [a.name, { carried: [] } as Live]));
  const decls = new Map(script.actors.map((a) => [a.name, a]));
  const accounts = new Map(opts.actors.map((a) => [a.decl.name, a.account]));
  /** Every session the script enabled, by id, with the connection that holds it now. */
  const sessions = new Map<string, { client: TestClient; decl: ClientDecl }>();
  const clientDecl = (name: string) => decls.get(name) as ClientDecl;
  const bindings: Bindings = {
    variable: (v: Variable) => {
      const decl = decls.get(v.actor)!;
      if (decl.kind === "component") return opts.jids.rewrite(decl.jid);
      if (v.property === "JID") return opts.jids.bare(decl.jid);
      const conn = live.get(v.actor)!.conn as TestClient | undefined;
      if (!conn?.jid) throw new Failed(`\${${v.actor}'s full JID} is not known before ${v.actor} connects`);
      return conn.jid;
    },
    jid: (value) => opts.jids.rewrite(value),
    captures: new Map(),
  };

  /** The actor's connection, as long as the script has not ended it (the server may have). */
  const reading = (name: string): TestClient | TestComponent => {
    const a = live.get(name)!;
    if (!a.conn) throw new Failed(`${name} is not connected (no \`${name} connects\` before this line)`);
    if (a.ended) throw new Failed(`${name} is no longer connected${a.ended === "killed" ? " (killed)" : ""}`);
    return a.conn;
  };
  const open = (name: string) => {
    const c = reading(name);
    if (!c.isOpen) throw new Failed(`${name}'s stream was closed by the server${c.streamError ? `: ${shown(c.streamError)}` : ""}`);
    return c;
  };
  const client = (name: string): TestClient => open(name) as TestClient;
  /** The session `name` holds, with the connection whose counters it carries. */
  const session = (name: string) => {
    const a = live.get(name)!;
    const conn = a.conn as TestClient | undefined;
    if (!a.session || !conn?.sm) throw new Failed(`${name} holds no Stream Management session (no \`${name} enables stream management\` or \`resumes\` before this line)`);
    return { conn, state: conn.sm, max: a.session.max };
  };

  const connect = async (name: string): Promise<void> => {
    const a = live.get(name)!;
    if (a.conn && !a.ended && a.conn.isOpen) throw new Failed(`${name} is already connected`);
    const decl = decls.get(name)!;
    try {
      a.conn =
        decl.kind === "component"
          ? await TestComponent.connect(opts.componentOf(decl), { label: name, transcript, timeoutMs: opts.timeoutMs })
          : await TestClient.connect(opts.targetOf(decl), accounts.get(name)!, {
              label: name,
              transcript,
              timeoutMs: opts.timeoutMs,
              ...(decl.resource ? { resource: decl.resource } : {}),
            });
    } catch (err) {
      throw new Failed(`${name} could not connect: ${(err as Error).message}`);
    }
    Object.assign(a, { carried: [], session: undefined, ended: undefined });
  };

  /** The actor's next stanza (one carried over from a connection it left first), or the next element of the template's kind. */
  const next = async (name: string, template: Element): Promise<Element> => {
    const stanza = isStanza(template);
    const carried = stanza ? live.get(name)!.carried.shift() : undefined;
    if (carried) return carried;
    // A stanza is the next stanza; an SM element or a stream error, the next of its kind.
    const wanted = stanza ? nextStanza : predicate(`<${template.name}/>`, (e) => e.getName() === template.getName() && e.getNS() === template.getNS());
    try {
      return await reading(name).expect(wanted);
    } catch (err) {
      if (!(err instanceof Violation)) throw err;
      throw new Failed(stanza ? "no stanza came" : `no <${template.name}/> came`, shownTemplate(template, bindings), err.received);
    }
  };
  const patternFor = (name: string, template: Element) => toPattern(template, bindings, reading(name) instanceof TestComponent ? NS.component : NS.client);
  const keep = (captures: Record<string, string>) => {
    for (const [key, value] of Object.entries(captures)) bindings.captures.set(key, value);
  };

  const receive = async (name: string, template: Element): Promise<void> => {
    const el = await next(name, template);
    const r = match(el, patternFor(name, template));
    const what = isStanza(template) ? "stanza" : `<${template.name}/>`;
    if (!r.ok) throw new Failed(`the next ${what} does not match: ${r.reason}`, shownTemplate(template, bindings), shown(el));
    keep(r.captures);
  };

  /** As many stanzas as the block has, each matching a distinct template. */
  const receiveAnyOrder = async (name: string, templates: Element[]): Promise<void> => {
    const got: Element[] = [];
    for (const t of templates) got.push(await next(name, t));
    const patterns = templates.map((t) => patternFor(name, t));
    const lone = patterns.findIndex((p) => !got.some((el) => match(el, p).ok));
    const assignment = lone < 0 ? assign(patterns, got) : undefined;
    if (!assignment) {
      const message = lone >= 0 ? `none of the next ${got.length} stanzas matches this one` : `the next ${got.length} stanzas do not match the block in any order`;
      throw new Failed(message, shownTemplate(templates[Math.max(lone, 0)]!, bindings), got.map(shown).join("\n"));
    }
    for (const captures of assignment) keep(captures);
  };

  const enableSm = async (name: string, max: number | undefined): Promise<void> => {
    const c = client(name);
    if (!c.featuresPostAuth?.getChild("sm", NS.sm3)) throw new Unplayable(`the target does not offer Stream Management (${NS.sm3}) after authentication`);
    await c.send(sm.enable(NS.sm3, { resume: "true", ...(max !== undefined ? { max } : {}) }));
    const answer = await c.expect(predicate("<enabled/> or <failed/>", (el) => el.getNS() === NS.sm3 && (el.name === "enabled" || el.name === "failed")));
    if (answer.name === "failed" || !c.sm?.resumable || !c.sm.id) throw new Failed("no resumable session", "<enabled resume='true' id='…'/>", shown(answer));
    const announced = answer.attrs.max === undefined ? undefined : Number(answer.attrs.max);
    live.get(name)!.session = announced === undefined ? {} : { max: announced };
    sessions.set(c.sm.id, { client: c, decl: clientDecl(name) });
  };

  const resume = async (name: string, owner: string): Promise<void> => {
    const from = session(owner);
    const a = live.get(name)!;
    if (name !== owner && a.conn && !a.ended && a.conn.isOpen) throw new Failed(`${name} is connected already; a session is resumed on a new connection`);
    let again: TestClient;
    try {
      again = await TestClient.connect(opts.targetOf(clientDecl(name)), accounts.get(name)!, { until: "authenticated", label: name, transcript, timeoutMs: opts.timeoutMs });
    } catch (err) {
      throw new Failed(`${name} could not connect: ${(err as Error).message}`);
    }
    await again.send(sm.resume(from.state.id!, from.state.handled, from.state.ns));
    const answer = await again.expect(predicate("<resumed/> or <failed/>", (el) => el.getNS() === from.state.ns && (el.name === "resumed" || el.name === "failed"))).catch((err: unknown) => {
      again.kill();
      throw err instanceof Violation ? new Failed("no answer to <resume/>", "<resumed/>", err.received) : err;
    });
    if (answer.name !== "resumed") {
      again.kill();
      throw new Failed(`${owner}'s session was not resumed`, `<resumed previd='${from.state.id}'/>`, shown(answer));
    }
    again.jid = from.conn.jid;
    // The old connection's unread stanzas were handled (counted in h): they come to whoever took the session, unless it still reads them.
    const old = live.get(owner)!;
    const oldGone = old.ended !== undefined || !from.conn.isOpen;
    const carried = oldGone ? [...old.carried, ...from.conn.unread().filter(isStanza)] : [];
    // The connections the session left are no longer the script's: the server ends them, or this does.
    if (name !== owner && a.conn && !a.ended) a.conn.kill();
    if (name === owner) from.conn.kill();
    Object.assign(a, { conn: again, ended: undefined, carried, session: { ...old.session } });
    if (name !== owner) old.session = undefined;
    if (oldGone && name !== owner) old.carried = [];
    sessions.set(from.state.id!, { client: again, decl: clientDecl(name) });
  };

  const waitWindow = async (name: string): Promise<void> => {
    const { max } = session(name);
    if (max === undefined) throw new Unplayable("the target announced no resumption window (max) on <enabled/>: there is none to wait out");
    const ms = max * 1000 + EXPIRY_MARGIN_MS;
    if (max * 1000 > opts.maxWaitMs) throw new Unplayable(`the target's resumption window is ${max} s, longer than --max-wait ${opts.maxWaitMs / 1000} s`);
    transcript.add("event", name, `waiting out the resumption window: ${max} s announced + ${EXPIRY_MARGIN_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, ms));
  };

  const step = async (a: Action): Promise<void> => {
    switch (a.kind) {
      case "connects":
        return connect(a.actor);
      case "disconnects":
        await open(a.actor).close();
        live.get(a.actor)!.ended = "disconnected";
        return;
      case "killed":
        open(a.actor).kill();
        live.get(a.actor)!.ended = "killed";
        return;
      case "sends": {
        if (live.get(a.actor)!.ended === "disconnected") {
          transcript.add("event", a.actor, `not sent, ${a.actor} has disconnected (line ${a.line})`);
          return;
        }
        const c = open(a.actor);
        const account = accounts.get(a.actor);
        for (const template of a.elements) {
          const el = toSend(template, bindings);
          if (account) sent.push({ account, el });
          await c.send(el);
        }
        return;
      }
      case "receives":
        for (const template of a.elements) await receive(a.actor, template);
        return;
      case "receives-any-order":
        return receiveAnyOrder(a.actor, a.elements);
      case "receives-nothing": {
        const c = open(a.actor);
        const held = live.get(a.actor)!.carried;
        if (held.length > 0) throw new Failed("a stanza came where nothing was expected", "nothing", held.map(shown).join("\n"));
        await c.expectNothing(nextStanza, "receives: nothing").catch((err: unknown) => {
          if (!(err instanceof Violation)) throw err;
          throw new Failed("a stanza came where nothing was expected", "nothing (before the answer to a ping)", err.received);
        });
        return;
      }
      case "enables-sm":
        return enableSm(a.actor, a.max);
      case "acks": {
        const { conn, state } = session(a.actor);
        open(a.actor);
        await conn.send(sm.a(state.handled, state.ns));
        return;
      }
      case "resumes":
        return resume(a.actor, a.session);
      case "waits-window":
        return waitWindow(a.actor);
    }
  };

  let failure: ScriptFailure | undefined;
  let skip: string | undefined;
  try {
    const needs = await unmetNeeds(script, opts, accounts);
    skip = needs.skip;
    failure = needs.failure;
    for (const a of skip === undefined && failure === undefined ? script.actions : []) {
      try {
        await step(a);
      } catch (err) {
        if (err instanceof Unplayable) {
          skip = `line ${a.line}, "${actionText(a)}": ${err.message}`;
          break;
        }
        const f = err instanceof Failed ? err : err instanceof Violation ? new Failed(err.message, err.expected, err.received) : new Failed((err as Error).message);
        failure = {
          line: a.line,
          action: actionText(a),
          message: f.message,
          ...(f.expected !== undefined ? { expected: f.expected } : {}),
          ...(f.received !== undefined ? { received: f.received } : {}),
        };
        break;
      }
    }
  } finally {
    await endSessions(sessions, opts, accounts);
    // Stanzas left unread at the end are not an error, as in scansion.
    await Promise.all([...live.values()].flatMap((a) => (a.conn ? [a.conn.close().catch(() => a.conn!.kill())] : [])));
  }
  return { ...(failure ? { failure } : {}), ...(skip !== undefined ? { skip } : {}), sent };
}

/** A distinct element for each pattern, with what each captured, or undefined when there is none (backtracking: blocks are short). */
function assign(patterns: Pattern[], elements: Element[], used = new Set<number>()): Array<Record<string, string>> | undefined {
  if (patterns.length === 0) return [];
  const [first, ...rest] = patterns;
  for (const [i, el] of elements.entries()) {
    if (used.has(i)) continue;
    const r = match(el, first!);
    if (!r.ok) continue;
    const others = assign(rest, elements, new Set([...used, i]));
    if (others) return [r.captures, ...others];
  }
  return undefined;
}

/** The first feature a client's `needs` names that its account's bare JID does not advertise, as a skip reason; or why it could not be asked. */
async function unmetNeeds(script: Script, opts: PlayOptions, accounts: Map<string, Account>): Promise<{ skip?: string; failure?: ScriptFailure }> {
  for (const decl of script.actors) {
    if (decl.kind !== "client" || decl.needs.length === 0) continue;
    let c: TestClient;
    try {
      c = await TestClient.connect(opts.targetOf(decl), accounts.get(decl.name)!, { label: `${decl.name} (needs)`, transcript: opts.transcript, timeoutMs: opts.timeoutMs });
    } catch (err) {
      return { failure: { line: decl.line, action: `[Client] ${decl.name}`, message: `${decl.name} could not connect to ask for its needs: ${(err as Error).message}` } };
    }
    try {
      const info = await c.iq(discoInfo(c.bareJid));
      const features = info.getChild("query", NS.discoInfo)?.getChildren("feature").map((f) => f.attrs.var) ?? [];
      const missing = decl.needs.find((n) => !features.includes(n));
      if (missing) return { skip: `${c.bareJid} does not advertise ${missing} in disco#info (needed by [Client] ${decl.name}, line ${decl.line})` };
    } catch (err) {
      return { failure: { line: decl.line, action: `[Client] ${decl.name}`, message: `no answer to disco#info of ${c.bareJid}: ${(err as Error).message}` } };
    } finally {
      await c.close();
    }
  }
  return {};
}

/**
 * Leaves no session behind: a session whose connection is open acknowledges what it got
 * (so nothing is bounced when it closes), and one whose connection was killed is resumed
 * and closed rather than left waiting out its window.
 */
async function endSessions(sessions: Map<string, { client: TestClient; decl: ClientDecl }>, opts: PlayOptions, accounts: Map<string, Account>): Promise<void> {
  for (const [id, { client, decl }] of sessions) {
    const sm3 = client.sm;
    if (!sm3) continue;
    if (client.isOpen) {
      await client.send(sm.a(sm3.handled, sm3.ns)).catch(() => undefined);
      continue;
    }
    if (!client.dropped) continue;
    const again = await TestClient.connect(opts.targetOf(decl), accounts.get(decl.name)!, { until: "authenticated", label: `${decl.name} (cleanup)`, transcript: opts.transcript, timeoutMs: opts.timeoutMs }).catch(() => undefined);
    if (!again) continue;
    await again.send(sm.resume(id, sm3.handled, sm3.ns)).catch(() => undefined);
    const answer = await again.expect(predicate("<resumed/> or <failed/>", (el) => el.getNS() === sm3.ns && (el.name === "resumed" || el.name === "failed"))).catch(() => undefined);
    if (answer?.name === "resumed") {
      await again.drainUntilBarrier().catch(() => undefined);
      await again.send(sm.a(again.sm?.handled ?? 0, sm3.ns)).catch(() => undefined);
    }
    await again.close().catch(() => again.kill());
  }
}
