// A mistake in how the harness was invoked or configured: reported in one line, exit 2.
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
