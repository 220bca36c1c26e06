/**
 * A fixed-size set of operation ids, as the checker's memo key: which
 * operations a partial linearization has already placed. 32-bit words
 * (JavaScript's bitwise operators are 32-bit) in a plain array; the hash mixes every word
 * with the MurmurHash3 finalizer so equal sets always land in one bucket.
 */
export class Bitset {
  // Plain arrays of small integers: far cheaper to copy in V8 than typed arrays.
  readonly #words: number[];

  constructor(bits: number | number[]) {
    this.#words = typeof bits === 'number' ? new Array<number>(Math.ceil(bits / 32)).fill(0) : bits;
  }

  clone(): Bitset {
    return new Bitset(this.#words.slice());
  }

  set(pos: number): this {
    const word = pos >>> 5;
    this.#words[word] = (this.#words[word] ?? 0) | (1 << (pos & 31));
    return this;
  }

  clear(pos: number): this {
    const word = pos >>> 5;
    this.#words[word] = (this.#words[word] ?? 0) & ~(1 << (pos & 31));
    return this;
  }

  has(pos: number): boolean {
    return ((this.#words[pos >>> 5] ?? 0) & (1 << (pos & 31))) !== 0;
  }

  popcount(): number {
    let total = 0;
    for (const word of this.#words) {
      let v = word - ((word >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      total += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return total;
  }

  hash(): number {
    let h = 0;
    for (const word of this.#words) {
      h ^= word;
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      h ^= h >>> 16;
    }
    return h >>> 0;
  }

  equals(other: Bitset): boolean {
    const a = this.#words;
    const b = other.#words;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
}
