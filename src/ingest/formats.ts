/** The generic formats every shop file comes in; dataset formats register beside them. */
import { openDelimited } from "./delimited.js";
import { openJsonLines } from "./jsonl.js";
import { openParquet } from "./parquet.js";
import { registerFormat } from "./source.js";

registerFormat({
  name: "csv",
  description: "comma-separated text with a header line (a header of tabs and no commas is read as TSV)",
  open: (file, options) => openDelimited(file, options, ",", "csv"),
});
registerFormat({
  name: "tsv",
  description: "tab-separated text with a header line",
  open: (file, options) => openDelimited(file, options, "\t", "tsv"),
});
registerFormat({
  name: "jsonl",
  description: "JSON Lines: one JSON object per line",
  open: (file, options) => openJsonLines(file, options),
});
registerFormat({
  name: "parquet",
  description: "Apache Parquet (any codec), read one row group at a time",
  open: (file, options) => openParquet(file, options),
});
