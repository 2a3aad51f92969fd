/**
 * Named, independent random streams derived from one seed.
 *
 * Each part of the shop draws from its own stream, so that asking for more users does not move
 * every product's price. The generator is sfc32 (small, fast, and good enough for synthetic
 * data); its state comes from hashing the seed, the stream's name and optional indices.
 */

/** murmur3's finaliser: spreads every input bit over the whole word. */
function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over the UTF-16 code units of `text`, started from a salted basis, then mixed. */
function hashText(text: string, salt: number): number {
  let h = (0x811c9dc5 ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream for `name` (and sub-indices such as a chunk number) under `seed`. */
  constructor(seed: number, name: string, ...index: number[]) {
    const key = `${seed}|${name}|${index.join(",")}`;
    this.a = hashText(key, 1);
    this.b = hashText(key, 2);
    this.c = hashText(key, 3);
    this.d = hashText(key, 4) | 1;
    // The first outputs of a freshly keyed sfc32 are still correlated with the key.
    for (let i = 0; i < 16; i++) this.uint32();
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** One element of a non-empty list, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty list");
    return items[this.int(items.length)]!;
  }

  /** A standard normal draw (Box-Muller; one of the pair is thrown away for simplicity). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** exp(mu + sigma * N(0, 1)). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** Number of trials up to and including the first success, at least 1. */
  geometric(p: number): number {
    return 1 + Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }

  /** A Gamma(shape, 1) draw (Marsaglia and Tsang; shapes below 1 boosted and scaled back). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * (1 - this.next()) ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v = (1 + c * x) ** 3;
      if (v <= 0) continue;
      const u = this.next();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  /** A shuffled copy of `items` (Fisher-Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** `k` distinct elements of `items` (all of them when there are no more than `k`), in list order. */
  sample<T>(items: readonly T[], k: number): T[] {
    if (items.length <= k) return [...items];
    const chosen = this.shuffled(items.map((_, i) => i)).slice(0, k);
    return chosen.sort((x, y) => x - y).map((i) => items[i]!);
  }
}

/**
 * Weighted draws from a fixed list by inverse CDF: built once, each draw is a binary search.
 */
export class Weighted<T> {
  private readonly cdf: Float64Array;

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length)
      throw new RangeError("weighted draw needs as many positive weights as items, and at least one");
    this.cdf = new Float64Array(items.length);
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      total += Math.max(weights[i]!, 0);
      this.cdf[i] = total;
    }
    if (!(total > 0)) throw new RangeError("weighted draw needs a positive total weight");
  }

  /** One item, with probability proportional to its weight. */
  draw(rng: Rng): T {
    const target = rng.next() * this.cdf[this.cdf.length - 1]!;
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!;
  }
}

/** Weights proportional to 1/rank^exponent over ranks shuffled by `rng`: a few items are very popular. */
export function zipfWeights(n: number, exponent: number, rng: Rng): number[] {
  const ranks = rng.shuffled(Array.from({ length: n }, (_, i) => i + 1));
  return ranks.map((r) => r ** -exponent);
}
