/**
 * The validation CloudFormation runs before any stack operation (and ValidateTemplate): known
 * resource types, intrinsic functions used with the right arguments, references that resolve,
 * conditions that exist and no dependency cycles, each failing with AWS's message.
 */
import { circularDependency, collectReferences, cycleMembers, dependsOnList } from './dependencies.js';
import { formatError, templateError } from './errors.js';
import { FIND_IN_MAP_USAGE, getAttArguments, IF_USAGE, intrinsicName, JOIN_USAGE, PSEUDO_PARAMETERS, SPLIT_USAGE, SUB_USAGE, unsupportedFunction } from './intrinsics.js';
import { checkRuleSyntax } from './rules.js';
import type { Template } from './types.js';

const FUNCTIONS = new Set([
  'Ref',
  'Fn::Base64',
  'Fn::Cidr',
  'Fn::FindInMap',
  'Fn::GetAtt',
  'Fn::GetAZs',
  'Fn::If',
  'Fn::ImportValue',
  'Fn::Join',
  'Fn::Select',
  'Fn::Split',
  'Fn::Sub',
  'Fn::Equals',
  'Fn::And',
  'Fn::Or',
  'Fn::Not',
]);
/** Available only to templates that declare the AWS::LanguageExtensions transform (processTransforms leaves them for evaluation). */
const LANGUAGE_EXTENSION_FUNCTIONS = new Set(['Fn::Length', 'Fn::ToJsonString']);
const CONDITION_FUNCTIONS = new Set(['Fn::Equals', 'Fn::And', 'Fn::Or', 'Fn::Not']);

export function usesLanguageExtensions(template: Template): boolean {
  const transforms = template.Transform === undefined ? [] : Array.isArray(template.Transform) ? template.Transform : [template.Transform];
  return transforms.some((transform) => (typeof transform === 'string' ? transform : transform.Name) === 'AWS::LanguageExtensions');
}

export function checkTemplate(template: Template, isKnownResourceType: (type: string) => boolean): void {
  checkRuleSyntax(template);
  const resources = template.Resources;
  const unknownTypes = [...new Set(Object.values(resources).map((resource) => resource.Type))].filter((type) => !type.startsWith('Custom::') && !isKnownResourceType(type));
  if (unknownTypes.length > 0) throw formatError(`Unrecognized resource types: [${unknownTypes.join(', ')}]`);
  const conditions = template.Conditions ?? {};
  const languageExtensions = usesLanguageExtensions(template);
  const checkFunctions = (value: unknown, inConditions: boolean) => checkIntrinsics(value, { conditions, inConditions, languageExtensions });
  for (const definition of Object.values(conditions)) checkFunctions(definition, true);
  checkConditionsSection(template);
  for (const resource of Object.values(resources)) {
    if (resource.Condition !== undefined && !(resource.Condition in conditions)) {
      throw formatError(`Unresolved condition dependencies [${resource.Condition}] in the Resources block of the template`);
    }
    for (const part of [resource.Properties, resource.Metadata, resource.CreationPolicy, resource.UpdatePolicy]) checkFunctions(part, false);
    checkReferences(template, [resource.Properties, resource.Metadata, resource.CreationPolicy, resource.UpdatePolicy], 'Resources', dependsOnList(resource));
  }
  for (const output of Object.values(template.Outputs ?? {})) {
    if (output.Condition !== undefined && !(output.Condition in conditions)) {
      throw formatError(`Unresolved condition dependencies [${output.Condition}] in the Outputs block of the template`);
    }
    checkFunctions(output, false);
    checkReferences(template, [output], 'Outputs', []);
  }
  checkCycles(template);
}

interface IntrinsicScope {
  conditions: Record<string, unknown>;
  inConditions: boolean;
  languageExtensions: boolean;
}

