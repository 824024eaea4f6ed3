// XEP-0050 ad-hoc commands on the domain, with two XEP-0133 service administration
// commands for the accounts configured as admins: Add User and Delete User. Each
// is one form, as in Prosody and ejabberd: execute returns it under a session id,
// submitting it (complete or execute) carries the command out. A form submitted
// with the first execute is carried out at once.
import { randomBytes } from "node:crypto";
import { childElements, xml, type Element } from "../../xmpp/element.js";
import { NS, type StanzaCondition } from "../../xmpp/ns.js";
import { removeAccount } from "../accounts.js";
import type { ServerContext } from "../context.js";
import { parseJid, type Jid } from "../jid.js";
import { defineModule } from "../module.js";
import { errorFor, resultFor, type ErrorType } from "../replies.js";
import type { Session } from "../session.js";

const ADD_USER = `${NS.admin}#add-user`;
const DELETE_USER = `${NS.admin}#delete-user`;

export default defineModule({
  name: "admin-commands",
  faults: {},
  load(ctx) {
    ctx.features.host.add(NS.commands);
    for (const type of ["get", "set"] as const) {
      ctx.hooks.on(`iq-${type}/host/${NS.commands}:command`, ({ iq, session }) => session && commandIq(ctx, session, iq));
    }
    ctx.hooks.on("disco-items", ({ session, node, items }) => {
      if (node === NS.commands && session) items.push(...commandItems(ctx, session));
    });
  },
});

/** How long the session id of a form nobody submitted stays valid. */
const SESSION_TTL_MS = 10 * 60_000;

const ACTIONS = new Set(["execute", "cancel", "prev", "next", "complete"]);

/** Why a command was refused; `specific` is a XEP-0050 application condition. */
interface Refusal {
  type: ErrorType;
  condition: StanzaCondition;
  text: string;
  specific?: "malformed-action" | "bad-action" | "bad-payload" | "bad-sessionid";
}

type Values = Map<string, string[]>;

interface Command {
  name: string;
  instructions: string;
  fields: Array<{ var: string; type: string; label: string; required?: boolean }>;
  /** Carries out a submitted form. `done` is the completion reply, for removeAccount. */
  run(ctx: ServerContext, values: Values, done: Element): Refusal | undefined;
}

const COMMANDS = new Map<string, Command>([
  [
    ADD_USER,
    {
      name: "Add User",
      instructions: "Fill out this form to add a user.",
      fields: [
        { var: "accountjid", type: "jid-single", label: "The Jabber ID for the account to be added", required: true },
        { var: "password", type: "text-private", label: "The password for this account", required: true },
        { var: "password-verify", type: "text-private", label: "Retype password", required: true },
      ],
      run(ctx, values) {
        const text = values.get("accountjid")?.[0];
        if (!text) return badPayload("accountjid is required");
        const jid = localAccount(ctx, text);
        if (!("bare" in jid)) return jid;
        const password = values.get("password")?.[0];
        if (!password) return notAcceptable("a password is required");
        if (values.get("password-verify")?.[0] !== password) return notAcceptable("password-verify does not repeat the password");
        if (ctx.store.hasUser(jid.local)) return { type: "cancel", condition: "conflict", text: `${jid.bare} already exists` };
        ctx.store.addUser(jid.local, password);
        ctx.log(`${jid.bare}: added by an administrator`);
        return undefined;
      },
    },
  ],
  [
    DELETE_USER,
    {
      name: "Delete User",
      instructions: "Fill out this form to delete a user.",
      fields: [{ var: "accountjids", type: "jid-multi", label: "The Jabber ID(s) to delete", required: true }],
      run(ctx, values, done) {
        const texts = (values.get("accountjids") ?? []).filter((t) => t.trim() !== "");
        if (texts.length === 0) return badPayload("accountjids is required");
        // Every JID is checked before any account goes: a refusal changes nothing.
        const jids: Jid[] = [];
        for (const text of texts) {
          const jid = localAccount(ctx, text);
          if (!("bare" in jid)) return jid;
          if (!ctx.store.hasUser(jid.local)) return { type: "cancel", condition: "item-not-found", text: `no account ${jid.bare}` };
          jids.push(jid);
        }
        for (const jid of jids) removeAccount(ctx, jid.local, done);
        return undefined;
      },
    },
  ],
]);

/** A form sent and not yet submitted: its command, and the full JID it belongs to. */
interface Pending {
  node: string;
  owner: string;
  timer: NodeJS.Timeout;
}

const pendingByServer = new WeakMap<ServerContext, Map<string, Pending>>();

function pendingOf(ctx: ServerContext): Map<string, Pending> {
  let table = pendingByServer.get(ctx);
  if (!table) pendingByServer.set(ctx, (table = new Map()));
  return table;
}

/** Opaque, and telling in a transcript: "add-user:3f9c…". */
function newSessionId(node: string): string {
  return `${node.slice(node.indexOf("#") + 1)}:${randomBytes(8).toString("hex")}`;
}

