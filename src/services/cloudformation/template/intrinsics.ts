/**
 * Evaluation of intrinsic functions against a stack's state. Values not known yet (a resource
 * not created) come back as `DYNAMIC`, and anything built from one is DYNAMIC too, so a change
 * set can show "{{changeSet:KNOWN_AFTER_APPLY}}"-style Dynamic changes.
 */
import { cidr } from './cidr.js';
import { formatError, templateError } from './errors.js';
import { parseSub } from './sub.js';
import type { EvaluationContext, PseudoParameters, TemplateValue } from './types.js';

/** Stands for a value CloudFormation knows only after a resource is created or updated. */
export const DYNAMIC: unique symbol = Symbol.for('drydock.cloudformation.dynamic');

/** Marks a value `Ref AWS::NoValue` removed; never leaves this module. */
const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** The functions AWS lists when it meets one it does not know. */
export const SUPPORTED_FUNCTIONS =
  '[Fn::Base64, Fn::GetAtt, Fn::GetAZs, Fn::ImportValue, Fn::Join, Fn::Split, Fn::FindInMap, Fn::Select, Ref, Fn::Equals, Fn::If, Fn::Not, Condition, Fn::And, Fn::Or, Fn::Contains, Fn::EachMemberEquals, Fn::EachMemberIn, Fn::ValueOf, Fn::ValueOfAll, Fn::RefAll, Fn::Sub, Fn::Cidr]';

export function unsupportedFunction(name: string): Error {
  return formatError(`Encountered unsupported function: ${name} Supported functions are: ${SUPPORTED_FUNCTIONS}`);
}

export const JOIN_USAGE =
  'every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.';
export const SPLIT_USAGE = 'every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.';
export const FIND_IN_MAP_USAGE = 'every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value';
export const GET_ATT_USAGE = 'every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute';
export const SUB_USAGE =
  "One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string";
export const SELECT_INDEX_USAGE = 'Fn::Select requires a list argument with a valid index value as its first element';
export const SELECT_LIST_USAGE = 'Fn::Select requires a list argument with two elements: an integer index and a list';
export const IF_USAGE = 'Fn::If requires a list argument with three elements';

/** True when the value, or anything inside it, is DYNAMIC. */
export function containsDynamic(value: unknown): boolean {
  if (value === DYNAMIC) return true;
  if (Array.isArray(value)) return value.some(containsDynamic);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsDynamic);
  return false;
}

/** The single key of an intrinsic function object (`Ref`, `Fn::…`), or undefined for plain data. */
export function intrinsicName(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0] as string;
  return key === 'Ref' || key.startsWith('Fn::') ? key : undefined;
}

export const PSEUDO_PARAMETERS = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);

export function pseudoValue(name: string, pseudo: PseudoParameters): string | string[] | undefined {
  switch (name) {
    case 'AWS::AccountId':
      return pseudo.accountId;
    case 'AWS::NotificationARNs':
      return pseudo.notificationArns;
    case 'AWS::Partition':
      return pseudo.partition;
    case 'AWS::Region':
      return pseudo.region;
    case 'AWS::StackId':
      return pseudo.stackId;
    case 'AWS::StackName':
      return pseudo.stackName;
    case 'AWS::URLSuffix':
      return pseudo.urlSuffix;
    default:
      return undefined;
  }
}

/** Evaluates every intrinsic in a value; members and list items that are `AWS::NoValue` disappear (a value that is NoValue itself gives undefined). */
export function evaluate(value: TemplateValue, context: EvaluationContext): unknown {
  const result = evaluateValue(value, context);
  return result === NO_VALUE ? undefined : result;
}

function evaluateValue(value: TemplateValue, context: EvaluationContext): unknown {
  if (Array.isArray(value)) return value.map((item) => evaluateValue(item, context)).filter((item) => item !== NO_VALUE);
  if (typeof value !== 'object' || value === null) return value;
  const name = intrinsicName(value);
  if (name) return evaluateFunction(name, (value as Record<string, unknown>)[name], context);
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    const evaluated = evaluateValue(member, context);
    if (evaluated !== NO_VALUE) result[key] = evaluated;
  }
  return result;
}

/** A scalar as the string CloudFormation reads it (numbers and booleans in templates are strings to it). */
function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function refValue(name: unknown, context: EvaluationContext): unknown {
  if (typeof name !== 'string') throw templateError('All References must be of type string');
  if (name === 'AWS::NoValue') return NO_VALUE;
  const pseudo = pseudoValue(name, context.pseudo);
  if (pseudo !== undefined) return pseudo;
  const parameter = context.parameters[name];
  if (parameter) return parameter.refValue;
  return context.resourceRef(name) ?? DYNAMIC;
}

