/**
 * What the S3, IAM, KMS, SSM and Secrets Manager providers share: reading template property
 * values (CloudFormation accepts `"3600"` for an Integer and `"true"` for a Boolean, so every
 * scalar may arrive as a string), tag shapes, and treating "already gone" as done on delete.
 */
import { randomInt } from 'node:crypto';
import { AwsError } from '../../../core/errors.js';
import type { Properties, ProviderContext } from './types.js';

/** A property that must be a string (numbers and booleans are written as CloudFormation stringifies them). */
export function stringProp(props: Properties, name: string): string | undefined {
  const value = props[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalidProperty(name, 'a string');
}

export function integerProp(props: Properties, name: string): number | undefined {
  const value = props[name];
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) throw invalidProperty(name, 'an integer');
  return number;
}

export function booleanProp(props: Properties, name: string): boolean | undefined {
  const value = props[name];
  if (value === undefined || value === null) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalidProperty(name, 'a boolean');
}

export function stringListProp(props: Properties, name: string): string[] | undefined {
  const value = props[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidProperty(name, 'a list of strings');
  return value.map((item, index) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number' || typeof item === 'boolean') return String(item);
    throw invalidProperty(`${name}[${index}]`, 'a string');
  });
}

export function objectProp(props: Properties, name: string): Record<string, unknown> | undefined {
  const value = props[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidProperty(name, 'an object');
  return value as Record<string, unknown>;
}

export function listOfObjectsProp(props: Properties, name: string): Record<string, unknown>[] | undefined {
  const value = props[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'object' || item === null || Array.isArray(item))) throw invalidProperty(name, 'a list of objects');
  return value as Record<string, unknown>[];
}

/** A `Json` property (a policy document …) as the API wants it: a JSON string; a string stays as given. */
export function jsonDocumentProp(props: Properties, name: string): string | undefined {
  const value = props[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value !== 'object') throw invalidProperty(name, 'a JSON object');
  return JSON.stringify(value);
}

/** A property the resource needs and the template left out (the engine's specification check normally catches it first). */
export function requiredStringProp(props: Properties, name: string): string {
  const value = stringProp(props, name);
  if (value === undefined) throw new AwsError('ValidationError', `Property ${name} cannot be empty.`);
  return value;
}

function invalidProperty(name: string, expected: string): AwsError {
  return new AwsError('ValidationError', `Value of property ${name} must be ${expected}`);
}

export interface KeyValueTag {
  Key: string;
  Value: string;
}

/** The `Tags` property as a list of `{ Key, Value }` (the common CloudFormation shape). */
export function tagListProp(props: Properties, name = 'Tags'): KeyValueTag[] | undefined {
  const tags = listOfObjectsProp(props, name);
  return tags?.map((tag, index) => {
    const entry = tag as Properties;
    return { Key: requiredStringProp(entry, 'Key'), Value: stringProp(entry, 'Value') ?? invalidTagValue(name, index) };
  });
}

function invalidTagValue(name: string, index: number): never {
  throw new AwsError('ValidationError', `Property ${name}[${index}].Value cannot be empty.`);
}

/** The `Tags` property of types that take a `Json` map `{ key: value }` (SSM parameters, Secrets Manager's…) as a list. */
export function tagMapProp(props: Properties, name = 'Tags'): KeyValueTag[] | undefined {
  const map = objectProp(props, name);
  if (map === undefined) return undefined;
  return Object.entries(map).map(([Key, value]) => ({ Key, Value: stringProp({ [Key]: value }, Key) ?? '' }));
}

/** Which tags to set and which keys to remove to go from `before` to `after`. */
export function tagChanges(before: KeyValueTag[] = [], after: KeyValueTag[] = []): { set: KeyValueTag[]; removed: string[] } {
  const previous = new Map(before.map((tag) => [tag.Key, tag.Value]));
  const next = new Set(after.map((tag) => tag.Key));
  return {
    set: after.filter((tag) => previous.get(tag.Key) !== tag.Value),
    removed: [...previous.keys()].filter((key) => !next.has(key)),
  };
}

/** Whether an error is the owning service's "no such thing" answer. */
function isAwsError(error: unknown, ...codes: string[]): error is AwsError {
  return error instanceof AwsError && codes.includes(error.code);
}

/** Runs a delete (or read) step, treating the service's "not found" codes as "already gone". */
export async function unlessGone<T>(step: () => Promise<T>, ...notFoundCodes: string[]): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    if (isAwsError(error, ...notFoundCodes)) return undefined;
    throw error;
  }
}

/** Whether two property values are the same after a JSON round trip (key order of objects ignored). */
export function sameValue(left: unknown, right: unknown): boolean {
  return canonicalJson(left) === canonicalJson(right);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const ALPHANUMERICS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The mixed-case random suffix of names AWS generates in its own pattern for some types (SSM parameters, secrets). */
/**
 * The name the template gave, or a generated one (`ctx.physicalName`) recorded as the resource's
 * intended physical id before the service creates it, for types whose physical id is their name:
 * a kill -9 between the service's create and the engine's record then leaves nothing behind.
 */
export function givenOrIntendedName(ctx: ProviderContext, given: string | undefined, options?: Parameters<ProviderContext['physicalName']>[0]): string {
  if (given !== undefined) return given;
  const name = ctx.physicalName(options);
  ctx.intendPhysicalId?.(name);
  return name;
}

export function randomAlphanumerics(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += ALPHANUMERICS[randomInt(ALPHANUMERICS.length)];
  return text;
}
