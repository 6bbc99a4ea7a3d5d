/**
 * CodeCommit approval rule templates and their repository associations. Templates are scoped by
 * account and region; associations are kept by repository id, so a rename changes nothing and a
 * deleted repository's associations are simply ignored (and dropped when next touched).
 */
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

export interface TemplateRow {
  account: string;
  region: string;
  name: string;
  id: string;
  description: string;
  content: string;
  content_sha256: string;
  last_modified_user: string;
  created_at: number;
  modified_at: number;
}

export class ApprovalRuleTemplateStore {
  private readonly statements;

  constructor(readonly store: Store) {
    // migrate() skips versions already applied, so a second construction on one database is harmless.
    store.migrate('codecommit.templates', [
      {
        version: 1,
        sql: `CREATE TABLE codecommit_templates (
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL UNIQUE,
          description TEXT NOT NULL, content TEXT NOT NULL, content_sha256 TEXT NOT NULL,
          last_modified_user TEXT NOT NULL, created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL,
          PRIMARY KEY (account, region, name));
        CREATE TABLE codecommit_template_associations (
          template_id TEXT NOT NULL REFERENCES codecommit_templates (id) ON DELETE CASCADE,
          repository_id TEXT NOT NULL,
          PRIMARY KEY (template_id, repository_id));
        CREATE INDEX codecommit_template_associations_repository ON codecommit_template_associations (repository_id);`,
      },
    ]);
    const db = store.db;
    this.statements = preparedOnUse({
      get: () => db.prepare<[string, string, string], TemplateRow>('SELECT * FROM codecommit_templates WHERE account = ? AND region = ? AND name = ?'),
      list: () => db.prepare<[string, string], TemplateRow>('SELECT * FROM codecommit_templates WHERE account = ? AND region = ? ORDER BY name'),
      count: () => db.prepare<[string, string], { n: number }>('SELECT COUNT(*) AS n FROM codecommit_templates WHERE account = ? AND region = ?'),
      insert: () =>
        db.prepare<[TemplateRow]>(
          `INSERT INTO codecommit_templates (account, region, name, id, description, content, content_sha256, last_modified_user, created_at, modified_at)
         VALUES (@account, @region, @name, @id, @description, @content, @content_sha256, @last_modified_user, @created_at, @modified_at)`,
        ),
      update: () =>
        db.prepare<[TemplateRow]>(
          `UPDATE codecommit_templates SET name = @name, description = @description, content = @content, content_sha256 = @content_sha256,
         last_modified_user = @last_modified_user, modified_at = @modified_at WHERE id = @id`,
        ),
      delete: () => db.prepare<[string]>('DELETE FROM codecommit_templates WHERE id = ?'),
      associate: () => db.prepare<[string, string]>('INSERT OR IGNORE INTO codecommit_template_associations (template_id, repository_id) VALUES (?, ?)'),
      disassociate: () => db.prepare<[string, string]>('DELETE FROM codecommit_template_associations WHERE template_id = ? AND repository_id = ?'),
      repositoriesOf: () => db.prepare<[string], { repository_id: string }>('SELECT repository_id FROM codecommit_template_associations WHERE template_id = ?'),
      templatesOf: () =>
        db.prepare<[string], TemplateRow>(
          `SELECT t.* FROM codecommit_templates t JOIN codecommit_template_associations a ON a.template_id = t.id
         WHERE a.repository_id = ? ORDER BY t.name`,
        ),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  getTemplate(account: string, region: string, name: string): TemplateRow | undefined {
    return this.statements.get.get(account, region, name);
  }

  listTemplates(account: string, region: string): TemplateRow[] {
    return this.statements.list.all(account, region);
  }

  countTemplates(account: string, region: string): number {
    return this.statements.count.get(account, region)?.n ?? 0;
  }

  insertTemplate(row: TemplateRow): void {
    this.statements.insert.run(row);
  }

  updateTemplate(row: TemplateRow): void {
    this.statements.update.run(row);
  }

  deleteTemplate(id: string): void {
    this.statements.delete.run(id);
  }

  /** Returns false when the association already existed. */
  associate(templateId: string, repositoryId: string): boolean {
    return this.statements.associate.run(templateId, repositoryId).changes > 0;
  }

  /** Returns false when there was no such association. */
  disassociate(templateId: string, repositoryId: string): boolean {
    return this.statements.disassociate.run(templateId, repositoryId).changes > 0;
  }

  /** Ids of the repositories a template is associated with, including repositories deleted since. */
  repositoryIdsOf(templateId: string): string[] {
    return this.statements.repositoriesOf.all(templateId).map((r) => r.repository_id);
  }

  templatesOfRepository(repositoryId: string): TemplateRow[] {
    return this.statements.templatesOf.all(repositoryId);
  }

  /**
   * The templates associated with a repository, in name order: what CreatePullRequest turns into
   * approval rules (each template's content decides itself, by its DestinationReferences, whether
   * it applies to a pull request's destination).
   */
  templatesForRepository(repositoryId: string): { id: string; name: string; content: string }[] {
    return this.templatesOfRepository(repositoryId).map((t) => ({ id: t.id, name: t.name, content: t.content }));
  }
}