/** `[logicalId, attribute]` from either GetAtt form (`"A.B"` or a list), attribute evaluated when it is a function. */
export function getAttArguments(argument: unknown, context?: EvaluationContext): [string, string] {
  let pair: unknown[];
  if (typeof argument === 'string') {
    const dot = argument.indexOf('.');
    pair = dot < 0 ? [argument] : [argument.slice(0, dot), argument.slice(dot + 1)];
  } else pair = Array.isArray(argument) ? argument : [];
  const attribute = context && intrinsicName(pair[1]) ? evaluateValue(pair[1], context) : pair[1];
  if (pair.length !== 2 || typeof pair[0] !== 'string' || !pair[0] || typeof attribute !== 'string' || !attribute) {
    throw templateError(GET_ATT_USAGE);
  }
  return [pair[0], attribute];
}

function evaluateFunction(name: string, argument: unknown, context: EvaluationContext): unknown {
  switch (name) {
    case 'Ref':
      return refValue(argument, context);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = getAttArguments(argument, context);
      return context.resourceAttribute(logicalId, attribute) ?? DYNAMIC;
    }
    case 'Fn::Join':
      return join(argument, context);
    case 'Fn::Sub':
      return sub(argument, context);
    case 'Fn::Select':
      return select(argument, context);
    case 'Fn::Split':
      return split(argument, context);
    case 'Fn::FindInMap':
      return findInMap(argument, context);
    case 'Fn::If':
      return ifThen(argument, context);
    case 'Fn::Base64': {
      const text = evaluateValue(argument, context);
      if (text === DYNAMIC) return DYNAMIC;
      const string = asString(text);
      if (string === undefined) throw templateError('every Fn::Base64 object must have a String-typed value.');
      return Buffer.from(string, 'utf8').toString('base64');
    }
    case 'Fn::GetAZs': {
      const region = evaluateValue(argument, context);
      if (typeof region !== 'string') throw templateError('every Fn::GetAZs object must have a String-typed value.');
      return context.availabilityZones(region === '' ? context.pseudo.region : region);
    }
    case 'Fn::ImportValue': {
      const exportName = evaluateValue(argument, context);
      if (typeof exportName !== 'string') throw templateError('The value of parameter Fn::ImportValue must be a string');
      return context.importValue(exportName);
    }
    case 'Fn::Cidr': {
      const args = evaluateValue(argument, context);
      if (containsDynamic(args)) return DYNAMIC;
      if (!Array.isArray(args) || args.length !== 3) return cidr(undefined, undefined, undefined);
      return cidr(args[0], args[1], args[2]);
    }
    case 'Fn::Length': {
      const list = evaluateValue(argument, context);
      if (list === DYNAMIC) return DYNAMIC;
      if (!Array.isArray(list)) throw templateError('Fn::Length requires a list or a function that returns a list');
      return list.length;
    }
    case 'Fn::ToJsonString': {
      const data = evaluateValue(argument, context);
      if (containsDynamic(data)) return DYNAMIC;
      if (typeof data !== 'object' || data === null) throw templateError('Fn::ToJsonString requires an object or a list');
      return JSON.stringify(data);
    }
    case 'Fn::Equals':
    case 'Fn::And':
    case 'Fn::Or':
    case 'Fn::Not':
      return evaluateCondition({ [name]: argument }, context, (conditionName) => {
        const known = context.conditions[conditionName];
        if (known === undefined) throw templateError(`unresolved condition dependency ${conditionName} in Fn::If`);
        return known;
      });
    default:
      throw unsupportedFunction(name);
  }
}

function join(argument: unknown, context: EvaluationContext): unknown {
  if (!Array.isArray(argument) || argument.length !== 2) throw templateError(JOIN_USAGE);
  const delimiter = evaluateValue(argument[0], context);
  const list = evaluateValue(argument[1], context);
  if (list === DYNAMIC) return DYNAMIC;
  if (typeof delimiter !== 'string' || !Array.isArray(list)) throw templateError(JOIN_USAGE);
  if (list.includes(DYNAMIC)) return DYNAMIC;
  const strings = list.map(asString);
  if (strings.some((item) => item === undefined)) throw templateError(JOIN_USAGE);
  return strings.join(delimiter);
}

function sub(argument: unknown, context: EvaluationContext): unknown {
  const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
  if (typeof text !== 'string' || (Array.isArray(argument) && argument.length !== 2) || typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
    throw templateError(SUB_USAGE);
  }
  const values: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(variables as Record<string, unknown>)) values[key] = evaluateValue(member, context);
  let result = '';
  let dynamic = false;
  for (const part of parseSub(text)) {
    if ('literal' in part) {
      result += part.literal;
      continue;
    }
    const value = part.variable in values ? values[part.variable] : subVariable(part.variable, context);
    if (value === DYNAMIC) {
      dynamic = true;
      continue;
    }
    const string = asString(value);
    if (string === undefined) throw templateError('every variable in an Fn::Sub object must reference a string');
    result += string;
  }
  return dynamic ? DYNAMIC : result;
}

function subVariable(variable: string, context: EvaluationContext): unknown {
  const dot = variable.indexOf('.');
  const isReference = dot < 0 || PSEUDO_PARAMETERS.has(variable) || variable in context.parameters;
  if (isReference) {
    const value = refValue(variable, context);
    // A list parameter in Sub: AWS refuses it as it refuses any non-string variable.
    return value;
  }
  return context.resourceAttribute(variable.slice(0, dot), variable.slice(dot + 1)) ?? DYNAMIC;
}

