/** ECR tables and their prepared statements. No SQL lives anywhere else. */
import { randomBytes } from 'node:crypto';
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

/** One repository of a registry (an account's registry in one region). */
export interface RepositoryRow {
  account: string;
  region: string;
  name: string;
  created_at: number;
  image_tag_mutability: string;
  /** The mutability exclusion filters as JSON (`[{ filterType, filter }]`). */
  mutability_exclusions: string;
  scan_on_push: number;
  encryption_type: string;
  kms_key: string | null;
  policy: string | null;
  lifecycle_policy: string | null;
  /** Tags as a JSON object, key → value, in the order they were set. */
  tags: string;
}

type Key = [account: string, region: string, name: string];

export class EcrStore {
  private readonly stmts;

  constructor(private readonly store: Store) {
    store.migrate('ecr', [
      {
        version: 1,
        sql: `CREATE TABLE ecr_repositories (
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL,
          image_tag_mutability TEXT NOT NULL, mutability_exclusions TEXT NOT NULL, scan_on_push INTEGER NOT NULL,
          encryption_type TEXT NOT NULL, kms_key TEXT, policy TEXT, lifecycle_policy TEXT, tags TEXT NOT NULL,
          PRIMARY KEY (account, region, name)
        );
        CREATE TABLE ecr_secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);`,
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      get: () => db.prepare<Key, RepositoryRow>('SELECT * FROM ecr_repositories WHERE account = ? AND region = ? AND name = ?'),
      listAfter: () => db.prepare<[string, string, string, number], RepositoryRow>('SELECT * FROM ecr_repositories WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?'),
      insert: () =>
        db.prepare<RepositoryRow>(`INSERT INTO ecr_repositories
          (account, region, name, created_at, image_tag_mutability, mutability_exclusions, scan_on_push, encryption_type, kms_key, policy, lifecycle_policy, tags)
          VALUES (@account, @region, @name, @created_at, @image_tag_mutability, @mutability_exclusions, @scan_on_push, @encryption_type, @kms_key, @policy, @lifecycle_policy, @tags)`),
      update: () =>
        db.prepare<RepositoryRow>(`UPDATE ecr_repositories SET image_tag_mutability = @image_tag_mutability, mutability_exclusions = @mutability_exclusions,
          scan_on_push = @scan_on_push, policy = @policy, lifecycle_policy = @lifecycle_policy, tags = @tags
          WHERE account = @account AND region = @region AND name = @name`),
      delete: () => db.prepare<Key>('DELETE FROM ecr_repositories WHERE account = ? AND region = ? AND name = ?'),
      getSecret: () => db.prepare<[string], { value: Buffer }>('SELECT value FROM ecr_secrets WHERE name = ?'),
      putSecret: () => db.prepare<[string, Buffer]>('INSERT OR IGNORE INTO ecr_secrets (name, value) VALUES (?, ?)'),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  repository(account: string, region: string, name: string): RepositoryRow | undefined {
    return this.stmts.get.get(account, region, name);
  }

  repositoriesAfter(account: string, region: string, afterName: string, limit: number): RepositoryRow[] {
    return this.stmts.listAfter.all(account, region, afterName, limit);
  }

  insert(row: RepositoryRow): void {
    this.stmts.insert.run(row);
  }

  /** Writes the mutable columns of `row` back (identity, creation and encryption never change). */
  update(row: RepositoryRow): void {
    this.stmts.update.run(row);
  }

  delete(account: string, region: string, name: string): void {
    this.stmts.delete.run(account, region, name);
  }

  /**
   * The key that signs registry authorization tokens, made on first use and kept in the database so
   * tokens stay valid across restarts (a reset deletes it, and with it every token issued before).
   */
  tokenKey(): Buffer {
    const existing = this.stmts.getSecret.get('authorization-token-key');
    if (existing) return existing.value;
    this.stmts.putSecret.run('authorization-token-key', randomBytes(32));
    return this.stmts.getSecret.get('authorization-token-key')!.value;
  }
}
