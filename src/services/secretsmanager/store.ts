/** Secrets Manager tables and their prepared statements. No SQL lives anywhere else. Values are stored KMS-encrypted only. */

import type { Scope } from '../../core/accounts.js';
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

export interface SecretRow {
  account: string;
  region: string;
  name: string;
  arn: string;
  description: string | null;
  /** As the caller gave it; null means the AWS managed key alias/aws/secretsmanager. */
  kms_key_id: string | null;
  type: string | null;
  resource_policy: string | null;
  created_at: number;
  last_changed_at: number;
  last_accessed_at: number | null;
  /** When DeleteSecret was called; null while the secret is live. */
  deleted_at: number | null;
  /** When the secret is purged for good. */
  deletion_date: number | null;
  /** Replicas: the Region of their primary secret. Null for primaries and unreplicated secrets. */
  primary_region: string | null;
  /** Replicas: InSync, or Failed when the last synchronization could not encrypt here. */
  replication_status: string | null;
  replication_message: string | null;
}

export interface VersionRow {
  secret_arn: string;
  version_id: string;
  /** KMS ciphertext of the value (context: SecretARN, SecretVersionId); empty for a version without a value. */
  ciphertext: Buffer;
  is_binary: number;
  kms_key_arn: string;
  created_at: number;
  last_accessed_at: number | null;
  /** 0 for the version a rotation starts with: it has its AWSPENDING label but no value until createSecret puts one. */
  has_value: number;
}

/** A secret's rotation configuration and schedule; no row while rotation was never configured. */
export interface RotationRow {
  secret_arn: string;
  enabled: number;
  lambda_arn: string | null;
  /** JSON of the RotationRules as RotateSecret was given them. */
  rules: string | null;
  last_rotated_at: number | null;
  /** When the schedule counts from: the last rotation, or a new current value put by hand (AWS counts it as a rotation). */
  basis_at: number;
  /** The next rotation window's start and end, while rotation is on and scheduled. */
  window_start: number | null;
  window_end: number | null;
  /** The job running the current rotation, for CancelRotateSecret. */
  job_id: number | null;
}

export interface TagRow {
  tag_key: string;
  tag_value: string;
}

export class SecretsStore {
  private readonly stmts;

