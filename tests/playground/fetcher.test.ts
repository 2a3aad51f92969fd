import { describe, expect, it } from "vitest";
import { createFetcher, endpointFromLocation, requestHeaders } from "../../src/playground/fetcher.js";

type Call = { url: string; init: RequestInit };

function recordingFetch(answer: () => Response): { calls: Call[]; fetchImpl: typeof fetch } {
  const calls: Call[] = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return answer();
  }) as unknown as typeof fetch;
  return { calls, fetchImpl };
}

describe("requestHeaders", () => {
  it("sends the key as a bearer token and asks for GraphQL JSON", () => {
    const h = requestHeaders("  smk_abc  ");
    expect(h.get("authorization")).toBe("Bearer smk_abc");
    expect(h.get("content-type")).toBe("application/json");
    expect(h.get("accept")).toContain("application/graphql-response+json");
  });

  it("sends no Authorization without a key", () => {
    expect(requestHeaders("   ").has("authorization")).toBe(false);
  });

  it("lets the Headers tab override the key field and add headers", () => {
    const h = requestHeaders("smk_field", { Authorization: "Bearer smk_tab", "x-trace": 7 });
    expect(h.get("authorization")).toBe("Bearer smk_tab");
    expect(h.get("x-trace")).toBe("7");
  });
});

describe("createFetcher", () => {
  it("POSTs the operation to the endpoint with the key current at call time", async () => {
    let key = "smk_one";
    const { calls, fetchImpl } = recordingFetch(() => Response.json({ data: { ok: true } }));
    const fetcher = createFetcher("/graphql", () => key, fetchImpl);
    await fetcher({ query: "{ ok }", operationName: null, variables: { a: 1 } });
    key = "smk_two";
    const result = await fetcher({ query: "{ ok }" });
    expect(result).toEqual({ data: { ok: true } });
    expect(calls.map((c) => c.url)).toEqual(["/graphql", "/graphql"]);
    expect(calls[0]!.init.method).toBe("POST");
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ query: "{ ok }", variables: { a: 1 } });
    const auth = calls.map((c) => new Headers(c.init.headers).get("authorization"));
    expect(auth).toEqual(["Bearer smk_one", "Bearer smk_two"]);
  });

  it("passes GraphQL errors of a non-200 answer through as they are", async () => {
    const body = { errors: [{ message: "bad key", extensions: { code: "UNAUTHENTICATED" } }] };
    const { fetchImpl } = recordingFetch(() => Response.json(body, { status: 401 }));
    expect(await createFetcher("/graphql", () => "", fetchImpl)({ query: "{ x }" })).toEqual(body);
  });

  it("turns an answer that is not JSON into a GraphQL error naming the status", async () => {
    const { fetchImpl } = recordingFetch(
      () => new Response("<h1>Payload Too Large</h1>", { status: 413, statusText: "Payload Too Large" }),
    );
    const result = await createFetcher("/graphql", () => "", fetchImpl)({ query: "{ x }" });
    expect(result).toEqual({
      errors: [{ message: "HTTP 413 Payload Too Large: <h1>Payload Too Large</h1>" }],
    });
  });
});

describe("endpointFromLocation", () => {
  it("posts to the path the page was served from", () => {
    expect(endpointFromLocation({ pathname: "/shop/graphql" })).toBe("/shop/graphql");
  });
});
