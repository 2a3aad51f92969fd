import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UtcFormatter } from "../../../src/ingest/writers/time.js";

describe("UtcFormatter", () => {
  it("writes what Date.toISOString writes, with the chosen zone suffix", () => {
    const z = new UtcFormatter("Z");
    const prisma = new UtcFormatter("+00:00");
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2200, 0, 1) }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(z.format(ms)).toBe(iso);
        expect(prisma.format(ms)).toBe(iso.replace("Z", "+00:00"));
      }),
      { numRuns: 2000, seed: 42 },
    );
  });

  it("handles days in any order and the edges of a day", () => {
    const z = new UtcFormatter("Z");
    for (const ms of [Date.UTC(2026, 0, 2, 23, 59, 59, 999), Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2), 0]) {
      expect(z.format(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
