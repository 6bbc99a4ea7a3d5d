import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../core/store.js';
import { SsmStore } from './store.js';

describe('SsmStore migrations', () => {
  it('turns rows of the first schema into parameters with one version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-ssm-store-'));
    const store = new Store(dir);
    try {
      // The first schema, as databases written before version 2 hold it.
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
      const insert = store.db.prepare(`INSERT INTO ssm_parameters VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, 'Standard', 'text', NULL, 1000, 'arn:aws:iam::000000000000:root')`);
      insert.run('000000000000', 'us-east-1', '/old/a', 'String', 'va', 3);
      insert.run('000000000000', 'us-east-1', 'plain', 'StringList', 'x,y', 1);

      const ssm = new SsmStore(store);
      expect(ssm.current('000000000000', 'us-east-1', 'old/a')).toMatchObject({ name: '/old/a', version: 3, type: 'String', value: 'va', modified_at: 1000 });
      expect(ssm.current('000000000000', 'us-east-1', 'plain')).toMatchObject({ name: 'plain', version: 1, type: 'StringList', value: 'x,y' });
      expect(ssm.labels('000000000000', 'us-east-1', 'old/a')).toEqual([]);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
