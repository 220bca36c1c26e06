/**
 * Notifications service: per-customer inbox, and the dead-letter consumer
 * that keeps failed messages visible to operators.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { newId } from '@common/ids';
import { createLogger } from '@common/log';
import { type HealthReport, healthReport } from '@common/rpc';

export default class NotificationsService extends WorkerEntrypoint<NotificationsEnv> {
  async health(): Promise<HealthReport> {
    return healthReport('notifications', {
      d1: () => this.env.NOTIFICATIONS_DB.prepare('SELECT 1').first(),
    });
  }

  /** Dead letters: stored once per delivery, then acked so they leave the queue. */
  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    const log = createLogger({ service: 'notifications' });
    for (const message of batch.messages) {
      const body = message.body as { id?: unknown; type?: unknown } | null;
      const envelopeId = typeof body?.id === 'string' ? body.id : null;
      const type = typeof body?.type === 'string' ? body.type : null;
      await this.env.NOTIFICATIONS_DB.prepare(
        `INSERT INTO dead_letters (id, queue, envelope_id, type, body, attempts, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
        .bind(
          newId('dlq'),
          batch.queue,
          envelopeId,
          type,
          JSON.stringify(message.body),
          message.attempts,
          Date.now(),
        )
        .run();
      log.warn('dead_letter.stored', { queue: batch.queue, envelopeId, type });
      message.ack();
    }
  }
}
