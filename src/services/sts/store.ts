/** STS sessions (temporary credentials) and their prepared statements. No SQL lives anywhere else. */
import type { Principal } from '../../core/accounts.js';
import type { Store } from '../../core/store.js';

export interface SessionRow {
  access_key_id: string;
  secret: string;
  session_token: string;
  expires_at: number;
  created_at: number;
  /** The principal the credentials act as. */
  account: string;
  kind: Principal['kind'];
  arn: string;
  user_id: string;
  user_name: string | null;
  role_name: string | null;
  session_name: string | null;
  /** Session policy (JSON) and managed session policy ARNs (JSON array), kept for policy evaluation. */
  session_policy: string | null;
  session_policy_arns: string | null;
  source_identity: string | null;
  /** Session tags (JSON object key → value) and the keys passed on to chained sessions (JSON array). */
  tags: string | null;
  transitive_tag_keys: string | null;
}

/** Expired sessions are kept this long (for GetAccessKeyInfo), then pruned. */
const RETENTION_MS = 24 * 3600 * 1000;

export class StsStore {
  private readonly getStmt;
  private readonly insertStmt;
  private readonly pruneStmt;
  private readonly getSecretStmt;
  private readonly insertSecretStmt;

  constructor(private readonly store: Store) {
    store.migrate('sts', [
      {
        version: 1,
        sql: `CREATE TABLE sts_sessions (
          access_key_id TEXT PRIMARY KEY, secret TEXT NOT NULL, session_token TEXT NOT NULL,
          expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL,
          account TEXT NOT NULL, kind TEXT NOT NULL, arn TEXT NOT NULL, user_id TEXT NOT NULL,
          user_name TEXT, role_name TEXT, session_name TEXT,
          session_policy TEXT, session_policy_arns TEXT, source_identity TEXT
        );
        CREATE INDEX sts_sessions_expiry ON sts_sessions (expires_at);`,
      },
      {
        version: 2,
        sql: `ALTER TABLE sts_sessions ADD COLUMN tags TEXT;
        ALTER TABLE sts_sessions ADD COLUMN transitive_tag_keys TEXT;
        CREATE TABLE sts_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);`,
      },
    ]);
    this.getStmt = store.db.prepare<[string], SessionRow>('SELECT * FROM sts_sessions WHERE access_key_id = ?');
    this.insertStmt = store.db.prepare<SessionRow>(`INSERT INTO sts_sessions
      (access_key_id, secret, session_token, expires_at, created_at, account, kind, arn, user_id, user_name, role_name, session_name, session_policy, session_policy_arns, source_identity, tags, transitive_tag_keys)
      VALUES (@access_key_id, @secret, @session_token, @expires_at, @created_at, @account, @kind, @arn, @user_id, @user_name, @role_name, @session_name, @session_policy, @session_policy_arns, @source_identity, @tags, @transitive_tag_keys)`);
    this.pruneStmt = store.db.prepare<[number]>('DELETE FROM sts_sessions WHERE expires_at < ?');
    this.getSecretStmt = store.db.prepare<[string], { value: string }>('SELECT value FROM sts_secrets WHERE name = ?');
    this.insertSecretStmt = store.db.prepare<[string, string]>('INSERT OR IGNORE INTO sts_secrets (name, value) VALUES (?, ?)');
  }

  get(accessKeyId: string): SessionRow | undefined {
    return this.getStmt.get(accessKeyId);
  }

  /** Stores a new session and drops sessions long expired. */
  insert(row: SessionRow, now: number): void {
    this.store.tx(() => {
      this.pruneStmt.run(now - RETENTION_MS);
      this.insertStmt.run(row);
    });
  }

  /** A persistent secret by name (signing keys), made with `make` the first time it is asked for. */
  secret(name: string, make: () => string): string {
    return this.store.tx(() => {
      this.insertSecretStmt.run(name, make());
      return this.getSecretStmt.get(name)!.value;
    });
  }
}
