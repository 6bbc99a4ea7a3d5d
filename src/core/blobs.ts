/**
 * Blob storage under the data directory: small blobs as rows of `core_blobs_inline` (in the
 * Store's database, its table made by the Store's migration), larger ones as files written to a
 * temp name and renamed into place once complete.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { preparedOnUse } from './prepared.js';
import type { Db } from './store.js';

export interface BlobInfo {
  id: string;
  size: number;
  /** S3 ETags are MD5s, so every blob gets one; other digests are the caller's `observe`. */
  md5: Buffer;
  /**
   * A small blob written with `deferInline`: its bytes, not stored yet. `insertInline` stores them
   * in the transaction of the row that references the blob, which saves a commit of their own.
   */
  inline?: Buffer;
}

/** Blobs up to this size live in SQLite: a file per small object costs more syscalls than the object. */
export const INLINE_BLOB_MAX = 64 * 1024;

/**
 * Content addressed by random ids: small blobs as rows of `core_blobs_inline`, larger ones as files.
 * A blob is visible under its id only once it is complete (and fsynced, at `power` durability);
 * the row that references it is written after, so a crash leaves at worst an orphan, never a row
 * pointing at half a blob.
 */
export class BlobStore {
  private readonly tmpDir: string;
  private readonly stmts;

  constructor(
    readonly dir: string,
    db: Db,
    private readonly fsync = false,
  ) {
    this.tmpDir = join(dir, '.tmp');
    mkdirSync(this.tmpDir, { recursive: true });
    this.stmts = preparedOnUse({
      insert: () => db.prepare<[string, Buffer]>('INSERT INTO core_blobs_inline (id, data) VALUES (?, ?)'),
      get: () => db.prepare<[string], { data: Buffer }>('SELECT data FROM core_blobs_inline WHERE id = ?'),
      remove: () => db.prepare<[string]>('DELETE FROM core_blobs_inline WHERE id = ?'),
      rewrite: () => db.prepare<[Buffer, string]>('UPDATE core_blobs_inline SET data = ? WHERE id = ?'),
    });
  }

  private path(id: string): string {
    return join(this.dir, id.slice(0, 2), id);
  }

  /**
   * Writes a buffer or stream as a new blob; extra hashers (e.g. a CRC) see every chunk. With
   * `deferInline`, a blob small enough to live in SQLite comes back in `inline` instead, for the
   * caller to store with `insertInline`.
   */
  async write(source: Buffer | Readable, observe?: (chunk: Buffer) => void, options: { deferInline?: boolean } = {}): Promise<BlobInfo> {
    // 32 hex digits (122 random bits) from Node's pooled UUID entropy: a randomBytes call cost 2-5 µs of every upload.
    const id = randomUUID().replaceAll('-', '');
    const md5 = createHash('md5');
    let size = 0;
    const see = (chunk: Buffer) => {
      md5.update(chunk);
      size += chunk.length;
      observe?.(chunk);
    };
    const small = (data: Buffer): BlobInfo => {
      if (options.deferInline) return { id, size, md5: md5.digest(), inline: data };
      this.stmts.insert.run(id, data);
      return { id, size, md5: md5.digest() };
    };
    if (Buffer.isBuffer(source)) {
      see(source);
      if (source.length <= INLINE_BLOB_MAX) return small(source);
      await this.writeFile(id, Readable.from([source]));
      return { id, size, md5: md5.digest() };
    }
    // Read the head of the stream: a body that ends within the inline limit never touches a file.
    const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const head: Buffer[] = [];
    let headSize = 0;
    let ended = false;
    while (headSize <= INLINE_BLOB_MAX) {
      const next = await chunks.next();
      if (next.done) {
        ended = true;
        break;
      }
      const chunk = Buffer.from(next.value);
      see(chunk);
      head.push(chunk);
      headSize += chunk.length;
    }
    if (ended) return small(head.length === 1 ? head[0] : Buffer.concat(head));
    await this.writeFile(
      id,
      Readable.from(
        (async function* () {
          try {
            yield* head;
            for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
              const chunk = Buffer.from(next.value);
              see(chunk);
              yield chunk;
            }
          } finally {
            // A failed write must release (and so destroy) the source it was reading.
            await chunks.return?.();
          }
        })(),
      ),
    );
    return { id, size, md5: md5.digest() };
  }

  private async writeFile(id: string, body: Readable): Promise<void> {
    const tmp = join(this.tmpDir, id);
    try {
      await pipeline(body, createWriteStream(tmp));
      if (this.fsync) {
        const fd = openSync(tmp, 'r');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
      const final = this.path(id);
      mkdirSync(dirname(final), { recursive: true });
      renameSync(tmp, final);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  /**
   * Replaces the bytes of a blob kept in SQLite, in the caller's transaction, for a row that takes
   * the place of the only one referencing it (an overwrite): one row updated instead of a row and an
   * index entry inserted and another of each deleted. False for a blob kept in a file.
   */
  rewriteInline(id: string, data: Buffer): boolean {
    return this.stmts.rewrite.run(data, id).changes > 0;
  }

  /** Stores the bytes of a blob written with `deferInline` (call it in the transaction of the row that references it). */
  insertInline(id: string, inline: Buffer | undefined): void {
    if (inline) this.stmts.insert.run(id, inline);
  }

  /** The bytes of a blob kept in SQLite; undefined for one kept in a file (read it with `stream`). */
  inlineBytes(id: string): Buffer | undefined {
    return this.stmts.get.get(id)?.data;
  }

  /** The blob's bytes, or the inclusive byte `range` of them. */
  stream(id: string, range?: { start: number; end: number }): Readable {
    const inline = this.inlineBytes(id);
    if (!inline) return createReadStream(this.path(id), range);
    return Readable.from([range ? inline.subarray(range.start, range.end + 1) : inline]);
  }

  delete(id: string): void {
    if (!this.deleteInline(id)) rmSync(this.path(id), { force: true });
  }

  /**
   * Removes a blob kept in SQLite, in the caller's transaction (it rolls back with it); false for a
   * blob kept in a file, which `delete` removes once the transaction committed.
   */
  deleteInline(id: string): boolean {
    return this.stmts.remove.run(id).changes > 0;
  }

  /** Removes the blob files; inline blobs go with the rest of the rows in Store.wipe. */
  wipeFiles(): void {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { recursive: true });
  }
}
