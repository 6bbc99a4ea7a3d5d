/** KMS tables and their prepared statements. No SQL lives anywhere else. Key material never leaves this service. */
import type { Scope } from '../../core/accounts.js';
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

export interface KeyRow {
  account: string;
  region: string;
  key_id: string;
  description: string;
  key_spec: string;
  key_usage: string;
  /** Enabled | Disabled | PendingDeletion */
  key_state: string;
  /** CUSTOMER | AWS */
  key_manager: string;
  /** AWS_KMS | EXTERNAL (imported material) */
  origin: string;
  /** EXTERNAL keys: KEY_MATERIAL_EXPIRES | KEY_MATERIAL_DOES_NOT_EXPIRE once material is imported. */
  expiration_model: string | null;
  /** EXTERNAL keys: when the imported material expires. */
  material_valid_to: number | null;
  /** EXTERNAL keys: the id of the first material imported; a re-import must bring the same material. */
  imported_material_id: string | null;
  multi_region: number;
  /** Multi-Region keys: the Region of the primary key (this row's own Region for the primary). */
  primary_region: string | null;
  created_at: number;
  deletion_date: number | null;
  pending_window_days: number | null;
  policy: string;
  rotation_enabled: number;
  rotation_period_days: number | null;
  next_rotation_at: number | null;
  on_demand_rotation_at: number | null;
  /** The last cryptographic operation that used the key (GetKeyLastUsage). */
  last_used_operation: string | null;
  last_used_at: number | null;
  last_used_request_id: string | null;
}

export interface MaterialRow {
  account: string;
  /** The key's Region, or SHARED_MATERIAL_REGION for multi-Region keys, whose material all their Regions share. */
  region: string;
  key_id: string;
  /** 1 for the material the key was created with, +1 per rotation; ciphertexts name the version they used. */
  version: number;
  material_id: string;
  /** Symmetric: 32 raw bytes. HMAC: raw secret. Asymmetric: PKCS#8 DER private key. */
  material: Buffer;
  created_at: number;
  /** AUTOMATIC | ON_DEMAND for rotations, null for the original material. */
  rotation_type: string | null;
}

export interface AliasRow {
  account: string;
  region: string;
  alias_name: string;
  key_id: string;
  created_at: number;
  updated_at: number;
}

export interface GrantRow {
  account: string;
  region: string;
  grant_id: string;
  key_id: string;
  name: string | null;
  grantee_principal: string;
  retiring_principal: string | null;
  /** JSON array of operation names. */
  operations: string;
  /** JSON GrantConstraints or null. */
  constraints: string | null;
  created_at: number;
}

export interface ImportTokenRow {
  account: string;
  region: string;
  token_id: string;
  key_id: string;
  wrapping_algorithm: string;
  /** PKCS#8 DER of the RSA wrapping key handed out by GetParametersForImport. */
  private_key: Buffer;
  valid_to: number;
}

export interface TagRow {
  tag_key: string;
  tag_value: string;
}

export class KmsStore {
  private readonly stmts;

