/**
 * Polls `read` until `done` holds or `ms` pass, and returns the last value:
 * the one way tests wait for eventually consistent effects (queues, read
 * models, caches) without fixed sleeps.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 15_000,
  every_ms = 50,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, every_ms));
  }
}
