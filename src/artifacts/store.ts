/**
 * The content-addressed artifact store: every file a feature version points at (ONNX models,
 * vectors, neighbour lists, popularity tables) lives at `sha256/<hex>/<filename>` under
 * `<dataDir>/artifacts`, written once and never changed. Trainers write into a per-job staging
 * folder (`staging/<jobId>/`); the registering side adopts what they wrote into the store.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Settings } from "../config.js";
import { InputError, IntegrityError, NotFoundError } from "../errors.js";

const HEX = /^[0-9a-f]{64}$/;
/** A file name inside one hash folder: no separators, no dot-only names, nothing hidden. */
const FILENAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;
/** A staging folder name: a job id (cuid or BullMQ's numeric ids). */
const JOB_ID = /^[A-Za-z0-9_-]{1,100}$/;

export type StoredArtifact = {
  /** Lowercase hex SHA-256 of the bytes. */
  sha256: string;
  /** The key recorded on a feature version: `sha256/<hex>/<filename>`, relative to the store. */
  key: string;
  /** Absolute path of the stored file. */
  path: string;
  bytes: number;
};

export type PutOptions = {
  /** Name inside the hash folder; defaults to the source's base name. */
  filename?: string;
  /** Refuse the file (IntegrityError) unless its bytes hash to this. */
  expectedSha256?: string;
};

export type ArtifactStore = {
  readonly root: string;
  /** Copies a file into the store (atomically: temporary file, fsync, rename) and verifies its hash. */
  putFile(source: string, options?: PutOptions): Promise<StoredArtifact>;
  /** Stores bytes under `filename`. */
  putBytes(bytes: Uint8Array, filename: string): Promise<StoredArtifact>;
  /** The absolute path of a stored file, by hash (the only file in its folder) or by key. */
  path(hashOrKey: string, filename?: string): Promise<string>;
  /** Whether a file with this hash is stored. */
  has(sha256: string): Promise<boolean>;
  /** Re-hashes a stored file; false when its bytes no longer match its name. */
  verify(key: string): Promise<boolean>;
  /** The staging folder of one job (created on demand by the trainer that writes to it). */
  stagingDir(jobId: string): string;
  /** Removes a job's staging folder once its files are adopted. */
  dropStaging(jobId: string): Promise<void>;
};

/** Hex SHA-256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) hash.update(chunk);
  });
  return hash.digest("hex");
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

async function fsyncPath(target: string): Promise<void> {
  const handle = await open(target, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function checkHash(value: string, field: string): string {
  const hex = value.toLowerCase();
  if (!HEX.test(hex)) throw new InputError(field, `not a SHA-256 hex digest: ${JSON.stringify(value)}`);
  return hex;
}

function checkFilename(name: string): string {
  if (!FILENAME.test(name) || /^\.+$/.test(name))
    throw new InputError("filename", `not a plain file name: ${JSON.stringify(name)}`);
  return name;
}

/** The store under `<dataDir>/artifacts`. */
export function openArtifactStore(settings: Pick<Settings, "dataDir">): ArtifactStore {
  return artifactStoreAt(path.resolve(settings.dataDir, "artifacts"));
}

