/**
 * IAM's account-level tables and their statements: login profiles, the password policy, account
 * aliases, virtual MFA devices, credential reports and access key last use. Also the read-only
 * counts GetAccountSummary and the credential report take from IAM's entity tables (store.ts).
 *
 * Login profiles and MFA assignments name the user by its unique id, not its name, so they follow
 * UpdateUser renames and never attach to a later user of the same name.
 */
import type { Statement } from 'better-sqlite3';
import type { Store } from '../../core/store.js';

export interface LoginProfileRow {
  account: string;
  user_id: string;
  password_hash: string;
  created_at: number;
  password_changed_at: number;
  reset_required: number;
  /** JSON array of the hashes of earlier passwords, newest first (PasswordReusePrevention). */
  previous_hashes: string;
}

export interface PasswordPolicyRow {
  account: string;
  min_length: number;
  require_symbols: number;
  require_numbers: number;
  require_uppercase: number;
  require_lowercase: number;
  allow_change: number;
  max_age: number | null;
  reuse_prevention: number | null;
  hard_expiry: number | null;
}

export interface MfaDeviceRow {
  account: string;
  serial: string;
  seed: string;
  user_id: string | null;
  enabled_at: number | null;
  /** The latest TOTP time step accepted, so a code is never accepted twice. */
  last_step: number | null;
  created_at: number;
}

export interface CredentialReportRow {
  account: string;
  generated_at: number;
  content: Buffer;
}

export interface AccessKeyUsageRow {
  access_key_id: string;
  used_at: number;
  region: string;
  service: string;
}

/** An IAM user as the account tables see it (read from store.ts's iam_users). */
export interface UserRef {
  account: string;
  name: string;
  path: string;
  id: string;
  created_at: number;
}

const SCHEMA = `
CREATE TABLE iam_login_profiles (
  account TEXT NOT NULL, user_id TEXT NOT NULL, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL, reset_required INTEGER NOT NULL,
  PRIMARY KEY (account, user_id)
);
CREATE TABLE iam_password_policies (
  account TEXT PRIMARY KEY, min_length INTEGER NOT NULL, require_symbols INTEGER NOT NULL, require_numbers INTEGER NOT NULL,
  require_uppercase INTEGER NOT NULL, require_lowercase INTEGER NOT NULL, allow_change INTEGER NOT NULL,
  max_age INTEGER, reuse_prevention INTEGER, hard_expiry INTEGER
);
CREATE TABLE iam_account_aliases (account TEXT PRIMARY KEY, alias TEXT NOT NULL UNIQUE);
CREATE TABLE iam_mfa_devices (
  account TEXT NOT NULL, serial TEXT NOT NULL, seed TEXT NOT NULL, user_id TEXT, enabled_at INTEGER, last_step INTEGER,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account, serial)
);
CREATE INDEX iam_mfa_devices_user ON iam_mfa_devices (account, user_id);
CREATE TABLE iam_mfa_tags (
  account TEXT NOT NULL, serial TEXT NOT NULL, key TEXT NOT NULL COLLATE NOCASE, value TEXT NOT NULL, position INTEGER NOT NULL,
  PRIMARY KEY (account, serial, key)
);
CREATE TABLE iam_credential_reports (account TEXT PRIMARY KEY, generated_at INTEGER NOT NULL, content BLOB NOT NULL);
CREATE TABLE iam_access_key_usage (
  access_key_id TEXT PRIMARY KEY, used_at INTEGER NOT NULL, region TEXT NOT NULL, service TEXT NOT NULL
);
`;

/** Tables GetAccountSummary counts (trusted constants, never input). */
const COUNTED = {
  Users: 'SELECT count(*) AS n FROM iam_users WHERE account = ?',
  Groups: 'SELECT count(*) AS n FROM iam_groups WHERE account = ?',
  Roles: 'SELECT count(*) AS n FROM iam_roles WHERE account = ?',
  Policies: 'SELECT count(*) AS n FROM iam_policies WHERE account = ?',
  PolicyVersionsInUse: 'SELECT count(*) AS n FROM iam_attachments WHERE account = ?',
  InstanceProfiles: 'SELECT count(*) AS n FROM iam_instance_profiles WHERE account = ?',
  MFADevices: 'SELECT count(*) AS n FROM iam_mfa_devices WHERE account = ?',
  MFADevicesInUse: 'SELECT count(*) AS n FROM iam_mfa_devices WHERE account = ? AND user_id IS NOT NULL',
} as const;
type CountedKey = keyof typeof COUNTED;
/** Tables of IAM's other stores that GetAccountSummary counts when they exist. */
type OtherTable = 'iam_server_certificates' | 'iam_oidc_providers' | 'iam_saml_providers';

