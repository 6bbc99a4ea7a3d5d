/**
 * Input validation from the model's constraints (required, enum, length and range, pattern), with
 * AWS's own message format: "2 validation errors detected: Value 'x' at 'name' failed to satisfy
 * constraint: Member must have length less than or equal to 2048; …".
 */

import { AwsError } from '../core/errors.js';
import type { ServiceModel, Shape } from './model.js';
import { memberPath } from './wire.js';

const MAX_REPORTED = 10;
const patternCache = new Map<string, RegExp | null>();

function compilePattern(pattern: string): RegExp | null {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    // Models use Java regular expressions matched against the whole value.
    try {
      re = new RegExp(`^(?:${pattern})$`, 'u');
    } catch {
      try {
        re = new RegExp(`^(?:${pattern})$`);
      } catch {
        re = null;
      }
    }
    patternCache.set(pattern, re);
  }
  return re;
}

/** Lengths count Unicode code points, as AWS does; counted without allocating (`[...text]` would). */
function codePointLength(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const prev = text.charCodeAt(i - 1);
      if (prev >= 0xd800 && prev <= 0xdbff) length--;
    }
  }
  return length;
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return 'java.nio.HeapByteBuffer';
  if (typeof value === 'object') return Array.isArray(value) ? `[${value.map(describe).join(', ')}]` : '{...}';
  return String(value);
}

/**
 * Checks one value at `path` against its shape, adding a message per violated constraint to
 * `errors`; `sensitive` hides values (a sensitive shape or one inside it).
 */
type Validator = (value: unknown, path: string, errors: string[], sensitive: boolean) => void;

/** Leaves without constraints: their members are skipped, and their paths never built. */
const NOTHING_TO_CHECK: Validator = () => {};

const validators = new WeakMap<Shape, Validator>();

/**
 * Validators are compiled once per shape: walking the model for every request (field lists, a path
 * string and a closure per member) cost more than the checks themselves.
 */
function validatorOf(model: ServiceModel, shape: Shape): Validator {
  let validator = validators.get(shape);
  if (!validator) {
    validator = compileValidator(model, shape);
    validators.set(shape, validator);
  }
  return validator;
}

function failure(value: unknown, path: string, hidden: boolean, constraint: string): string {
  return `Value ${hidden ? '' : `'${describe(value)}' `}at '${path}' failed to satisfy constraint: ${constraint}`;
}

/** The length checks of a list, map, string or blob, as one function (none when the shape has no bounds). */
function lengthCheck(shape: Shape): ((value: unknown, length: number, path: string, errors: string[], hidden: boolean) => void) | undefined {
  const { min, max } = shape;
  if (min === undefined && max === undefined) return undefined;
  return (value, length, path, errors, hidden) => {
    if (min !== undefined && length < min) errors.push(failure(value, path, hidden, `Member must have length greater than or equal to ${min}`));
    if (max !== undefined && length > max) errors.push(failure(value, path, hidden, `Member must have length less than or equal to ${max}`));
  };
}

