/** Canonical product values as the catalog stores them, with the hash that tells a change. */
import { createHash } from "node:crypto";
import { type CanonicalValues, fieldIndex, PRODUCTS } from "../contracts/index.js";
import type { ProductRecord } from "./writers/types.js";

const PR = fieldIndex(PRODUCTS);

/** The canonical JSON of a product (its row hash is taken over this). */
export function productJson(v: CanonicalValues): string {
  const out: Record<string, unknown> = {};
  PRODUCTS.fields.forEach((f, i) => {
    out[f.name] = v[i] ?? null;
  });
  return JSON.stringify(out);
}

/** The row the catalog stores; `rowHash` is the SHA-256 of `json` (from productJson). */
export function productRecord(v: CanonicalValues, json: string): ProductRecord {
  return {
    id: v[PR.item_id!] as string,
    title: v[PR.title!] as string,
    description: v[PR.description!] as string | null,
    brand: v[PR.brand!] as string | null,
    category: v[PR.category!] as string | null,
    price: v[PR.price!] as number | null,
    currency: v[PR.currency!] as string | null,
    stock: v[PR.stock!] as number | null,
    attributes: v[PR.attributes!] === null ? null : JSON.stringify(v[PR.attributes!]),
    imageUrl: v[PR.image_url!] as string | null,
    language: v[PR.language!] as string | null,
    rowHash: createHash("sha256").update(json).digest("hex"),
  };
}