/** Walks a value: every function known, with the argument shape AWS requires. */
function checkIntrinsics(value: unknown, scope: IntrinsicScope): void {
  if (Array.isArray(value)) {
    for (const item of value) checkIntrinsics(item, scope);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const keys = Object.keys(value);
  const record = value as Record<string, unknown>;
  if (keys.length === 1 && keys[0] === 'Condition' && scope.inConditions) {
    if (typeof record.Condition !== 'string') throw templateError('All Conditions must be of type string');
    return;
  }
  const name = intrinsicName(value);
  if (name !== undefined) {
    const known = FUNCTIONS.has(name) || (scope.languageExtensions && LANGUAGE_EXTENSION_FUNCTIONS.has(name));
    if (!known) throw unsupportedFunction(name);
    if (CONDITION_FUNCTIONS.has(name) && !scope.inConditions) {
      // Condition functions belong to Conditions (and Fn::If's condition is a name, not a function).
      throw templateError(`${name} can only be used in the Conditions section of the template`);
    }
    checkArguments(name, record[name], scope);
  }
  for (const member of Object.values(value)) checkIntrinsics(member, scope);
}

function checkArguments(name: string, argument: unknown, scope: IntrinsicScope): void {
  const list = Array.isArray(argument) ? argument : undefined;
  switch (name) {
    case 'Ref':
      if (typeof argument !== 'string') throw templateError('All References must be of type string');
      return;
    case 'Fn::GetAtt':
      getAttArguments(argument);
      return;
    case 'Fn::Join':
      if (list?.length !== 2) throw templateError(JOIN_USAGE);
      return;
    case 'Fn::Split':
      if (list?.length !== 2) throw templateError(SPLIT_USAGE);
      return;
    case 'Fn::FindInMap':
      if (!list || list.length < 3 || list.length > (scope.languageExtensions ? 4 : 3)) throw templateError(FIND_IN_MAP_USAGE);
      return;
    case 'Fn::Sub': {
      const [text, variables] = list ?? [argument, {}];
      const validVariables = typeof variables === 'object' && variables !== null && !Array.isArray(variables);
      if (typeof text !== 'string' || (list && list.length !== 2) || !validVariables) throw templateError(SUB_USAGE);
      if (Object.keys(variables).some((key) => !/^[A-Za-z0-9_]+$/.test(key))) {
        throw templateError('every key of the context object of every Fn::Sub object must contain only alphanumeric characters and underscores');
      }
      return;
    }
    case 'Fn::If': {
      if (!list || typeof list[0] !== 'string') throw templateError('Fn::If requires a list argument with the first element being a condition');
      if (list.length !== 3) throw templateError(IF_USAGE);
      if (!(list[0] in scope.conditions)) throw templateError(`unresolved condition dependency ${list[0]} in Fn::If`);
      return;
    }
    case 'Fn::Select':
      if (list?.length !== 2) throw templateError('Fn::Select requires a list argument with two elements: an integer index and a list');
      return;
    case 'Fn::Equals':
      if (list?.length !== 2) throw templateError('Fn::Equals requires a list argument with two elements');
      return;
    case 'Fn::And':
    case 'Fn::Or':
      if (!list || list.length < 2 || list.length > 10) throw templateError(`every ${name} object requires a list of at least 2 and at most 10 boolean parameters.`);
      return;
    case 'Fn::Not':
      if (list?.length !== 1) throw templateError('Fn::Not requires a list argument with one element');
      return;
    default:
      return;
  }
}

/** Refs and GetAtts in Resources or Outputs must name a parameter, a pseudo parameter or a resource. */
function checkReferences(template: Template, parts: unknown[], section: 'Resources' | 'Outputs', dependsOn: string[]): void {
  const found = { refs: new Set<string>(), attributes: new Set<string>() };
  for (const part of parts) collectReferences(part, undefined, found);
  const parameters = template.Parameters ?? {};
  const unresolved = [...found.refs].filter((name) => !PSEUDO_PARAMETERS.has(name) && !(name in parameters) && !(name in template.Resources));
  for (const name of dependsOn) if (!(name in template.Resources) && !unresolved.includes(name)) unresolved.push(name);
  if (unresolved.length > 0) throw formatError(`Unresolved resource dependencies [${unresolved.join(', ')}] in the ${section} block of the template`);
  for (const logicalId of found.attributes) {
    if (!(logicalId in template.Resources)) throw templateError(`instance of Fn::GetAtt references undefined resource ${logicalId}`);
  }
}

/** Conditions reference parameters, mappings and other conditions, never resources, and never themselves in a loop. */
function checkConditionsSection(template: Template): void {
  const conditions = template.Conditions ?? {};
  const parameters = template.Parameters ?? {};
  const graph = new Map<string, Set<string>>();
  for (const [name, definition] of Object.entries(conditions)) {
    const found = { refs: new Set<string>(), attributes: new Set<string>() };
    collectReferences(definition, undefined, found);
    const resources = [...found.refs].filter((ref) => !PSEUDO_PARAMETERS.has(ref) && !(ref in parameters));
    resources.push(...found.attributes);
    if (resources.length > 0) throw formatError(`Unresolved dependencies [${resources.join(', ')}]. Cannot reference resources in the Conditions block of the template`);
    const named = conditionNames(definition);
    const unknown = named.filter((condition) => !(condition in conditions));
    if (unknown.length > 0) throw formatError(`Unresolved condition dependencies [${unknown.join(', ')}] in the Conditions block of the template`);
    graph.set(name, new Set(named));
  }
  const cyclic = cycleMembers(graph);
  if (cyclic.length > 0) throw formatError(`Circular dependency between conditions: [${cyclic.join(', ')}]`);
}

function conditionNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(conditionNames);
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  if (Object.keys(record).length === 1 && typeof record.Condition === 'string') return [record.Condition];
  return Object.values(record).flatMap(conditionNames);
}

/** Cycles counting every Fn::If branch (conditions are not known before parameters are). */
function checkCycles(template: Template): void {
  const graph = new Map<string, Set<string>>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const found = { refs: new Set<string>(), attributes: new Set<string>() };
    for (const part of [resource.Properties, resource.Metadata, resource.CreationPolicy, resource.UpdatePolicy]) collectReferences(part, undefined, found);
    const targets = [...found.refs, ...found.attributes, ...dependsOnList(resource)].filter((target) => target in template.Resources);
    graph.set(logicalId, new Set(targets));
  }
  const cyclic = cycleMembers(graph);
  if (cyclic.length > 0) throw circularDependency(cyclic);
}
