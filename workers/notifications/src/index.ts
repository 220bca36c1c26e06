/**
 * Notifications service: the per-customer inbox fed by order and payment
 * events, and the dead-letter store for operators.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { consumeBatch, consumerOptions } from '@common/consumer';
import { createLogger } from '@common/log';
import type { Result } from '@common/problem';
import { type HealthReport, healthReport } from '@common/rpc';
import {
  type DeadLetterView,
  listDeadLetters,
  replayDeadLetter,
  storeDeadLetter,
} from './dead-letters';
import { applyNotification, listNotifications, type NotificationItem } from './inbox';

const EVENTS_QUEUE = 'meridian-notification-events';
const DEAD_LETTER_QUEUE = 'meridian-dead-letters';
const clamp = (n: number) => Math.min(Math.max(Math.trunc(n) || 50, 1), 100);

export default class NotificationsService extends WorkerEntrypoint<NotificationsEnv> {
  async listNotifications(customerId: string, limit = 50): Promise<NotificationItem[]> {
    return listNotifications(this.env.NOTIFICATIONS_DB, customerId, clamp(limit));
  }

  async listDeadLetters(limit = 50): Promise<DeadLetterView[]> {
    return listDeadLetters(this.env.NOTIFICATIONS_DB, clamp(limit));
  }

  async replayDeadLetter(id: string): Promise<Result<DeadLetterView>> {
    return replayDeadLetter(this.env.NOTIFICATIONS_DB, this.env, id);
  }

  async health(): Promise<HealthReport> {
    return healthReport('notifications', {
      d1: () => this.env.NOTIFICATIONS_DB.prepare('SELECT 1').first(),
    });
  }

  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    if (batch.queue === DEAD_LETTER_QUEUE) {
      const log = createLogger({ service: 'notifications' });
      for (const message of batch.messages) {
        await storeDeadLetter(this.env.NOTIFICATIONS_DB, message);
        log.warn('dead_letter.stored', { messageId: message.id });
        message.ack();
      }
      return;
    }
    if (batch.queue === EVENTS_QUEUE) {
      await consumeBatch(
        batch,
        (envelope) => applyNotification(this.env.NOTIFICATIONS_DB, envelope),
        consumerOptions('notifications', this.env),
      );
      return;
    }
    throw new Error(`notifications does not consume ${batch.queue}`);
  }
}
