/** The Role enum as GraphQL sees it. */
import { registerEnumType } from "type-graphql";
import { ROLES, type Role } from "../../catalog/keys.js";

export const RoleEnum = Object.fromEntries(ROLES.map((r) => [r, r])) as { [K in Role]: K };

registerEnumType(RoleEnum, {
  name: "Role",
  description:
    "VIEWER reads products, search and recommendations; STEWARD also governs features, lineage and quality; ADMIN also manages keys, releases, erasure and jobs.",
});
