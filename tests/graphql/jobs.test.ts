import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUEUES, queueOptions } from "../../jobs/queues.js";
import { PROVIDERS } from "../support/catalog.js";
import { REDIS_URL } from "../support/env.js";
import { startTestServer, type TestServer } from "../support/server.js";

type JobView = {
  id: string;
  name: string;
  status: string;
  progress: unknown;
  result: unknown;
  error: string | null;
  attempts: number;
  versions: Array<{ number: number; feature: { name: string } }>;
};

const JOBS = `query($status: JobStatus, $first: Int) { jobs(status: $status, first: $first) { id name status attempts } }`;
const JOB = `query($id: ID!) { job(id: $id) {
  id queue name status data progress result error attempts createdAt startedAt finishedAt versions { number feature { name } }
} }`;

describe.each(PROVIDERS)("jobs on %s", (provider) => {
  let t: TestServer;
  beforeAll(async () => {
    // A prefix of its own, so the retrains queued here never reach another test's workers.
    t = await startTestServer(provider, {
      redisUrl: REDIS_URL,
      queuePrefix: `test-${randomBytes(4).toString("hex")}`,
    });
    const p = t.catalog.prisma;
    const base = Date.UTC(2026, 3, 1);
    const rows = [
      { id: "j1", name: "ingest", status: "COMPLETED", result: { accepted: 10 } },
      { id: "j2", name: "retrain", status: "FAILED", error: "trainer exited with 1", attempts: 3 },
      {
        id: "j3",
        name: "retrain",
        status: "COMPLETED",
        progress: { epoch: 5, of: 5 },
        result: { "ndcg@10": 0.31 },
      },
      { id: "j4", name: "retrain", status: "ACTIVE", progress: { epoch: 2, of: 5 } },
      { id: "j5", name: "ingest", status: "QUEUED" },
    ];
    for (const [i, row] of rows.entries()) {
      await p.job.create({
        data: {
          queue: "train",
          data: { feature: "sequence_model" },
          createdAt: new Date(base + i * 1000),
          ...row,
        },
      });
    }
    const feature = await p.feature.create({ data: { name: "sequence_model" } });
    await p.featureVersion.create({ data: { featureId: feature.id, number: 1, jobId: "j3" } });
  });
  afterAll(async () => {
    for (const name of [QUEUES.register, QUEUES.train]) {
      const queue = new Queue(name, queueOptions(t.settings));
      await queue.obliterate({ force: true });
      await queue.close();
    }
    await t.stop();
  });

  it("lists jobs newest first, optionally by status", async () => {
    const all = await t.gql<{ jobs: JobView[] }>(JOBS, {});
    expect(all.errors).toBeUndefined();
    expect(all.data!.jobs.map((j) => j.id)).toEqual(["j5", "j4", "j3", "j2", "j1"]);
    const done = await t.gql<{ jobs: JobView[] }>(JOBS, { status: "COMPLETED", first: 1 });
    expect(done.data!.jobs.map((j) => j.id)).toEqual(["j3"]);
    const failed = await t.gql<{ jobs: JobView[] }>(JOBS, { status: "FAILED" });
    expect(failed.data!.jobs).toEqual([{ id: "j2", name: "retrain", status: "FAILED", attempts: 3 }]);
  });

  it("shows one job's progress, outcome and the versions it registered", async () => {
    const res = await t.gql<{ job: JobView }>(JOB, { id: "j3" }, t.keys.STEWARD);
    expect(res.errors).toBeUndefined();
    expect(res.data!.job).toMatchObject({
      status: "COMPLETED",
      progress: { epoch: 5, of: 5 },
      result: { "ndcg@10": 0.31 },
      versions: [{ number: 1, feature: { name: "sequence_model" } }],
    });
    const failed = await t.gql<{ job: JobView }>(JOB, { id: "j2" });
    expect(failed.data!.job).toMatchObject({
      status: "FAILED",
      error: "trainer exited with 1",
      versions: [],
    });
  });

  it("answers an unknown id with null and an unknown status with a validation error", async () => {
    expect((await t.gql(JOB, { id: "nope" })).data).toEqual({ job: null });
    const bad = await t.gql(JOBS, { status: "DONE" });
    expect(bad.errors?.[0]?.extensions?.code).toMatch(/BAD_USER_INPUT/);
  });

  it("is readable by stewards and admins, not viewers", async () => {
    expect((await t.gql(JOBS, {}, t.keys.STEWARD)).errors).toBeUndefined();
    const res = await t.gql(JOBS, {}, t.keys.VIEWER);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "Query.jobs" });
  });

  const RETRAIN = `mutation($feature: String!, $params: JSON) { retrain(feature: $feature, params: $params) { id name status data } }`;

  it("queues a retrain a steward asks for, shows it as a job, and audits it", async () => {
    type Retrain = {
      retrain: {
        id: string;
        name: string;
        status: string;
        data: { feature: string; params: Record<string, unknown> };
      };
    };
    const res = await t.gql<Retrain>(
      RETRAIN,
      { feature: "item_popularity", params: { top_k: 5 } },
      t.keys.STEWARD,
    );
    expect(res.errors).toBeUndefined();
    const job = res.data!.retrain;
    expect(job).toMatchObject({ name: "retrain", status: "QUEUED", data: { feature: "item_popularity" } });
    // defaults fill the params that were not given
    expect(job.data.params).toMatchObject({ top_k: 5, half_life_days: 14 });
    const shown = await t.gql<{ job: JobView }>(JOB, { id: job.id });
    expect(shown.data!.job).toMatchObject({ id: job.id, status: "QUEUED" });
    const queue = new Queue(QUEUES.train, queueOptions(t.settings));
    try {
      expect((await queue.getJob(job.id))?.data).toMatchObject({
        feature: "item_popularity",
        jobRowId: job.id,
      });
    } finally {
      await queue.close();
    }
    const entries = await t.catalog.prisma.auditEntry.findMany({
      where: { action: "retrain", target: job.id },
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      role: "STEWARD",
      details: { feature: "item_popularity", params: { top_k: 5 } },
    });
  });

  it("refuses an unknown feature or bad params, naming them, and queues nothing", async () => {
    const before = await t.catalog.prisma.job.count();
    const feature = await t.gql(RETRAIN, { feature: "no_such_feature" });
    expect(feature.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "feature" });
    const params = await t.gql(RETRAIN, { feature: "item_popularity", params: { top_k: -1 } });
    expect(params.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "params.top_k" });
    expect(await t.catalog.prisma.job.count()).toBe(before);
  });

  it("is not for viewers", async () => {
    const res = await t.gql(RETRAIN, { feature: "item_popularity" }, t.keys.VIEWER);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "Mutation.retrain" });
  });
});
