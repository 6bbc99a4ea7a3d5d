/** SSM Parameter Store tables and their prepared statements. No SQL lives anywhere else. */
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

/** One parameter: identity and what is not versioned (tags live in their own table). */
export interface ParameterRow {
  account: string;
  region: string;
  /** The name without a leading slash: `foo` and `/foo` are one parameter, as in AWS. */
  name_key: string;
  /** The name as it was created. */
  name: string;
  /** Latest version number. */
  version: number;
}

/** One version of a parameter. SecureString values hold only the base64 KMS ciphertext. */
export interface VersionRow {
  account: string;
  region: string;
  name_key: string;
  version: number;
  type: string;
  value: string;
  description: string | null;
  key_id: string | null;
  tier: string;
  data_type: string;
  allowed_pattern: string | null;
  policies: string | null;
  modified_at: number;
  modified_by: string;
}

/** VersionRow's columns in insert order. */
type VersionColumns = [
  account: string,
  region: string,
  nameKey: string,
  version: number,
  type: string,
  value: string,
  description: string | null,
  keyId: string | null,
  tier: string,
  dataType: string,
  allowedPattern: string | null,
  policies: string | null,
  modifiedAt: number,
  modifiedBy: string,
];

/** A parameter joined with its latest version. */
export type CurrentRow = ParameterRow & Omit<VersionRow, 'account' | 'region' | 'name_key' | 'version'>;

/** What a read of the latest version answers: the parameter's name and the version's value and attributes. */
export interface LatestRow {
  name: string;
  version: number;
  type: string;
  value: string;
  data_type: string;
  modified_at: number;
}

/** LatestRow's columns in select order (the statement answers arrays: see `latest`). */
type LatestColumns = [name: string, version: number, type: string, value: string, data_type: string, modified_at: number];

export interface TagRow {
  tag_key: string;
  tag_value: string;
}

/** An account and region as positional statement parameters. */
type ScopeArgs = [account: string, region: string];
type Key = [account: string, region: string, nameKey: string];

const LATEST_JOIN = `FROM ssm_parameters_clustered p JOIN ssm_parameter_versions v
    ON v.account = p.account AND v.region = p.region AND v.name_key = p.name_key AND v.version = p.version`;
const CURRENT_SELECT = `SELECT p.account, p.region, p.name_key, p.name, p.version, v.type, v.value, v.description, v.key_id,
    v.tier, v.data_type, v.allowed_pattern, v.policies, v.modified_at, v.modified_by ${LATEST_JOIN}`;

/** What the cache of latest versions may hold, in characters of names and values (about 2 MB). */
const LATEST_CACHE_CHARS = 1_000_000;
/** An entry's key, object and map slot, counted as characters: at most 10,000 entries of short values. */
const LATEST_ENTRY_CHARS = 100;

/**
 * The latest versions GetParameter read, by account, region and name key: a repeated read of an
 * unchanged parameter then costs no SQLite read transaction (two fcntl locks and the pager's
 * check of the WAL, a fifth of a GetParameter's CPU). Exact: filled only outside a transaction (so
 * with committed rows), and every SsmStore method that writes a parameter or its versions forgets
 * the parameter first, as does wiping the store. Bounded by the characters it holds.
 */
class LatestCache {
  private readonly rows = new Map<string, Readonly<LatestRow>>();
  private chars = 0;

  private static key(account: string, region: string, nameKey: string): string {
    return `${account}\u0000${region}\u0000${nameKey}`;
  }

  private static size(row: Readonly<LatestRow>): number {
    return LATEST_ENTRY_CHARS + row.name.length + row.value.length;
  }

  get(account: string, region: string, nameKey: string): Readonly<LatestRow> | undefined {
    return this.rows.get(LatestCache.key(account, region, nameKey));
  }

  set(account: string, region: string, nameKey: string, row: Readonly<LatestRow>): void {
    const size = LatestCache.size(row);
    if (this.chars + size > LATEST_CACHE_CHARS) this.clear();
    this.rows.set(LatestCache.key(account, region, nameKey), row);
    this.chars += size;
  }

  forget(account: string, region: string, nameKey: string): void {
    const key = LatestCache.key(account, region, nameKey);
    const row = this.rows.get(key);
    if (!row) return;
    this.rows.delete(key);
    this.chars -= LatestCache.size(row);
  }

  clear(): void {
    this.rows.clear();
    this.chars = 0;
  }
}

export class SsmStore {
  private readonly stmts;
  private readonly latestCache = new LatestCache();