export class AccountStore {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly store: Store) {
    store.migrate('iam.account', [
      { version: 1, sql: SCHEMA },
      { version: 2, sql: "ALTER TABLE iam_login_profiles ADD COLUMN previous_hashes TEXT NOT NULL DEFAULT '[]'" },
    ]);
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.store.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  // --- users (read only) ---

  userById(account: string, id: string): UserRef | undefined {
    return this.stmt('SELECT account, name, path, id, created_at FROM iam_users WHERE account = ? AND id = ?').get(account, id) as UserRef | undefined;
  }

  users(account: string): UserRef[] {
    return this.stmt('SELECT account, name, path, id, created_at FROM iam_users WHERE account = ? ORDER BY created_at, id').all(account) as UserRef[];
  }

  count(key: CountedKey, account: string): number {
    return (this.stmt(COUNTED[key]).get(account) as { n: number }).n;
  }

  /**
   * Rows of `account` in a table another IAM store owns (server certificates, identity providers),
   * 0 while that table does not exist. `table` is a trusted constant, never input.
   */
  countOf(table: OtherTable, account: string): number {
    if (!this.hasTable(table)) return 0;
    return (this.stmt(`SELECT count(*) AS n FROM ${table} WHERE account = ?`).get(account) as { n: number }).n;
  }

  /** A user's signing certificates, oldest first (the credential report's cert_1 and cert_2). */
  signingCertificatesOf(account: string, userName: string): { status: string; uploaded_at: number }[] {
    if (!this.hasTable('iam_signing_certificates')) return [];
    return this.stmt('SELECT status, uploaded_at FROM iam_signing_certificates WHERE account = ? AND user_name = ? ORDER BY uploaded_at, id').all(account, userName) as {
      status: string;
      uploaded_at: number;
    }[];
  }

