/**
 * How CloudFormation compares a resource's expected properties (the template's, after parameters)
 * with its actual ones (what the provider read through the service API) for drift detection:
 *
 * - Only properties the template set are compared; a property the provider could not read (absent
 *   from the actual properties) is not compared, and one it read as unset (`null`) was REMOVEd.
 * - Inside a compared property everything counts, except members of a structure (a property type
 *   of the specification) that the template left out: those are defaults, not drift. Members of
 *   JSON documents and maps are compared both ways.
 * - JSON documents given as text on one side and as objects on the other (policies) are compared
 *   as objects; scalars compare by their text, as CloudFormation coerces them (`30` = `"30"`).
 * - Lists: tag-like lists (objects with a `Key`) match elements by key; lists holding the same
 *   elements in another order are in sync (the registry schemas mark such lists unordered);
 *   otherwise scalars are compared as sets (REMOVE what is missing, ADD what is new) and other
 *   lists element by element, with the surplus ADDed or REMOVEd.
 *
 * Paths are JSON pointers into the properties (`/Tags/0/Value`, `/RedrivePolicy/maxReceiveCount`),
 * indexed by the expected list for matched and removed elements and by the actual list for added
 * ones; values are their text (`null` for a missing one, JSON for objects and lists).
 */
import type { PropertyDifference } from '@aws-sdk/client-cloudformation';
import type { Properties } from '../providers/types.js';
import { resourceTypeSpec } from '../spec/index.js';
import type { PropertySpec } from '../spec/types.js';

/** What the specification says a value is: a JSON document or map (every member counts), a structure (only the template's members count), a list, or a scalar. */
type Shape = { kind: 'document' } | { kind: 'structure'; members: Record<string, PropertySpec> } | { kind: 'list'; item: Shape } | { kind: 'scalar' };

const DOCUMENT: Shape = { kind: 'document' };
const PRIMITIVES = new Set(['String', 'Integer', 'Long', 'Double', 'Boolean', 'Timestamp']);

function shapeOf(typeName: string | undefined, propertyTypes: Record<string, Record<string, PropertySpec>>): Shape {
  if (typeName === undefined) return DOCUMENT;
  // `Json|String` and other alternatives: a document when it is one, compared as such.
  if (typeName.includes('|')) return DOCUMENT;
  if (PRIMITIVES.has(typeName)) return { kind: 'scalar' };
  const list = /^List<(.+)>$/.exec(typeName);
  if (list) return { kind: 'list', item: shapeOf(list[1], propertyTypes) };
  const members = Object.hasOwn(propertyTypes, typeName) ? propertyTypes[typeName] : undefined;
  return members ? { kind: 'structure', members } : DOCUMENT;
}

export interface Comparison {
  differences: PropertyDifference[];
  /** The actual values of the properties compared, for ActualProperties. */
  actual: Properties;
}

/** Compares a resource's expected and actual properties as CloudFormation's drift detection does. */
export function compareProperties(resourceType: string, expected: Properties, actual: Properties): Comparison {
  const spec = resourceTypeSpec(resourceType);
  const propertyTypes = spec?.propertyTypes ?? {};
  const differences: PropertyDifference[] = [];
  const shown: Properties = {};
  for (const [key, want] of Object.entries(expected)) {
    if (!Object.hasOwn(actual, key) || actual[key] === undefined) continue;
    const have = actual[key];
    const path = `/${pointerSegment(key)}`;
    if (have === null) {
      differences.push(difference(path, want, null, 'REMOVE'));
      continue;
    }
    shown[key] = have;
    const propertySpec = spec && Object.hasOwn(spec.properties, key) ? spec.properties[key] : undefined;
    compareValue(path, want, have, shapeOf(propertySpec?.type, propertyTypes), propertyTypes, differences);
  }
  return { differences, actual: shown };
}

function compareValue(path: string, want: unknown, have: unknown, shape: Shape, propertyTypes: Record<string, Record<string, PropertySpec>>, out: PropertyDifference[]): void {
  [want, have] = asDocuments(want, have);
  if (Array.isArray(want) && Array.isArray(have)) {
    compareLists(path, want, have, shape.kind === 'list' ? shape.item : DOCUMENT, propertyTypes, out);
  } else if (isObject(want) && isObject(have)) {
    compareObjects(path, want, have, shape, propertyTypes, out);
  } else if (isObject(want) || isObject(have) || Array.isArray(want) || Array.isArray(have) || text(want) !== text(have)) {
    out.push(difference(path, want, have, 'NOT_EQUAL'));
  }
}

