/**
 * The playground's fetcher: POSTs each operation to the page's own path with the admin's key as
 * a bearer token. Kept apart from the React code so it can be tested without a browser.
 */

/** What GraphiQL hands the fetcher (the shape of its `FetcherParams`). */
export type OperationRequest = {
  query: string;
  operationName?: string | null;
  variables?: unknown;
};

/** GraphiQL's per-request options: the Headers tab's parsed JSON lands in `headers`. */
export type OperationOptions = { headers?: Record<string, unknown> };

export type GraphQLResponse = Record<string, unknown>;

export type PlaygroundFetcher = (
  params: OperationRequest,
  options?: OperationOptions,
) => Promise<GraphQLResponse>;

/** The endpoint is the path the page was served from, so one build works on any mount point. */
export function endpointFromLocation(location: Pick<Location, "pathname">): string {
  return location.pathname || "/graphql";
}

/**
 * Builds the headers of one request. An `Authorization` header typed into GraphiQL's Headers
 * tab wins over the key field, so a tab can try another role's key without touching the field.
 */
export function requestHeaders(apiKey: string, tabHeaders: Record<string, unknown> = {}): Headers {
  const headers = new Headers({
    "content-type": "application/json",
    accept: "application/graphql-response+json, application/json",
  });
  const key = apiKey.trim();
  if (key) headers.set("authorization", `Bearer ${key}`);
  for (const [name, value] of Object.entries(tabHeaders)) {
    if (value === undefined || value === null) continue;
    headers.set(name, typeof value === "string" ? value : JSON.stringify(value));
  }
  return headers;
}

/**
 * A fetcher reading the key through `currentKey` at each call, so a key typed a moment ago is
 * used by the next run even before the schema is fetched again. Non-JSON answers (a proxy's
 * error page, a 413 from the body limit) come back as a GraphQL-shaped error to show in the
 * result pane instead of a silent failure.
 */
export function createFetcher(
  endpoint: string,
  currentKey: () => string,
  fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
): PlaygroundFetcher {
  return async (params, options) => {
    const response = await fetchImpl(endpoint, {
      method: "POST",
      headers: requestHeaders(currentKey(), options?.headers),
      body: JSON.stringify({
        query: params.query,
        operationName: params.operationName ?? undefined,
        variables: params.variables ?? undefined,
      }),
      credentials: "same-origin",
    });
    const text = await response.text();
    try {
      const body: unknown = JSON.parse(text);
      if (body && typeof body === "object" && !Array.isArray(body)) return body as GraphQLResponse;
    } catch {
      // fall through: not JSON
    }
    return {
      errors: [{ message: `HTTP ${response.status} ${response.statusText}: ${text.slice(0, 500)}` }],
    };
  };
}
