import { Field, Float, ID, InputType, Int, ObjectType } from "type-graphql";
import { Connection } from "../common/connection.js";
import { JSONScalar } from "../common/scalars.js";

@ObjectType({ description: "A product of the catalog." })
export class Product {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => String, { nullable: true })
  brand!: string | null;

  @Field(() => String, { nullable: true, description: "Category path, `>`-separated from the root." })
  category!: string | null;

  @Field(() => Float, { nullable: true })
  price!: number | null;

  @Field(() => String, { nullable: true, description: "ISO 4217 code." })
  currency!: string | null;

  @Field(() => Int, { nullable: true })
  stock!: number | null;

  @Field(() => JSONScalar, { nullable: true, description: "Further attributes as a key/value map." })
  attributes!: unknown;

  @Field(() => String, { nullable: true })
  imageUrl!: string | null;

  @Field(() => String, { nullable: true })
  language!: string | null;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType()
export class ProductConnection extends Connection(Product, "Product") {}

@InputType({ description: "Narrows a product list; all given conditions must hold." })
export class ProductFilter {
  @Field(() => String, { nullable: true })
  brand?: string | null;

  @Field(() => String, { nullable: true, description: "A category path or a prefix of one." })
  category?: string | null;

  @Field(() => Float, { nullable: true })
  minPrice?: number | null;

  @Field(() => Float, { nullable: true })
  maxPrice?: number | null;

  @Field(() => Boolean, { nullable: true })
  inStock?: boolean | null;

  @Field(() => String, { nullable: true })
  language?: string | null;
}

@InputType({ description: "A product to create or replace, keyed by id." })
export class ProductInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  brand?: string | null;

  @Field(() => String, { nullable: true })
  category?: string | null;

  @Field(() => Float, { nullable: true })
  price?: number | null;

  @Field(() => String, { nullable: true })
  currency?: string | null;

  @Field(() => Int, { nullable: true })
  stock?: number | null;

  @Field(() => JSONScalar, { nullable: true })
  attributes?: unknown;

  @Field(() => String, { nullable: true })
  imageUrl?: string | null;

  @Field(() => String, { nullable: true })
  language?: string | null;
}

@ObjectType()
export class UpsertResult {
  @Field(() => Int)
  inserted!: number;

  @Field(() => Int)
  updated!: number;

  @Field(() => Int, { description: "Rows identical to what the catalog already held." })
  unchanged!: number;

  @Field(() => [ID])
  ids!: string[];
}
