/**
 * Field-level authorization: `@Authorized("STEWARD")` admits that role and every role above it.
 * A missing key is UNAUTHENTICATED; a key whose role is too low is FORBIDDEN, naming the field.
 */
import type { AuthChecker } from "type-graphql";
import { ROLE_RANK, type Role } from "../catalog/keys.js";
import { AuthError, ForbiddenError } from "../errors.js";
import type { GraphQLContext } from "./context.js";

export const authChecker: AuthChecker<GraphQLContext, Role> = ({ context, info }, roles) => {
  const needed = roles.reduce<Role>((lowest, r) => (ROLE_RANK[r] < ROLE_RANK[lowest] ? r : lowest), "ADMIN");
  if (!context.principal) throw new AuthError();
  if (ROLE_RANK[context.principal.role] < ROLE_RANK[needed]) {
    throw new ForbiddenError(`${info.parentType.name}.${info.fieldName}`, needed);
  }
  return true;
};
