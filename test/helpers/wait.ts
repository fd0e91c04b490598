/** Polls `probe` every 50 ms until it returns something truthy, or `ms` passes (then null). */
export async function until<T>(
  probe: () => Promise<T | null | undefined | false>,
  ms: number
): Promise<T | null> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
}