function compileValidator(model: ServiceModel, shape: Shape): Validator {
  const sensitiveShape = !!shape.sensitive;
  switch (shape.type) {
    case 'structure':
      return structureValidator(model, shape);
    case 'list': {
      const checkLength = lengthCheck(shape);
      const item = model.member(shape.member!);
      return (value, path, errors, sensitive) => {
        if (errors.length >= MAX_REPORTED) return;
        const hidden = sensitive || sensitiveShape;
        const list = value as unknown[];
        checkLength?.(value, list.length, path, errors, hidden);
        const validateItem = validatorOf(model, item);
        if (validateItem === NOTHING_TO_CHECK) return;
        for (const [i, v] of list.entries()) if (v !== undefined && v !== null) validateItem(v, `${path}.${i + 1}.member`, errors, hidden);
      };
    }
    case 'map': {
      const checkLength = lengthCheck(shape);
      const keyShape = model.member(shape.key!);
      const valueShape = model.member(shape.value!);
      return (value, path, errors, sensitive) => {
        if (errors.length >= MAX_REPORTED) return;
        const hidden = sensitive || sensitiveShape;
        const entries = Object.entries(value as Record<string, unknown>);
        checkLength?.(value, entries.length, path, errors, hidden);
        const validateKey = validatorOf(model, keyShape);
        const validateValue = validatorOf(model, valueShape);
        for (const [k, v] of entries) {
          validateKey(k, `${path}.key`, errors, hidden);
          if (v !== undefined && v !== null) validateValue(v, `${path}.${k}`, errors, hidden);
        }
      };
    }
    case 'string': {
      const checkLength = lengthCheck(shape);
      const allowed = shape.enum;
      const pattern = shape.pattern;
      if (!checkLength && !allowed && !pattern) return NOTHING_TO_CHECK;
      return (value, path, errors, sensitive) => {
        if (errors.length >= MAX_REPORTED) return;
        const hidden = sensitive || sensitiveShape;
        const text = value as string;
        if (checkLength) checkLength(value, codePointLength(text), path, errors, hidden);
        if (allowed && !allowed.includes(text)) errors.push(failure(value, path, hidden, `Member must satisfy enum value set: [${allowed.join(', ')}]`));
        if (pattern) {
          const re = compilePattern(pattern);
          if (re && !re.test(text)) errors.push(failure(value, path, hidden, `Member must satisfy regular expression pattern: ${pattern}`));
        }
      };
    }
    case 'blob': {
      const checkLength = lengthCheck(shape);
      if (!checkLength) return NOTHING_TO_CHECK;
      return (value, path, errors, sensitive) => {
        if (errors.length >= MAX_REPORTED) return;
        const length = (value as Buffer).length;
        if (length === undefined) return; // streaming bodies are checked by their consumer
        checkLength(value, length, path, errors, sensitive || sensitiveShape);
      };
    }
    case 'integer':
    case 'long':
    case 'short':
    case 'byte':
    case 'float':
    case 'double': {
      const { min, max } = shape;
      if (min === undefined && max === undefined) return NOTHING_TO_CHECK;
      return (value, path, errors, sensitive) => {
        if (errors.length >= MAX_REPORTED) return;
        const hidden = sensitive || sensitiveShape;
        const n = value as number;
        if (min !== undefined && n < min) errors.push(failure(value, path, hidden, `Member must have value greater than or equal to ${min}`));
        if (max !== undefined && n > max) errors.push(failure(value, path, hidden, `Member must have value less than or equal to ${max}`));
      };
    }
    default:
      return NOTHING_TO_CHECK;
  }
}

/** A structure member as its validator reads it: its name, its path segment (`Name` → `name`) and its shape's validator. */
interface MemberCheck {
  name: string;
  local: string;
  validate: Validator;
}

function structureValidator(model: ServiceModel, shape: Shape): Validator {
  const required = shape.required ?? [];
  const sensitiveShape = !!shape.sensitive;
  let members: MemberCheck[] | undefined;
  return (value, path, errors, sensitive) => {
    if (errors.length >= MAX_REPORTED) return;
    const hidden = sensitive || sensitiveShape;
    const obj = value as Record<string, unknown>;
    for (const name of required) {
      if (obj[name] === undefined || obj[name] === null) errors.push(`Value null at '${memberPath(path, name)}' failed to satisfy constraint: Member must not be null`);
    }
    // Worked out on the first value, not at compile time: a recursive shape compiles only as deep as values go.
    members ??= model.fields(shape).map(({ name, shape: member }) => ({ name, local: memberPath('', name), validate: validatorOf(model, member) }));
    for (const member of members) {
      if (member.validate === NOTHING_TO_CHECK) continue;
      const memberValue = obj[member.name];
      if (memberValue === undefined || memberValue === null) continue;
      member.validate(memberValue, path ? `${path}.${member.local}` : member.local, errors, hidden);
    }
  };
}

/** Throws `code` (the service's validation error) listing every violated constraint. */
export function validateInput(model: ServiceModel, shape: Shape | undefined, input: Record<string, unknown>, code: string): void {
  if (!shape) return;
  const errors: string[] = [];
  validatorOf(model, shape)(input, '', errors, false);
  if (errors.length) {
    const count = errors.length === 1 ? '1 validation error detected' : `${errors.length} validation errors detected`;
    throw new AwsError(code, `${count}: ${errors.join('; ')}`);
  }
}
