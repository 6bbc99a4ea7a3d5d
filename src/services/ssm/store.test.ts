import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../../test/temp-dirs.js';
import { Store } from '../../core/store.js';
import { SsmStore, type VersionRow } from './store.js';

const tempDir = tempDirs('drydock-ssm-store-');
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

function version(nameKey: string, number: number, value: string): VersionRow {
  return {
    account: ACCOUNT,
    region: REGION,
    name_key: nameKey,
    version: number,
    type: 'String',
    value,
    description: null,
    key_id: null,
    tier: 'Standard',
    data_type: 'text',
    allowed_pattern: null,
    policies: null,
    modified_at: number,
    modified_by: 'arn:aws:iam::000000000000:root',
  };
}

/** A parameter `a` with one version, already read once (so cached). */
function storeWithReadParameter() {
  const store = new Store(tempDir());
  const ssm = new SsmStore(store);
  ssm.tx(() => {
    ssm.createParameter({ account: ACCOUNT, region: REGION, name_key: 'a', name: '/a', version: 1 });
    ssm.addVersion(version('a', 1, 'one'));
  });
  expect(ssm.latest(ACCOUNT, REGION, 'a')?.value).toBe('one');
  return { store, ssm };
}

describe('SsmStore.latest (cached)', () => {
  it('answers every write to the parameter at once: a new version, a deleted version, deletion', () => {
    const { store, ssm } = storeWithReadParameter();
    ssm.tx(() => {
      ssm.setLatestVersion(ACCOUNT, REGION, 'a', 2);
      ssm.addVersion(version('a', 2, 'two'));
    });
    expect(ssm.latest(ACCOUNT, REGION, 'a')).toMatchObject({ name: '/a', version: 2, value: 'two' });
    ssm.tx(() => ssm.setLatestVersion(ACCOUNT, REGION, 'a', 1));
    expect(ssm.latest(ACCOUNT, REGION, 'a')).toMatchObject({ version: 1, value: 'one' });
    ssm.tx(() => ssm.setLatestVersion(ACCOUNT, REGION, 'a', 2));
    expect(ssm.latest(ACCOUNT, REGION, 'a')).toMatchObject({ version: 2, value: 'two' });
    // Each write alone, even one no operation makes by itself (the latest version deleted).
    ssm.tx(() => ssm.deleteVersion(ACCOUNT, REGION, 'a', 2));
    expect(ssm.latest(ACCOUNT, REGION, 'a')).toBeUndefined();
    ssm.tx(() => ssm.setLatestVersion(ACCOUNT, REGION, 'a', 1));
    expect(ssm.latest(ACCOUNT, REGION, 'a')).toMatchObject({ version: 1, value: 'one' });
    ssm.tx(() => ssm.deleteParameter(ACCOUNT, REGION, 'a'));
    expect(ssm.latest(ACCOUNT, REGION, 'a')).toBeUndefined();
    ssm.tx(() => {
      ssm.createParameter({ account: ACCOUNT, region: REGION, name_key: 'a', name: 'a', version: 1 });
      ssm.addVersion(version('a', 1, 'again'));
    });
    expect(ssm.latest(ACCOUNT, REGION, 'a')).toMatchObject({ name: 'a', value: 'again' });
    store.close();
  });

  it('keeps nothing a rolled-back transaction read or wrote', () => {
    const { store, ssm } = storeWithReadParameter();
    expect(() =>
      ssm.tx(() => {
        ssm.setLatestVersion(ACCOUNT, REGION, 'a', 2);
        ssm.addVersion(version('a', 2, 'rolled back'));
        expect(ssm.latest(ACCOUNT, REGION, 'a')?.value).toBe('rolled back');
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(ssm.latest(ACCOUNT, REGION, 'a')).toMatchObject({ version: 1, value: 'one' });
    store.close();
  });

  it('keeps nothing read while a group commit is open, whose rows may still roll back', async () => {
    const { store, ssm } = storeWithReadParameter();
    store.batched(() =>
      ssm.tx(() => {
        ssm.setLatestVersion(ACCOUNT, REGION, 'a', 2);
        ssm.addVersion(version('a', 2, 'two'));
      }),
    );
    // Read outside the batched work but on the connection holding the batch open: its rows, not kept.
    expect(ssm.latest(ACCOUNT, REGION, 'a')?.value).toBe('two');
    await store.committed();
    store.db.prepare("UPDATE ssm_parameter_versions SET value = 'changed behind the cache' WHERE name_key = 'a' AND version = 2").run();
    expect(ssm.latest(ACCOUNT, REGION, 'a')?.value).toBe('changed behind the cache');
    store.close();
  });

  it('forgets everything when the store is wiped', () => {
    const { store, ssm } = storeWithReadParameter();
    store.wipe();
    expect(ssm.latest(ACCOUNT, REGION, 'a')).toBeUndefined();
    store.close();
  });

  it('keeps parameters of other accounts and regions apart', () => {
    const { store, ssm } = storeWithReadParameter();
    expect(ssm.latest('111111111111', REGION, 'a')).toBeUndefined();
    expect(ssm.latest(ACCOUNT, 'eu-west-1', 'a')).toBeUndefined();
    store.close();
  });
});