  constructor(private readonly store: Store) {
    store.migrate('kms', [
      {
        version: 1,
        sql: `CREATE TABLE kms_keys (
          account TEXT NOT NULL, region TEXT NOT NULL, key_id TEXT NOT NULL,
          description TEXT NOT NULL, key_spec TEXT NOT NULL, key_usage TEXT NOT NULL, key_state TEXT NOT NULL,
          key_manager TEXT NOT NULL, origin TEXT NOT NULL, expiration_model TEXT, material_valid_to INTEGER, imported_material_id TEXT,
          multi_region INTEGER NOT NULL, primary_region TEXT, created_at INTEGER NOT NULL,
          deletion_date INTEGER, pending_window_days INTEGER, policy TEXT NOT NULL,
          rotation_enabled INTEGER NOT NULL, rotation_period_days INTEGER, next_rotation_at INTEGER, on_demand_rotation_at INTEGER,
          last_used_operation TEXT, last_used_at INTEGER, last_used_request_id TEXT,
          PRIMARY KEY (account, region, key_id)
        );
        CREATE TABLE kms_key_materials (
          account TEXT NOT NULL, region TEXT NOT NULL, key_id TEXT NOT NULL, version INTEGER NOT NULL,
          material_id TEXT NOT NULL, material BLOB NOT NULL, created_at INTEGER NOT NULL, rotation_type TEXT,
          PRIMARY KEY (account, region, key_id, version)
        );
        CREATE TABLE kms_aliases (
          account TEXT NOT NULL, region TEXT NOT NULL, alias_name TEXT NOT NULL, key_id TEXT NOT NULL,
          created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
          PRIMARY KEY (account, region, alias_name)
        );
        CREATE TABLE kms_tags (
          account TEXT NOT NULL, region TEXT NOT NULL, key_id TEXT NOT NULL, tag_key TEXT NOT NULL, tag_value TEXT NOT NULL,
          PRIMARY KEY (account, region, key_id, tag_key)
        );
        CREATE TABLE kms_grants (
          account TEXT NOT NULL, region TEXT NOT NULL, grant_id TEXT NOT NULL, key_id TEXT NOT NULL, name TEXT,
          grantee_principal TEXT NOT NULL, retiring_principal TEXT, operations TEXT NOT NULL, constraints TEXT,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (account, region, grant_id)
        );
        CREATE INDEX kms_grants_by_key ON kms_grants (account, region, key_id);
        CREATE TABLE kms_import_tokens (
          account TEXT NOT NULL, region TEXT NOT NULL, token_id TEXT NOT NULL, key_id TEXT NOT NULL,
          wrapping_algorithm TEXT NOT NULL, private_key BLOB NOT NULL, valid_to INTEGER NOT NULL,
          PRIMARY KEY (account, region, token_id)
        );`,
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      getKey: () => db.prepare<[string, string, string], KeyRow>('SELECT * FROM kms_keys WHERE account = ? AND region = ? AND key_id = ?'),
      insertKey: () =>
        db.prepare<KeyRow>(`INSERT INTO kms_keys (account, region, key_id, description, key_spec, key_usage, key_state, key_manager,
        origin, expiration_model, material_valid_to, imported_material_id,
        multi_region, primary_region, created_at, deletion_date, pending_window_days, policy, rotation_enabled, rotation_period_days, next_rotation_at, on_demand_rotation_at,
        last_used_operation, last_used_at, last_used_request_id)
        VALUES (@account, @region, @key_id, @description, @key_spec, @key_usage, @key_state, @key_manager,
        @origin, @expiration_model, @material_valid_to, @imported_material_id, @multi_region, @primary_region, @created_at,
        @deletion_date, @pending_window_days, @policy, @rotation_enabled, @rotation_period_days, @next_rotation_at, @on_demand_rotation_at,
        @last_used_operation, @last_used_at, @last_used_request_id)`),
      updateKey: () =>
        db.prepare<KeyRow>(`UPDATE kms_keys SET description = @description, key_state = @key_state, deletion_date = @deletion_date,
        expiration_model = @expiration_model, material_valid_to = @material_valid_to, imported_material_id = @imported_material_id,
        primary_region = @primary_region,
        pending_window_days = @pending_window_days, policy = @policy, rotation_enabled = @rotation_enabled,
        rotation_period_days = @rotation_period_days, next_rotation_at = @next_rotation_at, on_demand_rotation_at = @on_demand_rotation_at
        WHERE account = @account AND region = @region AND key_id = @key_id`),
      recordUse: () =>
        db.prepare<[string, number, string | null, string, string, string]>(
          'UPDATE kms_keys SET last_used_operation = ?, last_used_at = ?, last_used_request_id = ? WHERE account = ? AND region = ? AND key_id = ?',
        ),
      keyInAllRegions: () => db.prepare<[string, string], KeyRow>('SELECT * FROM kms_keys WHERE account = ? AND key_id = ? ORDER BY region'),
      keysInState: () => db.prepare<[string, string, string], KeyRow>('SELECT * FROM kms_keys WHERE account = ? AND region = ? AND key_state = ?'),
      listKeys: () => db.prepare<[string, string, string, number], KeyRow>('SELECT * FROM kms_keys WHERE account = ? AND region = ? AND key_id > ? ORDER BY key_id LIMIT ?'),
      expiredKeys: () =>
        db.prepare<[string, string, number], { key_id: string }>("SELECT key_id FROM kms_keys WHERE account = ? AND region = ? AND key_state = 'PendingDeletion' AND deletion_date <= ?"),
      deleteKey: () => db.prepare<[string, string, string]>('DELETE FROM kms_keys WHERE account = ? AND region = ? AND key_id = ?'),
      deleteMaterials: () => db.prepare<[string, string, string]>('DELETE FROM kms_key_materials WHERE account = ? AND region = ? AND key_id = ?'),
      deleteKeyAliases: () => db.prepare<[string, string, string]>('DELETE FROM kms_aliases WHERE account = ? AND region = ? AND key_id = ?'),
      deleteKeyTags: () => db.prepare<[string, string, string]>('DELETE FROM kms_tags WHERE account = ? AND region = ? AND key_id = ?'),
      insertMaterial: () =>
        db.prepare<MaterialRow>(`INSERT INTO kms_key_materials (account, region, key_id, version, material_id, material, created_at, rotation_type)
        VALUES (@account, @region, @key_id, @version, @material_id, @material, @created_at, @rotation_type)`),
      getMaterial: () => db.prepare<[string, string, string, number], MaterialRow>('SELECT * FROM kms_key_materials WHERE account = ? AND region = ? AND key_id = ? AND version = ?'),
      currentMaterial: () => db.prepare<[string, string, string], MaterialRow>('SELECT * FROM kms_key_materials WHERE account = ? AND region = ? AND key_id = ? ORDER BY version DESC LIMIT 1'),
      rotations: () =>
        db.prepare<[string, string, string, number, number], MaterialRow>(
          'SELECT * FROM kms_key_materials WHERE account = ? AND region = ? AND key_id = ? AND rotation_type IS NOT NULL AND version > ? ORDER BY version LIMIT ?',
        ),
      getAlias: () => db.prepare<[string, string, string], AliasRow>('SELECT * FROM kms_aliases WHERE account = ? AND region = ? AND alias_name = ?'),
      insertAlias: () =>
        db.prepare<AliasRow>(`INSERT INTO kms_aliases (account, region, alias_name, key_id, created_at, updated_at)
        VALUES (@account, @region, @alias_name, @key_id, @created_at, @updated_at)`),
      retargetAlias: () => db.prepare<[string, number, string, string, string]>('UPDATE kms_aliases SET key_id = ?, updated_at = ? WHERE account = ? AND region = ? AND alias_name = ?'),
      deleteAlias: () => db.prepare<[string, string, string]>('DELETE FROM kms_aliases WHERE account = ? AND region = ? AND alias_name = ?'),
      listAliases: () => db.prepare<[string, string, string, number], AliasRow>('SELECT * FROM kms_aliases WHERE account = ? AND region = ? AND alias_name > ? ORDER BY alias_name LIMIT ?'),
      listKeyAliases: () =>
        db.prepare<[string, string, string, string, number], AliasRow>('SELECT * FROM kms_aliases WHERE account = ? AND region = ? AND key_id = ? AND alias_name > ? ORDER BY alias_name LIMIT ?'),
      listTags: () =>
        db.prepare<[string, string, string, string, number], TagRow>(
          'SELECT tag_key, tag_value FROM kms_tags WHERE account = ? AND region = ? AND key_id = ? AND tag_key > ? ORDER BY tag_key LIMIT ?',
        ),
      countTags: () => db.prepare<[string, string, string], { n: number }>('SELECT COUNT(*) AS n FROM kms_tags WHERE account = ? AND region = ? AND key_id = ?'),
      putTag: () =>
        db.prepare<[string, string, string, string, string]>(`INSERT INTO kms_tags (account, region, key_id, tag_key, tag_value) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (account, region, key_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value`),
      insertImportToken: () =>
        db.prepare<ImportTokenRow>(`INSERT INTO kms_import_tokens (account, region, token_id, key_id, wrapping_algorithm, private_key, valid_to)
        VALUES (@account, @region, @token_id, @key_id, @wrapping_algorithm, @private_key, @valid_to)`),
      getImportToken: () => db.prepare<[string, string, string], ImportTokenRow>('SELECT * FROM kms_import_tokens WHERE account = ? AND region = ? AND token_id = ?'),
      deleteKeyImportTokens: () => db.prepare<[string, string, string]>('DELETE FROM kms_import_tokens WHERE account = ? AND region = ? AND key_id = ?'),
      insertGrant: () =>
        db.prepare<GrantRow>(`INSERT INTO kms_grants (account, region, grant_id, key_id, name, grantee_principal, retiring_principal, operations, constraints, created_at)
        VALUES (@account, @region, @grant_id, @key_id, @name, @grantee_principal, @retiring_principal, @operations, @constraints, @created_at)`),
      getGrant: () => db.prepare<[string, string, string], GrantRow>('SELECT * FROM kms_grants WHERE account = ? AND region = ? AND grant_id = ?'),
      deleteGrant: () => db.prepare<[string, string, string]>('DELETE FROM kms_grants WHERE account = ? AND region = ? AND grant_id = ?'),
      deleteKeyGrants: () => db.prepare<[string, string, string]>('DELETE FROM kms_grants WHERE account = ? AND region = ? AND key_id = ?'),
      keyGrants: () => db.prepare<[string, string, string], GrantRow>('SELECT * FROM kms_grants WHERE account = ? AND region = ? AND key_id = ? ORDER BY grant_id'),
      retirableGrants: () => db.prepare<[string, string, string], GrantRow>('SELECT * FROM kms_grants WHERE account = ? AND region = ? AND retiring_principal = ? ORDER BY grant_id'),
      deleteTag: () => db.prepare<[string, string, string, string]>('DELETE FROM kms_tags WHERE account = ? AND region = ? AND key_id = ? AND tag_key = ?'),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  getKey(scope: Scope, keyId: string): KeyRow | undefined {
    return this.stmts.getKey.get(scope.account, scope.region, keyId);
  }

  insertKey(row: KeyRow): void {
    this.stmts.insertKey.run(row);
  }

  updateKey(row: KeyRow): void {
    this.stmts.updateKey.run(row);
  }

  recordUse(scope: Scope, keyId: string, operation: string, at: number, requestId: string | undefined): void {
    this.stmts.recordUse.run(operation, at, requestId ?? null, scope.account, scope.region, keyId);
  }

  /** Keys ordered by id, strictly after `afterKeyId`. */
  listKeys(scope: Scope, afterKeyId: string, limit: number): KeyRow[] {
    return this.stmts.listKeys.all(scope.account, scope.region, afterKeyId, limit);
  }

  /** Ids of keys whose deletion date has passed. */
  expiredKeys(scope: Scope, now: number): string[] {
    return this.stmts.expiredKeys.all(scope.account, scope.region, now).map((r) => r.key_id);
  }

  /** Every Region's row of a (multi-Region) key in an account. */
  keyInAllRegions(account: string, keyId: string): KeyRow[] {
    return this.stmts.keyInAllRegions.all(account, keyId);
  }

  keysInState(scope: Scope, state: string): KeyRow[] {
    return this.stmts.keysInState.all(scope.account, scope.region, state);
  }

  /** Removes a key with its aliases, tags, grants and import tokens; its material is the caller's to remove (multi-Region keys share it). */
  deleteKey(scope: Scope, keyId: string): void {
    this.stmts.deleteKey.run(scope.account, scope.region, keyId);
    this.stmts.deleteKeyAliases.run(scope.account, scope.region, keyId);
    this.stmts.deleteKeyTags.run(scope.account, scope.region, keyId);
    this.stmts.deleteKeyGrants.run(scope.account, scope.region, keyId);
    this.stmts.deleteKeyImportTokens.run(scope.account, scope.region, keyId);
  }

  /** Removes every material version of a key (imported material deleted or expired). */
  deleteMaterials(scope: Scope, keyId: string): void {
    this.stmts.deleteMaterials.run(scope.account, scope.region, keyId);
  }

  insertImportToken(row: ImportTokenRow): void {
    this.stmts.insertImportToken.run(row);
  }

  importToken(scope: Scope, tokenId: string): ImportTokenRow | undefined {
    return this.stmts.getImportToken.get(scope.account, scope.region, tokenId);
  }

  insertGrant(row: GrantRow): void {
    this.stmts.insertGrant.run(row);
  }

  getGrant(scope: Scope, grantId: string): GrantRow | undefined {
    return this.stmts.getGrant.get(scope.account, scope.region, grantId);
  }

  deleteGrant(scope: Scope, grantId: string): void {
    this.stmts.deleteGrant.run(scope.account, scope.region, grantId);
  }

  /** Grants of one key, ordered by grant id. */
  keyGrants(scope: Scope, keyId: string): GrantRow[] {
    return this.stmts.keyGrants.all(scope.account, scope.region, keyId);
  }

  /** Grants a principal may retire, ordered by grant id. */
  retirableGrants(scope: Scope, principal: string): GrantRow[] {
    return this.stmts.retirableGrants.all(scope.account, scope.region, principal);
  }

  insertMaterial(row: MaterialRow): void {
    this.stmts.insertMaterial.run(row);
  }

  material(scope: Scope, keyId: string, version: number): MaterialRow | undefined {
    return this.stmts.getMaterial.get(scope.account, scope.region, keyId, version);
  }

  currentMaterial(scope: Scope, keyId: string): MaterialRow | undefined {
    return this.stmts.currentMaterial.get(scope.account, scope.region, keyId);
  }

  /** Rotated material versions (not the original) after `afterVersion`. */
  rotations(scope: Scope, keyId: string, afterVersion: number, limit: number): MaterialRow[] {
    return this.stmts.rotations.all(scope.account, scope.region, keyId, afterVersion, limit);
  }

  getAlias(scope: Scope, aliasName: string): AliasRow | undefined {
    return this.stmts.getAlias.get(scope.account, scope.region, aliasName);
  }

  insertAlias(row: AliasRow): void {
    this.stmts.insertAlias.run(row);
  }

  retargetAlias(scope: Scope, aliasName: string, keyId: string, now: number): void {
    this.stmts.retargetAlias.run(keyId, now, scope.account, scope.region, aliasName);
  }

  deleteAlias(scope: Scope, aliasName: string): void {
    this.stmts.deleteAlias.run(scope.account, scope.region, aliasName);
  }

  /** Aliases ordered by name, strictly after `afterName`, optionally only those of one key. */
  listAliases(scope: Scope, keyId: string | undefined, afterName: string, limit: number): AliasRow[] {
    return keyId === undefined ? this.stmts.listAliases.all(scope.account, scope.region, afterName, limit) : this.stmts.listKeyAliases.all(scope.account, scope.region, keyId, afterName, limit);
  }

  listTags(scope: Scope, keyId: string, afterKey: string, limit: number): TagRow[] {
    return this.stmts.listTags.all(scope.account, scope.region, keyId, afterKey, limit);
  }

  countTags(scope: Scope, keyId: string): number {
    return this.stmts.countTags.get(scope.account, scope.region, keyId)!.n;
  }

  putTag(scope: Scope, keyId: string, tagKey: string, tagValue: string): void {
    this.stmts.putTag.run(scope.account, scope.region, keyId, tagKey, tagValue);
  }

  deleteTag(scope: Scope, keyId: string, tagKey: string): void {
    this.stmts.deleteTag.run(scope.account, scope.region, keyId, tagKey);
  }
}
