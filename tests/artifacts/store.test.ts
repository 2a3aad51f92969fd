import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactStoreAt, insideStaging, openArtifactStore, sha256File } from "../../src/artifacts/store.js";
import { InputError, IntegrityError, NotFoundError } from "../../src/errors.js";
import { SCRATCH } from "../support/env.js";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("artifact store", () => {
  const dir = path.join(SCRATCH, `artifacts-${process.pid}-${Date.now().toString(36)}`);
  beforeAll(() => mkdirSync(dir, { recursive: true }));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("stores a file under its hash and finds it by hash or key", async () => {
    const store = artifactStoreAt(path.join(dir, "a"));
    const src = path.join(dir, "table.json");
    writeFileSync(src, '{"items":[]}');
    const stored = await store.putFile(src);
    expect(stored.sha256).toBe(sha('{"items":[]}'));
    expect(stored.key).toBe(`sha256/${stored.sha256}/table.json`);
    expect(stored.bytes).toBe(12);
    expect(readFileSync(stored.path, "utf8")).toBe('{"items":[]}');
    expect(await store.path(stored.sha256)).toBe(stored.path);
    expect(await store.path(stored.key)).toBe(stored.path);
    expect(await store.has(stored.sha256)).toBe(true);
    expect(await store.verify(stored.key)).toBe(true);
    // Nothing is left in the temporary folder.
    expect(readdirSync(path.join(store.root, "tmp"))).toEqual([]);
  });

  it("is content addressed: the same bytes twice are one file; other bytes another", async () => {
    const store = artifactStoreAt(path.join(dir, "b"));
    const one = await store.putBytes(Buffer.from("same"), "x.bin");
    const two = await store.putBytes(Buffer.from("same"), "x.bin");
    const other = await store.putBytes(Buffer.from("other"), "x.bin");
    expect(two.path).toBe(one.path);
    expect(other.sha256).not.toBe(one.sha256);
    expect(readdirSync(path.join(store.root, "sha256")).sort()).toEqual([one.sha256, other.sha256].sort());
  });

  it("refuses bytes that do not match the expected hash, storing nothing", async () => {
    const store = artifactStoreAt(path.join(dir, "c"));
    const src = path.join(dir, "model.onnx");
    writeFileSync(src, "weights");
    await expect(store.putFile(src, { expectedSha256: sha("other weights") })).rejects.toBeInstanceOf(
      IntegrityError,
    );
    expect(await store.has(sha("weights"))).toBe(false);
    expect(readdirSync(path.join(store.root, "tmp"))).toEqual([]);
    const ok = await store.putFile(src, { expectedSha256: sha("weights") });
    expect(ok.sha256).toBe(sha("weights"));
  });

  it("notices a stored file that changed, and a missing one", async () => {
    const store = artifactStoreAt(path.join(dir, "d"));
    const stored = await store.putBytes(Buffer.from("v1"), "f.txt");
    writeFileSync(stored.path, "tampered");
    expect(await store.verify(stored.key)).toBe(false);
    expect(await sha256File(stored.path)).toBe(sha("tampered"));
    await expect(store.path(sha("absent"))).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses names and keys that could leave the store", async () => {
    const store = artifactStoreAt(path.join(dir, "e"));
    await expect(store.putBytes(Buffer.from("x"), "../evil")).rejects.toBeInstanceOf(InputError);
    await expect(store.putBytes(Buffer.from("x"), "..")).rejects.toBeInstanceOf(InputError);
    await expect(store.path("sha256/../../etc/passwd")).rejects.toBeInstanceOf(InputError);
    expect(() => store.stagingDir("../x")).toThrow(InputError);
    const staging = store.stagingDir("job1");
    expect(insideStaging(staging, "a/b.json")).toBe(path.join(staging, "a", "b.json"));
    for (const bad of ["/etc/passwd", "../x", "a/../../x", ""])
      expect(() => insideStaging(staging, bad)).toThrow(InputError);
  });

  it("copies what a link points at, never the link", async () => {
    const store = artifactStoreAt(path.join(dir, "f"));
    const target = path.join(dir, "target.txt");
    writeFileSync(target, "content");
    const link = path.join(dir, "link.txt");
    symlinkSync(target, link);
    const stored = await store.putFile(link);
    expect(readFileSync(stored.path, "utf8")).toBe("content");
  });

  it("lives under <dataDir>/artifacts and drops a job's staging folder", async () => {
    const store = openArtifactStore({ dataDir: path.join(dir, "data") });
    expect(store.root).toBe(path.join(dir, "data", "artifacts"));
    const staging = store.stagingDir("job2");
    mkdirSync(staging, { recursive: true });
    writeFileSync(path.join(staging, "x"), "x");
    await store.dropStaging("job2");
    expect(() => readdirSync(staging)).toThrow();
  });
});
