/**
 * CodeCommit's tables: repositories (their Git data lives in bare repositories under the data
 * directory, named by repository id so a rename moves nothing on disk), their tags and their
 * trigger configuration (keyed by repository id, so renames carry them along).
 */
import { preparedOnUse } from '../../core/prepared.js';
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

/** A repository's trigger configuration: AWS replaces the whole list on every put. */
export interface TriggerConfigRow {
  repository_id: string;
  configuration_id: string;
  /** JSON of the RepositoryTrigger list as it was put. */
  triggers: string;
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
      {
        version: 2,
        sql: `CREATE TABLE codecommit_tags (
          repository_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (repository_id, key));
        CREATE TABLE codecommit_triggers (
          repository_id TEXT PRIMARY KEY, configuration_id TEXT NOT NULL, triggers TEXT NOT NULL)`,
      },
    ]);
    const db = store.db;
    this.statements = preparedOnUse({
      get: () => db.prepare<[string, string, string], RepositoryRow>('SELECT * FROM codecommit_repositories WHERE account = ? AND region = ? AND name = ?'),
      byId: () => db.prepare<[string], RepositoryRow>('SELECT * FROM codecommit_repositories WHERE id = ?'),
      list: () => db.prepare<[string, string], RepositoryRow>('SELECT * FROM codecommit_repositories WHERE account = ? AND region = ? ORDER BY name'),
      insert: () =>
        db.prepare<[RepositoryRow]>(
          `INSERT INTO codecommit_repositories (account, region, name, id, description, default_branch, kms_key_id, created_at, modified_at)
         VALUES (@account, @region, @name, @id, @description, @default_branch, @kms_key_id, @created_at, @modified_at)`,
        ),
      update: () =>
        db.prepare<[RepositoryRow]>(
          `UPDATE codecommit_repositories SET name = @name, description = @description, default_branch = @default_branch,
         kms_key_id = @kms_key_id, modified_at = @modified_at WHERE id = @id`,
        ),
      delete: () => db.prepare<[string]>('DELETE FROM codecommit_repositories WHERE id = ?'),
      tags: () => db.prepare<[string], { key: string; value: string }>('SELECT key, value FROM codecommit_tags WHERE repository_id = ? ORDER BY key'),
      putTag: () =>
        db.prepare<[string, string, string]>('INSERT INTO codecommit_tags (repository_id, key, value) VALUES (?, ?, ?) ON CONFLICT (repository_id, key) DO UPDATE SET value = excluded.value'),
      deleteTag: () => db.prepare<[string, string]>('DELETE FROM codecommit_tags WHERE repository_id = ? AND key = ?'),
      deleteTags: () => db.prepare<[string]>('DELETE FROM codecommit_tags WHERE repository_id = ?'),
      triggers: () => db.prepare<[string], TriggerConfigRow>('SELECT * FROM codecommit_triggers WHERE repository_id = ?'),
      putTriggers: () =>
        db.prepare<[TriggerConfigRow]>(
          `INSERT INTO codecommit_triggers (repository_id, configuration_id, triggers) VALUES (@repository_id, @configuration_id, @triggers)
         ON CONFLICT (repository_id) DO UPDATE SET configuration_id = excluded.configuration_id, triggers = excluded.triggers`,
        ),
      deleteTriggers: () => db.prepare<[string]>('DELETE FROM codecommit_triggers WHERE repository_id = ?'),
    });
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

  /** Deletes the repository with its tags and triggers (call inside tx()). */
  deleteRepository(id: string): void {
    this.statements.delete.run(id);
    this.statements.deleteTags.run(id);
    this.statements.deleteTriggers.run(id);
  }

  tags(repositoryId: string): Record<string, string> {
    return Object.fromEntries(this.statements.tags.all(repositoryId).map((t) => [t.key, t.value]));
  }

  putTag(repositoryId: string, key: string, value: string): void {
    this.statements.putTag.run(repositoryId, key, value);
  }

  deleteTag(repositoryId: string, key: string): void {
    this.statements.deleteTag.run(repositoryId, key);
  }

  triggerConfig(repositoryId: string): TriggerConfigRow | undefined {
    return this.statements.triggers.get(repositoryId);
  }

  putTriggerConfig(row: TriggerConfigRow): void {
    this.statements.putTriggers.run(row);
  }
}
