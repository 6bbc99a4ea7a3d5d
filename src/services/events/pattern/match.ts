/**
 * Matching events against compiled patterns as EventBridge does: the event is flattened into
 * dotted paths (`{"a": {"b": 1}}` has `a.b`, as does `{"a.b": 1}`), every element of an array
 * is a value of the array's path, and the values one branch of a pattern matches must come from
 * the same element of any array they share (fields of one object in an array of objects are
 * matched together, never across elements).
 */
import type { Alternative, CompiledPattern, Leaf } from './compile.js';

interface FlatValue {
  leaf: Leaf;
  /** The arrays this value sits in and its index in each: [arrayId, index, arrayId, index …]. */
  arrays: number[];
}

export type FlatEvent = Map<string, FlatValue[]>;

/** Flattens a JSON value (an event) into its leaf values by dotted path. */
export function flattenEvent(event: unknown): FlatEvent {
  const out: FlatEvent = new Map();
  let arrayIds = 0;
  const visit = (value: unknown, path: string, arrays: number[]): void => {
    if (Array.isArray(value)) {
      const id = arrayIds++;
      for (const [index, element] of value.entries()) visit(element, path, [...arrays, id, index]);
      return;
    }
    if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) visit(child, path ? `${path}.${key}` : key, arrays);
      return;
    }
    const leaf: Leaf =
      typeof value === 'string' ? { kind: 'string', value } : typeof value === 'number' ? { kind: 'number', value } : { kind: value === true ? 'true' : value === false ? 'false' : 'null' };
    const list = out.get(path);
    if (list) list.push({ leaf, arrays });
    else out.set(path, [{ leaf, arrays }]);
  };
  visit(event, '', []);
  return out;
}

/** The values of a field some alternative accepts; `absent` when the field may be missing and is. */
function candidates(alternatives: Alternative[], values: FlatValue[] | undefined): FlatValue[] | 'absent' | undefined {
  if (!values?.length) return alternatives.some((a) => 'exists' in a && !a.exists) ? 'absent' : undefined;
  if (alternatives.some((a) => 'exists' in a && a.exists)) return values;
  const accepted = values.filter((v) => alternatives.some((a) => 'test' in a && a.test(v.leaf)));
  return accepted.length ? accepted : undefined;
}

function consistent(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i += 2) {
    for (let j = 0; j < b.length; j += 2) if (a[i] === b[j] && a[i + 1] !== b[j + 1]) return false;
  }
  return true;
}

/** Whether one choice of value per field exists whose array positions agree. */
function choose(fields: FlatValue[][], index: number, chosen: number[][]): boolean {
  if (index === fields.length) return true;
  for (const value of fields[index]!) {
    if (chosen.every((c) => consistent(c, value.arrays))) {
      chosen.push(value.arrays);
      if (choose(fields, index + 1, chosen)) return true;
      chosen.pop();
    }
  }
  return false;
}

export function matchesPattern(pattern: CompiledPattern, event: FlatEvent): boolean {
  branches: for (const branch of pattern.branches) {
    const chosen: FlatValue[][] = [];
    let inArrays = false;
    for (const field of branch) {
      const found = candidates(field.alternatives, event.get(field.path));
      if (!found) continue branches;
      if (found === 'absent') continue;
      chosen.push(found);
      if (!inArrays && found.some((v) => v.arrays.length > 0)) inArrays = true;
    }
    if (!inArrays) return true;
    chosen.sort((a, b) => a.length - b.length);
    if (choose(chosen, 0, [])) return true;
  }
  return false;
}
