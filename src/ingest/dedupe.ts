/**
 * Exact-duplicate detection over files of any length: each row is reduced to a 64-bit hash
 * (two independent 32-bit hashes) kept in an open-addressing table of typed arrays, 16 to 32
 * bytes per distinct row (10M events: about 200 MB), far less than a Set of strings. Two
 * different rows share a hash with probability about n²/2^65 (10M rows: 3 in a million runs).
 */

let hashHi = 0;
let hashLo = 0;

function fmix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * Hashes a row of values into (hashHi, hashLo) without building a string: text char by char,
 * numbers by their 64 bits, null as a marker, a separator after each value.
 */
function hashValues(values: readonly unknown[]): void {
  let h1 = 0x811c9dc5 ^ values.length;
  let h2 = 0x9747b28c;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (typeof v === "string") {
      for (let i = 0; i < v.length; i++) {
        const c = v.charCodeAt(i);
        h1 = Math.imul(h1 ^ c, 0x01000193);
        h2 = Math.imul(h2 ^ c, 0x5bd1e995);
        h2 ^= h2 >>> 15;
      }
    } else if (typeof v === "number") {
      f64[0] = v;
      h1 = Math.imul(h1 ^ u32[0]!, 0x01000193);
      h2 = Math.imul(h2 ^ u32[1]!, 0x5bd1e995);
      h2 ^= h2 >>> 15;
      h1 = Math.imul(h1 ^ u32[1]!, 0x01000193);
      h2 = Math.imul(h2 ^ u32[0]!, 0x5bd1e995);
    } else if (v === null || v === undefined) {
      h1 = Math.imul(h1 ^ 0x2545f491, 0x01000193);
    } else {
      const text = JSON.stringify(v) ?? "";
      for (let i = 0; i < text.length; i++) h1 = Math.imul(h1 ^ text.charCodeAt(i), 0x01000193);
      h2 ^= 0x68e31da4;
    }
    // The separator keeps ["ab", "c"] apart from ["a", "bc"].
    h1 = Math.imul(h1 ^ 0x1f, 0x01000193);
    h2 = Math.imul(h2 ^ (k + 0x100), 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  hashHi = fmix(h1);
  hashLo = fmix(h2 ^ h1) || 1;
}

/** Remembers rows by content, and which row number first had each content. */
export class RowMemory {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private rows: Uint32Array;
  private count = 0;
  private mask: number;

  constructor(initial = 1 << 16) {
    const size = 1 << Math.ceil(Math.log2(Math.max(16, initial)));
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.rows = new Uint32Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Records `key` for `row` if it is new and returns 0; otherwise returns the row number that
   * recorded it first.
   */
  /**
   * Records a row of values (strings, numbers, nulls, in a fixed order) for row number `row` if
   * no earlier row had the same values, and returns 0; otherwise returns that earlier row's number.
   */
  firstRowOf(values: readonly unknown[], row: number): number {
    hashValues(values);
    return this.remember(row);
  }

  private remember(row: number): number {
    const hi = hashHi;
    const lo = hashLo;
    let i = (hi ^ Math.imul(lo, 0x9e3779b1)) & this.mask;
    for (;;) {
      const l = this.lo[i]!;
      if (l === 0) break;
      if (l === lo && this.hi[i] === hi) return this.rows[i]!;
      i = (i + 1) & this.mask;
    }
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.rows[i] = row;
    if (++this.count * 4 > this.mask * 3) this.grow(); // at most 3/4 full
    return 0;
  }

  private grow(): void {
    const { hi, lo, rows } = this;
    const size = (this.mask + 1) * 2;
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.rows = new Uint32Array(size);
    this.mask = size - 1;
    for (let j = 0; j < lo.length; j++) {
      const l = lo[j]!;
      if (l === 0) continue;
      const h = hi[j]!;
      let i = (h ^ Math.imul(l, 0x9e3779b1)) & this.mask;
      while (this.lo[i] !== 0) i = (i + 1) & this.mask;
      this.hi[i] = h;
      this.lo[i] = l;
      this.rows[i] = rows[j]!;
    }
  }
}
