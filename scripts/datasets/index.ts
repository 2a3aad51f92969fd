/**
 * Readers of the public datasets in ../shared/datasets, registered as ingest formats
 * (`shopmind ingest KIND FILE --format NAME`). They emit canonical column names, so their rows
 * go through the same checks, duplicate rules and quarantine as any shop file. Files may be gzip'd.
 */
import { registerFormat } from "../../src/ingest/index.js";
import { openHomeDepot } from "./homedepot.js";
import { openSequences } from "./s3rec.js";
import { openInteractions, openItems } from "./seqrec.js";

registerFormat({
  name: "seqrec",
  description:
    "SeqRecBenchmark TSVs: interactions.tsv (user_id, item_id, timestamp) -> events; items.tsv (item_id, title) -> products",
  kinds: ["events", "products"],
  open: (file, options) =>
    options.kind === "events"
      ? openInteractions(file, options, "seqrec")
      : openItems(file, options, "seqrec"),
});

registerFormat({
  name: "movielens",
  description:
    "MovieLens as RecBole (ml-100k.inter / .item) or SeqRecBenchmark TSVs: view events (ratings dropped); items with genres",
  kinds: ["events", "products"],
  open: (file, options) =>
    options.kind === "events"
      ? openInteractions(file, options, "movielens", "view")
      : openItems(file, options, "movielens"),
});

registerFormat({
  name: "s3rec",
  description:
    "S3-Rec sequences ('user item item ...' per line) -> purchase events in order; *_item_titles.tsv -> products",
  kinds: ["events", "products"],
  open: (file, options) =>
    options.kind === "events" ? openSequences(file, options, "s3rec") : openItems(file, options, "s3rec"),
});

registerFormat({
  name: "homedepot",
  description:
    "Home Depot search relevance CSVs (ISO-8859-1): products.csv -> products; train_dev.csv -> judgements or its products",
  kinds: ["products", "judgements"],
  open: (file, options) => openHomeDepot(file, options, "homedepot", options.kind),
});
