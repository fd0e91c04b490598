/**
 * A measured figure or a note worth reading in the test log (what node:test called a
 * diagnostic). Written to stderr directly: console.* is captured while Strapi runs.
 */
export function diagnostic(message: string): void {
  process.stderr.write(`    # ${message}\n`);
}
