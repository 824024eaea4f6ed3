// The wire record a failing verdict carries: every write and every chunk read, per connection.
export interface TranscriptEntry {
  at: number;
  dir: "out" | "in" | "event";
  conn: string;
  text: string;
}

export class Transcript {
  readonly entries: TranscriptEntry[] = [];

  add(dir: TranscriptEntry["dir"], conn: string, text: string): void {
    this.entries.push({ at: Date.now(), dir, conn, text });
  }

  format(): string {
    const arrow = { out: "->", in: "<-", event: "**" } as const;
    return this.entries
      .map((e) => `${new Date(e.at).toISOString().slice(11, 23)} ${e.conn} ${arrow[e.dir]} ${e.text}`)
      .join("\n");
  }
}
