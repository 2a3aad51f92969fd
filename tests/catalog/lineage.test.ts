import { describe, expect, it } from "vitest";
import type { LineageEdge } from "../../src/catalog/generated/sqlite/client.js";
import { downstreamOfRun, type EdgesOf, MAX_LINEAGE_DEPTH, walkLineage } from "../../src/catalog/lineage.js";
import { InputError } from "../../src/errors.js";

type EdgeSpec = Partial<Omit<LineageEdge, "id" | "versionId">> & { versionId: string };

// A graph held in memory, with the calls each walk makes recorded.
function graph(specs: EdgeSpec[]) {
  const edges: LineageEdge[] = specs.map((s, i) => ({
    id: i + 1,
    inputVersionId: null,
    ingestRunId: null,
    external: null,
    role: null,
    ...s,
  }));
  const calls: string[][] = [];
  const inputsOf: EdgesOf = async (ids) => {
    calls.push([...ids]);
    return ids.map((id) => edges.filter((e) => e.versionId === id));
  };
  const consumersOf: EdgesOf = async (ids) => {
    calls.push([...ids]);
    return ids.map((id) => edges.filter((e) => e.inputVersionId === id));
  };
  return { edges, calls, inputsOf, consumersOf };
}

// model <- {emb, ranker}; emb <- {corpus run, encoder package}; ranker <- {emb (again), judgements run}
const SHOP = [
  { versionId: "model", inputVersionId: "emb", role: "embeddings" },
  { versionId: "model", inputVersionId: "ranker", role: "ranker" },
  { versionId: "emb", ingestRunId: "run-products", role: "corpus" },
  { versionId: "emb", external: "pkg:e5-small@1", role: "encoder" },
  { versionId: "ranker", inputVersionId: "emb", role: "features" },
  { versionId: "ranker", ingestRunId: "run-judgements", role: "labels" },
];

describe("walkLineage", () => {
  it("walks upstream hop by hop, one call per hop, each node once at its shallowest depth", async () => {
    const g = graph(SHOP);
    const links = await walkLineage({
      start: ["model"],
      direction: "upstream",
      depth: 3,
      edgesOf: g.inputsOf,
    });
    expect(links).toEqual([
      { depth: 1, role: "embeddings", versionId: "emb", ingestRunId: null, external: null },
      { depth: 1, role: "ranker", versionId: "ranker", ingestRunId: null, external: null },
      { depth: 2, role: "corpus", versionId: null, ingestRunId: "run-products", external: null },
      { depth: 2, role: "encoder", versionId: null, ingestRunId: null, external: "pkg:e5-small@1" },
      { depth: 2, role: "labels", versionId: null, ingestRunId: "run-judgements", external: null },
    ]);
    // hop 1 asks for model, hop 2 for both inputs together; nothing is left to walk for hop 3
    expect(g.calls).toEqual([["model"], ["emb", "ranker"]]);
  });

  it("stops at the depth asked for", async () => {
    const g = graph(SHOP);
    const links = await walkLineage({
      start: ["model"],
      direction: "upstream",
      depth: 1,
      edgesOf: g.inputsOf,
    });
    expect(links.map((l) => l.versionId)).toEqual(["emb", "ranker"]);
    expect(g.calls).toHaveLength(1);
  });

  it("walks downstream through consumers", async () => {
    const g = graph(SHOP);
    const links = await walkLineage({
      start: ["emb"],
      direction: "downstream",
      depth: 5,
      edgesOf: g.consumersOf,
    });
    expect(links.map((l) => [l.depth, l.versionId, l.role])).toEqual([
      [1, "model", "embeddings"],
      [1, "ranker", "features"],
    ]);
    // model and ranker have consumers asked for at hop 2 (ranker's consumer, model, is already seen)
    expect(g.calls).toEqual([["emb"], ["model", "ranker"]]);
  });

  it("never lists the start, even when an edge leads back to it", async () => {
    const g = graph([
      { versionId: "a", inputVersionId: "b" },
      { versionId: "b", inputVersionId: "a" },
    ]);
    const links = await walkLineage({ start: ["a"], direction: "upstream", depth: 10, edgesOf: g.inputsOf });
    expect(links.map((l) => l.versionId)).toEqual(["b"]);
  });

  it.each([0, -1, 1.5, MAX_LINEAGE_DEPTH + 1])("refuses depth %s naming the argument", async (depth) => {
    const g = graph(SHOP);
    const walk = walkLineage({ start: ["model"], direction: "upstream", depth, edgesOf: g.inputsOf });
    await expect(walk).rejects.toBeInstanceOf(InputError);
    await expect(walk).rejects.toMatchObject({ code: "BAD_USER_INPUT", field: "depth" });
    expect(g.calls).toHaveLength(0);
  });
});

describe("downstreamOfRun", () => {
  it("lists the versions that read a run, then their consumers one hop further", async () => {
    const g = graph(SHOP);
    const runEdges = g.edges.filter((e) => e.ingestRunId === "run-products");
    const links = await downstreamOfRun({ runEdges, depth: 3, consumersOf: g.consumersOf });
    expect(links.map((l) => [l.depth, l.versionId])).toEqual([
      [1, "emb"],
      [2, "model"],
      [2, "ranker"],
    ]);
    const shallow = await downstreamOfRun({ runEdges, depth: 1, consumersOf: g.consumersOf });
    expect(shallow.map((l) => l.versionId)).toEqual(["emb"]);
  });
});
