/**
 * A Durable Object has one alarm; several mechanisms (outbox retry, hold
 * expiry, saga deadlines) share it. Each asks for "no later than T" and the
 * alarm handler runs all of them, then asks again for what is still due.
 */
export async function scheduleAlarmBy(storage: DurableObjectStorage, at: number): Promise<void> {
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(at);
}
