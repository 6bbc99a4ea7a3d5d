/**
 * Transforms CloudFormation runs before anything else: in-place and template-level
 * `AWS::Include`, `AWS::LanguageExtensions` (Fn::ForEach, intrinsic DeletionPolicy and
 * UpdateReplacePolicy; Fn::Length, Fn::ToJsonString and FindInMap's DefaultValue are left for
 * evaluation) and `AWS::Serverless-2016-10-31` (sam.ts). Any other macro is refused as AWS
 * refuses a macro that does not exist.
 */
import { formatError, validationError } from './errors.js';
import { checkTemplateStructure, parseBody } from './parse.js';
import { expandSam, SAM_TRANSFORM } from './sam.js';
import type { ParameterInput, PseudoParameters, Template } from './types.js';

interface TransformHooks {
  /** The text of an S3 object named by an AWS::Include Location (`s3://bucket/key` or an S3 URL). */
  fetchTemplate(location: string): Promise<string>;
  pseudo: PseudoParameters;
  parameters?: ParameterInput[];
}

const INCLUDE = 'AWS::Include';
const LANGUAGE_EXTENSIONS = 'AWS::LanguageExtensions';
const FOR_EACH = 'Fn::ForEach::';

type TransformEntry = string | { Name: string; Parameters?: Record<string, unknown> };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function processTransforms(template: Template, hooks: TransformHooks): Promise<Template> {
  let current = (await expandIncludes(template, hooks)) as Template;
  const declared: TransformEntry[] = current.Transform === undefined ? [] : Array.isArray(current.Transform) ? current.Transform : [current.Transform];
  const remaining: TransformEntry[] = [];
  for (const entry of declared) {
    const name = typeof entry === 'string' ? entry : entry.Name;
    if (name === LANGUAGE_EXTENSIONS) {
      current = expandLanguageExtensions(current, parameterValues(current, hooks.parameters));
      // Kept declared: evaluation still reads Fn::Length, Fn::ToJsonString and FindInMap defaults.
      remaining.push(entry);
    } else if (name === SAM_TRANSFORM) {
      current = await expandSam(withTransforms(current, remaining), parameterValues(current, hooks.parameters), hooks.pseudo);
    } else if (name === INCLUDE && typeof entry !== 'string') {
      const snippet = await fetchSnippet(entry.Parameters, hooks);
      if (!isObject(snippet)) throw formatError('unsupported structure.');
      current = { ...current, ...snippet } as Template;
    } else {
      throw validationError(`No transform named ${hooks.pseudo.accountId}::${name} found.`);
    }
  }
  return checkTemplateStructure(withTransforms(current, remaining));
}

function withTransforms(template: Template, transforms: TransformEntry[]): Template {
  const { Transform: _declared, ...rest } = template;
  return transforms.length > 0 ? { ...rest, Transform: transforms } : rest;
}

/** Parameter values as the stack will have them: given values, else Defaults. */
function parameterValues(template: Template, inputs: ParameterInput[] = []): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, declaration] of Object.entries(template.Parameters ?? {})) {
    const fallback = declaration.Default;
    if (fallback !== undefined && fallback !== null) values[key] = Array.isArray(fallback) ? fallback.join(',') : String(fallback);
  }
  for (const input of inputs) if (input.ParameterKey !== undefined && input.ParameterValue !== undefined) values[input.ParameterKey] = input.ParameterValue;
  return values;
}

async function fetchSnippet(parameters: unknown, hooks: TransformHooks): Promise<unknown> {
  const location = isObject(parameters) ? parameters.Location : undefined;
  if (typeof location !== 'string' || location === '') {
    throw validationError(`Transform ${INCLUDE} failed with: The Location parameter is required and must be a string.`);
  }
  return parseBody(await hooks.fetchTemplate(location));
}

