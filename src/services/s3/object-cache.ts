/**
 * The latest versions of objects as GET and HEAD read them, with the bytes of small ones: a
 * repeated read of an unchanged object then costs no SQLite statement. Exact, as S3Store keeps it:
 * only rows and bytes read outside a transaction (committed) are kept, every S3Store write to a
 * key's versions forgets the key, deleting a bucket or wiping the store forgets everything.
 */
import type { ObjectRow } from './store.js';

/** What an entry counts besides its bytes and key: the row's thirty columns and the map's own share. */
const ENTRY_OVERHEAD = 1_000;
/** The bound on what the entries count: about 8 MB of bytes, rows and keys. */
const MAX_CACHED = 8 * 1024 * 1024;

interface Entry {
  /** Frozen: every reader shares it. */
  row: Readonly<ObjectRow>;
  /** The inline blob's bytes, once a GET read them; never changed in place (they go to sockets and other services). */
  bytes?: Buffer;
  cost: number;
}

export class LatestObjectCache {
  private readonly entries = new Map<string, Entry>();
  /** Each cached row's entry, for the bytes of a row a caller holds (rows that were forgotten go with their entries). */
  private byRow = new WeakMap<Readonly<ObjectRow>, Entry>();
  private total = 0;

  /** Bucket names hold no '/', so the bucket and key joined by one cannot collide. */
  private static id(bucket: string, key: string): string {
    return `${bucket}/${key}`;
  }

  row(bucket: string, key: string): Readonly<ObjectRow> | undefined {
    return this.entries.get(LatestObjectCache.id(bucket, key))?.row;
  }

  /** Keeps the latest version of its key, as read from committed state; the row is frozen here. */
  keep(row: ObjectRow): Readonly<ObjectRow> {
    const frozen = Object.freeze(row);
    const id = LatestObjectCache.id(row.bucket, row.key);
    this.forgetId(id);
    const entry: Entry = { row: frozen, cost: ENTRY_OVERHEAD + id.length * 2 };
    this.add(id, entry);
    return frozen;
  }

  /** The bytes kept with a cached row; undefined for a row not (or no longer) cached, or whose bytes no GET has read yet. */
  bytes(row: Readonly<ObjectRow>): Buffer | undefined {
    return this.byRow.get(row)?.bytes;
  }

  /** Keeps the committed bytes of a cached row's inline blob (nothing for a row no longer cached). */
  keepBytes(row: Readonly<ObjectRow>, bytes: Buffer): void {
    const entry = this.byRow.get(row);
    if (!entry || entry.bytes) return;
    if (this.total + bytes.length > MAX_CACHED) {
      this.clear();
      return;
    }
    entry.bytes = bytes;
    entry.cost += bytes.length;
    this.total += bytes.length;
  }

  forget(bucket: string, key: string): void {
    this.forgetId(LatestObjectCache.id(bucket, key));
  }

  clear(): void {
    this.entries.clear();
    this.byRow = new WeakMap();
    this.total = 0;
  }

  private add(id: string, entry: Entry): void {
    if (this.total + entry.cost > MAX_CACHED) this.clear();
    this.entries.set(id, entry);
    this.byRow.set(entry.row, entry);
    this.total += entry.cost;
  }

  private forgetId(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.byRow.delete(entry.row);
    this.total -= entry.cost;
  }
}
