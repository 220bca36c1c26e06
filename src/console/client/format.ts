/** How the console writes numbers, money, durations and times. */

export interface Money {
  amount: number;
  currency: string;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Integer minor units as the currency writes them ($12.34). */
export function money({ amount, currency }: Money): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en', { style: 'currency', currency });
    moneyFormats.set(currency, format);
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** digits);
}

/** A duration in ms, to the precision a person reads (850 ms, 1.2 s, 3 min 5 s). */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export const rate = (perSecond: number | null | undefined): string =>
  perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)
    ? '—'
    : perSecond < 10
      ? perSecond.toFixed(2)
      : perSecond.toFixed(0);

export const percent = (share: number | null | undefined): string =>
  share === null || share === undefined ? '—' : `${(share * 100).toFixed(1)} %`;

/** Local wall-clock time with seconds (and ms when asked). */
export function clock(at: string | number | Date, ms = false): string {
  const d = new Date(at);
  const text = d.toLocaleTimeString('en-GB', { hour12: false });
  return ms ? `${text}.${String(d.getMilliseconds()).padStart(3, '0')}` : text;
}

/** Date and time, local. */
export function dateTime(at: string | number | Date): string {
  const d = new Date(at);
  return `${d.toLocaleDateString('en-CA')} ${clock(d)}`;
}

/** "3 min ago" / "in 40 s". */
export function relative(at: string | number | Date, now = Date.now()): string {
  const delta = new Date(at).getTime() - now;
  const text = duration(Math.abs(Math.round(delta / 1000) * 1000));
  return delta <= 0 ? `${text} ago` : `in ${text}`;
}

/** An id shortened for a table, the full one in the title. */
export const shortId = (id: string): string =>
  id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id;
