/**
 * What a target receives: the event (default), a constant (`Input`), part of the event
 * (`InputPath`), or an `InputTransformer` template with variables from `InputPathsMap` and the
 * predefined `aws.events.*` ones. AWS's quoting rules: a variable inside a JSON string of the
 * template is inserted as text (strings without their quotes), one outside a string as its JSON
 * value; a template that is not JSON is filled the same way.
 */
import type { InputTransformer, Target } from '@aws-sdk/client-eventbridge';
import type { BusEvent } from './router.js';

const NOTHING = Symbol('nothing');

/** Evaluates the JSONPath subset EventBridge supports (`$`, `.name`, `['name']`, `[n]`, `*`); several matches make an array. */
export function jsonPath(root: unknown, path: string): unknown {
  const steps = parsePath(path);
  if (!steps) return NOTHING;
  let current: unknown[] = [root];
  let many = false;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step === '*') {
        many = true;
        if (Array.isArray(value)) next.push(...value);
        else if (value && typeof value === 'object') next.push(...Object.values(value));
      } else if (typeof step === 'number') {
        if (Array.isArray(value) && step < value.length) next.push(value[step]);
      } else if (value && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, step)) {
        next.push((value as Record<string, unknown>)[step]);
      }
    }
    current = next;
  }
  if (many) return current;
  return current.length ? current[0] : NOTHING;
}

/** A path's steps; undefined when it is not one EventBridge accepts. */
export function parsePath(path: string): (string | number)[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: (string | number)[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]|\[\*\]/gy;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const match = re.exec(path);
    if (!match) return undefined;
    if (match[1] !== undefined) steps.push(match[1] === '*' ? '*' : match[1]);
    else if (match[2] !== undefined) steps.push(Number(match[2]));
    else if (match[3] !== undefined || match[4] !== undefined) steps.push((match[3] ?? match[4])!);
    else steps.push('*');
  }
  return steps;
}

export interface RuleOfDelivery {
  arn: string;
  name: string;
}

/** The text a target receives for this event. */
export function targetInput(target: Target, event: BusEvent, rule: RuleOfDelivery, ingestedAt: number): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) {
    const value = jsonPath(event, target.InputPath);
    return value === NOTHING ? '' : JSON.stringify(value);
  }
  if (target.InputTransformer) return transform(target.InputTransformer, event, rule, ingestedAt);
  return JSON.stringify(event);
}

function predefined(event: BusEvent, rule: RuleOfDelivery, ingestedAt: number): Map<string, { value: unknown; raw?: string }> {
  const { detail: _detail, ...withoutDetail } = event;
  return new Map<string, { value: unknown; raw?: string }>([
    ['aws.events.rule-arn', { value: rule.arn }],
    ['aws.events.rule-name', { value: rule.name }],
    ['aws.events.event.ingestion-time', { value: new Date(ingestedAt).toISOString() }],
    // The event variables are inserted as raw JSON wherever they stand (AWS does not escape them).
    ['aws.events.event', { value: withoutDetail, raw: JSON.stringify(withoutDetail) }],
    ['aws.events.event.json', { value: event, raw: JSON.stringify(event) }],
  ]);
}

function transform(transformer: InputTransformer, event: BusEvent, rule: RuleOfDelivery, ingestedAt: number): string {
  const variables = predefined(event, rule, ingestedAt);
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) variables.set(name, { value: jsonPath(event, path) });
  const template = transformer.InputTemplate ?? '';
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch === '\\' && inString) {
      out += template.slice(i, i + 2);
      i++;
      continue;
    }
    if (ch === '"') inString = !inString;
    if (ch === '<') {
      const end = template.indexOf('>', i);
      const variable = end > i ? variables.get(template.slice(i + 1, end)) : undefined;
      if (variable) {
        out += render(variable, inString);
        i = end;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

function render(variable: { value: unknown; raw?: string }, inString: boolean): string {
  if (variable.raw !== undefined) return variable.raw;
  const { value } = variable;
  if (value === NOTHING || value === undefined) return inString ? '' : 'null';
  if (!inString) return JSON.stringify(value);
  return typeof value === 'string' ? JSON.stringify(value).slice(1, -1) : JSON.stringify(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
