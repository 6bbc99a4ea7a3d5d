/**
 * CodeCommit's list paging on core's page tokens (src/core/pagination.ts): maxResults as CodeCommit
 * checks it, offset tokens (optionally bound to the listing that issued them) and key tokens (the
 * key of the last item returned). Every token CodeCommit did not issue, or issued for another
 * listing, is InvalidContinuationTokenException, as AWS answers.
 */
import { AwsError } from '../../core/errors.js';
import { hasMembers, pageToken, readPageToken } from '../../core/pagination.js';

export const invalidToken = (): AwsError => new AwsError('InvalidContinuationTokenException', 'The specified continuation token is not valid.');

/** The position a request's token names, checked by `valid`; undefined when the request has no token. */
export function readToken<T>(token: unknown, valid: (value: unknown) => value is T): T | undefined {
  if (token === undefined || token === null || token === '') return undefined;
  if (typeof token !== 'string') throw invalidToken();
  return readPageToken(token, valid, invalidToken);
}

/** maxResults as CodeCommit checks it: a positive integer (capped at `maxSize`), or absent for the default. */
export function pageSize(maxResults: unknown, defaultSize: number, maxSize = defaultSize): number {
  if (maxResults === undefined || maxResults === null) return defaultSize;
  if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1) {
    throw new AwsError('InvalidMaxResultsException', 'The specified number of maximum results is not valid.');
  }
  return Math.min(maxResults, maxSize);
}

const isOffset = hasMembers<{ offset: number; scope: string }>({ offset: 'number', scope: 'string' });

/** The token for continuing at `offset` of a deterministic listing; `scope` names the listing (the request that made it). */
export const offsetToken = (offset: number, scope = ''): string => pageToken({ offset, scope });

/** The offset a token names (0 without a token); a token of another scope is refused. */
export function readOffsetToken(token: unknown, scope = ''): number {
  const position = readToken(token, isOffset);
  if (position === undefined) return 0;
  if (!Number.isInteger(position.offset) || position.offset < 0 || position.scope !== scope) throw invalidToken();
  return position.offset;
}

const isKey = hasMembers<{ after: string }>({ after: 'string' });

/** The token for continuing after the item whose key is `lastKey`. */
export const keyToken = (lastKey: string): string => pageToken({ after: lastKey });

/** The key a token names, or undefined without a token. */
export const readKeyToken = (token: unknown): string | undefined => readToken(token, isKey)?.after;

/** One page of `items` (already sorted by `key`, keys unique) after the token's key. */
export function paginate<T>(items: T[], key: (item: T) => string, nextToken: unknown, size: number): { page: T[]; nextToken?: string } {
  const after = readKeyToken(nextToken);
  const start = after === undefined ? 0 : items.findIndex((item) => key(item) > after);
  const rest = start < 0 ? [] : items.slice(start);
  const page = rest.slice(0, size);
  return { page, nextToken: rest.length > size ? keyToken(key(page[page.length - 1])) : undefined };
}
