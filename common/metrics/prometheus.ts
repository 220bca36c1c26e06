/**
 * The Prometheus text format (version 0.0.4) of a list of samples: samples
 * are grouped by family (one HELP and TYPE each, all of a family's lines
 * together, as the format requires), in the order families first appear.
 */
import type { MetricSample, MetricType } from './types';

export interface FamilyDescriptor {
  name: string;
  help: string;
  type: MetricType;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

export function formatNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isNaN(value)) return 'NaN';
  return Number.isInteger(value) ? String(value) : value.toPrecision(6).replace(/\.?0+$/, '');
}

function seriesName(sample: MetricSample): string {
  return sample.series ? `${sample.name}_${sample.series}` : sample.name;
}

/** `declared` families are listed first, and render their HELP and TYPE even without samples. */
export function renderPrometheus(
  samples: readonly MetricSample[],
  declared: readonly FamilyDescriptor[] = [],
): string {
  const families = new Map<string, { descriptor: FamilyDescriptor; lines: string[] }>();
  for (const d of declared) families.set(d.name, { descriptor: d, lines: [] });
  for (const sample of samples) {
    let family = families.get(sample.name);
    if (!family) {
      family = { descriptor: sample, lines: [] };
      families.set(sample.name, family);
    }
    family.lines.push(
      `${seriesName(sample)}${formatLabels(sample.labels)} ${formatNumber(sample.value)}`,
    );
  }
  const out: string[] = [];
  for (const { descriptor, lines } of families.values()) {
    out.push(`# HELP ${descriptor.name} ${escapeHelp(descriptor.help)}`);
    out.push(`# TYPE ${descriptor.name} ${descriptor.type}`);
    out.push(...lines);
  }
  return `${out.join('\n')}\n`;
}
