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

function walk(model: ServiceModel, shape: Shape, value: unknown, path: string, errors: string[], sensitive: boolean): void {
  if (errors.length >= MAX_REPORTED) return;
  const hidden = sensitive || !!shape.sensitive;
  const fail = (constraint: string) => errors.push(`Value ${hidden ? '' : `'${describe(value)}' `}at '${path}' failed to satisfy constraint: ${constraint}`);
  switch (shape.type) {
    case 'structure': {
      const obj = value as Record<string, unknown>;
      for (const name of shape.required ?? []) {
        if (obj[name] === undefined || obj[name] === null) errors.push(`Value null at '${memberPath(path, name)}' failed to satisfy constraint: Member must not be null`);
      }
      for (const { name, shape: member } of model.fields(shape)) {
        if (obj[name] === undefined || obj[name] === null) continue;
        walk(model, member, obj[name], memberPath(path, name), errors, hidden);
      }
      return;
    }
    case 'list': {
      const list = value as unknown[];
      if (shape.min !== undefined && list.length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && list.length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
      const member = model.member(shape.member!);
      for (const [i, v] of list.entries()) if (v !== undefined && v !== null) walk(model, member, v, `${path}.${i + 1}.member`, errors, hidden);
      return;
    }
    case 'map': {
      const entries = Object.entries(value as Record<string, unknown>);
      if (shape.min !== undefined && entries.length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && entries.length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
      const keyShape = model.member(shape.key!);
      const valueShape = model.member(shape.value!);
      for (const [k, v] of entries) {
        walk(model, keyShape, k, `${path}.key`, errors, hidden);
        if (v !== undefined && v !== null) walk(model, valueShape, v, `${path}.${k}`, errors, hidden);
      }
      return;
    }
    case 'string': {
      const text = value as string;
      if (shape.min !== undefined || shape.max !== undefined) {
        const length = codePointLength(text);
        if (shape.min !== undefined && length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
        if (shape.max !== undefined && length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
      }
      if (shape.enum && !shape.enum.includes(text)) fail(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      if (shape.pattern) {
        const re = compilePattern(shape.pattern);
        if (re && !re.test(text)) fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      }
      return;
    }
    case 'blob': {
      const length = (value as Buffer).length;
      if (length === undefined) return; // streaming bodies are checked by their consumer
      if (shape.min !== undefined && length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
      return;
    }
    case 'integer':
    case 'long':
    case 'short':
    case 'byte':
    case 'float':
    case 'double': {
      const n = value as number;
      if (shape.min !== undefined && n < shape.min) fail(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max) fail(`Member must have value less than or equal to ${shape.max}`);
      return;
    }
  }
}

/** Throws `code` (the service's validation error) listing every violated constraint. */
export function validateInput(model: ServiceModel, shape: Shape | undefined, input: Record<string, unknown>, code: string): void {
  if (!shape) return;
  const errors: string[] = [];
  walk(model, shape, input, '', errors, false);
  if (errors.length) {
    const count = errors.length === 1 ? '1 validation error detected' : `${errors.length} validation errors detected`;
    throw new AwsError(code, `${count}: ${errors.join('; ')}`);
  }
}