  constructor(private readonly store: Store) {
    store.migrate('ssm', [
      {
        version: 1,
        sql: `CREATE TABLE ssm_parameters (
          account TEXT NOT NULL, region TEXT NOT NULL, name_key TEXT NOT NULL, name TEXT NOT NULL,
          version INTEGER NOT NULL,
          PRIMARY KEY (account, region, name_key)
        );
        CREATE TABLE ssm_parameter_versions (
          account TEXT NOT NULL, region TEXT NOT NULL, name_key TEXT NOT NULL, version INTEGER NOT NULL,
          type TEXT NOT NULL, value TEXT NOT NULL, description TEXT, key_id TEXT, tier TEXT NOT NULL,
          data_type TEXT NOT NULL, allowed_pattern TEXT, policies TEXT,
          modified_at INTEGER NOT NULL, modified_by TEXT NOT NULL,
          PRIMARY KEY (account, region, name_key, version)
        );
        CREATE TABLE ssm_parameter_labels (
          account TEXT NOT NULL, region TEXT NOT NULL, name_key TEXT NOT NULL, label TEXT NOT NULL,
          version INTEGER NOT NULL,
          PRIMARY KEY (account, region, name_key, label)
        );
        CREATE TABLE ssm_parameter_tags (
          account TEXT NOT NULL, region TEXT NOT NULL, name_key TEXT NOT NULL, tag_key TEXT NOT NULL,
          tag_value TEXT NOT NULL,
          PRIMARY KEY (account, region, name_key, tag_key)
        );`,
      },
      {
        version: 2,
        sql: `CREATE TABLE ssm_image_validations (
          account TEXT NOT NULL, region TEXT NOT NULL, name_key TEXT NOT NULL, requested_at INTEGER NOT NULL,
          PRIMARY KEY (account, region, name_key)
        );`,
      },
      {
        // Parameters clustered on their key: a lookup descends one b-tree instead of the key's index
        // and then the table, and creating a parameter writes one page fewer to the WAL (3.4 frames
        // per PutParameter instead of 4.1). Versions stay a rowid table: their values reach 8 KB,
        // and a clustered table keeps whole rows in its interior pages. A new name rather than a
        // rename: renaming makes SQLite rewrite every table's schema (1.3 ms of a first start).
        version: 3,
        sql: `CREATE TABLE ssm_parameters_clustered (
          account TEXT NOT NULL, region TEXT NOT NULL, name_key TEXT NOT NULL, name TEXT NOT NULL,
          version INTEGER NOT NULL,
          PRIMARY KEY (account, region, name_key)
        ) WITHOUT ROWID;
        INSERT INTO ssm_parameters_clustered (account, region, name_key, name, version) SELECT account, region, name_key, name, version FROM ssm_parameters;
        DROP TABLE ssm_parameters;`,
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      getParameter: () => db.prepare<Key, ParameterRow>('SELECT * FROM ssm_parameters_clustered WHERE account = ? AND region = ? AND name_key = ?'),
      getCurrent: () => db.prepare<Key, CurrentRow>(`${CURRENT_SELECT} WHERE p.account = ? AND p.region = ? AND p.name_key = ?`),
      getLatest: () =>
        db.prepare<Key, LatestColumns>(`SELECT p.name, p.version, v.type, v.value, v.data_type, v.modified_at ${LATEST_JOIN} WHERE p.account = ? AND p.region = ? AND p.name_key = ?`).raw(true),
      listCurrentAfter: () =>
        db.prepare<[...ScopeArgs, string, string, number], CurrentRow>(`${CURRENT_SELECT} WHERE p.account = ? AND p.region = ? AND p.name_key > ? AND p.name_key >= ? ORDER BY p.name_key LIMIT ?`),
      // Positional, not named (@account …), parameters: better-sqlite3 binds a named one by looking it up in the row
      // object, 1.2 µs more for a version's fourteen.
      insertParameter: () =>
        db.prepare<[account: string, region: string, nameKey: string, name: string, version: number]>(
          'INSERT INTO ssm_parameters_clustered (account, region, name_key, name, version) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, region, name_key) DO NOTHING',
        ),
      setVersion: () => db.prepare<[number, ...Key]>('UPDATE ssm_parameters_clustered SET version = ? WHERE account = ? AND region = ? AND name_key = ?'),
      insertVersion: () =>
        db.prepare<VersionColumns>(`INSERT INTO ssm_parameter_versions
        (account, region, name_key, version, type, value, description, key_id, tier, data_type, allowed_pattern, policies, modified_at, modified_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      getVersion: () => db.prepare<[...Key, number], VersionRow>('SELECT * FROM ssm_parameter_versions WHERE account = ? AND region = ? AND name_key = ? AND version = ?'),
      listVersions: () =>
        db.prepare<[...Key, number, number], VersionRow>('SELECT * FROM ssm_parameter_versions WHERE account = ? AND region = ? AND name_key = ? AND version > ? ORDER BY version LIMIT ?'),
      countVersions: () => db.prepare<Key, { n: number; oldest: number }>('SELECT COUNT(*) AS n, MIN(version) AS oldest FROM ssm_parameter_versions WHERE account = ? AND region = ? AND name_key = ?'),
      deleteVersion: () => db.prepare<[...Key, number]>('DELETE FROM ssm_parameter_versions WHERE account = ? AND region = ? AND name_key = ? AND version = ?'),
      labelsOf: () => db.prepare<Key, { label: string; version: number }>('SELECT label, version FROM ssm_parameter_labels WHERE account = ? AND region = ? AND name_key = ? ORDER BY label'),
      labelVersion: () => db.prepare<[...Key, string], { version: number }>('SELECT version FROM ssm_parameter_labels WHERE account = ? AND region = ? AND name_key = ? AND label = ?'),
      putLabel: () =>
        db.prepare<[...Key, string, number]>(
          `INSERT INTO ssm_parameter_labels (account, region, name_key, label, version) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account, region, name_key, label) DO UPDATE SET version = excluded.version`,
        ),
      deleteLabel: () => db.prepare<[...Key, string]>('DELETE FROM ssm_parameter_labels WHERE account = ? AND region = ? AND name_key = ? AND label = ?'),
      tagsOf: () => db.prepare<Key, TagRow>('SELECT tag_key, tag_value FROM ssm_parameter_tags WHERE account = ? AND region = ? AND name_key = ? ORDER BY tag_key'),
      putTag: () =>
        db.prepare<[...Key, string, string]>(
          `INSERT INTO ssm_parameter_tags (account, region, name_key, tag_key, tag_value) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account, region, name_key, tag_key) DO UPDATE SET tag_value = excluded.tag_value`,
        ),
      deleteTag: () => db.prepare<[...Key, string]>('DELETE FROM ssm_parameter_tags WHERE account = ? AND region = ? AND name_key = ? AND tag_key = ?'),
      deleteParameter: () => db.prepare<Key>('DELETE FROM ssm_parameters_clustered WHERE account = ? AND region = ? AND name_key = ?'),
      deleteAllVersions: () => db.prepare<Key>('DELETE FROM ssm_parameter_versions WHERE account = ? AND region = ? AND name_key = ?'),
      deleteAllLabels: () => db.prepare<Key>('DELETE FROM ssm_parameter_labels WHERE account = ? AND region = ? AND name_key = ?'),
      deleteAllTags: () => db.prepare<Key>('DELETE FROM ssm_parameter_tags WHERE account = ? AND region = ? AND name_key = ?'),
      getImageValidation: () => db.prepare<Key, { requested_at: number }>('SELECT requested_at FROM ssm_image_validations WHERE account = ? AND region = ? AND name_key = ?'),
      putImageValidation: () => db.prepare<[...Key, number]>('INSERT INTO ssm_image_validations (account, region, name_key, requested_at) VALUES (?, ?, ?, ?)'),
      deleteImageValidation: () => db.prepare<Key>('DELETE FROM ssm_image_validations WHERE account = ? AND region = ? AND name_key = ?'),
    });
    store.onWipe(() => this.latestCache.clear());
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  parameter(account: string, region: string, nameKey: string): ParameterRow | undefined {
    return this.stmts.getParameter.get(account, region, nameKey);
  }

  current(account: string, region: string, nameKey: string): CurrentRow | undefined {
    return this.stmts.getCurrent.get(account, region, nameKey);
  }

  /**
   * GetParameter's read, its hottest, cached (LatestCache). Six columns as an array, made into an
   * object of one fixed shape here, cost a third less than better-sqlite3 setting fifteen named
   * properties one by one. The row is shared: callers only read it.
   */
  latest(account: string, region: string, nameKey: string): Readonly<LatestRow> | undefined {
    const cached = this.latestCache.get(account, region, nameKey);
    if (cached) return cached;
    const columns = this.stmts.getLatest.get(account, region, nameKey);
    if (!columns) return undefined;
    const row: LatestRow = { name: columns[0], version: columns[1], type: columns[2], value: columns[3], data_type: columns[4], modified_at: columns[5] };
    // Inside a transaction the row may still roll back: only committed rows are kept.
    if (!this.store.db.inTransaction) this.latestCache.set(account, region, nameKey, row);
    return row;
  }

  /**
   * Latest versions in name order, starting after `afterKey`, restricted to keys at or after
   * `fromKey` (callers filtering by a prefix pass it so the scan starts there).
   */
  *iterateCurrent(account: string, region: string, afterKey: string, fromKey = ''): Generator<CurrentRow> {
    const batch = 200;
    let after = afterKey;
    for (;;) {
      const rows = this.stmts.listCurrentAfter.all(account, region, after, fromKey, batch);
      yield* rows;
      if (rows.length < batch) return;
      after = rows[rows.length - 1].name_key;
    }
  }

  /** Inserts a parameter; false (and nothing written) when one with its key exists. */
  createParameter(row: ParameterRow): boolean {
    this.latestCache.forget(row.account, row.region, row.name_key);
    return this.stmts.insertParameter.run(row.account, row.region, row.name_key, row.name, row.version).changes > 0;
  }

  setLatestVersion(account: string, region: string, nameKey: string, version: number): void {
    this.latestCache.forget(account, region, nameKey);
    this.stmts.setVersion.run(version, account, region, nameKey);
  }

  addVersion(row: VersionRow): void {
    this.latestCache.forget(row.account, row.region, row.name_key);
    this.stmts.insertVersion.run(
      row.account,
      row.region,
      row.name_key,
      row.version,
      row.type,
      row.value,
      row.description,
      row.key_id,
      row.tier,
      row.data_type,
      row.allowed_pattern,
      row.policies,
      row.modified_at,
      row.modified_by,
    );
  }

  version(account: string, region: string, nameKey: string, version: number): VersionRow | undefined {
    return this.stmts.getVersion.get(account, region, nameKey, version);
  }

  versions(account: string, region: string, nameKey: string, afterVersion: number, limit: number): VersionRow[] {
    return this.stmts.listVersions.all(account, region, nameKey, afterVersion, limit);
  }

  versionCount(account: string, region: string, nameKey: string): { n: number; oldest: number } {
    return this.stmts.countVersions.get(account, region, nameKey)!;
  }

  deleteVersion(account: string, region: string, nameKey: string, version: number): void {
    this.latestCache.forget(account, region, nameKey);
    this.stmts.deleteVersion.run(account, region, nameKey, version);
  }

  labels(account: string, region: string, nameKey: string): { label: string; version: number }[] {
    return this.stmts.labelsOf.all(account, region, nameKey);
  }

  labelVersion(account: string, region: string, nameKey: string, label: string): number | undefined {
    return this.stmts.labelVersion.get(account, region, nameKey, label)?.version;
  }

  putLabel(account: string, region: string, nameKey: string, label: string, version: number): void {
    this.stmts.putLabel.run(account, region, nameKey, label, version);
  }

  deleteLabel(account: string, region: string, nameKey: string, label: string): void {
    this.stmts.deleteLabel.run(account, region, nameKey, label);
  }

  tags(account: string, region: string, nameKey: string): TagRow[] {
    return this.stmts.tagsOf.all(account, region, nameKey);
  }

  putTag(account: string, region: string, nameKey: string, key: string, value: string): void {
    this.stmts.putTag.run(account, region, nameKey, key, value);
  }

  deleteTag(account: string, region: string, nameKey: string, key: string): void {
    this.stmts.deleteTag.run(account, region, nameKey, key);
  }

  /** When the pending aws:ec2:image validation of a write to the parameter was asked for; undefined when none is pending. */
  imageValidation(account: string, region: string, nameKey: string): number | undefined {
    return this.stmts.getImageValidation.get(account, region, nameKey)?.requested_at;
  }

  startImageValidation(account: string, region: string, nameKey: string, requestedAt: number): void {
    this.stmts.putImageValidation.run(account, region, nameKey, requestedAt);
  }

  endImageValidation(account: string, region: string, nameKey: string): void {
    this.stmts.deleteImageValidation.run(account, region, nameKey);
  }

  /** Removes a parameter with all its versions, labels and tags. */
  deleteParameter(account: string, region: string, nameKey: string): void {
    this.latestCache.forget(account, region, nameKey);
    this.stmts.deleteAllLabels.run(account, region, nameKey);
    this.stmts.deleteAllTags.run(account, region, nameKey);
    this.stmts.deleteAllVersions.run(account, region, nameKey);
    this.stmts.deleteParameter.run(account, region, nameKey);
  }
}
