import type { Command } from "commander";
import { loadSettings } from "../../src/config.js";
import { startServer } from "../../src/server.js";

/** `shopmind serve`: GraphQL at /graphql (the playground for browsers), /healthz, /readyz. */
export function register(program: Command): void {
  program
    .command("serve")
    .description("serve the GraphQL API and the playground")
    .option("--port <port>", "port to listen on (0 picks a free one)")
    .option("--host <host>", "address to listen on")
    .option("--json", "print {url} as JSON once listening")
    .action(async (opts: { port?: string; host?: string; json?: boolean }) => {
      const settings = loadSettings({ port: opts.port, host: opts.host });
      const server = await startServer(settings);
      if (opts.json) console.log(JSON.stringify({ url: server.url, graphql: `${server.url}/graphql` }));
      else
        console.log(`shopmind serving ${server.url}/graphql (playground in a browser at the same address)`);
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
