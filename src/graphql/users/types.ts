import { Field, Float, ID, InputType, Int, ObjectType } from "type-graphql";
import { Connection } from "../common/connection.js";

@ObjectType({ description: "A behaviour event, in the order the catalog received it." })
export class Event {
  @Field(() => Int, {
    description: "Position in the event log; feature versions record the last one they read.",
  })
  seq!: number;

  @Field(() => ID)
  userId!: string;

  @Field(() => String, { nullable: true })
  sessionId!: string | null;

  @Field(() => ID, { nullable: true })
  productId!: string | null;

  @Field(() => String, { description: "view, click, add_to_cart, purchase or search." })
  type!: string;

  @Field(() => Date)
  timestamp!: Date;

  @Field(() => String, { nullable: true })
  query!: string | null;

  @Field(() => Float, { nullable: true })
  price!: number | null;

  @Field(() => Int, { nullable: true })
  quantity!: number | null;

  @Field(() => String, { nullable: true })
  idempotencyKey!: string | null;
}

@ObjectType()
export class EventConnection extends Connection(Event, "Event") {}

@ObjectType({ description: "A shopper, known by the id the shop gives them." })
export class User {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class UserConnection extends Connection(User, "User") {}

@InputType({
  description: "One behaviour event. Send an idempotencyKey so a retried call never records it twice.",
})
export class EventInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => String, { nullable: true })
  sessionId?: string | null;

  @Field(() => ID, { nullable: true, description: "Required for every type but search." })
  productId?: string | null;

  @Field(() => String, { description: "view, click, add_to_cart, purchase or search." })
  type!: string;

  @Field(() => Date, { nullable: true, description: "When it happened; the time of receipt when left out." })
  timestamp?: Date | null;

  @Field(() => String, { nullable: true })
  query?: string | null;

  @Field(() => Float, { nullable: true })
  price?: number | null;

  @Field(() => Int, { nullable: true })
  quantity?: number | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@ObjectType()
export class RecordedEvent {
  @Field(() => Int)
  seq!: number;

  @Field(() => String, { nullable: true })
  idempotencyKey!: string | null;

  @Field(() => Boolean, {
    description: "True when the key was seen before: the first event's seq is returned.",
  })
  duplicate!: boolean;
}

@ObjectType({ description: "Returned only once every event is committed." })
export class RecordEventsResult {
  @Field(() => Int)
  accepted!: number;

  @Field(() => Int)
  duplicates!: number;

  @Field(() => [RecordedEvent])
  events!: RecordedEvent[];
}
