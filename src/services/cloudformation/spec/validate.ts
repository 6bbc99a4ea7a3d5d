/**
 * Validation of a resource's properties against its specification, in the words of the JSON
 * Schema validator behind CloudFormation's registry (everit: `#/Path: required key [X] not found`,
 * `extraneous key [X] is not permitted`, `expected type: JSONArray, found: JSONObject`,
 * `X is not a valid enum value`, `#: no subschema matched out of the total N subschemas`).
 *
 * Scalars are loosely typed as CloudFormation treats them: it hands every scalar to the resource
 * handler as a string, so 512 and "512" are the same Integer, a number or boolean is a fine String,
 * and "true"/"false" are Booleans (a `Ref` to a Number parameter is a string, and works).
 */
import type { PropertySpec, ResourceTypeSpec } from './types.js';

interface Walk {
  propertyTypes: Record<string, Record<string, PropertySpec>>;
  violations: string[];
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Every violation of `properties` against `spec`, in the order the validator reports them. */
export function schemaViolations(spec: ResourceTypeSpec, properties: Record<string, unknown>, options: { allowExtraneous: boolean }): string[] {
  const walk: Walk = { propertyTypes: spec.propertyTypes ?? {}, violations: [] };
  checkObject(walk, '#', spec.properties, properties, options.allowExtraneous);
  return walk.violations;
}

/** The validator's name of a value's JSON type. */
function foundType(value: unknown): string {
  if (value === null || value === undefined) return 'Null';
  if (Array.isArray(value)) return 'JSONArray';
  if (typeof value === 'object') return 'JSONObject';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  return Number.isInteger(value) ? 'Integer' : 'BigDecimal';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkObject(walk: Walk, path: string, members: Record<string, PropertySpec>, value: Record<string, unknown>, allowExtraneous: boolean): void {
  for (const [name, member] of Object.entries(members)) {
    if (member.required && (!Object.hasOwn(value, name) || value[name] === undefined)) walk.violations.push(`${path}: required key [${name}] not found`);
  }
  for (const [name, memberValue] of Object.entries(value)) {
    if (memberValue === undefined) continue;
    const member = Object.hasOwn(members, name) ? members[name] : undefined;
    if (member) checkMember(walk, `${path}/${name}`, member, memberValue);
    else if (!allowExtraneous) walk.violations.push(`${path}: extraneous key [${name}] is not permitted`);
  }
}

function checkMember(walk: Walk, path: string, member: PropertySpec, value: unknown): void {
  const before = walk.violations.length;
  checkValue(walk, path, member.type, value);
  if (walk.violations.length === before && member.allowedValues && !member.allowedValues.includes(String(value))) {
    walk.violations.push(`${path}: ${String(value)} is not a valid enum value`);
  }
}

function checkValue(walk: Walk, path: string, type: string, value: unknown): void {
  const alternatives = splitUnion(type);
  if (alternatives.length > 1) {
    const matches = alternatives.some((alternative) => {
      const trial: Walk = { ...walk, violations: [] };
      checkValue(trial, path, alternative, value);
      return trial.violations.length === 0;
    });
    if (!matches) walk.violations.push(`${path}: #: no subschema matched out of the total ${alternatives.length} subschemas`);
    return;
  }
  const container = /^(List|Map)<(.+)>$/.exec(type);
  if (container) {
    checkContainer(walk, path, container[1] === 'List', container[2], value);
    return;
  }
  const expected = scalarMismatch(type, value);
  if (expected !== undefined) {
    if (expected) walk.violations.push(`${path}: expected type: ${expected}, found: ${foundType(value)}`);
    return;
  }
  const members = walk.propertyTypes[type];
  if (!members) throw new Error(`the specification index names property type ${type} without describing it`);
  if (!isObject(value)) walk.violations.push(`${path}: expected type: JSONObject, found: ${foundType(value)}`);
  else checkObject(walk, path, members, value, false);
}

/** Top-level `|` alternatives of a type (never inside `List<…>`/`Map<…>`). */
function splitUnion(type: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < type.length; index++) {
    const char = type[index];
    if (char === '<') depth++;
    else if (char === '>') depth--;
    else if (char === '|' && depth === 0) {
      parts.push(type.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(type.slice(start));
  return parts;
}

function checkContainer(walk: Walk, path: string, isList: boolean, elementType: string, value: unknown): void {
  if (isList) {
    if (!Array.isArray(value)) walk.violations.push(`${path}: expected type: JSONArray, found: ${foundType(value)}`);
    else
      value.forEach((element, index) => {
        checkValue(walk, `${path}/${index}`, elementType, element);
      });
    return;
  }
  if (!isObject(value)) walk.violations.push(`${path}: expected type: JSONObject, found: ${foundType(value)}`);
  else for (const [key, element] of Object.entries(value)) checkValue(walk, `${path}/${key}`, elementType, element);
}

/**
 * For a primitive type: '' when the value fits (after CloudFormation's scalar coercion), else the
 * validator's name of the expected type. undefined when `type` is not a primitive.
 */
function scalarMismatch(type: string, value: unknown): string | undefined {
  switch (type) {
    case 'String':
    case 'Timestamp':
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? '' : 'String';
    case 'Integer':
    case 'Long':
      return Number.isInteger(value) || (typeof value === 'string' && INTEGER_TEXT.test(value)) ? '' : 'Integer';
    case 'Double':
      return typeof value === 'number' || (typeof value === 'string' && NUMBER_TEXT.test(value)) ? '' : 'Number';
    case 'Boolean':
      return typeof value === 'boolean' || (typeof value === 'string' && /^(true|false)$/i.test(value)) ? '' : 'Boolean';
    case 'Json':
      return isObject(value) ? '' : 'JSONObject';
    default:
      return undefined;
  }
}
