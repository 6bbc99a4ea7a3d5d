/** Parameter names, selectors and labels as Parameter Store checks them. */

import { parseArn, partitionOf } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';

export const MAX_HIERARCHY_LEVELS = 15;
/** AWS counts the ARN prefix (`arn:aws:ssm:<region>:<account>:parameter/`) towards this. */
const MAX_NAME_WITH_ARN = 1011;

const NAME_CHARACTERS = /^[a-zA-Z0-9_.\-/]+$/;
const PATH_MESSAGE =
  'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';
const PREFIX_MESSAGE = 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).';
const PATH_REQUIREMENTS_MESSAGE =
  'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". It can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.';

const PATH_PATTERN = /^\/([a-zA-Z0-9_.-]+\/)*[a-zA-Z0-9_.-]*$/;

/** Whether a name uses only the characters parameter names may contain. */
export function hasNameCharacters(name: string): boolean {
  return NAME_CHARACTERS.test(name);
}

/** The error AWS answers for a malformed parameter name. */
export function invalidName(): AwsError {
  return new AwsError('ValidationException', PATH_MESSAGE);
}

/** A hierarchy path as GetParametersByPath and the Path filter take it: `/`, `/a`, `/a/b/`. */
export function validatePath(path: string): void {
  if (!PATH_PATTERN.test(path)) throw new AwsError('ValidationException', PATH_REQUIREMENTS_MESSAGE);
}

/** `foo` and `/foo` name the same parameter (they share an ARN); `/a/b` is keyed `a/b`. */
export function nameKey(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}

export function parameterArn(region: string, account: string, name: string): string {
  return `arn:${partitionOf(region)}:ssm:${region}:${account}:parameter/${nameKey(name)}`;
}

/** The first three characters of a name's key, lower-cased: what decides the reserved prefixes. */
function keyPrefix(name: string): string {
  // Only ASCII letters lower-case to a, w, s or m: lower-casing the whole name copied it on every read.
  return nameKey(name).slice(0, 3).toLowerCase();
}

/** True for names in the reserved public namespace (`/aws/...`, `aws...`), whatever the case. */
export function isReserved(name: string): boolean {
  return keyPrefix(name) === 'aws';
}

/** The checks PutParameter makes on a name before anything else. */
export function validateNameForPut(name: string, region: string, account: string): void {
  const prefix = keyPrefix(name);
  if (prefix === 'aws') throw new AwsError('AccessDeniedException', `No access to reserved parameter name: ${name}.`);
  const isPath = name.includes('/');
  if (prefix === 'ssm') throw new AwsError('ValidationException', isPath ? PATH_MESSAGE : PREFIX_MESSAGE);
  if (!hasNameCharacters(name)) throw invalidName();
  if (isPath) {
    const levels = name.slice(1).split('/');
    // A hierarchy must be fully qualified (leading slash) and have no empty level.
    if (!name.startsWith('/') || levels.includes('')) throw invalidName();
    if (levels.length > MAX_HIERARCHY_LEVELS) {
      throw new AwsError('HierarchyLevelLimitExceededException', `A hierarchy can have a maximum of ${MAX_HIERARCHY_LEVELS} levels.`);
    }
  }
  const withArn = parameterArn(region, account, name).length;
  if (withArn > MAX_NAME_WITH_ARN) {
    throw new AwsError('ValidationException', `Parameter name: the fully qualified parameter name, including the ARN (${withArn} characters), can't be longer than ${MAX_NAME_WITH_ARN} characters.`);
  }
}

/** A name as read operations accept it: plain, an ARN, either with `:version` or `:label`. */
export interface ParameterReference {
  /** The name without selector (ARNs reduced to the name). */
  name: string;
  /** `:3` or `:prod` as AWS echoes it in `Selector`, when one was given. */
  selector?: string;
  version?: number;
  label?: string;
  /** Account and region an ARN names, when the reference is an ARN. */
  arnAccount?: string;
  arnRegion?: string;
}

export function parseReference(text: string): ParameterReference {
  let body = text;
  let arnAccount: string | undefined;
  let arnRegion: string | undefined;
  const parsed = text.startsWith('arn:') ? parseArn(text) : undefined;
  if (parsed && parsed.service === 'ssm' && parsed.resource.startsWith('parameter/')) {
    arnAccount = parsed.account;
    arnRegion = parsed.region;
    // `parameter/foo` names `foo` and `/foo` alike: lookups go by nameKey, which ignores the slash.
    body = parsed.resource.slice('parameter'.length);
  }
  const colon = body.indexOf(':');
  if (colon < 0) return { name: body, arnAccount, arnRegion };
  const name = body.slice(0, colon);
  const selector = body.slice(colon + 1);
  const base = { name, selector: `:${selector}`, arnAccount, arnRegion };
  return /^\d+$/.test(selector) ? { ...base, version: Number(selector) } : { ...base, label: selector };
}

/**
 * Label rules: letters, numbers, `.`, `-`, `_`; not starting with a number or with
 * "aws"/"ssm" (case-insensitive); at most 100 characters.
 */
export function isValidLabel(label: string): boolean {
  return label.length <= 100 && /^[a-zA-Z0-9_.-]+$/.test(label) && !/^\d/.test(label) && !/^(aws|ssm)/i.test(label);
}
