// A failure to install, start, reach or provision a server: one line on stderr, exit 2.
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SetupError";
  }
}
