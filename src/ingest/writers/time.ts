/**
 * Epoch milliseconds as ISO 8601 UTC text, without a Date per value: events of one day share the
 * date part, and the time of day is put together from cached digit pairs. A bulk load formats
 * millions of these, where `new Date(ms).toISOString()` costs more than the database insert.
 */

const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
const DAY = 86_400_000;

export class UtcFormatter {
  private day = Number.NaN;
  private prefix = "";

  /** @param suffix what follows the milliseconds: "Z", or "+00:00" as Prisma writes SQLite. */
  constructor(private readonly suffix: string) {}

  format(ms: number): string {
    const day = Math.floor(ms / DAY);
    if (day !== this.day) {
      const iso = new Date(day * DAY).toISOString();
      // Years outside 0000-9999 are written with a sign; leave those to Date.
      if (iso.length !== 24) return new Date(ms).toISOString().replace("Z", this.suffix);
      this.day = day;
      this.prefix = iso.slice(0, 11);
    }
    let rest = ms - day * DAY;
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const s = Math.floor(rest / 1000);
    const milli = Math.floor(rest - s * 1000);
    return `${this.prefix}${TWO[h]}:${TWO[m]}:${TWO[s]}.${THREE[milli]}${this.suffix}`;
  }
}
