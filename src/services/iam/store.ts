/**
 * IAM tables and their prepared statements. No SQL lives anywhere else.
 *
 * IAM is global: every row is scoped by account only. Entity names are case-insensitive as in AWS
 * (`Alice` and `alice` are the same user), hence COLLATE NOCASE on every name column, including
 * the columns that refer to an entity by name.
 */
import type { Statement } from 'better-sqlite3';
import type { Store } from '../../core/store.js';

/** Principals that policies attach to. */
export type EntityType = 'user' | 'group' | 'role';
/** Resources that carry tags (policies are tagged by ARN, the others by name). */
export type TaggedType = 'user' | 'role' | 'policy' | 'instance-profile';

export interface UserRow {
  account: string;
  name: string;
  path: string;
  id: string;
  created_at: number;
}
export type GroupRow = UserRow;
export type InstanceProfileRow = UserRow;

export interface RoleRow extends UserRow {
  trust_policy: string;
  description: string | null;
  max_session_duration: number;
  last_used_at: number | null;
  last_used_region: string | null;
}

export interface PolicyRow {
  account: string;
  arn: string;
  name: string;
  path: string;
  id: string;
  description: string | null;
  default_version: string;
  next_version: number;
  created_at: number;
  updated_at: number;
}

export interface PolicyVersionRow {
  account: string;
  policy_arn: string;
  version_id: string;
  document: string;
  created_at: number;
}

export interface AttachmentRow {
  account: string;
  entity_type: EntityType;
  entity_name: string;
  policy_arn: string;
}

export interface InlinePolicyRow {
  account: string;
  entity_type: EntityType;
  entity_name: string;
  policy_name: string;
  document: string;
}

export interface AccessKeyRow {
  access_key_id: string;
  account: string;
  user_name: string;
  secret: string;
  status: string;
  created_at: number;
}

export interface ServiceCredentialRow {
  id: string;
  account: string;
  user_name: string;
  service_name: string;
  service_user_name: string;
  password: string;
  status: string;
  created_at: number;
}

export interface TagRow {
  key: string;
  value: string;
}

const SCHEMA = `
CREATE TABLE iam_users (
  account TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, path TEXT NOT NULL, id TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (account, name)
);
CREATE TABLE iam_groups (
  account TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, path TEXT NOT NULL, id TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (account, name)
);
CREATE TABLE iam_group_members (
  account TEXT NOT NULL, group_name TEXT NOT NULL COLLATE NOCASE, user_name TEXT NOT NULL COLLATE NOCASE, added_at INTEGER NOT NULL,
  PRIMARY KEY (account, group_name, user_name)
);
CREATE TABLE iam_roles (
  account TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, path TEXT NOT NULL, id TEXT NOT NULL, created_at INTEGER NOT NULL,
  trust_policy TEXT NOT NULL, description TEXT, max_session_duration INTEGER NOT NULL,
  last_used_at INTEGER, last_used_region TEXT,
  PRIMARY KEY (account, name)
);
CREATE TABLE iam_policies (
  account TEXT NOT NULL, arn TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, path TEXT NOT NULL, id TEXT NOT NULL,
  description TEXT, default_version TEXT NOT NULL, next_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (account, arn)
);
CREATE UNIQUE INDEX iam_policies_name ON iam_policies (account, name);
CREATE TABLE iam_policy_versions (
  account TEXT NOT NULL, policy_arn TEXT NOT NULL, version_id TEXT NOT NULL, document TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (account, policy_arn, version_id)
);
CREATE TABLE iam_attachments (
  account TEXT NOT NULL, entity_type TEXT NOT NULL, entity_name TEXT NOT NULL COLLATE NOCASE, policy_arn TEXT NOT NULL, attached_at INTEGER NOT NULL,
  PRIMARY KEY (account, entity_type, entity_name, policy_arn)
);
CREATE INDEX iam_attachments_policy ON iam_attachments (account, policy_arn);
CREATE TABLE iam_inline_policies (
  account TEXT NOT NULL, entity_type TEXT NOT NULL, entity_name TEXT NOT NULL COLLATE NOCASE, policy_name TEXT NOT NULL COLLATE NOCASE,
  document TEXT NOT NULL,
  PRIMARY KEY (account, entity_type, entity_name, policy_name)
);
CREATE TABLE iam_access_keys (
  access_key_id TEXT PRIMARY KEY, account TEXT NOT NULL, user_name TEXT NOT NULL COLLATE NOCASE, secret TEXT NOT NULL,
  status TEXT NOT NULL, created_at INTEGER NOT NULL
);
CREATE INDEX iam_access_keys_user ON iam_access_keys (account, user_name);
CREATE TABLE iam_instance_profiles (
  account TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, path TEXT NOT NULL, id TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (account, name)
);
CREATE TABLE iam_instance_profile_roles (
  account TEXT NOT NULL, profile_name TEXT NOT NULL COLLATE NOCASE, role_name TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (account, profile_name, role_name)
);
CREATE TABLE iam_service_credentials (
  id TEXT PRIMARY KEY, account TEXT NOT NULL, user_name TEXT NOT NULL COLLATE NOCASE, service_name TEXT NOT NULL,
  service_user_name TEXT NOT NULL, password TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL
);
CREATE INDEX iam_service_credentials_user ON iam_service_credentials (account, user_name);
CREATE INDEX iam_service_credentials_login ON iam_service_credentials (service_user_name);
CREATE TABLE iam_tags (
  account TEXT NOT NULL, resource_type TEXT NOT NULL, resource_name TEXT NOT NULL COLLATE NOCASE,
  key TEXT NOT NULL COLLATE NOCASE, value TEXT NOT NULL, position INTEGER NOT NULL,
  PRIMARY KEY (account, resource_type, resource_name, key)
);
`;

