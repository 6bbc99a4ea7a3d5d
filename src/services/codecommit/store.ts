/**
 * CodeCommit's tables: repositories (their Git data lives in bare repositories under the data
 * directory, named by repository id so a rename moves nothing on disk).
 */
import type { Store } from '../../core/store.js';

export interface RepositoryRow {
  account: string;
  region: string;
  name: string;
  id: string;
  description: string | null;
  default_branch: string | null;
  kms_key_id: string;
  created_at: number;
  modified_at: number;
}

export class CodeCommitStore {
  private readonly statements;

  constructor(readonly store: Store) {
    store.migrate('codecommit', [
      {
        version: 1,
        sql: `CREATE TABLE codecommit_repositories (
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, id TEXT NOT NULL UNIQUE,
          description TEXT, default_branch TEXT, kms_key_id TEXT NOT NULL,
          created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL,
          PRIMARY KEY (account, region, name))`,
      },
    ]);
    const db = store.db;
    this.statements = {
      get: db.prepare<[string, string, string], RepositoryRow>('SELECT * FROM codecommit_repositories WHERE account = ? AND region = ? AND name = ?'),
      byId: db.prepare<[string], RepositoryRow>('SELECT * FROM codecommit_repositories WHERE id = ?'),
      list: db.prepare<[string, string], RepositoryRow>('SELECT * FROM codecommit_repositories WHERE account = ? AND region = ? ORDER BY name'),
      insert: db.prepare<[RepositoryRow]>(
        `INSERT INTO codecommit_repositories (account, region, name, id, description, default_branch, kms_key_id, created_at, modified_at)
         VALUES (@account, @region, @name, @id, @description, @default_branch, @kms_key_id, @created_at, @modified_at)`,
      ),
      update: db.prepare<[RepositoryRow]>(
        `UPDATE codecommit_repositories SET name = @name, description = @description, default_branch = @default_branch,
         kms_key_id = @kms_key_id, modified_at = @modified_at WHERE id = @id`,
      ),
      delete: db.prepare<[string]>('DELETE FROM codecommit_repositories WHERE id = ?'),
    };
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  getRepository(account: string, region: string, name: string): RepositoryRow | undefined {
    return this.statements.get.get(account, region, name);
  }

  repositoryById(id: string): RepositoryRow | undefined {
    return this.statements.byId.get(id);
  }

  listRepositories(account: string, region: string): RepositoryRow[] {
    return this.statements.list.all(account, region);
  }

  insertRepository(row: RepositoryRow): void {
    this.statements.insert.run(row);
  }

  updateRepository(row: RepositoryRow): void {
    this.statements.update.run(row);
  }

  deleteRepository(id: string): void {
    this.statements.delete.run(id);
  }
}
