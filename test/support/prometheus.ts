/**
 * A tiny parser of the Prometheus text format, for tests: every sample with
 * its labels, and every family's TYPE, with the format's own rules checked
 * (one TYPE per family, a family's lines together).
 */
import { expect } from 'vitest';
import { ADMIN, get } from './faults';

export interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  types: Map<string, string>;
  series: Series[];
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The family a series belongs to (a histogram's _bucket, _sum and _count are its family's). */
function familyOf(name: string, types: Map<string, string>): string {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return types.has(base) ? base : name;
}

export function parsePrometheus(text: string): Scrape {
  const types = new Map<string, string>();
  const series: Series[] = [];
  const closed = new Set<string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type?.[1] && type[2]) {
      expect(types.has(type[1]), `one TYPE line for ${type[1]}`).toBe(false);
      types.set(type[1], type[2]);
      if (current) closed.add(current);
      current = type[1];
      continue;
    }
    const match = LINE.exec(line);
    expect(match, `a sample line: ${line}`).not.toBeNull();
    if (!match?.[1] || !match[3]) continue;
    const family = familyOf(match[1], types);
    expect(closed.has(family), `${family}'s lines are together`).toBe(false);
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(LABEL)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    series.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return { types, series };
}

/** Scrapes `/metrics` as an operator. */
export async function scrape(): Promise<Scrape> {
  const res = await get('/metrics', ADMIN);
  expect(res.status).toBe(200);
  return parsePrometheus(await res.text());
}

/** The series of `name` whose labels include `labels`. */
export function seriesOf(s: Scrape, name: string, labels: Record<string, string> = {}): Series[] {
  return s.series.filter(
    (x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
  );
}

/** The sum of the matching series (0 when none). */
export const sumOf = (s: Scrape, name: string, labels: Record<string, string> = {}): number =>
  seriesOf(s, name, labels).reduce((sum, x) => sum + x.value, 0);