/** Tables whose rows name a user and follow it through UpdateUser renames. */
const USER_REFERENCES = [
  'UPDATE iam_group_members SET user_name = @to WHERE account = @account AND user_name = @from',
  "UPDATE iam_attachments SET entity_name = @to WHERE account = @account AND entity_type = 'user' AND entity_name = @from",
  "UPDATE iam_inline_policies SET entity_name = @to WHERE account = @account AND entity_type = 'user' AND entity_name = @from",
  'UPDATE iam_access_keys SET user_name = @to WHERE account = @account AND user_name = @from',
  'UPDATE iam_service_credentials SET user_name = @to WHERE account = @account AND user_name = @from',
  "UPDATE iam_tags SET resource_name = @to WHERE account = @account AND resource_type = 'user' AND resource_name = @from",
  'UPDATE iam_users SET name = @to WHERE account = @account AND name = @from',
];
const GROUP_REFERENCES = [
  'UPDATE iam_group_members SET group_name = @to WHERE account = @account AND group_name = @from',
  "UPDATE iam_attachments SET entity_name = @to WHERE account = @account AND entity_type = 'group' AND entity_name = @from",
  "UPDATE iam_inline_policies SET entity_name = @to WHERE account = @account AND entity_type = 'group' AND entity_name = @from",
  'UPDATE iam_groups SET name = @to WHERE account = @account AND name = @from',
];

/** The entity tables, by the kind of entity they hold (names are trusted constants, never input). */
const ENTITY_TABLES = { user: 'iam_users', group: 'iam_groups', role: 'iam_roles', 'instance-profile': 'iam_instance_profiles' } as const;
export type NamedKind = keyof typeof ENTITY_TABLES;

export class IamStore {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly store: Store) {
    store.migrate('iam', [{ version: 1, sql: SCHEMA }]);
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  /** Prepared once per distinct SQL text, then reused. */
  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.store.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  // --- users, groups, roles, instance profiles (same shape, different tables) ---

  getEntity<K extends NamedKind>(kind: K, account: string, name: string): (K extends 'role' ? RoleRow : UserRow) | undefined {
    return this.stmt(`SELECT * FROM ${ENTITY_TABLES[kind]} WHERE account = ? AND name = ?`).get(account, name) as (K extends 'role' ? RoleRow : UserRow) | undefined;
  }

  listEntities<K extends NamedKind>(kind: K, account: string): (K extends 'role' ? RoleRow : UserRow)[] {
    return this.stmt(`SELECT * FROM ${ENTITY_TABLES[kind]} WHERE account = ? ORDER BY lower(name)`).all(account) as (K extends 'role' ? RoleRow : UserRow)[];
  }

  insertEntity(kind: Exclude<NamedKind, 'role'>, row: UserRow): void {
    this.stmt(`INSERT INTO ${ENTITY_TABLES[kind]} (account, name, path, id, created_at) VALUES (@account, @name, @path, @id, @created_at)`).run(row);
  }

  deleteEntity(kind: NamedKind, account: string, name: string): void {
    this.stmt(`DELETE FROM ${ENTITY_TABLES[kind]} WHERE account = ? AND name = ?`).run(account, name);
  }

  setEntityPath(kind: 'user' | 'group', account: string, name: string, path: string): void {
    this.stmt(`UPDATE ${ENTITY_TABLES[kind]} SET path = ? WHERE account = ? AND name = ?`).run(path, account, name);
  }

