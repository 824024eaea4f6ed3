// The words a failure adds when its test rests on one of the readings written down in
// docs/rules-addendum.md, so that a reader knows the verdict is an interpretation.

export function restsOn(topic: string): string {
  return `(this test rests on an interpretation: docs/rules-addendum.md, "${topic}")`;
}
