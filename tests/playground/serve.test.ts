import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTinyServer, type TinyServer } from "./tiny-server.js";

// A stand-in bundle, so these tests need no vite build.
const dist = mkdtempSync(path.join(tmpdir(), "playground-dist-"));
const PAGE =
  '<!doctype html><div id="root"></div><script type="module" src="/playground/assets/app-abc123.js"></script>';
mkdirSync(path.join(dist, "assets"));
writeFileSync(path.join(dist, "index.html"), PAGE);
const SCRIPT = "console.log('playground');\n";
writeFileSync(path.join(dist, "assets", "app-abc123.js"), SCRIPT);
writeFileSync(path.join(dist, "assets", "app-abc123.js.gz"), gzipSync(SCRIPT));
writeFileSync(path.join(dist, "assets", "font-abc123.ttf"), "not really a font");

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

describe("mountPlayground", () => {
  let server: TinyServer;
  let unbuilt: TinyServer;
  beforeAll(async () => {
    server = await startTinyServer({ key: "k", distDir: dist });
    unbuilt = await startTinyServer({ key: "k", distDir: path.join(dist, "missing") });
  });
  afterAll(async () => {
    await server.close();
    await unbuilt.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it("serves the page to a browser with a same-origin-only policy", async () => {
    const res = await fetch(`${server.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("vary")).toMatch(/accept/i);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(res.headers.get("content-security-policy")).toContain("connect-src 'self'");
    expect(await res.text()).toBe(PAGE);
  });

  it("serves the page for a browser link carrying ?query=", async () => {
    const res = await fetch(`${server.url}/graphql?query=${encodeURIComponent("{ authorization }")}`, {
      headers: { accept: BROWSER_ACCEPT },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(PAGE);
  });

  it.each([
    ["application/json"],
    ["application/graphql-response+json"],
    ["application/graphql-response+json, application/json;q=0.9"],
    ["*/*"],
    ["text/html;q=0.5, application/json"],
  ])("passes GET with Accept %s on to the GraphQL handler", async (accept) => {
    const res = await fetch(`${server.url}/graphql?query=${encodeURIComponent("{ authorization }")}`, {
      headers: { accept, authorization: "Bearer k" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/json/);
    expect(await res.json()).toEqual({ data: { authorization: "Bearer k" } });
  });

  it("passes a GET without Accept on to the GraphQL handler", async () => {
    const res = await fetch(`${server.url}/graphql?query=${encodeURIComponent("{ authorization }")}`, {
      headers: { accept: "" },
    });
    expect(await res.json()).toEqual({ data: { authorization: null } });
  });

  it("leaves POST to the GraphQL handler", async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: BROWSER_ACCEPT, authorization: "Bearer k" },
      body: JSON.stringify({ query: "{ products(first: 1) { edges { node { id } } } }" }),
    });
    expect(await res.json()).toEqual({ data: { products: { edges: [{ node: { id: "p-1" } }] } } });
  });

  it("serves the gzip copy of a hashed asset to a client accepting gzip, cached for a year", async () => {
    const res = await fetch(`${server.url}/playground/assets/app-abc123.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    expect(res.headers.get("vary")).toMatch(/accept-encoding/i);
    expect(res.headers.get("cache-control")).toMatch(/max-age=31536000/);
    expect(res.headers.get("cache-control")).toMatch(/immutable/);
    expect(await res.text()).toBe(SCRIPT); // fetch inflates it
  });

  it("serves the plain file to a client not accepting gzip, or when no copy exists", async () => {
    const plain = await fetch(`${server.url}/playground/assets/app-abc123.js`, {
      headers: { "accept-encoding": "identity" },
    });
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(plain.headers.get("content-type")).toMatch(/javascript/);
    expect(plain.headers.get("cache-control")).toMatch(/immutable/);
    expect(await plain.text()).toBe(SCRIPT);
    const font = await fetch(`${server.url}/playground/assets/font-abc123.ttf`);
    expect(font.status).toBe(200);
    expect(font.headers.get("content-encoding")).toBeNull();
    expect(await font.text()).toBe("not really a font");
  });

  it("answers 404 for an unknown asset and never lists the folder", async () => {
    expect((await fetch(`${server.url}/playground/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/playground/assets/`)).status).toBe(404);
    const traversal = await fetch(`${server.url}/playground/assets/..%2findex.html`);
    expect([403, 404]).toContain(traversal.status);
    expect(await traversal.text()).not.toContain("root");
  });

  it("answers 503 naming the build command when the bundle is missing", async () => {
    const res = await fetch(`${unbuilt.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("npm run build:playground");
    // GraphQL itself still answers.
    const api = await fetch(`${unbuilt.url}/graphql?query=${encodeURIComponent("{ authorization }")}`, {
      headers: { accept: "application/json" },
    });
    expect(api.status).toBe(200);
  });
});
