import { describe, expect, it } from 'vitest';
import { seededRandom } from '../test/support/random';
import { createLogger, type LogLevel, logSettings, workerLogSettings } from './log';

interface Written {
  level: LogLevel;
  line: Record<string, unknown>;
}

function capture(vars: { LOG_LEVEL?: string; ACCESS_LOG_SAMPLE_RATE?: string }, seed = 1) {
  const written: Written[] = [];
  const settings = logSettings(vars, {
    random: seededRandom(seed),
    write: (level, line) => written.push({ level, line: JSON.parse(line) }),
  });
  return { log: createLogger({ service: 'test', requestId: 'req_1' }, settings), written };
}

/** A field that counts how often it is serialised. */
function countingField() {
  const field = { serialised: 0, toJSON: () => ++field.serialised };
  return field;
}

describe('levels', () => {
  it('drops lines below LOG_LEVEL and writes the rest with their context', () => {
    const { log, written } = capture({ LOG_LEVEL: 'warn' });
    log.debug('d');
    log.info('i');
    log.warn('w', { n: 1 });
    log.error('e');
    expect(written.map((w) => w.level)).toEqual(['warn', 'error']);
    expect(written[0]?.line).toMatchObject({ level: 'warn', msg: 'w', n: 1, requestId: 'req_1' });
  });

  it('never serialises a dropped line', () => {
    const { log } = capture({ LOG_LEVEL: 'error', ACCESS_LOG_SAMPLE_RATE: '1' });
    const field = countingField();
    log.info('dropped', { field });
    log.warn('dropped', { field });
    log.access('dropped', { status: 200, field });
    expect(field.serialised).toBe(0);
    log.error('written', { field });
    expect(field.serialised).toBe(1);
  });

  it('writes error lines at every level', () => {
    for (const level of ['debug', 'info', 'warn', 'error']) {
      const { log, written } = capture({ LOG_LEVEL: level });
      log.error('boom');
      expect(written).toHaveLength(1);
    }
  });

  it('reads an unknown level as info and an unreadable rate as 1, losing no lines', () => {
    expect(logSettings({ LOG_LEVEL: 'verbose', ACCESS_LOG_SAMPLE_RATE: 'half' })).toMatchObject({
      level: 'info',
      access_sample_rate: 1,
    });
    expect(logSettings({ LOG_LEVEL: 'toString' }).level).toBe('info');
    expect(logSettings({ ACCESS_LOG_SAMPLE_RATE: '7' }).access_sample_rate).toBe(1);
    expect(logSettings({ ACCESS_LOG_SAMPLE_RATE: '-1' }).access_sample_rate).toBe(0);
  });

  it("takes the worker's settings from its wrangler.toml vars", () => {
    const settings = workerLogSettings();
    expect(settings.level).toBe('info');
    expect(settings.access_sample_rate).toBeGreaterThan(0);
    expect(workerLogSettings()).toBe(settings);
  });

  it('keeps the settings in a child logger', () => {
    const { log, written } = capture({ LOG_LEVEL: 'warn' });
    const child = log.with({ correlationId: 'ord_1' });
    child.info('dropped');
    child.warn('kept');
    expect(written).toHaveLength(1);
    expect(written[0]?.line).toMatchObject({ correlationId: 'ord_1', requestId: 'req_1' });
  });
});

describe('sampled access lines', () => {
  const accessLines = (rate: string, count: number, seed: number) => {
    const { log, written } = capture({ ACCESS_LOG_SAMPLE_RATE: rate }, seed);
    for (let i = 0; i < count; i++) log.access('http.request', { status: 200, i });
    return written;
  };

  it('writes successful access lines at the configured rate', () => {
    const count = 20_000;
    for (const [rate, seed] of [
      [0.1, 7],
      [0.5, 11],
      [0.01, 13],
    ] as const) {
      const written = accessLines(String(rate), count, seed);
      // Binomial(count, rate): within 4 standard deviations of the mean.
      const sd = Math.sqrt(count * rate * (1 - rate));
      expect(Math.abs(written.length - count * rate)).toBeLessThan(4 * sd);
      expect(written.every((w) => w.level === 'info' && w.line.sample_rate === rate)).toBe(true);
    }
  });

  it('writes every access line at rate 1 and none at rate 0', () => {
    expect(accessLines('1', 100, 1)).toHaveLength(100);
    expect(accessLines('1', 1, 1)[0]?.line).not.toHaveProperty('sample_rate');
    expect(accessLines('0', 100, 1)).toHaveLength(0);
  });

  it('never drops the access line of a 5xx, and writes it as an error', () => {
    for (const level of ['info', 'error']) {
      const { log, written } = capture({ LOG_LEVEL: level, ACCESS_LOG_SAMPLE_RATE: '0' });
      for (const status of [500, 502, 503]) log.access('http.request', { status });
      expect(written.map((w) => [w.level, w.line.status])).toEqual([
        ['error', 500],
        ['error', 502],
        ['error', 503],
      ]);
    }
  });

  it('never samples warnings', () => {
    const { log, written } = capture({ ACCESS_LOG_SAMPLE_RATE: '0' });
    for (let i = 0; i < 50; i++) log.warn('upstream.retry', { i });
    expect(written).toHaveLength(50);
  });

  it('drops access lines when LOG_LEVEL is above info, whatever the rate', () => {
    const { log, written } = capture({ LOG_LEVEL: 'warn', ACCESS_LOG_SAMPLE_RATE: '1' });
    log.access('http.request', { status: 404 });
    log.access('queue.message_processed', {});
    expect(written).toHaveLength(0);
  });
});
