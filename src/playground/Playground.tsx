/**
 * The admin playground: GraphiQL (editor, docs explorer, history) under a bar holding the API
 * key, which is remembered in this browser's localStorage and sent as a bearer token.
 */
import { GraphiQL } from "graphiql";
import { type ChangeEvent, type JSX, useEffect, useMemo, useRef, useState } from "react";
import { createFetcher, endpointFromLocation } from "./fetcher.js";

export const KEY_STORAGE = "shopmind.playground.apiKey";

export const DEFAULT_QUERY = `# shopmind GraphQL playground
#
# Paste an API key in the field above (it stays in this browser), then run with Ctrl-Enter or
# the run button. The Docs icon on the left lists every type and field.

query FirstProducts {
  products(first: 5) {
    edges {
      node {
        id
        title
        brand
        price
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
`;

function readStoredKey(): string {
  try {
    return window.localStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return ""; // storage disabled (private mode, policy): the key lives only in this page
  }
}

function storeKey(key: string): void {
  try {
    if (key) window.localStorage.setItem(KEY_STORAGE, key);
    else window.localStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: nothing to persist to
  }
}

/** `?query=` on the page's URL opens that operation, so docs and the demo can link to one. */
function queryFromUrl(): string | undefined {
  const query = new URLSearchParams(window.location.search).get("query");
  return query?.trim() ? query : undefined;
}

/** How long typing must pause before the schema is fetched again with the new key. */
const SCHEMA_REFRESH_MS = 400;

export function Playground(): JSX.Element {
  const endpoint = useMemo(() => endpointFromLocation(window.location), []);
  const initialQuery = useMemo(queryFromUrl, []);
  const [apiKey, setApiKey] = useState(readStoredKey);
  const [showKey, setShowKey] = useState(false);
  const keyRef = useRef(apiKey);
  const [schemaKey, setSchemaKey] = useState(apiKey);

  useEffect(() => {
    const timer = window.setTimeout(() => setSchemaKey(apiKey), SCHEMA_REFRESH_MS);
    return () => window.clearTimeout(timer);
  }, [apiKey]);

  // GraphiQL fetches the schema again whenever the fetcher changes identity; keying it on the
  // settled key re-runs introspection once the admin stops typing, while each run reads the
  // current key through the ref.
  // biome-ignore lint/correctness/useExhaustiveDependencies: schemaKey only marks when to refresh
  const fetcher = useMemo(() => createFetcher(endpoint, () => keyRef.current), [endpoint, schemaKey]);

  const onKeyChange = (event: ChangeEvent<HTMLInputElement>) => {
    const key = event.target.value;
    keyRef.current = key;
    setApiKey(key);
    storeKey(key.trim());
  };
  const forgetKey = () => {
    keyRef.current = "";
    setApiKey("");
    storeKey("");
  };

  return (
    <div className="shopmind-playground">
      <header className="shopmind-bar">
        <strong>shopmind</strong>
        <span className="shopmind-endpoint" title="Operations are POSTed to the path of this page">
          POST {endpoint}
        </span>
        <label className="shopmind-key">
          API key
          <input
            id="api-key"
            name="api-key"
            type={showKey ? "text" : "password"}
            autoComplete="off"
            spellCheck={false}
            placeholder="smk_… (shopmind keys create --role admin)"
            value={apiKey}
            onChange={onKeyChange}
          />
        </label>
        <button type="button" onClick={() => setShowKey((v) => !v)}>
          {showKey ? "Hide" : "Show"}
        </button>
        <button type="button" onClick={forgetKey} disabled={!apiKey}>
          Forget
        </button>
        <span className="shopmind-key-state" data-testid="key-state">
          {apiKey.trim() ? "key saved in this browser" : "no key: only the schema can be read"}
        </span>
      </header>
      <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} initialQuery={initialQuery}>
        <GraphiQL.Logo>shopmind</GraphiQL.Logo>
      </GraphiQL>
    </div>
  );
}
