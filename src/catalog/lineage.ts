/**
 * Lineage reads: the inputs a feature version was made from (upstream) and the versions made from
 * it (downstream), walked breadth-first one hop at a time. Each hop asks for the edges of its
 * whole frontier in one call, so a walk costs one query per hop whatever the graph's width.
 */
import { z } from "zod";
import { InputError } from "../errors.js";
import type { LineageEdge } from "./generated/sqlite/client.js";

/** Deepest walk a caller may ask for; lineage chains in a shop are a handful of hops long. */
export const MAX_LINEAGE_DEPTH = 10;

export type LineageDirection = "upstream" | "downstream";

/** One node reached by a walk: exactly one of versionId, ingestRunId, external is set. */
export type LineageLink = {
  /** Hops from the start: 1 for a direct input or consumer. */
  depth: number;
  /** The role the edge names (`corpus`, `encoder`, ...), if any. */
  role: string | null;
  versionId: string | null;
  ingestRunId: string | null;
  external: string | null;
};

/** Edges of many versions at once, one list per id in the order asked. */
export type EdgesOf = (versionIds: readonly string[]) => Promise<ReadonlyArray<readonly LineageEdge[]>>;

const Depth = z.number().int().min(1).max(MAX_LINEAGE_DEPTH);

/** Validates a requested walk depth, naming `field` when it is out of range. */
export function checkDepth(depth: number | null | undefined, field = "depth"): number {
  const parsed = Depth.safeParse(depth);
  if (!parsed.success) throw new InputError(field, `must be an integer from 1 to ${MAX_LINEAGE_DEPTH}`);
  return parsed.data;
}

type Linked = Omit<LineageLink, "depth">;

function target(edge: LineageEdge, direction: LineageDirection): Linked | null {
  const role = edge.role ?? null;
  if (direction === "downstream")
    return { role, versionId: edge.versionId, ingestRunId: null, external: null };
  if (edge.inputVersionId) return { role, versionId: edge.inputVersionId, ingestRunId: null, external: null };
  if (edge.ingestRunId) return { role, versionId: null, ingestRunId: edge.ingestRunId, external: null };
  if (edge.external) return { role, versionId: null, ingestRunId: null, external: edge.external };
  return null;
}

function nodeKey(link: Linked): string {
  if (link.versionId) return `v:${link.versionId}`;
  if (link.ingestRunId) return `r:${link.ingestRunId}`;
  return `x:${link.external}`;
}

/**
 * Walks lineage from `start` (version ids) up to `depth` hops. Each node appears once, at the
 * shallowest depth it is reached (with the role of the first edge that reached it); the start
 * nodes themselves never appear. Only versions are walked through: ingest runs and external
 * inputs end a path.
 */
export async function walkLineage(args: {
  start: readonly string[];
  direction: LineageDirection;
  depth: number;
  edgesOf: EdgesOf;
}): Promise<LineageLink[]> {
  const depth = checkDepth(args.depth);
  const seen = new Set(args.start.map((id) => `v:${id}`));
  const links: LineageLink[] = [];
  let frontier = [...new Set(args.start)];
  for (let hop = 1; hop <= depth && frontier.length > 0; hop++) {
    const edgeLists = await args.edgesOf(frontier);
    const next: string[] = [];
    for (const edges of edgeLists) {
      for (const edge of edges) {
        const linked = target(edge, args.direction);
        if (!linked) continue;
        const key = nodeKey(linked);
        if (seen.has(key)) continue;
        seen.add(key);
        links.push({ depth: hop, ...linked });
        if (linked.versionId) next.push(linked.versionId);
      }
    }
    frontier = next;
  }
  return links;
}

/**
 * The versions an ingest run reached: those that read it directly (depth 1), and their
 * consumers beyond, up to `depth` hops. `runEdges` are the edges naming the run as an input.
 */
export async function downstreamOfRun(args: {
  runEdges: readonly LineageEdge[];
  depth: number;
  consumersOf: EdgesOf;
}): Promise<LineageLink[]> {
  const depth = checkDepth(args.depth);
  const seen = new Set<string>();
  const first: LineageLink[] = [];
  for (const edge of args.runEdges) {
    if (seen.has(edge.versionId)) continue;
    seen.add(edge.versionId);
    first.push({
      depth: 1,
      role: edge.role ?? null,
      versionId: edge.versionId,
      ingestRunId: null,
      external: null,
    });
  }
  if (depth === 1 || first.length === 0) return first;
  const beyond = await walkLineage({
    start: [...seen],
    direction: "downstream",
    depth: depth - 1,
    edgesOf: args.consumersOf,
  });
  return [...first, ...beyond.map((link) => ({ ...link, depth: link.depth + 1 }))];
}