  /** Renames a user or group and every row that refers to it. */
  renameEntity(kind: 'user' | 'group', account: string, from: string, to: string): void {
    for (const sql of kind === 'user' ? USER_REFERENCES : GROUP_REFERENCES) this.stmt(sql).run({ account, from, to });
  }

  insertRole(row: RoleRow): void {
    this.stmt(`INSERT INTO iam_roles (account, name, path, id, created_at, trust_policy, description, max_session_duration, last_used_at, last_used_region)
      VALUES (@account, @name, @path, @id, @created_at, @trust_policy, @description, @max_session_duration, @last_used_at, @last_used_region)`).run(row);
  }

  updateRole(row: RoleRow): void {
    this.stmt(`UPDATE iam_roles SET trust_policy = @trust_policy, description = @description, max_session_duration = @max_session_duration,
      last_used_at = @last_used_at, last_used_region = @last_used_region WHERE account = @account AND name = @name`).run(row);
  }

  // --- group membership ---

  addMember(account: string, group: string, user: string, at: number): void {
    this.stmt('INSERT OR IGNORE INTO iam_group_members (account, group_name, user_name, added_at) VALUES (?, ?, ?, ?)').run(account, group, user, at);
  }

  removeMember(account: string, group: string, user: string): number {
    return this.stmt('DELETE FROM iam_group_members WHERE account = ? AND group_name = ? AND user_name = ?').run(account, group, user).changes;
  }

  groupMembers(account: string, group: string): UserRow[] {
    return this.stmt(`SELECT u.* FROM iam_group_members m JOIN iam_users u ON u.account = m.account AND u.name = m.user_name
      WHERE m.account = ? AND m.group_name = ? ORDER BY lower(u.name)`).all(account, group) as UserRow[];
  }

  groupsOfUser(account: string, user: string): GroupRow[] {
    return this.stmt(`SELECT g.* FROM iam_group_members m JOIN iam_groups g ON g.account = m.account AND g.name = m.group_name
      WHERE m.account = ? AND m.user_name = ? ORDER BY lower(g.name)`).all(account, user) as GroupRow[];
  }

  // --- managed policies ---

  getPolicy(account: string, policyArn: string): PolicyRow | undefined {
    return this.stmt('SELECT * FROM iam_policies WHERE account = ? AND arn = ?').get(account, policyArn) as PolicyRow | undefined;
  }

  getPolicyByName(account: string, name: string): PolicyRow | undefined {
    return this.stmt('SELECT * FROM iam_policies WHERE account = ? AND name = ?').get(account, name) as PolicyRow | undefined;
  }

  listPolicies(account: string): PolicyRow[] {
    return this.stmt('SELECT * FROM iam_policies WHERE account = ? ORDER BY lower(name)').all(account) as PolicyRow[];
  }

  insertPolicy(row: PolicyRow): void {
    this.stmt(`INSERT INTO iam_policies (account, arn, name, path, id, description, default_version, next_version, created_at, updated_at)
      VALUES (@account, @arn, @name, @path, @id, @description, @default_version, @next_version, @created_at, @updated_at)`).run(row);
  }

  updatePolicyVersions(account: string, policyArn: string, defaultVersion: string, nextVersion: number, updatedAt: number): void {
    this.stmt('UPDATE iam_policies SET default_version = ?, next_version = ?, updated_at = ? WHERE account = ? AND arn = ?').run(defaultVersion, nextVersion, updatedAt, account, policyArn);
  }

  deletePolicy(account: string, policyArn: string): void {
    this.stmt('DELETE FROM iam_policy_versions WHERE account = ? AND policy_arn = ?').run(account, policyArn);
    this.stmt("DELETE FROM iam_tags WHERE account = ? AND resource_type = 'policy' AND resource_name = ?").run(account, policyArn);
    this.stmt('DELETE FROM iam_policies WHERE account = ? AND arn = ?').run(account, policyArn);
  }

  getVersion(account: string, policyArn: string, versionId: string): PolicyVersionRow | undefined {
    return this.stmt('SELECT * FROM iam_policy_versions WHERE account = ? AND policy_arn = ? AND version_id = ?').get(account, policyArn, versionId) as PolicyVersionRow | undefined;
  }

  listVersions(account: string, policyArn: string): PolicyVersionRow[] {
    return this.stmt('SELECT * FROM iam_policy_versions WHERE account = ? AND policy_arn = ? ORDER BY created_at DESC, CAST(substr(version_id, 2) AS INTEGER) DESC').all(
      account,
      policyArn,
    ) as PolicyVersionRow[];
  }