function isAdmin(ctx: ServerContext, session: Session): boolean {
  return ctx.config.admins.includes(session.jid.local);
}

const badPayload = (text: string): Refusal => ({ type: "modify", condition: "bad-request", text, specific: "bad-payload" });
const notAcceptable = (text: string): Refusal => ({ type: "modify", condition: "not-acceptable", text });

/** A bare JID of an account of this domain (existing or not), or why not. */
function localAccount(ctx: ServerContext, text: string): Jid | Refusal {
  const jid = parseJid(text.trim());
  if (!jid || !jid.local || jid.resource) return notAcceptable(`${text} is not a bare account JID`);
  if (jid.domain !== ctx.config.domain) return notAcceptable(`${jid.bare} is not an account of ${ctx.config.domain}`);
  return jid;
}

function refuse(iq: Element, r: Refusal): Element {
  const reply = errorFor(iq, r.type, r.condition, r.text);
  if (r.specific) reply.getChild("error")!.append(xml(r.specific, { xmlns: NS.commands }));
  return reply;
}

function formOf(command: Command): Element {
  return xml(
    "x",
    { xmlns: NS.dataForms, type: "form" },
    xml("title", {}, command.name),
    xml("instructions", {}, command.instructions),
    xml("field", { type: "hidden", var: "FORM_TYPE" }, xml("value", {}, NS.admin)),
    ...command.fields.map((f) => xml("field", { type: f.type, var: f.var, label: f.label }, f.required ? xml("required") : null)),
  );
}

function valuesOf(form: Element): Values {
  const values: Values = new Map();
  for (const field of form.getChildren("field")) {
    if (field.attrs.var) values.set(field.attrs.var, field.getChildren("value").map((v) => v.getText()));
  }
  return values;
}

/** The commands node's items (XEP-0050 2.2): the commands this session may execute. */
function commandItems(ctx: ServerContext, session: Session): Element[] {
  if (!isAdmin(ctx, session)) return [];
  return [...COMMANDS].map(([node, c]) => xml("item", { jid: ctx.config.domain, node, name: c.name }));
}

/** An iq with a <command/> to the server (accounts run no commands of their own: service-unavailable). */
function commandIq(ctx: ServerContext, session: Session, iq: Element): Element {
  const command = iq.getChildElements()[0]!;
  if (iq.attrs.type !== "set" || command.name !== "command") return errorFor(iq, "modify", "bad-request", "a command is an iq set of <command/>");
  const node = command.attrs.node ?? "";
  const spec = COMMANDS.get(node);
  if (!spec) return errorFor(iq, "cancel", "item-not-found", `no command ${node}`);
  if (!isAdmin(ctx, session)) return errorFor(iq, "auth", "forbidden", "only administrators may run this command");
  const action = command.attrs.action ?? "execute";
  if (!ACTIONS.has(action)) return refuse(iq, { type: "modify", condition: "bad-request", text: `no action ${action}`, specific: "malformed-action" });

  const pending = pendingOf(ctx);
  const id = command.attrs.sessionid;
  if (id !== undefined) {
    const open = pending.get(id);
    if (!open || open.node !== node || open.owner !== session.jid.full) {
      return refuse(iq, { type: "modify", condition: "bad-request", text: `no session ${id} of this command`, specific: "bad-sessionid" });
    }
  }
  const close = () => {
    if (id === undefined) return;
    ctx.timers.cancel(pending.get(id)?.timer);
    pending.delete(id);
  };
  if (action === "cancel") {
    close();
    return resultFor(iq, xml("command", { xmlns: NS.commands, node, sessionid: id, status: "canceled" }));
  }
  // One stage only: there is nothing to go back or forward to.
  if (action === "prev" || action === "next") return refuse(iq, { type: "modify", condition: "bad-request", text: `${action} is not offered`, specific: "bad-action" });

  const form = childElements(command).find((c) => c.name === "x" && c.getNS() === NS.dataForms && c.attrs.type === "submit");
  if (!form) {
    const sessionid = id ?? newSessionId(node);
    if (id === undefined) {
      const timer = ctx.timers.after(SESSION_TTL_MS, () => pending.delete(sessionid));
      pending.set(sessionid, { node, owner: session.jid.full, timer });
    }
    return resultFor(
      iq,
      xml(
        "command",
        { xmlns: NS.commands, node, sessionid, status: "executing" },
        xml("actions", { execute: "complete" }, xml("complete")),
        formOf(spec),
      ),
    );
  }
  // A submitted form ends the session, carried out or refused.
  close();
  const values = valuesOf(form);
  const formType = values.get("FORM_TYPE")?.[0];
  if (formType !== undefined && formType !== NS.admin) return refuse(iq, badPayload(`FORM_TYPE ${formType} is not ${NS.admin}`));
  const sessionid = id ?? newSessionId(node);
  const done = resultFor(iq, xml("command", { xmlns: NS.commands, node, sessionid, status: "completed" }));
  const refusal = spec.run(ctx, values, done);
  return refusal ? refuse(iq, refusal) : done;
}