/** Replaces every `Fn::Transform` AWS::Include with the snippet it names (merged with sibling keys). */
async function expandIncludes(value: unknown, hooks: TransformHooks): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((item) => expandIncludes(item, hooks)));
  if (!isObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (key !== 'Fn::Transform') result[key] = await expandIncludes(member, hooks);
  }
  const transform = value['Fn::Transform'];
  if (transform === undefined) return result;
  if (!isObject(transform) || transform.Name !== INCLUDE) {
    const name = isObject(transform) ? String(transform.Name) : String(transform);
    throw validationError(`No transform named ${hooks.pseudo.accountId}::${name} found.`);
  }
  const snippet = await expandIncludes(await fetchSnippet(transform.Parameters, hooks), hooks);
  if (Object.keys(result).length === 0) return snippet;
  if (!isObject(snippet)) throw formatError('unsupported structure.');
  return { ...result, ...snippet };
}

function expandLanguageExtensions(template: Template, parameters: Record<string, string>): Template {
  const expanded = expandForEach(template, parameters) as Template;
  for (const resource of Object.values(expanded.Resources ?? {})) {
    for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
      const value: unknown = resource[policy];
      if (isObject(value) && typeof value.Ref === 'string' && value.Ref in parameters) resource[policy] = parameters[value.Ref];
    }
  }
  return expanded;
}

/** Expands every `Fn::ForEach::Name: [Identifier, Collection, {KeyTemplate: Value}]` key, innermost loops after their parent's substitution. */
function expandForEach(value: unknown, parameters: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => expandForEach(item, parameters));
  if (!isObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (!key.startsWith(FOR_EACH)) {
      result[key] = expandForEach(member, parameters);
      continue;
    }
    if (!Array.isArray(member) || member.length !== 3 || typeof member[0] !== 'string' || !isObject(member[2])) {
      throw formatError(`${key} requires a list of three elements: an identifier, a collection and an output template`);
    }
    const [identifier, collection, output] = member as [string, unknown, Record<string, unknown>];
    for (const item of forEachCollection(key, collection, parameters)) {
      for (const [outputKey, outputValue] of Object.entries(output)) {
        const expandedKey = substituteText(outputKey, identifier, item);
        if (expandedKey in result) throw formatError(`${key}: the output key ${expandedKey} is generated more than once`);
        result[expandedKey] = expandForEach(substituteValue(outputValue, identifier, item), parameters);
      }
    }
  }
  return result;
}

function forEachCollection(loop: string, collection: unknown, parameters: Record<string, string>): string[] {
  if (Array.isArray(collection) && collection.every((item) => typeof item === 'string' || typeof item === 'number')) return collection.map(String);
  if (isObject(collection) && typeof collection.Ref === 'string' && collection.Ref in parameters) {
    const value = parameters[collection.Ref] as string;
    return value === '' ? [] : value.split(',').map((item) => item.trim());
  }
  throw formatError(`${loop}: the collection must be a list of strings or a Ref to a CommaDelimitedList parameter`);
}

/** `${Identifier}` becomes the item; `&{Identifier}` the item without its non-alphanumeric characters (for logical ids). */
function substituteText(text: string, identifier: string, item: string): string {
  return text.replaceAll(`\${${identifier}}`, item).replaceAll(`&{${identifier}}`, item.replace(/[^A-Za-z0-9]/g, ''));
}

function substituteValue(value: unknown, identifier: string, item: string): unknown {
  if (Array.isArray(value)) return value.map((member) => substituteValue(member, identifier, item));
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && value.Ref === identifier) return item;
  if (keys.length === 1 && typeof value['Fn::Sub'] === 'string') return { 'Fn::Sub': substituteText(value['Fn::Sub'], identifier, item) };
  if (keys.length === 1 && Array.isArray(value['Fn::Sub']) && typeof value['Fn::Sub'][0] === 'string') {
    const [text, variables] = value['Fn::Sub'];
    return { 'Fn::Sub': [substituteText(text, identifier, item), substituteValue(variables, identifier, item)] };
  }
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) result[substituteText(key, identifier, item)] = substituteValue(member, identifier, item);
  return result;
}
