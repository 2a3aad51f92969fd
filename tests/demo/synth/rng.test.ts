import { describe, expect, it } from "vitest";
import { Rng, Weighted } from "../../../scripts/demo/synth/rng.js";

const draws = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.uint32());

describe("Rng", () => {
  it("repeats a stream for the same seed and name, and differs by seed, name or index", () => {
    const a = draws(new Rng(1, "catalog"), 8);
    expect(draws(new Rng(1, "catalog"), 8)).toEqual(a);
    expect(draws(new Rng(2, "catalog"), 8)).not.toEqual(a);
    expect(draws(new Rng(1, "users"), 8)).not.toEqual(a);
    expect(draws(new Rng(1, "catalog", 1), 8)).not.toEqual(a);
  });

  it("draws floats in [0, 1) with a plausible mean", () => {
    const rng = new Rng(0, "floats");
    const xs = Array.from({ length: 20_000 }, () => rng.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length - 0.5)).toBeLessThan(0.01);
  });

  it("draws by weight, never an item of weight zero", () => {
    const rng = new Rng(0, "weighted");
    const w = new Weighted(["a", "b", "c"], [3, 1, 0]);
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 8000; i++) counts[w.draw(rng) as keyof typeof counts]++;
    expect(counts.c).toBe(0);
    expect(counts.a / counts.b).toBeGreaterThan(2.5);
    expect(counts.a / counts.b).toBeLessThan(3.5);
  });

  it("samples distinct items in list order", () => {
    const rng = new Rng(0, "sample");
    const got = rng.sample([...Array(50).keys()], 10);
    expect(new Set(got).size).toBe(10);
    expect([...got].sort((x, y) => x - y)).toEqual(got);
  });
});
