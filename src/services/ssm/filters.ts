/** ParameterFilters and the legacy Filters of DescribeParameters and GetParametersByPath. */
import type { ParameterStringFilter, ParametersFilter } from '@aws-sdk/client-ssm';
import { AwsError } from '../../core/errors.js';
import { nameKey, validatePath } from './names.js';

/** What filters look at for one parameter. */
export interface Filterable {
  name: string;
  type: string;
  keyId: string | null;
  tier: string;
  dataType: string;
  tags: Map<string, string>;
}

const TYPES = ['String', 'StringList', 'SecureString'];
const TIERS = ['Standard', 'Advanced', 'Intelligent-Tiering'];
/** Keys GetParametersByPath accepts. */
const BY_PATH_KEYS = ['Type', 'KeyId', 'Label'];

export type Operation = 'DescribeParameters' | 'GetParametersByPath';

/** Checks filters the way AWS does before running the query. */
export function validateParameterFilters(filters: ParameterStringFilter[], operation: Operation): void {
  const seen = new Set<string>();
  for (const filter of filters) {
    const key = filter.Key!;
    const isTag = key.startsWith('tag:');
    if (operation === 'GetParametersByPath' && !BY_PATH_KEYS.includes(key)) {
      throw new AwsError('InvalidFilterKey', `The following filter key is not valid: ${key}. Valid filter keys include: [${BY_PATH_KEYS.join(', ')}].`);
    }
    if (operation === 'DescribeParameters' && key === 'Label') {
      throw new AwsError('InvalidFilterKey', 'The following filter key is not valid: Label. Valid filter keys include: [Path, Name, Type, KeyId, Tier, DataType].');
    }
    if (seen.has(key)) {
      throw new AwsError('InvalidFilterKey', `The following filter is duplicated in the request: ${key}. A request can contain only one occurrence of a specific filter.`);
    }
    seen.add(key);
    const values = filter.Values ?? [];
    if (!isTag && values.length === 0) throw new AwsError('InvalidFilterValue', `The following filter values are missing : null for filter key ${key}.`);
    const option = filter.Option;
    if (key === 'Path') {
      if (option !== undefined && option !== 'Recursive' && option !== 'OneLevel') {
        throw new AwsError('InvalidFilterOption', `The following filter option is not valid: ${option}. Valid options include: [Recursive, OneLevel].`);
      }
      for (const value of values) {
        if (/^\/(aws|ssm)/i.test(value)) {
          throw new AwsError(
            'ValidationException',
            'Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). When using global parameters, please specify within a global namespace.',
          );
        }
        validatePath(value);
      }
      continue;
    }
    const options = key === 'Name' ? ['BeginsWith', 'Equals', 'Contains'] : key === 'Label' ? ['Equals'] : ['BeginsWith', 'Equals'];
    if (option !== undefined && !options.includes(option)) {
      throw new AwsError('InvalidFilterOption', `The following filter option is not valid: ${option}. Valid options include: [${options.join(', ')}].`);
    }
    const allowedValues = key === 'Type' ? TYPES : key === 'Tier' ? TIERS : undefined;
    for (const value of allowedValues ? values : []) {
      if (!allowedValues!.includes(value)) {
        throw new AwsError('InvalidFilterValue', `The following filter value is not valid: ${value}. Valid values include: [${allowedValues!.join(', ')}].`);
      }
    }
  }
}

function compare(actual: string | null | undefined, values: string[], option: string): boolean {
  if (actual === null || actual === undefined) return false;
  switch (option) {
    case 'BeginsWith':
      return values.some((v) => actual.startsWith(v));
    case 'Contains':
      return values.some((v) => actual.includes(v));
    default:
      return values.includes(actual);
  }
}

/** `/` + the name without its leading slash: `foo` and `/foo` compare alike. */
function qualified(name: string): string {
  return `/${nameKey(name)}`;
}

function underPath(name: string, path: string, recursive: boolean): boolean {
  const full = qualified(name);
  const prefix = path.endsWith('/') ? path : `${path}/`;
  if (!full.startsWith(prefix)) return false;
  return recursive || !full.slice(prefix.length).includes('/');
}

/** Whether a parameter passes one ParameterStringFilter (Label is matched by the caller). */
export function matchesParameterFilter(p: Filterable, filter: ParameterStringFilter): boolean {
  const key = filter.Key!;
  const values = filter.Values ?? [];
  if (key.startsWith('tag:')) {
    const tag = p.tags.get(key.slice(4));
    return tag !== undefined && (values.length === 0 || compare(tag, values, filter.Option ?? 'Equals'));
  }
  switch (key) {
    case 'Name': {
      const option = filter.Option ?? 'Equals';
      if (option === 'Contains') return compare(p.name, values, option);
      return compare(qualified(p.name), values.map(qualified), option);
    }
    case 'Path':
      return values.some((path) => underPath(p.name, path, filter.Option === 'Recursive'));
    case 'Type':
      return compare(p.type, values, filter.Option ?? 'Equals');
    case 'KeyId':
      return compare(p.keyId, values, filter.Option ?? 'Equals');
    case 'Tier':
      return compare(p.tier, values, filter.Option ?? 'Equals');
    case 'DataType':
      return compare(p.dataType, values, filter.Option ?? 'Equals');
    default:
      return true;
  }
}

/** The legacy `Filters` of DescribeParameters: Name begins with, Type and KeyId equal. */
export function matchesLegacyFilter(p: Filterable, filter: ParametersFilter): boolean {
  const values = filter.Values ?? [];
  switch (filter.Key) {
    case 'Name':
      return values.some((v) => p.name.startsWith(v));
    case 'Type':
      return values.includes(p.type);
    case 'KeyId':
      return p.keyId !== null && values.includes(p.keyId);
    default:
      return false;
  }
}
