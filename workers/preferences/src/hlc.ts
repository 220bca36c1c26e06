/**
 * Versions of a customer's preferences: a hybrid logical clock.
 *
 * Preferences are one JSON object, replaced whole by each PUT, and the API
 * answers one object and one version: last-writer-wins on an HLC fits that
 * exactly. (Version vectors would keep concurrent writes as siblings for a
 * client to merge, which this API has no way to return.) An HLC orders
 * causally related writes correctly even when wall clocks disagree: a write
 * coordinated after reading version v gets a version above v, so a quorum
 * write that follows an acknowledged one always wins over it. Concurrent
 * writes are ordered by wall time, then by the coordinator's tiebreak: one
 * of them wins everywhere, and that is the documented cost.
 *
 * Encoded as a fixed-width string, so versions compare as strings:
 * `<wall ms, 15 digits>.<logical, 6 digits>.<tiebreak>`.
 */

export type Version = string;

const FORMAT = /^(\d{15})\.(\d{6})\.([0-9a-f]{8})$/;
const LOGICAL_MAX = 999_999;

export function isVersion(value: unknown): value is Version {
  return typeof value === 'string' && FORMAT.test(value);
}

function parts(version: Version): { wall: number; logical: number } {
  const match = FORMAT.exec(version);
  if (!match) throw new Error(`not a version: ${version}`);
  return { wall: Number(match[1]), logical: Number(match[2]) };
}

function encode(wall: number, logical: number, tiebreak: string): Version {
  return `${String(wall).padStart(15, '0')}.${String(logical).padStart(6, '0')}.${tiebreak}`;
}

/** The newer of two versions (null is older than any). */
export function newer(a: Version | null, b: Version | null): Version | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

export class HybridClock {
  #wall = 0;
  #logical = 0;
  readonly #tiebreak: string;

  constructor(
    private readonly now: () => number = Date.now,
    tiebreak: string = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join(''),
  ) {
    this.#tiebreak = tiebreak;
  }

  /** A version above every version this clock issued or observed, and above `observed`. */
  next(observed: Version | null = null): Version {
    const seen = observed === null ? { wall: 0, logical: 0 } : parts(observed);
    const wall = Math.max(this.now(), this.#wall, seen.wall);
    let logical = 0;
    if (wall === this.#wall) logical = Math.max(logical, this.#logical + 1);
    if (wall === seen.wall) logical = Math.max(logical, seen.logical + 1);
    if (logical > LOGICAL_MAX) return this.#overflow(wall);
    this.#wall = wall;
    this.#logical = logical;
    return encode(wall, logical, this.#tiebreak);
  }

  /** A million versions in one millisecond: move to the next millisecond. */
  #overflow(wall: number): Version {
    this.#wall = wall + 1;
    this.#logical = 0;
    return encode(this.#wall, 0, this.#tiebreak);
  }
}
