import { Field, ID, ObjectType } from "type-graphql";
import type { Role } from "../../catalog/keys.js";
import { RoleEnum } from "../common/roles.js";

@ObjectType({ description: "A newly created API key. The key itself is shown this once and never again." })
export class NewApiKey {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "Send as `Authorization: Bearer <key>`." })
  key!: string;

  @Field(() => RoleEnum)
  role!: Role;

  @Field(() => String)
  name!: string;
}

@ObjectType({ description: "An API key as listed: never the secret, only its first characters." })
export class ApiKey {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => RoleEnum)
  role!: Role;

  @Field(() => String)
  prefix!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}
