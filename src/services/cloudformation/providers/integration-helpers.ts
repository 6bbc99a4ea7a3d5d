/**
 * What the Logs, CodeCommit, CodeBuild, EventBridge, SNS and SQS providers share beyond
 * foundation-helpers.ts: CloudFormation's PascalCase property structures turned into the camelCase
 * members of the JSON APIs that spell them so (CodeBuild, CodeCommit, CloudWatch Logs), `Json`
 * properties given as an object or a string, and refusing properties Drydock cannot honour rather
 * than dropping them.
 */
import { AwsError } from '../../../core/errors.js';
import { sameValue } from './foundation-helpers.js';
import type { Properties } from './types.js';

/** How to turn a PascalCase structure into an API's camelCase members. */
export interface CamelCaseOptions {
  /** Member names that differ from the plain lower-casing of the first letter (`BuildSpec` → `buildspec`). */
  renames?: Record<string, string>;
  /** API member names whose values are integers (templates may give `"60"`). */
  integers?: ReadonlySet<string>;
  /** API member names whose values are booleans (templates may give `"true"`). */
  booleans?: ReadonlySet<string>;
}

/** `value` with every object key in camelCase, recursively, and the named scalars coerced as the API wants them. */
export function camelCased(value: unknown, options: CamelCaseOptions = {}, path = ''): unknown {
  if (Array.isArray(value)) return value.map((item, index) => camelCased(item, options, `${path}[${index}]`));
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    if (member === undefined || member === null) continue;
    const name = options.renames?.[key] ?? key.charAt(0).toLowerCase() + key.slice(1);
    const where = path ? `${path}.${key}` : key;
    if (options.integers?.has(name)) result[name] = integerValue(member, where);
    else if (options.booleans?.has(name)) result[name] = booleanValue(member, where);
    else result[name] = camelCased(member, options, where);
  }
  return result;
}

export function integerValue(value: unknown, where: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) throw new AwsError('ValidationError', `Value of property ${where} must be an integer`);
  return number;
}

export function booleanValue(value: unknown, where: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new AwsError('ValidationError', `Value of property ${where} must be a boolean`);
}

/** A `Json` property the API takes as text: an object is serialized, a string passes as written. */
export function jsonText(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value !== 'object') throw new AwsError('ValidationError', `Value of property ${where} must be a JSON object`);
  return JSON.stringify(value);
}

/** Fails the resource for properties whose effect Drydock does not provide, instead of silently ignoring them. */
export function refuseUnsupported(props: Properties, resourceType: string, names: string[]): void {
  const given = names.filter((name) => props[name] !== undefined);
  if (given.length > 0) {
    throw new AwsError('NotImplemented', `Drydock does not support the ${given.join(', ')} ${given.length === 1 ? 'property' : 'properties'} of ${resourceType}`, { status: 501 });
  }
}

/** Whether any of the named properties differs between two property sets. */
export function anyChanged(before: Properties, after: Properties, names: string[]): boolean {
  return names.some((name) => !sameValue(before[name], after[name]));
}