  insertVersion(row: PolicyVersionRow): void {
    this.stmt('INSERT INTO iam_policy_versions (account, policy_arn, version_id, document, created_at) VALUES (@account, @policy_arn, @version_id, @document, @created_at)').run(row);
  }

  deleteVersion(account: string, policyArn: string, versionId: string): void {
    this.stmt('DELETE FROM iam_policy_versions WHERE account = ? AND policy_arn = ? AND version_id = ?').run(account, policyArn, versionId);
  }

  // --- attachments ---

  attach(account: string, entityType: EntityType, entityName: string, policyArn: string, at: number): void {
    this.stmt('INSERT OR IGNORE INTO iam_attachments (account, entity_type, entity_name, policy_arn, attached_at) VALUES (?, ?, ?, ?, ?)').run(account, entityType, entityName, policyArn, at);
  }

  detach(account: string, entityType: EntityType, entityName: string, policyArn: string): number {
    return this.stmt('DELETE FROM iam_attachments WHERE account = ? AND entity_type = ? AND entity_name = ? AND policy_arn = ?').run(account, entityType, entityName, policyArn).changes;
  }

  attachedTo(account: string, entityType: EntityType, entityName: string): AttachmentRow[] {
    return this.stmt('SELECT account, entity_type, entity_name, policy_arn FROM iam_attachments WHERE account = ? AND entity_type = ? AND entity_name = ? ORDER BY attached_at, policy_arn').all(
      account,
      entityType,
      entityName,
    ) as AttachmentRow[];
  }

  attachmentsOf(account: string, policyArn: string): AttachmentRow[] {
    return this.stmt('SELECT account, entity_type, entity_name, policy_arn FROM iam_attachments WHERE account = ? AND policy_arn = ? ORDER BY lower(entity_name)').all(
      account,
      policyArn,
    ) as AttachmentRow[];
  }

  attachmentCounts(account: string): Map<string, number> {
    const rows = this.stmt('SELECT policy_arn, count(*) AS n FROM iam_attachments WHERE account = ? GROUP BY policy_arn').all(account) as { policy_arn: string; n: number }[];
    return new Map(rows.map((r) => [r.policy_arn, r.n]));
  }

  // --- inline policies ---

  getInline(account: string, entityType: EntityType, entityName: string, policyName: string): InlinePolicyRow | undefined {
    return this.stmt('SELECT * FROM iam_inline_policies WHERE account = ? AND entity_type = ? AND entity_name = ? AND policy_name = ?').get(account, entityType, entityName, policyName) as
      | InlinePolicyRow
      | undefined;
  }

  listInline(account: string, entityType: EntityType, entityName: string): InlinePolicyRow[] {
    return this.stmt('SELECT * FROM iam_inline_policies WHERE account = ? AND entity_type = ? AND entity_name = ? ORDER BY lower(policy_name)').all(
      account,
      entityType,
      entityName,
    ) as InlinePolicyRow[];
  }

  putInline(row: InlinePolicyRow): void {
    this.stmt(`INSERT INTO iam_inline_policies (account, entity_type, entity_name, policy_name, document) VALUES (@account, @entity_type, @entity_name, @policy_name, @document)
      ON CONFLICT (account, entity_type, entity_name, policy_name) DO UPDATE SET document = excluded.document`).run(row);
  }

  deleteInline(account: string, entityType: EntityType, entityName: string, policyName: string): number {
    return this.stmt('DELETE FROM iam_inline_policies WHERE account = ? AND entity_type = ? AND entity_name = ? AND policy_name = ?').run(account, entityType, entityName, policyName).changes;
  }

  // --- access keys ---

  getAccessKey(accessKeyId: string): AccessKeyRow | undefined {
    return this.stmt('SELECT * FROM iam_access_keys WHERE access_key_id = ?').get(accessKeyId) as AccessKeyRow | undefined;
  }

  accessKeysOf(account: string, user: string): AccessKeyRow[] {
    return this.stmt('SELECT * FROM iam_access_keys WHERE account = ? AND user_name = ? ORDER BY created_at, access_key_id').all(account, user) as AccessKeyRow[];
  }

  insertAccessKey(row: AccessKeyRow): void {
    this.stmt('INSERT INTO iam_access_keys (access_key_id, account, user_name, secret, status, created_at) VALUES (@access_key_id, @account, @user_name, @secret, @status, @created_at)').run(row);
  }

