import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { enqueueRetrain } from "../../jobs/retrain.js";
import { checkTrainParams } from "../../jobs/training.js";
import { InputError } from "../../src/errors.js";
import { PROVIDERS, type TestCatalog, testCatalog } from "../support/catalog.js";
import { testQueueSettings } from "../support/queues.js";

describe("trainer params", () => {
  it("fills defaults and names the offending field", () => {
    expect(checkTrainParams("item_popularity", undefined)).toEqual({
      half_life_days: 14,
      top_k: 10_000,
      weights: {},
    });
    expect(checkTrainParams("item_popularity", { weights: { purchase: 9 } })).toMatchObject({
      weights: { purchase: 9 },
    });
    const cases: Array<[string, unknown, string]> = [
      ["nope", {}, "feature"],
      ["item_popularity", { half_life_days: 0 }, "params.half_life_days"],
      ["item_popularity", { top_k: 1.5 }, "params.top_k"],
      ["item_popularity", { weights: { like: 1 } }, "params.weights"],
      ["item_popularity", { extra: 1 }, "params"],
      ["item_popularity", [], "params"],
    ];
    for (const [feature, params, field] of cases) {
      const err = (() => {
        try {
          checkTrainParams(feature, params);
        } catch (e) {
          return e;
        }
      })();
      expect(err, `${feature} ${JSON.stringify(params)}`).toBeInstanceOf(InputError);
      expect((err as InputError).field).toBe(field);
    }
  });
});

describe.each(PROVIDERS)("enqueueRetrain on %s", (provider) => {
  let catalog: TestCatalog;
  beforeEach(async () => {
    catalog = await testCatalog(provider);
  });
  afterEach(async () => {
    await catalog.drop();
  });

  it("refuses a bad retrain before writing anything", async () => {
    const settings = testQueueSettings();
    await expect(enqueueRetrain(catalog, settings, { feature: "nope" })).rejects.toBeInstanceOf(InputError);
    await expect(
      enqueueRetrain(catalog, settings, { feature: "item_popularity", params: { top_k: -1 } }),
    ).rejects.toMatchObject({ field: "params.top_k" });
    expect(await catalog.prisma.job.count()).toBe(0);
  });
});
