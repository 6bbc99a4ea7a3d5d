/** The Filters of ListSecrets and BatchGetSecretValue. */
import type * as S from '@aws-sdk/client-secrets-manager';
import type { Scope } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import type { SecretsContext } from './common.js';
import type { SecretRow, TagRow } from './store.js';

/**
 * The words Secrets Manager's search sees in a text: split at every character that is not a letter
 * or digit (space and / _ + = . @ - …), then at camel-case boundaries (`AppBeta` → App, Beta;
 * `DBPassword` → DB, Password) and between letters and digits; lowercased.
 */
export function searchWords(text: string): string[] {
  return (text.match(/\p{Lu}+(?!\p{Ll})|\p{Lu}?\p{Ll}+|\p{N}+|\p{Lo}+/gu) ?? []).map((word) => word.toLowerCase());
}

/** Whether every word of the filter value starts a word of the text (case-insensitive). */
function wordsMatch(term: string, text: string): boolean {
  const wanted = searchWords(term);
  if (!wanted.length) return false;
  const words = searchWords(text);
  return wanted.every((w) => words.some((word) => word.startsWith(w)));
}

/** Whether one filter term matches a secret. */
function matchesTerm(secret: SecretRow, tags: TagRow[], key: string, term: string): boolean {
  switch (key) {
    case 'name':
      return secret.name.startsWith(term);
    case 'description':
      return wordsMatch(term, secret.description ?? '');
    case 'tag-key':
      return tags.some((t) => t.tag_key.startsWith(term));
    case 'tag-value':
      return tags.some((t) => t.tag_value.startsWith(term));
    case 'primary-region':
      return (secret.primary_region ?? secret.region).startsWith(term);
    case 'owning-service':
      // Secrets created through the API have no owning service.
      return false;
    case 'all':
      return [secret.name, secret.description ?? '', ...tags.map((t) => t.tag_key), ...tags.map((t) => t.tag_value)].some((field) => wordsMatch(term, field));
    default:
      return false;
  }
}

/** ListSecrets filters: values of one filter are ORed (a leading `!` negates), filters are ANDed (two with the same key too). */
export function matchesFilters(secret: SecretRow, tags: TagRow[], filters: S.Filter[]): boolean {
  return filters.every((filter) => {
    const values = filter.Values ?? [];
    const positives = values.filter((v) => !v.startsWith('!'));
    const negatives = values.filter((v) => v.startsWith('!')).map((v) => v.slice(1));
    const test = (term: string) => matchesTerm(secret, tags, filter.Key!, term);
    return (positives.length === 0 || positives.some(test)) && negatives.every((v) => !test(v));
  });
}

function validateFilters(filters: S.Filter[] | undefined): void {
  for (const filter of filters ?? []) {
    if (filter.Key === undefined) throw new AwsError('InvalidParameterException', 'Invalid filter key: a filter needs a Key.');
    if (!filter.Values?.length) throw new AwsError('InvalidParameterException', `Invalid filter values for key ${filter.Key}: at least one value is required.`);
  }
}

/** The secrets of a scope that the filters select (and, unless asked for, not those scheduled for deletion). */
export function filteredSecrets(c: SecretsContext, scope: Scope, filters: S.Filter[] | undefined, includeDeleted: boolean): SecretRow[] {
  validateFilters(filters);
  return c.store
    .all(scope)
    .filter((s) => includeDeleted || s.deleted_at === null)
    .filter((s) => matchesFilters(s, c.store.tags(s.arn), filters ?? []));
}
