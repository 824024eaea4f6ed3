// Minimal typings for the untyped xmpp.js and ltx modules the project uses.
declare module "ltx/lib/Element.js" {
  export type Node = Element | string;
  export default class Element {
    name: string;
    attrs: Record<string, string | undefined>;
    children: Node[];
    parent: Element | null;
    constructor(name: string, attrs?: Record<string, string | number | undefined>);
    is(name: string, xmlns?: string): boolean;
    getName(): string;
    getNS(): string | undefined;
    getAttr(name: string): string | undefined;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildText(name: string, xmlns?: string): string | null;
    getChildElements(): Element[];
    getText(): string;
    text(): string;
    c(name: string, attrs?: Record<string, string | number | undefined>): Element;
    t(text: string): Element;
    up(): Element;
    root(): Element;
    append(...nodes: Node[]): Element;
    remove(el: Element | string, xmlns?: string): Element;
    toString(): string;
  }
}

declare module "@xmpp/xml" {
  import Element from "ltx/lib/Element.js";
  type Child = Element | string | null | undefined | false | Child[];
  export function xml(name: string, attrs?: Record<string, string | number | undefined> | null, ...children: Child[]): Element;
  export { Element };
  export class Parser {
    write(data: string): void;
    end(data?: string): void;
    on(event: "start" | "element", fn: (el: Element) => void): this;
    on(event: "end", fn: (el: Element) => void): this;
    on(event: "error", fn: (err: Error) => void): this;
  }
  export default xml;
}

declare module "@xmpp/connection-tcp" {
  import Element from "ltx/lib/Element.js";
  import { EventEmitter } from "node:events";
  import type { Socket } from "node:net";
  export default class ConnectionTCP extends EventEmitter {
    constructor(options?: { domain?: string; service?: string; timeout?: number; lang?: string });
    options: { domain?: string; service?: string; timeout?: number; lang?: string };
    socket: (Socket & { secure?: boolean }) | null;
    root: Element | null;
    status: string;
    timeout: number;
    Parser: new () => unknown;
    NS: string;
    Socket: new () => unknown;
    socketParameters(service: string): unknown;
    connect(service: string): Promise<void>;
    open(options: { domain: string; lang?: string }): Promise<Element>;
    restart(): Promise<Element>;
    send(el: Element): Promise<void>;
    write(data: string): Promise<void>;
    disconnect(): Promise<Element | undefined>;
    header(el: Element): string;
    headerElement(): Element;
    _onData(data: Buffer): void;
    _attachSocket(socket: unknown): void;
    _detachParser(): void;
    _attachParser(parser: unknown): void;
    _status(status: string, ...args: unknown[]): void;
  }
}

declare module "@xmpp/starttls/starttls.js" {
  import type { Socket } from "node:net";
  import type { ConnectionOptions } from "node:tls";
  export function upgrade(socket: Socket, options: ConnectionOptions): Promise<Socket>;
}

declare module "@xmpp/tls/lib/Socket.js" {
  import { EventEmitter } from "node:events";
  export default class TLSSocket extends EventEmitter {
    secure: boolean;
    socket: import("node:tls").TLSSocket | null;
    connect(options: import("node:tls").ConnectionOptions): void;
    write(data: string, cb?: (err?: Error | null) => void): boolean;
    end(): void;
  }
}

declare module "ltx/lib/clone.js" {
  import Element from "ltx/lib/Element.js";
  export default function clone<T extends Element | string>(el: T): T;
}

declare module "@xmpp/client" {
  import ConnectionTCP from "@xmpp/connection-tcp";
  import Element from "ltx/lib/Element.js";
  import { EventEmitter } from "node:events";
  export { xml } from "@xmpp/xml";
  export interface Client extends ConnectionTCP {
    jid: { toString(): string } | null;
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    reconnect: EventEmitter & { start(): void; stop(): void; reconnect(): Promise<void> };
    streamManagement: EventEmitter & { id: string; enabled: boolean; inbound: number };
    iqCaller: { request(el: Element, timeout?: number): Promise<Element> };
  }
  export function client(options: { service: string; domain: string; username: string; password: string; resource?: string; timeout?: number }): Client;
}
