/**
 * The built playground served by the real server, driven in Debian's Chromium: the page loads
 * from this server alone, the key typed into its field reaches the API, and the result shows in
 * the result pane.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../src/catalog/keys.js";
import { loadSettings } from "../../src/config.js";
import { PLAYGROUND_BASE, PLAYGROUND_DIST } from "../../src/playground/serve.js";
import { type Server, startServer } from "../../src/server.js";
import { freshDatabase } from "../support/catalog.js";

const CHROMIUM = "/usr/bin/chromium";
// Without the background-networking flags Chromium dials out at start-up (and a closed network
// refuses it); the sandbox needs privileges a CI container does not have.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`playground browser test skipped: ${CHROMIUM} is missing (\`make browser\` installs it)`);

const BUNDLE_MISSING =
  "the playground bundle is missing: run `npm run build:playground` (or `make install-node`)";

const built = () => existsSync(path.join(PLAYGROUND_DIST, "index.html"));

function distFiles(dir = PLAYGROUND_DIST): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe("the built bundle", () => {
  it("exists", () => {
    expect(built(), BUNDLE_MISSING).toBe(true);
  });

  it.runIf(built())("loads nothing from another host and names its assets under the served prefix", () => {
    const html = readFileSync(path.join(PLAYGROUND_DIST, "index.html"), "utf8");
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs)
      expect(ref.startsWith(`${PLAYGROUND_BASE}assets/`) || ref.startsWith("data:"), ref).toBe(true);
    for (const file of distFiles()) {
      if (!/\.(html|css|js)$/.test(file)) continue;
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toMatch(/<script[^>]+src=["']?(https?:)?\/\//i);
      expect(text, file).not.toMatch(/<link[^>]+href=["']?(https?:)?\/\//i);
      expect(text, file).not.toMatch(/@import\s+(url\()?["']?(https?:)?\/\//i);
      expect(text, file).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
      expect(text, file).not.toMatch(/esm\.sh|cdn\.jsdelivr|unpkg\.com|fonts\.googleapis/);
    }
  });
});

/** The text of a Monaco editor, its rendered lines put back in order (Monaco may not keep DOM order). */
async function editorText(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (root) => {
    const lines = Array.from(root.querySelectorAll<HTMLElement>(".view-lines .view-line"));
    lines.sort((a, b) => Number.parseFloat(a.style.top) - Number.parseFloat(b.style.top));
    return lines.map((l) => (l.textContent ?? "").replace(/\u00a0/g, " ")).join("\n");
  });
}

/**
 * Waits until the result pane shows `contains` and returns its text with whitespace runs
 * collapsed: Monaco wraps long lines into several rendered lines.
 */
async function resultText(page: Page, contains: string): Promise<string> {
  const read = async () => (await editorText(page, ".result-window")).replace(/\s+/g, " ");
  await expect.poll(read, { timeout: 20_000 }).toContain(contains);
  return read();
}

/** A server on a fresh SQLite catalog holding three products, and an admin key for it. */
async function startShop(): Promise<{ server: Server; key: string; stop(): Promise<void> }> {
  const db = await freshDatabase("sqlite");
  const settings = loadSettings(
    { databaseUrl: db.url, dataDir: db.dataDir, port: 0, logLevel: "silent" },
    {},
  );
  const server = await startServer(settings);
  try {
    for (const [id, title] of [
      ["p-1", "Chef knife"],
      ["p-2", "Bread knife"],
      ["p-3", "Paring knife"],
    ] as const)
      await server.catalog.prisma.product.create({
        data: { id, title, brand: "Acme", price: 20, rowHash: "x" },
      });
    const { key } = await createApiKey(server.catalog.prisma, { role: "ADMIN", name: "t" });
    return {
      server,
      key,
      stop: async () => {
        await server.close();
        await db.drop();
      },
    };
  } catch (err) {
    await server.close();
    await db.drop();
    throw err;
  }
}

