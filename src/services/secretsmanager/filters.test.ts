import { describe, expect, it } from 'vitest';
import { paginate } from './common.js';
import { matchesFilters } from './filters.js';
import type { SecretRow } from './store.js';

const secret = (name: string, description: string | null = null): SecretRow => ({
  account: '000000000000',
  region: 'us-east-1',
  name,
  arn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-AbCdEf`,
  description,
  kms_key_id: null,
  type: null,
  resource_policy: null,
  created_at: 0,
  last_changed_at: 0,
  last_accessed_at: null,
  deleted_at: null,
  deletion_date: null,
  primary_region: null,
  replication_status: null,
  replication_message: null,
});

describe('ListSecrets filters', () => {
  const tags = [{ tag_key: 'team', tag_value: 'payments' }];

  it('ORs the values of one filter, negates with !, and ANDs filters', () => {
    const db = secret('prod/db-password', 'Main Database');
    expect(matchesFilters(db, tags, [{ Key: 'name', Values: ['dev/', 'prod/'] }])).toBe(true);
    expect(matchesFilters(db, tags, [{ Key: 'name', Values: ['!prod/'] }])).toBe(false);
    expect(
      matchesFilters(db, tags, [
        { Key: 'name', Values: ['prod/'] },
        { Key: 'tag-value', Values: ['pay'] },
      ]),
    ).toBe(true);
    expect(
      matchesFilters(db, tags, [
        { Key: 'name', Values: ['prod/'] },
        { Key: 'tag-key', Values: ['owner'] },
      ]),
    ).toBe(false);
  });

  it('matches `all` against word starts of names, descriptions and tags, case-insensitively', () => {
    const db = secret('prod/db-password', 'Main Database');
    for (const term of ['password', 'DATA', 'pay', 'db']) expect(matchesFilters(db, tags, [{ Key: 'all', Values: [term] }])).toBe(true);
    expect(matchesFilters(db, tags, [{ Key: 'all', Values: ['word'] }])).toBe(false);
    expect(matchesFilters(db, tags, [{ Key: 'owning-service', Values: ['rds'] }])).toBe(false);
  });
});

describe('Secrets Manager paging', () => {
  it('continues from the offset its NextToken carries and refuses other tokens', () => {
    const first = paginate([1, 2, 3, 4, 5], undefined, 2, 100);
    expect(first.page).toEqual([1, 2]);
    const second = paginate([1, 2, 3, 4, 5], first.NextToken, 2, 100);
    expect(second.page).toEqual([3, 4]);
    expect(paginate([1, 2, 3, 4, 5], second.NextToken, 2, 100)).toEqual({ page: [5], NextToken: undefined });
    expect(() => paginate([1], 'garbage', 2, 100)).toThrow(expect.objectContaining({ code: 'InvalidNextTokenException' }));
  });
});
