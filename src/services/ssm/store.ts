/** SSM Parameter Store tables and their prepared statements. No SQL lives anywhere else. */
import type { Store } from '../../core/store.js';

export interface ParameterRow {
  account: string;
  region: string;
  name: string;
  type: string;
  value: string;
  version: number;
  description: string | null;
  key_id: string | null;
  tier: string;
  data_type: string;
  allowed_pattern: string | null;
  modified_at: number;
  modified_by: string;
}

export class SsmStore {
  private readonly getStmt;
  private readonly upsertStmt;

  constructor(private readonly store: Store) {
    store.migrate('ssm', [
      {
        version: 1,
        sql: `CREATE TABLE ssm_parameters (
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
          type TEXT NOT NULL, value TEXT NOT NULL, version INTEGER NOT NULL,
          description TEXT, key_id TEXT, tier TEXT NOT NULL, data_type TEXT NOT NULL,
          allowed_pattern TEXT, modified_at INTEGER NOT NULL, modified_by TEXT NOT NULL,
          PRIMARY KEY (account, region, name)
        );`,
      },
    ]);
    this.getStmt = store.db.prepare<[string, string, string], ParameterRow>('SELECT * FROM ssm_parameters WHERE account = ? AND region = ? AND name = ?');
    this.upsertStmt = store.db.prepare<ParameterRow>(`INSERT INTO ssm_parameters
      (account, region, name, type, value, version, description, key_id, tier, data_type, allowed_pattern, modified_at, modified_by)
      VALUES (@account, @region, @name, @type, @value, @version, @description, @key_id, @tier, @data_type, @allowed_pattern, @modified_at, @modified_by)
      ON CONFLICT (account, region, name) DO UPDATE SET type = excluded.type, value = excluded.value, version = excluded.version,
        description = excluded.description, key_id = excluded.key_id, tier = excluded.tier, data_type = excluded.data_type,
        allowed_pattern = excluded.allowed_pattern, modified_at = excluded.modified_at, modified_by = excluded.modified_by`);
  }

  get(account: string, region: string, name: string): ParameterRow | undefined {
    return this.getStmt.get(account, region, name);
  }

  put(row: ParameterRow): void {
    this.upsertStmt.run(row);
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }
}
