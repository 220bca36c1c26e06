/**
 * Notifications service: the per-customer inbox fed by order and payment
 * events, and the dead-letter store for operators. Both are kept per region
 * (one D1 per region, `notificationsDb` in common/regions.ts).
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { consumeBatch, consumerOptions } from '@common/consumer';
import { createLogger } from '@common/log';
import type { Result } from '@common/problem';
import { isRegion, queueRegion, REGIONS, type Region } from '@common/regions';
import { type HealthReport, healthReport } from '@common/rpc';
import {
  type DeadLetterFilter,
  type DeadLetterView,
  listDeadLetters,
  replayDeadLetter,
  storeDeadLetter,
} from './dead-letters';
import {
  applyNotification,
  listNotifications,
  type NotificationItem,
  notificationsDb,
} from './inbox';

/** Topics consumed (one queue per region each: `<topic>-<region>`). */
const EVENTS_QUEUE = 'meridian-notification-events';
const DEAD_LETTER_QUEUE = 'meridian-dead-letters';
const clamp = (n: number) => Math.min(Math.max(Math.trunc(n) || 50, 1), 100);

/** RPC callers are typed, but a wrong region must never pick some other database. */
function checked(region: Region): Region {
  if (!isRegion(region)) throw new Error(`unknown region ${String(region)}`);
  return region;
}

export default class NotificationsService extends WorkerEntrypoint<NotificationsEnv> {
  /** The customer's inbox, from their home region's database. */
  async listNotifications(
    customerId: string,
    region: Region,
    limit = 50,
  ): Promise<NotificationItem[]> {
    return listNotifications(notificationsDb(this.env, checked(region)), customerId, clamp(limit));
  }

  /** One region's dead letters, newest first (operators gather every region). */
  async listDeadLetters(
    region: Region,
    limit = 50,
    filter: DeadLetterFilter = {},
  ): Promise<DeadLetterView[]> {
    const replayed = typeof filter.replayed === 'boolean' ? filter.replayed : undefined;
    return listDeadLetters(this.env, checked(region), clamp(limit), { replayed });
  }

  /** Replays once; a second replay is 409 `dead_letter_already_replayed` (dead-letters.ts). */
  async replayDeadLetter(id: string): Promise<Result<DeadLetterView>> {
    return replayDeadLetter(this.env, id);
  }

  async health(): Promise<HealthReport> {
    const probes = Object.fromEntries(
      REGIONS.map((region) => [
        `d1:${region}`,
        () => notificationsDb(this.env, region).prepare('SELECT 1').first(),
      ]),
    );
    return healthReport('notifications', probes);
  }

  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    const { topic } = queueRegion(batch.queue);
    if (topic === DEAD_LETTER_QUEUE) {
      const log = createLogger({ service: 'notifications' });
      for (const message of batch.messages) {
        const region = await storeDeadLetter(this.env, message);
        log.warn('dead_letter.stored', { messageId: message.id, region });
        message.ack();
      }
      return;
    }
    if (topic === EVENTS_QUEUE) {
      await consumeBatch(
        batch,
        (envelope) => applyNotification(this.env, envelope),
        consumerOptions('notifications', this.env),
      );
      return;
    }
    throw new Error(`notifications does not consume ${batch.queue}`);
  }
}
