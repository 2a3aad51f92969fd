import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureRedis, freePort, redisAnswers } from "../../scripts/demo/redis.js";
import { ConfigError } from "../../src/errors.js";
import { REDIS_URL, SCRATCH } from "../support/env.js";

const dir = path.join(SCRATCH, `redis-${randomBytes(4).toString("hex")}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("demo redis", () => {
  it("uses the configured Redis when it answers, and starts nothing", async () => {
    const redis = await ensureRedis(REDIS_URL, { dir });
    expect(redis).toMatchObject({ url: REDIS_URL, started: false });
    await redis.stop();
    expect(await redisAnswers(REDIS_URL)).toBe(true);
  });

  it("starts a private redis-server when none answers, and stops it again", async () => {
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    expect(await redisAnswers(nobody, 300)).toBe(false);
    const redis = await ensureRedis(nobody, { dir });
    try {
      expect(redis.started).toBe(true);
      expect(redis.url).not.toBe(nobody);
      expect(await redisAnswers(redis.url)).toBe(true);
    } finally {
      await redis.stop();
    }
    expect(await redisAnswers(redis.url, 300)).toBe(false);
  });

  it("says how to install redis-server when it is missing", async () => {
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    const attempt = ensureRedis(nobody, { dir, binary: path.join(dir, "no-such-redis-server") });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(/apt-get install redis-server/);
  });
});