  setAccessKeyStatus(accessKeyId: string, status: string): void {
    this.stmt('UPDATE iam_access_keys SET status = ? WHERE access_key_id = ?').run(status, accessKeyId);
  }

  deleteAccessKey(accessKeyId: string): void {
    this.stmt('DELETE FROM iam_access_keys WHERE access_key_id = ?').run(accessKeyId);
  }

  // --- instance profiles ---

  rolesOfProfile(account: string, profile: string): RoleRow[] {
    return this.stmt(`SELECT r.* FROM iam_instance_profile_roles p JOIN iam_roles r ON r.account = p.account AND r.name = p.role_name
      WHERE p.account = ? AND p.profile_name = ? ORDER BY lower(r.name)`).all(account, profile) as RoleRow[];
  }

  profilesOfRole(account: string, role: string): InstanceProfileRow[] {
    return this.stmt(`SELECT i.* FROM iam_instance_profile_roles p JOIN iam_instance_profiles i ON i.account = p.account AND i.name = p.profile_name
      WHERE p.account = ? AND p.role_name = ? ORDER BY lower(i.name)`).all(account, role) as InstanceProfileRow[];
  }

  addRoleToProfile(account: string, profile: string, role: string): void {
    this.stmt('INSERT INTO iam_instance_profile_roles (account, profile_name, role_name) VALUES (?, ?, ?)').run(account, profile, role);
  }

  removeRoleFromProfile(account: string, profile: string, role: string): number {
    return this.stmt('DELETE FROM iam_instance_profile_roles WHERE account = ? AND profile_name = ? AND role_name = ?').run(account, profile, role).changes;
  }

  // --- service-specific credentials ---

  getServiceCredential(account: string, id: string): ServiceCredentialRow | undefined {
    return this.stmt('SELECT * FROM iam_service_credentials WHERE account = ? AND id = ?').get(account, id) as ServiceCredentialRow | undefined;
  }

  serviceCredentialsByLogin(serviceUserName: string): ServiceCredentialRow[] {
    return this.stmt('SELECT * FROM iam_service_credentials WHERE service_user_name = ?').all(serviceUserName) as ServiceCredentialRow[];
  }

  serviceCredentialsOf(account: string, user: string | undefined): ServiceCredentialRow[] {
    return user === undefined
      ? (this.stmt('SELECT * FROM iam_service_credentials WHERE account = ? ORDER BY created_at, id').all(account) as ServiceCredentialRow[])
      : (this.stmt('SELECT * FROM iam_service_credentials WHERE account = ? AND user_name = ? ORDER BY created_at, id').all(account, user) as ServiceCredentialRow[]);
  }

  insertServiceCredential(row: ServiceCredentialRow): void {
    this.stmt(`INSERT INTO iam_service_credentials (id, account, user_name, service_name, service_user_name, password, status, created_at)
      VALUES (@id, @account, @user_name, @service_name, @service_user_name, @password, @status, @created_at)`).run(row);
  }

  updateServiceCredential(id: string, password: string, status: string): void {
    this.stmt('UPDATE iam_service_credentials SET password = ?, status = ? WHERE id = ?').run(password, status, id);
  }

  deleteServiceCredential(id: string): void {
    this.stmt('DELETE FROM iam_service_credentials WHERE id = ?').run(id);
  }

  // --- tags ---

  tags(account: string, type: TaggedType, name: string): TagRow[] {
    return this.stmt('SELECT key, value FROM iam_tags WHERE account = ? AND resource_type = ? AND resource_name = ? ORDER BY position').all(account, type, name) as TagRow[];
  }

  putTag(account: string, type: TaggedType, name: string, key: string, value: string): void {
    this.stmt(`INSERT INTO iam_tags (account, resource_type, resource_name, key, value, position)
      VALUES (@account, @type, @name, @key, @value, (SELECT coalesce(max(position), 0) + 1 FROM iam_tags WHERE account = @account AND resource_type = @type AND resource_name = @name))
      ON CONFLICT (account, resource_type, resource_name, key) DO UPDATE SET value = excluded.value`).run({ account, type, name, key, value });
  }

  deleteTag(account: string, type: TaggedType, name: string, key: string): void {
    this.stmt('DELETE FROM iam_tags WHERE account = ? AND resource_type = ? AND resource_name = ? AND key = ?').run(account, type, name, key);
  }

  deleteTags(account: string, type: TaggedType, name: string): void {
    this.stmt('DELETE FROM iam_tags WHERE account = ? AND resource_type = ? AND resource_name = ?').run(account, type, name);
  }
}