function select(argument: unknown, context: EvaluationContext): unknown {
  if (!Array.isArray(argument) || argument.length < 1) throw templateError(SELECT_INDEX_USAGE);
  const indexValue = evaluateValue(argument[0], context);
  if (indexValue === DYNAMIC) return DYNAMIC;
  const indexText = asString(indexValue);
  if (indexText === undefined || !/^-?\d+$/.test(indexText)) throw templateError(SELECT_INDEX_USAGE);
  if (argument.length !== 2) throw templateError(SELECT_LIST_USAGE);
  const list = evaluateValue(argument[1], context);
  if (list === DYNAMIC) return DYNAMIC;
  if (!Array.isArray(list)) throw templateError(SELECT_LIST_USAGE);
  const index = Number(indexText);
  if (index < 0 || index >= list.length) throw templateError(`Fn::Select cannot select nonexistent value at index ${index}`);
  return list[index];
}

function split(argument: unknown, context: EvaluationContext): unknown {
  if (!Array.isArray(argument) || argument.length !== 2) throw templateError(SPLIT_USAGE);
  const delimiter = evaluateValue(argument[0], context);
  const source = evaluateValue(argument[1], context);
  if (source === DYNAMIC) return DYNAMIC;
  const text = asString(source);
  if (typeof delimiter !== 'string' || delimiter === '' || text === undefined) throw templateError(SPLIT_USAGE);
  return text.split(delimiter);
}

function findInMap(argument: unknown, context: EvaluationContext): unknown {
  if (!Array.isArray(argument) || argument.length < 3 || argument.length > 4) throw templateError(FIND_IN_MAP_USAGE);
  const keys = argument.slice(0, 3).map((key) => asString(evaluateValue(key, context)));
  const [mapName, topKey, secondKey] = keys;
  if (mapName === undefined || topKey === undefined || secondKey === undefined) throw templateError(FIND_IN_MAP_USAGE);
  const mapping = context.mappings?.[mapName];
  const found = mapping?.[topKey]?.[secondKey];
  if (found !== undefined) return evaluateValue(found, context);
  const options = argument[3];
  if (typeof options === 'object' && options !== null && 'DefaultValue' in options) {
    return evaluateValue((options as { DefaultValue: unknown }).DefaultValue, context);
  }
  if (!mapping) throw templateError(`Mapping named '${mapName}' is not present in the 'Mappings' section of template`);
  throw templateError(`Unable to get mapping for ${mapName}::${topKey}::${secondKey}`);
}

function ifThen(argument: unknown, context: EvaluationContext): unknown {
  if (!Array.isArray(argument) || typeof argument[0] !== 'string') {
    throw templateError('Fn::If requires a list argument with the first element being a condition');
  }
  if (argument.length !== 3) throw templateError(IF_USAGE);
  const holds = context.conditions[argument[0]];
  if (holds === undefined) throw templateError(`unresolved condition dependency ${argument[0]} in Fn::If`);
  return evaluateValue(holds ? argument[1] : argument[2], context);
}

/**
 * A condition function (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`) to a boolean.
 * `condition` answers a named condition (conditions.ts evaluates them on demand, in any order).
 */
export function evaluateCondition(value: unknown, context: EvaluationContext, condition: (name: string) => boolean): boolean {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && 'Condition' in value) {
    const name = (value as { Condition: unknown }).Condition;
    if (typeof name !== 'string') throw templateError('All Conditions must be of type string');
    return condition(name);
  }
  const name = intrinsicName(value);
  const argument = name ? (value as Record<string, unknown>)[name] : undefined;
  switch (name) {
    case 'Fn::Equals': {
      if (!Array.isArray(argument) || argument.length !== 2) throw templateError('Fn::Equals requires a list argument with two elements');
      const [left, right] = argument.map((side) => evaluateValue(side, context));
      return JSON.stringify(normalizeScalars(left)) === JSON.stringify(normalizeScalars(right));
    }
    case 'Fn::And':
    case 'Fn::Or': {
      if (!Array.isArray(argument) || argument.length < 2 || argument.length > 10) {
        throw templateError(`every ${name} object requires a list of at least 2 and at most 10 boolean parameters.`);
      }
      const results = argument.map((item) => evaluateCondition(item, context, condition));
      return name === 'Fn::And' ? results.every(Boolean) : results.some(Boolean);
    }
    case 'Fn::Not': {
      if (!Array.isArray(argument) || argument.length !== 1) throw templateError('Fn::Not requires a list argument with one element');
      return !evaluateCondition(argument[0], context, condition);
    }
    default: {
      // A literal true/false (what a resolved Condition or a parameter gives) is accepted as AWS does.
      const literal = asString(value);
      if (literal === 'true' || literal === 'false') return literal === 'true';
      throw templateError(`Conditions can only be boolean operations on parameters and other conditions`);
    }
  }
}

/** Fn::Equals compares values as strings: `!Equals [1, "1"]` holds. */
function normalizeScalars(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeScalars);
  return asString(value) ?? value;
}
