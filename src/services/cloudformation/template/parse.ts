/**
 * Template bodies (JSON or YAML) into `Template`, with the structural checks CloudFormation makes
 * before it looks at any resource: syntax (with line and column), sections, names and limits.
 */
import { parseDocument } from 'yaml';
import { formatError } from './errors.js';
import { jsonErrorOffset, lineAndColumn } from './json-position.js';
import type { Template } from './types.js';
import { nodeToValue } from './yaml-tags.js';

const SECTIONS = new Set(['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs', 'Hooks']);

const RESOURCE_ATTRIBUTES = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'CreationPolicy', 'UpdatePolicy', 'Metadata', 'Version', 'Description']);

export const MAX_RESOURCES = 500;
export const MAX_PARAMETERS = 200;
export const MAX_OUTPUTS = 200;
export const MAX_MAPPINGS = 200;

const ALPHANUMERIC = /^[A-Za-z0-9]+$/;

/** Parses a template body and checks its structure; throws AWS's ValidationError otherwise. */
export function parseTemplate(body: string): Template {
  const raw = parseBody(body);
  checkStructure(raw);
  return raw as Template;
}

/** A JSON or YAML body (a whole template or an AWS::Include snippet) as data, short forms expanded; syntax errors only. */
export function parseBody(body: string): unknown {
  return body.trimStart().startsWith('{') ? parseJson(body) : parseYaml(body);
}

/** The structural checks alone, for templates a transform produced. */
export function checkTemplateStructure(template: unknown): Template {
  checkStructure(template);
  return template as Template;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    const offset = jsonErrorOffset(body);
    const { line, column } = lineAndColumn(body, offset < 0 ? body.length : offset);
    throw formatError(`JSON not well-formed. (line ${line}, column ${column})`);
  }
}

function parseYaml(body: string): unknown {
  // CloudFormation reads YAML 1.1 (012 is octal, yes/no are booleans) but keeps dates as strings
  // (an IAM policy's `Version: 2012-10-17` stays the string AWS expects).
  const doc = parseDocument(body, {
    version: '1.1',
    uniqueKeys: true,
    prettyErrors: false,
    customTags: (tags) => tags.filter((tag) => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:timestamp'),
  });
  const error = doc.errors[0];
  if (error) {
    const { line, column } = lineAndColumn(body, error.pos[0]);
    throw formatError(`YAML not well-formed. (line ${line}, column ${column})`);
  }
  return nodeToValue(doc.contents, doc);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkStructure(raw: unknown): void {
  if (!isObject(raw)) throw formatError('unsupported structure.');
  const unknown = Object.keys(raw).filter((key) => !SECTIONS.has(key));
  if (unknown.length > 0) throw formatError(`Invalid template property or properties [${unknown.join(', ')}]`);
  const version = raw.AWSTemplateFormatVersion;
  if (version !== undefined) {
    if (typeof version !== 'string') throw formatError('[/AWSTemplateFormatVersion] must be a string');
    if (version !== '2010-09-09') throw formatError(`Unsupported AWSTemplateFormatVersion: ${version}`);
  }
  if (raw.Description !== undefined && typeof raw.Description !== 'string') throw formatError('[/Description] must be a string');
  for (const section of ['Metadata', 'Parameters', 'Mappings', 'Conditions', 'Outputs', 'Rules']) {
    if (raw[section] !== undefined && raw[section] !== null && !isObject(raw[section])) throw formatError(`[/${section}] must be an object`);
  }
  const mappings = raw.Mappings;
  if (isObject(mappings) && Object.keys(mappings).length > MAX_MAPPINGS) {
    throw formatError(`Number of mappings, ${Object.keys(mappings).length}, is greater than maximum allowed, ${MAX_MAPPINGS}`);
  }
  checkParameters(raw.Parameters);
  // Transforms (Include, ForEach, SAM) may still add or rename resources and outputs: processTransforms checks what they produce.
  if (raw.Transform !== undefined || JSON.stringify(raw).includes('"Fn::Transform"')) return;
  checkResources(raw.Resources);
  checkOutputs(raw.Outputs);
}

function checkResources(resources: unknown): void {
  if (resources === undefined || resources === null || (isObject(resources) && Object.keys(resources).length === 0)) {
    throw formatError('At least one Resources member must be defined.');
  }
  if (!isObject(resources)) throw formatError('[/Resources] must be an object');
  const names = Object.keys(resources);
  if (names.length > MAX_RESOURCES) throw formatError(`Number of resources, ${names.length}, is greater than maximum allowed, ${MAX_RESOURCES}`);
  for (const name of names) {
    if (!ALPHANUMERIC.test(name)) throw formatError(`Resource name ${name} is non alphanumeric.`);
    const resource = resources[name];
    if (!isObject(resource)) throw formatError(`[/Resources/${name}] Every Resources member must be an object.`);
    if (resource.Type === undefined) throw formatError(`[/Resources/${name}] Every Resources object must contain a Type member.`);
    if (typeof resource.Type !== 'string') throw formatError(`[/Resources/${name}/Type] must be a string`);
    const invalid = Object.keys(resource).filter((key) => !RESOURCE_ATTRIBUTES.has(key));
    if (invalid.length > 0) throw formatError(`Invalid template resource property '${invalid[0]}'`);
    if (resource.Properties !== undefined && resource.Properties !== null && !isObject(resource.Properties)) {
      throw formatError(`[/Resources/${name}/Properties] must be an object`);
    }
  }
}

function checkParameters(parameters: unknown): void {
  if (!isObject(parameters)) return;
  const names = Object.keys(parameters);
  if (names.length > MAX_PARAMETERS) throw formatError(`Number of parameters, ${names.length}, is greater than maximum allowed, ${MAX_PARAMETERS}`);
  for (const name of names) {
    if (!ALPHANUMERIC.test(name)) throw formatError(`Parameter name ${name} is non alphanumeric.`);
    const parameter = parameters[name];
    if (!isObject(parameter)) throw formatError(`[/Parameters/${name}] Every Parameters member must be an object.`);
    if (parameter.Type === undefined) throw formatError(`[/Parameters/${name}] Every Parameters object must contain a Type member.`);
    if (parameter.AllowedValues !== undefined && !Array.isArray(parameter.AllowedValues)) {
      throw formatError(`[/Parameters/${name}/AllowedValues] must be a list`);
    }
    if (parameter.NoEcho !== undefined && !['true', 'false'].includes(String(parameter.NoEcho).toLowerCase())) {
      throw formatError(`[/Parameters/${name}/NoEcho] must be a boolean`);
    }
  }
}

function checkOutputs(outputs: unknown): void {
  if (!isObject(outputs)) return;
  const names = Object.keys(outputs);
  if (names.length > MAX_OUTPUTS) throw formatError(`Number of outputs, ${names.length}, is greater than maximum allowed, ${MAX_OUTPUTS}`);
  for (const name of names) {
    if (!ALPHANUMERIC.test(name)) throw formatError(`Output name ${name} is non alphanumeric.`);
    const output = outputs[name];
    if (!isObject(output) || output.Value === undefined || output.Value === null) {
      throw formatError(`[/Outputs/${name}] Every Outputs member must contain a Value object`);
    }
    if (output.Export !== undefined && !isObject(output.Export)) throw formatError(`[/Outputs/${name}/Export] must be an object`);
  }
}