function compareObjects(
  path: string,
  want: Record<string, unknown>,
  have: Record<string, unknown>,
  shape: Shape,
  propertyTypes: Record<string, Record<string, PropertySpec>>,
  out: PropertyDifference[],
): void {
  const members = shape.kind === 'structure' ? shape.members : undefined;
  for (const [key, value] of Object.entries(want)) {
    const memberPath = `${path}/${pointerSegment(key)}`;
    if (have[key] === undefined || have[key] === null) {
      out.push(difference(memberPath, value, null, 'REMOVE'));
      continue;
    }
    const memberShape = members ? shapeOf(Object.hasOwn(members, key) ? members[key]!.type : undefined, propertyTypes) : DOCUMENT;
    compareValue(memberPath, value, have[key], memberShape, propertyTypes, out);
  }
  // A structure's members the template left out are defaults; a document's or map's are not.
  if (members) return;
  for (const [key, value] of Object.entries(have)) {
    if (Object.hasOwn(want, key) || value === undefined || value === null) continue;
    out.push(difference(`${path}/${pointerSegment(key)}`, null, value, 'NOT_EQUAL'));
  }
}

function compareLists(path: string, want: unknown[], have: unknown[], item: Shape, propertyTypes: Record<string, Record<string, PropertySpec>>, out: PropertyDifference[]): void {
  if (isKeyed(want) && isKeyed(have)) {
    const byKey = new Map(have.map((element, index) => [element.Key, { element, index }]));
    want.forEach((element, index) => {
      const match = byKey.get(element.Key);
      if (match) compareValue(`${path}/${index}`, element, match.element, item, propertyTypes, out);
      else out.push(difference(`${path}/${index}`, element, null, 'REMOVE'));
    });
    const expectedKeys = new Set(want.map((element) => element.Key));
    have.forEach((element, index) => {
      if (!expectedKeys.has(element.Key)) out.push(difference(`${path}/${index}`, null, element, 'ADD'));
    });
    return;
  }
  if (sameElements(want, have)) return;
  if ([...want, ...have].every((element) => !isObject(element) && !Array.isArray(element))) {
    const actualTexts = new Set(have.map(text));
    const expectedTexts = new Set(want.map(text));
    want.forEach((element, index) => {
      if (!actualTexts.has(text(element))) out.push(difference(`${path}/${index}`, element, null, 'REMOVE'));
    });
    have.forEach((element, index) => {
      if (!expectedTexts.has(text(element))) out.push(difference(`${path}/${index}`, null, element, 'ADD'));
    });
    return;
  }
  const shared = Math.min(want.length, have.length);
  for (let index = 0; index < shared; index++) compareValue(`${path}/${index}`, want[index], have[index], item, propertyTypes, out);
  for (let index = shared; index < want.length; index++) out.push(difference(`${path}/${index}`, want[index], null, 'REMOVE'));
  for (let index = shared; index < have.length; index++) out.push(difference(`${path}/${index}`, null, have[index], 'ADD'));
}

/** A JSON document given as text on one side and as an object on the other is compared as objects. */
function asDocuments(want: unknown, have: unknown): [unknown, unknown] {
  const structured = (value: unknown) => isObject(value) || Array.isArray(value);
  if (typeof want === 'string' && structured(have)) return [parsed(want), have];
  if (typeof have === 'string' && structured(want)) return [want, parsed(have)];
  return [want, have];
}

function parsed(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isKeyed(list: unknown[]): list is { Key: string }[] {
  return list.length > 0 && list.every((element) => isObject(element) && typeof element.Key === 'string');
}

/** The same elements, in any order (scalars by their text). */
function sameElements(want: unknown[], have: unknown[]): boolean {
  if (want.length !== have.length) return false;
  const counts = new Map<string, number>();
  for (const element of want) counts.set(canonical(element), (counts.get(canonical(element)) ?? 0) + 1);
  for (const element of have) {
    const key = canonical(element);
    const count = counts.get(key);
    if (!count) return false;
    counts.set(key, count - 1);
  }
  return true;
}

/** A value's text with object keys sorted and scalars as text, so equal values compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(text(value));
}

/** A value as a PropertyDifference shows it. */
function text(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function difference(path: string, expected: unknown, actual: unknown, type: 'ADD' | 'REMOVE' | 'NOT_EQUAL'): PropertyDifference {
  return { PropertyPath: path, ExpectedValue: text(expected), ActualValue: text(actual), DifferenceType: type };
}

/** A JSON pointer segment (RFC 6901): `~` and `/` escaped. */
function pointerSegment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
