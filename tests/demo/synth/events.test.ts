import { describe, expect, it } from "vitest";
import { EVENT_TYPES, type ShopEvent } from "../../../scripts/demo/synth/events.js";
import { windowStartMs } from "../../../scripts/demo/synth/options.js";
import { generateShop } from "../../../scripts/demo/synth/shop.js";
import { LEAVES } from "../../../scripts/demo/synth/vocab.js";

const FUNNEL = ["view", "click", "add_to_cart", "purchase"] as const;

describe("buildEvents", () => {
  const shop = generateShop({ products: 120, users: 40, events: 4000, seed: 11 });
  const events = shop.events;
  const byId = new Map(shop.catalog.products.map((p) => [p.id, p]));

  it("makes exactly the events asked for, in time order, inside the window and in the past", () => {
    expect(events).toHaveLength(4000);
    const start = windowStartMs(shop.options);
    const end = start + (shop.options.days + 1) * 86_400_000;
    expect(events.every((e, i) => i === 0 || e.timestamp >= events[i - 1]!.timestamp)).toBe(true);
    expect(events[0]!.timestamp).toBeGreaterThanOrEqual(start);
    expect(events.at(-1)!.timestamp).toBeLessThan(Math.min(end, Date.now()));
    expect(new Set(events.map((e) => e.eventType))).toEqual(new Set(EVENT_TYPES));
  });

  it("follows view -> click -> add_to_cart -> purchase funnels, each step later than the one before", () => {
    const funnels = new Map<string, ShopEvent[]>();
    for (const e of events) {
      if (e.eventType === "search") continue;
      const key = `${e.sessionId}:${e.itemId}`;
      const list = funnels.get(key);
      if (list) list.push(e);
      else funnels.set(key, [e]);
    }
    for (const steps of funnels.values()) {
      // A product is opened once per session, so its steps are one prefix of the funnel.
      expect(steps.map((e) => e.eventType)).toEqual(FUNNEL.slice(0, steps.length));
      for (let i = 1; i < steps.length; i++)
        expect(steps[i]!.timestamp).toBeGreaterThan(steps[i - 1]!.timestamp);
    }
    expect([...funnels.values()].some((s) => s.length === 4)).toBe(true);
  });

  it("opens a session with its search, and prices purchases at the product's price", () => {
    const sessions = new Map<string, ShopEvent[]>();
    for (const e of events) {
      const list = sessions.get(e.sessionId);
      if (list) list.push(e);
      else sessions.set(e.sessionId, [e]);
    }
    for (const list of sessions.values()) {
      const searches = list.filter((e) => e.eventType === "search");
      expect(searches.length).toBeLessThanOrEqual(1);
      if (searches.length === 1) expect(list[0]!.eventType).toBe("search");
      expect(new Set(list.map((e) => e.userId)).size).toBe(1);
    }
    for (const e of events.filter((x) => x.eventType === "purchase")) {
      expect(e.price).toBe(byId.get(e.itemId!)!.price);
      expect(e.quantity).toBeGreaterThanOrEqual(1);
    }
  });

  it("reflects users' hidden tastes: most of a user's views fall in their favourite categories", () => {
    let inFavourites = 0;
    let views = 0;
    const users = new Map(shop.users.map((u) => [u.id, u]));
    for (const e of events.filter((x) => x.eventType === "view")) {
      const taste = users.get(e.userId)!.taste;
      const favourites = taste
        .map((w, t) => [w, t] as const)
        .sort((a, b) => b[0] - a[0])
        .slice(0, 3)
        .map(([, t]) => t);
      views++;
      if (favourites.includes(byId.get(e.itemId!)!.top)) inFavourites++;
    }
    // Three of eight categories would get 3/8 of the views if tastes did not matter.
    expect(inFavourites / views).toBeGreaterThan(0.75);
  });

  it("never has a user buy the same durable product twice, while consumables are bought again", () => {
    const bought = new Map<string, number>();
    for (const e of events.filter((x) => x.eventType === "purchase")) {
      const key = `${e.userId}:${e.itemId}`;
      bought.set(key, (bought.get(key) ?? 0) + 1);
    }
    const again = [...bought].filter(([, n]) => n > 1).map(([key]) => byId.get(key.split(":")[1]!)!);
    expect(again.every((p) => LEAVES[p.leaf]!.consumable)).toBe(true);
  });
});
