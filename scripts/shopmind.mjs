#!/usr/bin/env node
// The `shopmind` command: the TypeScript CLI run through tsx's loader, so no build step stands
// between a checkout and a working command.
import { register } from "tsx/esm/api";

register();
await import("./cli.ts");
