import { describe, expect, it } from "vitest";
import { shopOptions } from "../../../scripts/demo/synth/options.js";
import { InputError } from "../../../src/errors.js";

describe("shopOptions", () => {
  it("fills the defaults of the demo shop", () => {
    expect(shopOptions()).toMatchObject({
      products: 2000,
      users: 500,
      events: 30_000,
      queries: 200,
      seed: 0,
    });
  });

  it("derives events and queries from the sizes given", () => {
    expect(shopOptions({ products: 100, users: 10 })).toMatchObject({ events: 600, queries: 10 });
  });

  it.each([
    [{ products: 5 }, "products"],
    [{ users: 0 }, "users"],
    [{ seed: -1 }, "seed"],
    [{ start: "2026-13-01" }, "start"],
    [{ products: 20, queries: 41 }, "queries"],
  ])("refuses %o naming the option", (input, field) => {
    const run = () => shopOptions(input);
    expect(run).toThrow(InputError);
    try {
      run();
    } catch (err) {
      expect((err as InputError).field).toBe(field);
    }
  });
});
