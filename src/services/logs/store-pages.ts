/** The newest-first pages of the Logs tables that list an account's tasks (Insights queries, export tasks). */
import type { Scope } from '../../core/accounts.js';
import type { Db } from '../../core/store.js';

/** Where a newest-first page continues: after the row created at `at` with id `id`. */
export interface NewestFirstAfter {
  at: number;
  id: string;
}

/**
 * One page of `table`'s rows in `scope`, newest first (created_at, then id), whose columns equal
 * `equals` where a value is given. Table and column names come from the callers' code, never from
 * a request; every value is a bound parameter.
 */
export function newestFirstPage<Row>(db: Db, table: string, scope: Scope, equals: Record<string, string | undefined>, after: NewestFirstAfter | undefined, limit: number): Row[] {
  const where = ['account = ?', 'region = ?'];
  const params: (string | number)[] = [scope.account, scope.region];
  for (const [column, value] of Object.entries(equals)) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (after) {
    where.push('(created_at, id) < (?, ?)');
    params.push(after.at, after.id);
  }
  params.push(limit);
  return db.prepare<(string | number)[], Row>(`SELECT * FROM ${table} WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`).all(...params);
}
