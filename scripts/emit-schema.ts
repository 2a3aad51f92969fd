// Writes schema/schema.graphql from the code-first schema.
import "reflect-metadata";
import { writeFileSync } from "node:fs";
import { schemaSDL } from "../src/graphql/schema.js";

writeFileSync(new URL("../schema/schema.graphql", import.meta.url), await schemaSDL());
