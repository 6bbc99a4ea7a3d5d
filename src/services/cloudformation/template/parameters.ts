/**
 * Parameter values for one stack operation: the given values (or Defaults, or previous values)
 * checked against their declarations as CloudFormation checks them, with its messages.
 */
import { AwsError } from '../../../core/errors.js';
import { formatError, validationError } from './errors.js';
import { checkRules } from './rules.js';
import type { ExternalValues, ParameterDeclaration, ParameterInput, PseudoParameters, ResolvedParameter, Template } from './types.js';

const AWS_SPECIFIC_TYPES = new Set([
  'AWS::EC2::AvailabilityZone::Name',
  'AWS::EC2::Image::Id',
  'AWS::EC2::Instance::Id',
  'AWS::EC2::KeyPair::KeyName',
  'AWS::EC2::SecurityGroup::GroupName',
  'AWS::EC2::SecurityGroup::Id',
  'AWS::EC2::Subnet::Id',
  'AWS::EC2::Volume::Id',
  'AWS::EC2::VPC::Id',
  'AWS::Route53::HostedZone::Id',
  'AWS::SSM::Parameter::Name',
]);

const SSM_VALUE_TYPE = /^AWS::SSM::Parameter::Value<(.+)>$/;

interface TypeShape {
  list: boolean;
  number: boolean;
  /** Resolved through SSM Parameter Store. */
  ssm: boolean;
}

/** What a declared type means; throws AWS's error for a type it does not know. */
export function parameterTypeShape(type: string): TypeShape {
  const ssm = SSM_VALUE_TYPE.exec(type);
  const inner = ssm ? (ssm[1] as string) : type;
  const shape = (base: string, list: boolean): TypeShape | undefined => {
    if (base === 'String' && (ssm || !list)) return { list, number: false, ssm: Boolean(ssm) };
    if (base === 'Number' && !ssm) return { list, number: true, ssm: false };
    if (AWS_SPECIFIC_TYPES.has(base)) return { list, number: false, ssm: Boolean(ssm) };
    return undefined;
  };
  const listMatch = /^List<(.+)>$/.exec(inner);
  const result = inner === 'CommaDelimitedList' ? { list: true, number: false, ssm: Boolean(ssm) } : listMatch ? shape(listMatch[1] as string, true) : shape(inner, false);
  if (!result) throw formatError(`Unrecognized parameter type: ${type}`);
  return result;
}

function isNoEcho(declaration: ParameterDeclaration): boolean {
  return String(declaration.NoEcho ?? 'false').toLowerCase() === 'true';
}

function defaultValue(declaration: ParameterDeclaration): string | undefined {
  const fallback = declaration.Default;
  if (fallback === undefined || fallback === null) return undefined;
  return Array.isArray(fallback) ? fallback.join(',') : String(fallback);
}

/** The members of a list value, trimmed as AWS trims them. */
function listMembers(value: string): string[] {
  return value === '' ? [] : value.split(',').map((member) => member.trim());
}

export async function resolveParameters(
  template: Template,
  inputs: ParameterInput[],
  options: { previous?: Record<string, ResolvedParameter>; external: ExternalValues; pseudo: PseudoParameters },
): Promise<Record<string, ResolvedParameter>> {
  const declarations = template.Parameters ?? {};
  const given = new Map<string, ParameterInput>();
  for (const input of inputs) if (input.ParameterKey !== undefined) given.set(input.ParameterKey, input);
  const unknown = [...given.keys()].filter((key) => !(key in declarations));
  if (unknown.length > 0) throw validationError(`Parameters: [${unknown.join(', ')}] do not exist in the template`);
  const values = new Map<string, string>();
  const missing: string[] = [];
  for (const [key, declaration] of Object.entries(declarations)) {
    const value = chooseValue(key, declaration, given.get(key), options.previous);
    if (value === undefined) missing.push(key);
    else values.set(key, value);
  }
  if (missing.length > 0) throw validationError(`Parameters: [${missing.join(', ')}] must have values`);
  const resolved: Record<string, ResolvedParameter> = {};
  const unfetched: string[] = [];
  for (const [key, declaration] of Object.entries(declarations)) {
    const value = values.get(key) as string;
    const shape = parameterTypeShape(declaration.Type);
    checkConstraints(key, declaration, shape, value);
    const parameter: ResolvedParameter = { key, value, refValue: shape.list ? listMembers(value) : value, noEcho: isNoEcho(declaration) };
    if (shape.ssm) {
      try {
        const fetched = await options.external.ssmParameter(value);
        parameter.resolvedValue = fetched;
        parameter.refValue = shape.list ? listMembers(fetched) : fetched;
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        unfetched.push(value);
      }
    }
    resolved[key] = parameter;
  }
  if (unfetched.length > 0) throw validationError(`Unable to fetch parameters [${unfetched.join(',')}] from parameter store for this account.`);
  // The Rules section judges the parameter values as a whole, once each is valid on its own.
  checkRules(template, resolved, options.pseudo);
  return resolved;
}

function chooseValue(key: string, declaration: ParameterDeclaration, input: ParameterInput | undefined, previous: Record<string, ResolvedParameter> | undefined): string | undefined {
  if (input?.UsePreviousValue) {
    if (input.ParameterValue !== undefined) {
      throw validationError(`Invalid input for parameter key ${key}. Cannot specify usePreviousValue as true and non empty value for a parameter`);
    }
    const before = previous?.[key];
    if (!before) {
      throw validationError(`Invalid input for parameter key ${key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`);
    }
    return before.value;
  }
  return input?.ParameterValue ?? defaultValue(declaration);
}

function checkConstraints(key: string, declaration: ParameterDeclaration, shape: TypeShape, value: string): void {
  const fail = (message: string): never => {
    throw validationError(declaration.ConstraintDescription !== undefined ? `Parameter ${key} failed to satisfy constraint: ${declaration.ConstraintDescription}` : `Parameter '${key}' ${message}`);
  };
  const members = shape.list ? listMembers(value) : [value];
  if (shape.number) {
    for (const member of members) {
      if (member.trim() === '' || !Number.isFinite(Number(member))) fail('must be a number');
      if (declaration.MinValue !== undefined && Number(member) < Number(declaration.MinValue)) fail(`must be a number not less than ${declaration.MinValue}`);
      if (declaration.MaxValue !== undefined && Number(member) > Number(declaration.MaxValue)) fail(`must be a number not greater than ${declaration.MaxValue}`);
    }
  }
  if (declaration.AllowedValues && members.some((member) => !declaration.AllowedValues?.some((allowed) => String(allowed) === member))) {
    fail('must be one of AllowedValues');
  }
  if (declaration.AllowedPattern !== undefined) {
    const pattern = allowedPattern(key, declaration.AllowedPattern);
    if (members.some((member) => !pattern.test(member))) fail(`must match pattern ${declaration.AllowedPattern}`);
  }
  if (!shape.list && !shape.number) {
    if (declaration.MinLength !== undefined && value.length < Number(declaration.MinLength)) fail(`must contain at least ${declaration.MinLength} characters`);
    if (declaration.MaxLength !== undefined && value.length > Number(declaration.MaxLength)) fail(`must contain at most ${declaration.MaxLength} characters`);
  }
}

function allowedPattern(key: string, source: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`, 'u');
  } catch {
    throw formatError(`Invalid AllowedPattern for parameter ${key}: ${source}`);
  }
}
