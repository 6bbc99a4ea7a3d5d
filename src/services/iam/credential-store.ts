/**
 * IAM tables added after the first release, with their own migration owner (`iam.credentials`):
 * SSH public keys, server and signing certificates, permissions boundaries and service-linked role
 * deletion tasks. Every SQL statement for them lives here.
 */
import type { Statement } from 'better-sqlite3';
import type { Store } from '../../core/store.js';
import type { IamContext } from './common.js';

/** The handler context of the operations whose rows live in this store. */
export type CredentialContext = IamContext & { credentials: CredentialStore };

export interface SshKeyRow {
  id: string;
  account: string;
  user_name: string;
  /** The key in OpenSSH form (`ssh-rsa AAAA…`), however it was uploaded. */
  body: string;
  fingerprint: string;
  status: string;
  uploaded_at: number;
}

export interface ServerCertificateRow {
  account: string;
  name: string;
  path: string;
  id: string;
  body: string;
  chain: string | null;
  expires_at: number;
  uploaded_at: number;
}

export interface SigningCertificateRow {
  id: string;
  account: string;
  user_name: string;
  body: string;
  fingerprint: string;
  status: string;
  uploaded_at: number;
}

export type BoundaryKind = 'user' | 'role';

export interface DeletionTaskRow {
  id: string;
  account: string;
  role_name: string;
  status: string;
  created_at: number;
}

const SCHEMA = `
CREATE TABLE iam_ssh_public_keys (
  id TEXT PRIMARY KEY, account TEXT NOT NULL, user_name TEXT NOT NULL COLLATE NOCASE, body TEXT NOT NULL,
  fingerprint TEXT NOT NULL, status TEXT NOT NULL, uploaded_at INTEGER NOT NULL
);
CREATE INDEX iam_ssh_public_keys_user ON iam_ssh_public_keys (account, user_name);
CREATE TABLE iam_server_certificates (
  account TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, path TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
  chain TEXT, expires_at INTEGER NOT NULL, uploaded_at INTEGER NOT NULL,
  PRIMARY KEY (account, name)
);
CREATE TABLE iam_signing_certificates (
  id TEXT PRIMARY KEY, account TEXT NOT NULL, user_name TEXT NOT NULL COLLATE NOCASE, body TEXT NOT NULL,
  fingerprint TEXT NOT NULL, status TEXT NOT NULL, uploaded_at INTEGER NOT NULL
);
CREATE INDEX iam_signing_certificates_user ON iam_signing_certificates (account, user_name);
CREATE TABLE iam_permissions_boundaries (
  account TEXT NOT NULL, entity_type TEXT NOT NULL, entity_name TEXT NOT NULL COLLATE NOCASE, policy_arn TEXT NOT NULL,
  PRIMARY KEY (account, entity_type, entity_name)
);
CREATE INDEX iam_permissions_boundaries_policy ON iam_permissions_boundaries (account, policy_arn);
CREATE TABLE iam_service_linked_roles (
  account TEXT NOT NULL, role_name TEXT NOT NULL COLLATE NOCASE, service TEXT NOT NULL,
  PRIMARY KEY (account, role_name)
);
CREATE TABLE iam_slr_deletion_tasks (
  id TEXT PRIMARY KEY, account TEXT NOT NULL, role_name TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL
);
`;

/** Tags of server certificates (their own table: the original tag table's kinds are a released type). */
const SERVER_CERTIFICATE_TAGS = `
CREATE TABLE iam_server_certificate_tags (
  account TEXT NOT NULL, certificate_name TEXT NOT NULL COLLATE NOCASE, key TEXT NOT NULL COLLATE NOCASE, value TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (account, certificate_name, key)
);
`;

/** Tables whose rows name a user and follow it through UpdateUser renames. */
const USER_REFERENCES = [
  'UPDATE iam_ssh_public_keys SET user_name = @to WHERE account = @account AND user_name = @from',
  'UPDATE iam_signing_certificates SET user_name = @to WHERE account = @account AND user_name = @from',
  "UPDATE iam_permissions_boundaries SET entity_name = @to WHERE account = @account AND entity_type = 'user' AND entity_name = @from",
];

