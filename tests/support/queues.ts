/** Queue test helpers: every test run uses its own key prefix and removes its keys afterwards. */
import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import { QUEUES, queueOptions } from "../../jobs/queues.js";
import { REDIS_URL } from "./env.js";

/** Redis settings with a prefix no other test shares. */
export function testQueueSettings(): { redisUrl: string; queuePrefix: string } {
  return { redisUrl: REDIS_URL, queuePrefix: `test-${randomBytes(6).toString("hex")}` };
}

/** Removes every key of the prefix's queues. */
export async function dropQueues(settings: { redisUrl: string; queuePrefix: string }): Promise<void> {
  for (const name of Object.values(QUEUES)) {
    const queue = new Queue(name, queueOptions(settings));
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
  }
}
