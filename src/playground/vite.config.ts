/**
 * Build of the admin playground: GraphiQL and Monaco bundled into src/playground/dist, so the
 * page served at GET /graphql needs nothing but this server (no CDN, no web fonts).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { constants, gzipSync } from "node:zlib";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

/**
 * Writes a gzip copy beside each script, style sheet and font once everything (Monaco's workers
 * included) is on disk: the server sends the copy to browsers that accept gzip, about a quarter
 * of the bytes, without compressing on every request.
 */
function precompress(dir: string): Plugin {
  return {
    name: "shopmind-precompress",
    apply: "build",
    closeBundle() {
      for (const name of readdirSync(dir)) {
        if (!/\.(js|css|ttf)$/.test(name)) continue;
        const file = path.join(dir, name);
        writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: constants.Z_BEST_COMPRESSION }));
      }
    },
  };
}

export default defineConfig({
  root: here,
  // The page is served at the GraphQL endpoint's path, so asset URLs must be absolute; the
  // server maps this prefix onto dist/assets (see serve.ts).
  base: "/playground/",
  plugins: [react(), precompress(path.join(here, "dist", "assets"))],
  // Monaco's language workers are ES modules; the default iife format cannot hold them.
  worker: { format: "es" },
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    // Vite would gzip every chunk once more just to print sizes.
    reportCompressedSize: false,
    // Monaco alone is a few megabytes; the page is served once per admin and cached forever.
    chunkSizeWarningLimit: 8192,
    // Fonts and icons stay files of this server rather than data: URLs bloating the script.
    assetsInlineLimit: 0,
  },
});