  private hasTable(name: string): boolean {
    return this.stmt("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  }

  // --- login profiles ---

  getLoginProfile(account: string, userId: string): LoginProfileRow | undefined {
    return this.stmt('SELECT * FROM iam_login_profiles WHERE account = ? AND user_id = ?').get(account, userId) as LoginProfileRow | undefined;
  }

  putLoginProfile(row: LoginProfileRow): void {
    this.stmt(`INSERT INTO iam_login_profiles (account, user_id, password_hash, created_at, password_changed_at, reset_required, previous_hashes)
      VALUES (@account, @user_id, @password_hash, @created_at, @password_changed_at, @reset_required, @previous_hashes)
      ON CONFLICT (account, user_id) DO UPDATE SET password_hash = excluded.password_hash, password_changed_at = excluded.password_changed_at,
      reset_required = excluded.reset_required, previous_hashes = excluded.previous_hashes`).run(row);
  }

  deleteLoginProfile(account: string, userId: string): void {
    this.stmt('DELETE FROM iam_login_profiles WHERE account = ? AND user_id = ?').run(account, userId);
  }

  // --- password policy ---

  getPasswordPolicy(account: string): PasswordPolicyRow | undefined {
    return this.stmt('SELECT * FROM iam_password_policies WHERE account = ?').get(account) as PasswordPolicyRow | undefined;
  }

  putPasswordPolicy(row: PasswordPolicyRow): void {
    this.stmt(`INSERT OR REPLACE INTO iam_password_policies (account, min_length, require_symbols, require_numbers, require_uppercase, require_lowercase,
      allow_change, max_age, reuse_prevention, hard_expiry) VALUES (@account, @min_length, @require_symbols, @require_numbers, @require_uppercase,
      @require_lowercase, @allow_change, @max_age, @reuse_prevention, @hard_expiry)`).run(row);
  }

  deletePasswordPolicy(account: string): number {
    return this.stmt('DELETE FROM iam_password_policies WHERE account = ?').run(account).changes;
  }

  // --- account aliases ---

  aliasOf(account: string): string | undefined {
    return (this.stmt('SELECT alias FROM iam_account_aliases WHERE account = ?').get(account) as { alias: string } | undefined)?.alias;
  }

  aliasOwner(alias: string): string | undefined {
    return (this.stmt('SELECT account FROM iam_account_aliases WHERE alias = ?').get(alias) as { account: string } | undefined)?.account;
  }

  setAlias(account: string, alias: string): void {
    this.stmt('INSERT OR REPLACE INTO iam_account_aliases (account, alias) VALUES (?, ?)').run(account, alias);
  }

  deleteAlias(account: string, alias: string): number {
    return this.stmt('DELETE FROM iam_account_aliases WHERE account = ? AND alias = ?').run(account, alias).changes;
  }

  // --- MFA devices ---

  getMfaDevice(account: string, serial: string): MfaDeviceRow | undefined {
    return this.stmt('SELECT * FROM iam_mfa_devices WHERE account = ? AND serial = ?').get(account, serial) as MfaDeviceRow | undefined;
  }

  mfaDevices(account: string): MfaDeviceRow[] {
    return this.stmt('SELECT * FROM iam_mfa_devices WHERE account = ? ORDER BY serial').all(account) as MfaDeviceRow[];
  }

  mfaDevicesOf(account: string, userId: string): MfaDeviceRow[] {
    return this.stmt('SELECT * FROM iam_mfa_devices WHERE account = ? AND user_id = ? ORDER BY enabled_at, serial').all(account, userId) as MfaDeviceRow[];
  }

  insertMfaDevice(row: MfaDeviceRow): void {
    this.stmt(`INSERT INTO iam_mfa_devices (account, serial, seed, user_id, enabled_at, last_step, created_at)
      VALUES (@account, @serial, @seed, @user_id, @enabled_at, @last_step, @created_at)`).run(row);
  }

  updateMfaDevice(row: MfaDeviceRow): void {
    this.stmt('UPDATE iam_mfa_devices SET user_id = @user_id, enabled_at = @enabled_at, last_step = @last_step WHERE account = @account AND serial = @serial').run(row);
  }

  deleteMfaDevice(account: string, serial: string): void {
    this.stmt('DELETE FROM iam_mfa_tags WHERE account = ? AND serial = ?').run(account, serial);
    this.stmt('DELETE FROM iam_mfa_devices WHERE account = ? AND serial = ?').run(account, serial);
  }

  mfaTags(account: string, serial: string): { key: string; value: string }[] {
    return this.stmt('SELECT key, value FROM iam_mfa_tags WHERE account = ? AND serial = ? ORDER BY position').all(account, serial) as { key: string; value: string }[];
  }

  putMfaTag(account: string, serial: string, key: string, value: string): void {
    this.stmt(`INSERT INTO iam_mfa_tags (account, serial, key, value, position)
      VALUES (@account, @serial, @key, @value, (SELECT coalesce(max(position), 0) + 1 FROM iam_mfa_tags WHERE account = @account AND serial = @serial))
      ON CONFLICT (account, serial, key) DO UPDATE SET value = excluded.value`).run({ account, serial, key, value });
  }

  deleteMfaTag(account: string, serial: string, key: string): void {
    this.stmt('DELETE FROM iam_mfa_tags WHERE account = ? AND serial = ? AND key = ?').run(account, serial, key);
  }

  // --- credential reports ---

  getCredentialReport(account: string): CredentialReportRow | undefined {
    return this.stmt('SELECT * FROM iam_credential_reports WHERE account = ?').get(account) as CredentialReportRow | undefined;
  }

  putCredentialReport(row: CredentialReportRow): void {
    this.stmt('INSERT OR REPLACE INTO iam_credential_reports (account, generated_at, content) VALUES (@account, @generated_at, @content)').run(row);
  }

  // --- access key last use ---

  getAccessKeyUsage(accessKeyId: string): AccessKeyUsageRow | undefined {
    return this.stmt('SELECT * FROM iam_access_key_usage WHERE access_key_id = ?').get(accessKeyId) as AccessKeyUsageRow | undefined;
  }

  putAccessKeyUsage(row: AccessKeyUsageRow): void {
    this.stmt('INSERT OR REPLACE INTO iam_access_key_usage (access_key_id, used_at, region, service) VALUES (@access_key_id, @used_at, @region, @service)').run(row);
  }
}