/** The store rooted at `root` (created on first write). */
export function artifactStoreAt(root: string): ArtifactStore {
  const hashDir = (hex: string) => path.join(root, "sha256", hex);
  const tmpDir = path.join(root, "tmp");
  const stagingDir = (jobId: string): string => {
    if (!JOB_ID.test(jobId)) throw new InputError("jobId", `not a job id: ${JSON.stringify(jobId)}`);
    return path.join(root, "staging", jobId);
  };

  // The bytes go to a temporary file in the store (same file system, so the rename is atomic),
  // hashed on the way; a crash leaves only litter in tmp/, never a half-written stored file.
  async function adopt(
    write: (tmpFile: string, hash: ReturnType<typeof createHash>) => Promise<number>,
    filename: string,
    expected: string | undefined,
  ): Promise<StoredArtifact> {
    await mkdir(tmpDir, { recursive: true });
    const tmpFile = path.join(tmpDir, `${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`);
    try {
      const hash = createHash("sha256");
      const bytes = await write(tmpFile, hash);
      const sha256 = hash.digest("hex");
      if (expected !== undefined && expected !== sha256)
        throw new IntegrityError(
          `artifact ${filename}: expected sha256 ${expected}, its bytes hash to ${sha256}`,
        );
      const dir = hashDir(sha256);
      const final = path.join(dir, filename);
      if (!(await exists(final))) {
        await mkdir(dir, { recursive: true });
        await fsyncPath(tmpFile);
        await rename(tmpFile, final);
        await fsyncPath(dir);
      }
      return { sha256, key: path.posix.join("sha256", sha256, filename), path: final, bytes };
    } finally {
      await rm(tmpFile, { force: true });
    }
  }

  async function resolveKey(hashOrKey: string, filename?: string): Promise<string> {
    const parts = hashOrKey.split("/");
    if (parts.length === 3 && parts[0] === "sha256") {
      return path.join(hashDir(checkHash(parts[1]!, "key")), checkFilename(parts[2]!));
    }
    const hex = checkHash(hashOrKey, "sha256");
    if (filename !== undefined) return path.join(hashDir(hex), checkFilename(filename));
    let names: string[];
    try {
      names = (await readdir(hashDir(hex))).filter((n) => FILENAME.test(n));
    } catch {
      throw new NotFoundError("artifact", hex);
    }
    if (names.length !== 1)
      throw new InputError("filename", `artifact ${hex} holds ${names.length} files: name the one you want`);
    return path.join(hashDir(hex), names[0]!);
  }

  return {
    root,
    async putFile(source, options = {}) {
      const filename = checkFilename(options.filename ?? path.basename(source));
      const expected =
        options.expectedSha256 === undefined ? undefined : checkHash(options.expectedSha256, "sha256");
      return adopt(
        async (tmpFile, hash) => {
          let bytes = 0;
          const tap = new Transform({
            transform(chunk: Buffer, _enc, done) {
              hash.update(chunk);
              bytes += chunk.length;
              done(null, chunk);
            },
          });
          await pipeline(createReadStream(source), tap, createWriteStream(tmpFile, { flags: "wx" }));
          return bytes;
        },
        filename,
        expected,
      );
    },
    async putBytes(bytes, filename) {
      return adopt(
        async (tmpFile, hash) => {
          hash.update(bytes);
          const handle = await open(tmpFile, "wx");
          try {
            await handle.writeFile(bytes);
          } finally {
            await handle.close();
          }
          return bytes.length;
        },
        checkFilename(filename),
        undefined,
      );
    },
    async path(hashOrKey, filename) {
      const file = await resolveKey(hashOrKey, filename);
      if (!(await exists(file))) throw new NotFoundError("artifact", hashOrKey);
      return file;
    },
    async has(sha256) {
      const hex = checkHash(sha256, "sha256");
      try {
        return (await readdir(hashDir(hex))).length > 0;
      } catch {
        return false;
      }
    },
    async verify(key) {
      const file = await resolveKey(key);
      const hex = path.basename(path.dirname(file));
      try {
        return (await sha256File(file)) === hex;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new NotFoundError("artifact", key);
        throw err;
      }
    },
    stagingDir,
    async dropStaging(jobId) {
      await rm(stagingDir(jobId), { recursive: true, force: true });
    },
  };
}

/**
 * Resolves a path a trainer reported relative to its staging folder, refusing any spelling that
 * would leave the folder (absolute paths, `..`); the caller checks that it names a plain file.
 */
export function insideStaging(stagingDir: string, relative: string): string {
  if (path.isAbsolute(relative) || relative.split(/[\\/]/).some((p) => p === ".." || p === ""))
    throw new InputError(
      "artifacts.path",
      `not a path inside the staging folder: ${JSON.stringify(relative)}`,
    );
  return path.join(stagingDir, relative);
}
