/**
 * Serves the bundled GraphiQL playground: the page on a browser's GET of the GraphQL endpoint,
 * its hashed assets under /playground/assets. Every other request on the endpoint (POST, or a GET
 * asking for JSON) passes on to the GraphQL handler mounted after this.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express from "express";

/** Where vite writes the bundle (`npm run build:playground`). */
export const PLAYGROUND_DIST = fileURLToPath(new URL("./dist/", import.meta.url));

/** URL prefix of the bundle's files; the same as `base` in src/playground/vite.config.ts. */
export const PLAYGROUND_BASE = "/playground/";

/** Media types a GraphQL client asks for; a browser's navigation prefers text/html over all of them. */
const GRAPHQL_MEDIA_TYPES = ["application/graphql-response+json", "application/json"];

/**
 * Only this server is reachable from the page: scripts, styles, fonts, workers and requests.
 * Styles allow inline because Monaco positions its widgets with style attributes; fonts and
 * images allow data: because GraphiQL inlines its fonts and icons.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export type PlaygroundOptions = {
  /** Path of the GraphQL endpoint the page is served on and POSTs to. */
  endpoint: string;
  /** The built bundle; defaults to src/playground/dist (tests point it elsewhere). */
  distDir?: string;
};

/** True when the request's Accept header ranks text/html above every GraphQL response type. */
export function prefersHtml(req: express.Request): boolean {
  if (!req.headers.accept) return false;
  return req.accepts([...GRAPHQL_MEDIA_TYPES, "text/html"]) === "text/html";
}

/**
 * Mounts the playground on `app`: call it before the GraphQL handler of `options.endpoint`.
 * Answers 503 with the command to run when the bundle has not been built.
 */
export function mountPlayground(app: express.Express, options: PlaygroundOptions): void {
  const distDir = options.distDir ?? PLAYGROUND_DIST;
  const indexFile = path.join(distDir, "index.html");

  const assetsDir = path.join(distDir, "assets");
  const cacheForever = { immutable: true, maxAge: "365d" } as const;
  app.use(`${PLAYGROUND_BASE}assets`, async (req, res, next) => {
    // The build writes NAME.gz beside each script, style sheet and font (see vite.config.ts).
    const name = req.path.slice(1);
    if ((req.method !== "GET" && req.method !== "HEAD") || !/^[\w-]+(\.[\w-]+)+$/.test(name)) return next();
    res.vary("Accept-Encoding");
    if (!req.acceptsEncodings("gzip")) return next();
    const gz = path.join(assetsDir, `${name}.gz`);
    const found = await stat(gz).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!found) return next();
    res.type(path.extname(name)).set("Content-Encoding", "gzip");
    res.sendFile(gz, cacheForever, (err) => {
      // A client that hung up needs no answer; any other failure falls back to the plain file.
      if (err && !res.headersSent && (err as NodeJS.ErrnoException).code !== "ECONNABORTED") {
        res.removeHeader("Content-Encoding");
        res.removeHeader("Content-Type");
        next();
      }
    });
  });
  app.use(
    `${PLAYGROUND_BASE}assets`,
    express.static(assetsDir, {
      // Every name carries a content hash, so a cached copy can never be stale.
      ...cacheForever,
      index: false,
      redirect: false,
      fallthrough: false,
    }),
  );

  app.get(options.endpoint, async (req, res, next) => {
    // The same URL answers HTML or JSON depending on Accept; caches must keep them apart.
    res.vary("Accept");
    if (!prefersHtml(req)) {
      next();
      return;
    }
    let page: string;
    try {
      // Read per request (a few hundred bytes) so a rebuild is served without a restart.
      page = await readFile(indexFile, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        next(err);
        return;
      }
      res
        .status(503)
        .type("text/plain")
        .send(
          "The GraphQL playground has not been built: run `npm run build:playground` (or `make install-node`)" +
            ` and reload. GraphQL itself is up: POST operations to ${options.endpoint}.\n`,
        );
      return;
    }
    res
      .status(200)
      .set({
        "Cache-Control": "no-cache",
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
      })
      .type("html")
      .send(page);
  });
}
