#!/usr/bin/env node
// The `shopmind` command: the TypeScript CLI run through tsx's loader, so no build step stands
// between a checkout and a working command. The project's tsconfig is named explicitly: tsx would
// otherwise look in the current folder, and the resolvers' decorators need its settings.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
await import("./cli.ts");