describe.runIf(built())("GET /graphql on the server", () => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  beforeAll(async () => {
    shop = await startShop();
  });
  afterAll(async () => {
    await shop?.stop();
  });

  it("answers a browser with the playground page", async () => {
    const res = await fetch(`${shop.server.url}/graphql`, {
      headers: { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toBe(readFileSync(path.join(PLAYGROUND_DIST, "index.html"), "utf8"));
    for (const [, ref] of html.matchAll(/(?:src|href)="(\/playground\/[^"]+)"/g)) {
      const asset = await fetch(`${shop.server.url}${ref}`);
      expect(asset.status, ref).toBe(200);
      expect(asset.headers.get("cache-control"), ref).toMatch(/immutable/);
    }
  });

  it("leaves a GET asking for JSON to GraphQL", async () => {
    const res = await fetch(`${shop.server.url}/graphql?query=${encodeURIComponent("{ __typename }")}`, {
      // Apollo's CSRF guard wants a non-simple header on GET.
      headers: { accept: "application/json", "apollo-require-preflight": "true" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { __typename: "Query" } });
  });
});

describe.skipIf(!haveChromium || !built())("the playground in Chromium", () => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  let browser: Browser;
  let context: BrowserContext;
  const requested: string[] = [];
  const refusals: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    shop = await startShop();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    // Wide enough that Monaco does not wrap the short results read back below.
    context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    context.on("request", (r) => requested.push(r.url()));
    context.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) refusals.push(m.text());
    });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await shop?.stop();
  });

  async function openPlayground(query = ""): Promise<Page> {
    const page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${shop.server.url}/graphql${query}`);
    await page.locator(".graphiql-query-editor .monaco-editor").waitFor({ timeout: 30_000 });
    return page;
  }

  it("opens with the example query, runs it with the key from the field and shows the result", async () => {
    const page = await openPlayground();
    expect(await editorText(page, ".graphiql-query-editor")).toContain("products(first: 5)");

    // The schema arrived: the docs explorer lists the root type's fields.
    await page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click();
    const explorer = page.locator(".graphiql-doc-explorer");
    await explorer.getByText("Query", { exact: true }).click();
    await expect.poll(() => explorer.textContent()).toContain("featureVersion");

    await page.locator("#api-key").fill(shop.key);
    await page.locator(".graphiql-execute-button").click();
    const result = JSON.parse(await resultText(page, '"p-3"'));
    expect(result).toEqual({
      data: {
        products: {
          edges: [
            { node: { id: "p-1", title: "Chef knife", brand: "Acme", price: 20 } },
            { node: { id: "p-2", title: "Bread knife", brand: "Acme", price: 20 } },
            { node: { id: "p-3", title: "Paring knife", brand: "Acme", price: 20 } },
          ],
          pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
        },
      },
    });

    // The key is kept in this browser: a new page starts with it filled in.
    const again = await openPlayground();
    expect(await again.locator("#api-key").inputValue()).toBe(shop.key);
    await again.close();
    await page.close();
  });

  it("runs an operation given in the link with Ctrl-Enter; a wrong or forgotten key is refused", async () => {
    const query = "{ products(first: 2) { edges { node { id } } } }";
    const page = await openPlayground(`?query=${encodeURIComponent(query)}`);
    expect(await page.locator("#api-key").inputValue()).toBe(shop.key);
    await page.locator(".graphiql-query-editor .monaco-editor").click();
    await page.keyboard.press("Control+Enter");
    const listed = JSON.parse(await resultText(page, '"p-2"'));
    expect(listed).toEqual({
      data: { products: { edges: [{ node: { id: "p-1" } }, { node: { id: "p-2" } }] } },
    });

    await page.locator("#api-key").fill("smk_not_a_real_key");
    await page.locator(".graphiql-execute-button").click();
    const refused = await resultText(page, "UNAUTHENTICATED");
    expect(refused).toContain("unknown or revoked");

    // Forgetting the key clears it from storage: the next page starts without one.
    await page.getByRole("button", { name: "Forget" }).click();
    await page.close();
    const keyless = await openPlayground(`?query=${encodeURIComponent(query)}`);
    expect(await keyless.locator("#api-key").inputValue()).toBe("");
    await keyless.locator(".graphiql-execute-button").click();
    expect(await resultText(keyless, "UNAUTHENTICATED")).not.toContain('"data": { "products"');
    await keyless.close();
  });

  it("asked nothing of any other host and broke no content-security rule", () => {
    expect(requested.length).toBeGreaterThan(0);
    const foreign = requested.filter(
      (u) => !u.startsWith(`${shop.server.url}/`) && !u.startsWith("data:") && !u.startsWith("blob:"),
    );
    expect(foreign).toEqual([]);
    expect(refusals).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
