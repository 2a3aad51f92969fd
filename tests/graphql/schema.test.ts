import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { schemaSDL } from "../../src/graphql/schema.js";
import { ROOT } from "../support/env.js";

it("keeps schema/schema.graphql equal to the schema the code builds (run `npm run schema:emit`)", async () => {
  expect(readFileSync(path.join(ROOT, "schema", "schema.graphql"), "utf8")).toBe(await schemaSDL());
});