  constructor(private readonly store: Store) {
    store.migrate('secretsmanager', [
      {
        version: 1,
        sql: `CREATE TABLE secretsmanager_secrets (
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL UNIQUE,
          description TEXT, kms_key_id TEXT, type TEXT, resource_policy TEXT,
          created_at INTEGER NOT NULL, last_changed_at INTEGER NOT NULL, last_accessed_at INTEGER,
          deleted_at INTEGER, deletion_date INTEGER,
          PRIMARY KEY (account, region, name)
        );
        CREATE TABLE secretsmanager_versions (
          secret_arn TEXT NOT NULL, version_id TEXT NOT NULL, ciphertext BLOB NOT NULL, is_binary INTEGER NOT NULL,
          kms_key_arn TEXT NOT NULL, created_at INTEGER NOT NULL, last_accessed_at INTEGER,
          PRIMARY KEY (secret_arn, version_id)
        );
        CREATE TABLE secretsmanager_stages (
          secret_arn TEXT NOT NULL, stage TEXT NOT NULL, version_id TEXT NOT NULL,
          PRIMARY KEY (secret_arn, stage)
        );
        CREATE TABLE secretsmanager_tags (
          secret_arn TEXT NOT NULL, tag_key TEXT NOT NULL, tag_value TEXT NOT NULL, position INTEGER NOT NULL,
          PRIMARY KEY (secret_arn, tag_key)
        );`,
      },
      {
        version: 2,
        sql: `ALTER TABLE secretsmanager_secrets ADD COLUMN primary_region TEXT;
        ALTER TABLE secretsmanager_secrets ADD COLUMN replication_status TEXT;
        ALTER TABLE secretsmanager_secrets ADD COLUMN replication_message TEXT;`,
      },
      {
        version: 3,
        sql: `ALTER TABLE secretsmanager_versions ADD COLUMN has_value INTEGER NOT NULL DEFAULT 1;
        CREATE TABLE secretsmanager_rotations (
          secret_arn TEXT PRIMARY KEY, enabled INTEGER NOT NULL, lambda_arn TEXT, rules TEXT,
          last_rotated_at INTEGER, basis_at INTEGER NOT NULL, window_start INTEGER, window_end INTEGER, job_id INTEGER
        );`,
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      byName: () => db.prepare<[string, string, string], SecretRow>('SELECT * FROM secretsmanager_secrets WHERE account = ? AND region = ? AND name = ?'),
      byArn: () => db.prepare<[string, string, string], SecretRow>('SELECT * FROM secretsmanager_secrets WHERE account = ? AND region = ? AND arn = ?'),
      all: () => db.prepare<[string, string], SecretRow>('SELECT * FROM secretsmanager_secrets WHERE account = ? AND region = ?'),
      insertSecret: () =>
        db.prepare<SecretRow>(`INSERT INTO secretsmanager_secrets (account, region, name, arn, description, kms_key_id, type, resource_policy,
        created_at, last_changed_at, last_accessed_at, deleted_at, deletion_date, primary_region, replication_status, replication_message)
        VALUES (@account, @region, @name, @arn, @description, @kms_key_id, @type, @resource_policy, @created_at, @last_changed_at,
        @last_accessed_at, @deleted_at, @deletion_date, @primary_region, @replication_status, @replication_message)`),
      updateSecret: () =>
        db.prepare<SecretRow>(`UPDATE secretsmanager_secrets SET description = @description, kms_key_id = @kms_key_id, type = @type,
        resource_policy = @resource_policy, last_changed_at = @last_changed_at, last_accessed_at = @last_accessed_at,
        deleted_at = @deleted_at, deletion_date = @deletion_date, primary_region = @primary_region,
        replication_status = @replication_status, replication_message = @replication_message WHERE arn = @arn`),
      replicas: () =>
        db.prepare<[string, string, string, string], SecretRow>('SELECT * FROM secretsmanager_secrets WHERE account = ? AND name = ? AND primary_region = ? AND region != ? ORDER BY region'),
      expired: () =>
        db.prepare<[string, string, number], { arn: string }>('SELECT arn FROM secretsmanager_secrets WHERE account = ? AND region = ? AND deletion_date IS NOT NULL AND deletion_date <= ?'),
      deleteSecret: () => db.prepare<[string]>('DELETE FROM secretsmanager_secrets WHERE arn = ?'),
      deleteVersions: () => db.prepare<[string]>('DELETE FROM secretsmanager_versions WHERE secret_arn = ?'),
      deleteStages: () => db.prepare<[string]>('DELETE FROM secretsmanager_stages WHERE secret_arn = ?'),
      deleteTags: () => db.prepare<[string]>('DELETE FROM secretsmanager_tags WHERE secret_arn = ?'),
      version: () => db.prepare<[string, string], VersionRow>('SELECT * FROM secretsmanager_versions WHERE secret_arn = ? AND version_id = ?'),
      versions: () => db.prepare<[string], VersionRow>('SELECT * FROM secretsmanager_versions WHERE secret_arn = ? ORDER BY created_at DESC, rowid DESC'),
      insertVersion: () =>
        db.prepare<VersionRow>(`INSERT INTO secretsmanager_versions (secret_arn, version_id, ciphertext, is_binary, kms_key_arn, created_at, last_accessed_at, has_value)
        VALUES (@secret_arn, @version_id, @ciphertext, @is_binary, @kms_key_arn, @created_at, @last_accessed_at, @has_value)`),
      fillVersion: () =>
        db.prepare<[Buffer, number, string, string, string]>(
          'UPDATE secretsmanager_versions SET ciphertext = ?, is_binary = ?, kms_key_arn = ?, has_value = 1 WHERE secret_arn = ? AND version_id = ?',
        ),
      deleteVersion: () => db.prepare<[string, string]>('DELETE FROM secretsmanager_versions WHERE secret_arn = ? AND version_id = ?'),
      reencryptVersion: () => db.prepare<[Buffer, string, string, string]>('UPDATE secretsmanager_versions SET ciphertext = ?, kms_key_arn = ? WHERE secret_arn = ? AND version_id = ?'),
      touchVersion: () => db.prepare<[number, string, string]>('UPDATE secretsmanager_versions SET last_accessed_at = ? WHERE secret_arn = ? AND version_id = ?'),
      pruneVersions: () =>
        db.prepare<[string, string, number]>(`DELETE FROM secretsmanager_versions WHERE secret_arn = ? AND version_id IN (
        SELECT v.version_id FROM secretsmanager_versions v WHERE v.secret_arn = ?
          AND NOT EXISTS (SELECT 1 FROM secretsmanager_stages s WHERE s.secret_arn = v.secret_arn AND s.version_id = v.version_id)
        ORDER BY v.created_at DESC, v.rowid DESC LIMIT -1 OFFSET ?)`),
      stages: () => db.prepare<[string], { stage: string; version_id: string }>('SELECT stage, version_id FROM secretsmanager_stages WHERE secret_arn = ? ORDER BY rowid'),
      setStage: () =>
        db.prepare<[string, string, string]>(`INSERT INTO secretsmanager_stages (secret_arn, stage, version_id) VALUES (?, ?, ?)
        ON CONFLICT (secret_arn, stage) DO UPDATE SET version_id = excluded.version_id`),
      removeStage: () => db.prepare<[string, string]>('DELETE FROM secretsmanager_stages WHERE secret_arn = ? AND stage = ?'),
      tags: () => db.prepare<[string], TagRow>('SELECT tag_key, tag_value FROM secretsmanager_tags WHERE secret_arn = ? ORDER BY position'),
      putTag: () =>
        db.prepare<{ arn: string; key: string; value: string }>(`INSERT INTO secretsmanager_tags (secret_arn, tag_key, tag_value, position)
        VALUES (@arn, @key, @value, (SELECT COALESCE(MAX(position), 0) + 1 FROM secretsmanager_tags WHERE secret_arn = @arn))
        ON CONFLICT (secret_arn, tag_key) DO UPDATE SET tag_value = excluded.tag_value`),
      deleteTag: () => db.prepare<[string, string]>('DELETE FROM secretsmanager_tags WHERE secret_arn = ? AND tag_key = ?'),
      rotation: () => db.prepare<[string], RotationRow>('SELECT * FROM secretsmanager_rotations WHERE secret_arn = ?'),
      putRotation: () =>
        db.prepare<RotationRow>(`INSERT INTO secretsmanager_rotations (secret_arn, enabled, lambda_arn, rules, last_rotated_at, basis_at, window_start, window_end, job_id)
        VALUES (@secret_arn, @enabled, @lambda_arn, @rules, @last_rotated_at, @basis_at, @window_start, @window_end, @job_id)
        ON CONFLICT (secret_arn) DO UPDATE SET enabled = excluded.enabled, lambda_arn = excluded.lambda_arn, rules = excluded.rules,
        last_rotated_at = excluded.last_rotated_at, basis_at = excluded.basis_at, window_start = excluded.window_start,
        window_end = excluded.window_end, job_id = excluded.job_id`),
      deleteRotation: () => db.prepare<[string]>('DELETE FROM secretsmanager_rotations WHERE secret_arn = ?'),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  byName(scope: Scope, name: string): SecretRow | undefined {
    return this.stmts.byName.get(scope.account, scope.region, name);
  }

  byArn(scope: Scope, arn: string): SecretRow | undefined {
    return this.stmts.byArn.get(scope.account, scope.region, arn);
  }

  all(scope: Scope): SecretRow[] {
    return this.stmts.all.all(scope.account, scope.region);
  }

  insertSecret(row: SecretRow): void {
    this.stmts.insertSecret.run(row);
  }

  updateSecret(row: SecretRow): void {
    this.stmts.updateSecret.run(row);
  }

  /** The replicas of the primary secret `name` of `primaryRegion`, in other Regions. */
  replicas(account: string, name: string, primaryRegion: string): SecretRow[] {
    return this.stmts.replicas.all(account, name, primaryRegion, primaryRegion);
  }

  /** Removes a secret's versions, labels and tags (a replica about to be copied again). */
  clearContent(arn: string): void {
    this.stmts.deleteVersions.run(arn);
    this.stmts.deleteStages.run(arn);
    this.stmts.deleteTags.run(arn);
  }

  /** ARNs of secrets whose recovery window is over. */
  expired(scope: Scope, now: number): string[] {
    return this.stmts.expired.all(scope.account, scope.region, now).map((r) => r.arn);
  }

  /** Removes a secret with all its versions, labels, tags and rotation. */
  purge(arn: string): void {
    this.stmts.deleteSecret.run(arn);
    this.stmts.deleteVersions.run(arn);
    this.stmts.deleteStages.run(arn);
    this.stmts.deleteTags.run(arn);
    this.stmts.deleteRotation.run(arn);
  }

  version(arn: string, versionId: string): VersionRow | undefined {
    return this.stmts.version.get(arn, versionId);
  }

  /** Newest first. */
  versions(arn: string): VersionRow[] {
    return this.stmts.versions.all(arn);
  }

  insertVersion(row: VersionRow): void {
    this.stmts.insertVersion.run(row);
  }

  /** Gives a version without a value its value. */
  fillVersion(arn: string, versionId: string, ciphertext: Buffer, isBinary: boolean, kmsKeyArn: string): void {
    this.stmts.fillVersion.run(ciphertext, isBinary ? 1 : 0, kmsKeyArn, arn, versionId);
  }

  deleteVersion(arn: string, versionId: string): void {
    this.stmts.deleteVersion.run(arn, versionId);
  }

  reencryptVersion(arn: string, versionId: string, ciphertext: Buffer, kmsKeyArn: string): void {
    this.stmts.reencryptVersion.run(ciphertext, kmsKeyArn, arn, versionId);
  }

  touchVersion(arn: string, versionId: string, at: number): void {
    this.stmts.touchVersion.run(at, arn, versionId);
  }

  /** Deletes the oldest versions without staging labels beyond the newest `keep` of them. */
  pruneUnlabelled(arn: string, keep: number): void {
    this.stmts.pruneVersions.run(arn, arn, keep);
  }

  /** Staging label → version id. */
  stages(arn: string): Map<string, string> {
    return new Map(this.stmts.stages.all(arn).map((r) => [r.stage, r.version_id]));
  }

  setStage(arn: string, stage: string, versionId: string): void {
    this.stmts.setStage.run(arn, stage, versionId);
  }

  removeStage(arn: string, stage: string): void {
    this.stmts.removeStage.run(arn, stage);
  }

  tags(arn: string): TagRow[] {
    return this.stmts.tags.all(arn);
  }

  putTag(arn: string, key: string, value: string): void {
    this.stmts.putTag.run({ arn, key, value });
  }

  deleteTag(arn: string, key: string): void {
    this.stmts.deleteTag.run(arn, key);
  }

  rotation(arn: string): RotationRow | undefined {
    return this.stmts.rotation.get(arn);
  }

  putRotation(row: RotationRow): void {
    this.stmts.putRotation.run(row);
  }
}