export class CredentialStore {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly store: Store) {
    store.migrate('iam.credentials', [
      { version: 1, sql: SCHEMA },
      { version: 2, sql: SERVER_CERTIFICATE_TAGS },
    ]);
  }

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.store.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  renameUser(account: string, from: string, to: string): void {
    for (const sql of USER_REFERENCES) this.stmt(sql).run({ account, from, to });
  }

  // --- SSH public keys ---

  sshKeysOf(account: string, user: string): SshKeyRow[] {
    return this.stmt('SELECT * FROM iam_ssh_public_keys WHERE account = ? AND user_name = ? ORDER BY uploaded_at, id').all(account, user) as SshKeyRow[];
  }

  getSshKey(account: string, id: string): SshKeyRow | undefined {
    return this.stmt('SELECT * FROM iam_ssh_public_keys WHERE account = ? AND id = ?').get(account, id) as SshKeyRow | undefined;
  }

  insertSshKey(row: SshKeyRow): void {
    this.stmt(`INSERT INTO iam_ssh_public_keys (id, account, user_name, body, fingerprint, status, uploaded_at)
      VALUES (@id, @account, @user_name, @body, @fingerprint, @status, @uploaded_at)`).run(row);
  }

  setSshKeyStatus(id: string, status: string): void {
    this.stmt('UPDATE iam_ssh_public_keys SET status = ? WHERE id = ?').run(status, id);
  }

  deleteSshKey(id: string): void {
    this.stmt('DELETE FROM iam_ssh_public_keys WHERE id = ?').run(id);
  }

  // --- server certificates ---

  getServerCertificate(account: string, name: string): ServerCertificateRow | undefined {
    return this.stmt('SELECT * FROM iam_server_certificates WHERE account = ? AND name = ?').get(account, name) as ServerCertificateRow | undefined;
  }

  listServerCertificates(account: string): ServerCertificateRow[] {
    return this.stmt('SELECT * FROM iam_server_certificates WHERE account = ? ORDER BY lower(name)').all(account) as ServerCertificateRow[];
  }

  insertServerCertificate(row: ServerCertificateRow): void {
    this.stmt(`INSERT INTO iam_server_certificates (account, name, path, id, body, chain, expires_at, uploaded_at)
      VALUES (@account, @name, @path, @id, @body, @chain, @expires_at, @uploaded_at)`).run(row);
  }

  renameServerCertificate(account: string, name: string, newName: string, newPath: string): void {
    this.stmt('UPDATE iam_server_certificates SET name = ?, path = ? WHERE account = ? AND name = ?').run(newName, newPath, account, name);
    this.stmt('UPDATE iam_server_certificate_tags SET certificate_name = ? WHERE account = ? AND certificate_name = ?').run(newName, account, name);
  }

  deleteServerCertificate(account: string, name: string): void {
    this.stmt('DELETE FROM iam_server_certificate_tags WHERE account = ? AND certificate_name = ?').run(account, name);
    this.stmt('DELETE FROM iam_server_certificates WHERE account = ? AND name = ?').run(account, name);
  }

  serverCertificateTags(account: string, name: string): { key: string; value: string }[] {
    return this.stmt('SELECT key, value FROM iam_server_certificate_tags WHERE account = ? AND certificate_name = ? ORDER BY position').all(account, name) as { key: string; value: string }[];
  }

  putServerCertificateTag(account: string, name: string, key: string, value: string): void {
    this.stmt(`INSERT INTO iam_server_certificate_tags (account, certificate_name, key, value, position)
      VALUES (@account, @name, @key, @value, (SELECT coalesce(max(position), 0) + 1 FROM iam_server_certificate_tags WHERE account = @account AND certificate_name = @name))
      ON CONFLICT (account, certificate_name, key) DO UPDATE SET value = excluded.value`).run({ account, name, key, value });
  }

  deleteServerCertificateTag(account: string, name: string, key: string): void {
    this.stmt('DELETE FROM iam_server_certificate_tags WHERE account = ? AND certificate_name = ? AND key = ?').run(account, name, key);
  }

  // --- signing certificates ---

  signingCertificatesOf(account: string, user: string): SigningCertificateRow[] {
    return this.stmt('SELECT * FROM iam_signing_certificates WHERE account = ? AND user_name = ? ORDER BY uploaded_at, id').all(account, user) as SigningCertificateRow[];
  }

  signingCertificateByFingerprint(account: string, fingerprint: string): SigningCertificateRow | undefined {
    return this.stmt('SELECT * FROM iam_signing_certificates WHERE account = ? AND fingerprint = ?').get(account, fingerprint) as SigningCertificateRow | undefined;
  }

  getSigningCertificate(account: string, id: string): SigningCertificateRow | undefined {
    return this.stmt('SELECT * FROM iam_signing_certificates WHERE account = ? AND id = ?').get(account, id) as SigningCertificateRow | undefined;
  }

  insertSigningCertificate(row: SigningCertificateRow): void {
    this.stmt(`INSERT INTO iam_signing_certificates (id, account, user_name, body, fingerprint, status, uploaded_at)
      VALUES (@id, @account, @user_name, @body, @fingerprint, @status, @uploaded_at)`).run(row);
  }

  setSigningCertificateStatus(id: string, status: string): void {
    this.stmt('UPDATE iam_signing_certificates SET status = ? WHERE id = ?').run(status, id);
  }

  deleteSigningCertificate(id: string): void {
    this.stmt('DELETE FROM iam_signing_certificates WHERE id = ?').run(id);
  }

  // --- permissions boundaries ---

  boundary(account: string, kind: BoundaryKind, name: string): string | undefined {
    const row = this.stmt('SELECT policy_arn FROM iam_permissions_boundaries WHERE account = ? AND entity_type = ? AND entity_name = ?').get(account, kind, name) as { policy_arn: string } | undefined;
    return row?.policy_arn;
  }

  boundaryUsage(account: string, policyArn: string): number {
    return (this.stmt('SELECT count(*) AS n FROM iam_permissions_boundaries WHERE account = ? AND policy_arn = ?').get(account, policyArn) as { n: number }).n;
  }

  putBoundary(account: string, kind: BoundaryKind, name: string, policyArn: string): void {
    this.stmt(`INSERT INTO iam_permissions_boundaries (account, entity_type, entity_name, policy_arn) VALUES (?, ?, ?, ?)
      ON CONFLICT (account, entity_type, entity_name) DO UPDATE SET policy_arn = excluded.policy_arn`).run(account, kind, name, policyArn);
  }

  deleteBoundary(account: string, kind: BoundaryKind, name: string): void {
    this.stmt('DELETE FROM iam_permissions_boundaries WHERE account = ? AND entity_type = ? AND entity_name = ?').run(account, kind, name);
  }

  // --- service-linked roles and their deletion tasks ---

  /** The service a role is linked to, undefined for an ordinary role. */
  linkedService(account: string, roleName: string): string | undefined {
    const row = this.stmt('SELECT service FROM iam_service_linked_roles WHERE account = ? AND role_name = ?').get(account, roleName) as { service: string } | undefined;
    return row?.service;
  }

  linkRole(account: string, roleName: string, service: string): void {
    this.stmt('INSERT INTO iam_service_linked_roles (account, role_name, service) VALUES (?, ?, ?)').run(account, roleName, service);
  }

  unlinkRole(account: string, roleName: string): void {
    this.stmt('DELETE FROM iam_service_linked_roles WHERE account = ? AND role_name = ?').run(account, roleName);
  }

  insertDeletionTask(row: DeletionTaskRow): void {
    this.stmt('INSERT INTO iam_slr_deletion_tasks (id, account, role_name, status, created_at) VALUES (@id, @account, @role_name, @status, @created_at)').run(row);
  }

  getDeletionTask(account: string, id: string): DeletionTaskRow | undefined {
    return this.stmt('SELECT * FROM iam_slr_deletion_tasks WHERE account = ? AND id = ?').get(account, id) as DeletionTaskRow | undefined;
  }
}
