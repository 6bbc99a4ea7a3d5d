/**
 * A stack's template as one operation runs it: the parsed template, its parameters and conditions,
 * the resources its conditions keep, their dependencies, and the evaluation context that answers
 * Ref, GetAtt and ImportValue from the resources' recorded state as the operation goes.
 */
import type { Scope } from '../../../core/accounts.js';
import { partitionOf } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import type { InProcessCaller } from '../../contracts.js';
import { type CloudFormationContext, parseJson, validationError } from '../common.js';
import { attributeNames } from '../spec/index.js';
import type { StackRow } from '../store.js';
import { evaluateConditions, resourceDependencies } from '../template/index.js';
import type { EvaluationContext, ExternalValues, PseudoParameters, ResolvedParameter, Template } from '../template/types.js';

/** What `Ref` and `Fn::GetAtt` read of one resource. */
export interface ResourceState {
  physicalId: string;
  attributes: Record<string, unknown>;
}

export interface StackModel {
  template: Template;
  parameters: Record<string, ResolvedParameter>;
  conditions: Record<string, boolean>;
  /** Logical ids of the resources the conditions keep, in template order. */
  active: string[];
  dependencies: Map<string, Set<string>>;
  pseudo: PseudoParameters;
}

export function pseudoParameters(stack: Pick<StackRow, 'account' | 'region' | 'stack_id' | 'name' | 'notification_arns'>): PseudoParameters {
  return {
    accountId: stack.account,
    region: stack.region,
    partition: partitionOf(stack.region),
    urlSuffix: stack.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com',
    stackId: stack.stack_id,
    stackName: stack.name,
    notificationArns: parseJson<string[]>(stack.notification_arns),
  };
}

/** The model of a template with already resolved parameters. */
export function stackModel(template: Template, parameters: Record<string, ResolvedParameter>, pseudo: PseudoParameters): StackModel {
  const conditions = evaluateConditions(template, { pseudo, parameters });
  const active = Object.entries(template.Resources)
    .filter(([, declaration]) => declaration.Condition === undefined || conditions[declaration.Condition])
    .map(([id]) => id);
  return { template, parameters, conditions, active, dependencies: resourceDependencies(template, conditions), pseudo };
}

/** The model of what a stack row holds now (its current template and parameters). */
export function modelOfStack(stack: StackRow): StackModel {
  return stackModel(parseJson<Template>(stack.processed_template), parseJson<Record<string, ResolvedParameter>>(stack.parameters), pseudoParameters(stack));
}

/** The Availability Zones `Fn::GetAZs` answers: three per Region, as a default VPC has. */
export function availabilityZones(region: string): string[] {
  return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
}

/**
 * Why a GetAtt of a resource whose recorded `attributes` have no value for `attribute` fails: an
 * attribute of the type the resource has no value for (an EventBus without Policy) does not exist;
 * any other is not an attribute of the type.
 */
export function missingAttribute(type: string, logicalId: string, attribute: string, attributes: Record<string, unknown>): AwsError {
  if (Object.hasOwn(attributes, attribute) || attributeNames(type).includes(attribute)) return validationError(`Attribute '${attribute}' does not exist`);
  return validationError(`Template error: resource ${logicalId} does not support attribute type ${attribute} in Fn::GetAtt (${type})`);
}

/**
 * The evaluation context over live resource state: `states` is read at each call, so a resource
 * created a moment ago is already visible to what depends on it. `imported` collects the exports
 * the evaluation read (for ListImports).
 */
export function evaluationContext(c: CloudFormationContext, scope: Scope, model: StackModel, states: Map<string, ResourceState>, imported: Set<string>): EvaluationContext {
  return {
    pseudo: model.pseudo,
    parameters: model.parameters,
    conditions: model.conditions,
    resourceRef: (logicalId) => states.get(logicalId)?.physicalId,
    resourceAttribute: (logicalId, attribute) => {
      const state = states.get(logicalId);
      if (!state) return undefined;
      const value = state.attributes[attribute];
      if (value !== undefined && value !== null) return value;
      throw missingAttribute(model.template.Resources[logicalId]?.Type ?? 'unknown', logicalId, attribute, state.attributes);
    },
    importValue: (name) => {
      const found = c.store.export(scope, name);
      if (!found) throw validationError(`No export named ${name} found.`);
      imported.add(name);
      return found.value;
    },
    availabilityZones,
  };
}

/** SSM parameters and secrets for parameter types and dynamic references, read as `caller`. */
export function externalValues(c: CloudFormationContext, caller: InProcessCaller): ExternalValues {
  return {
    async ssmParameter(name, version, decrypt) {
      const out = await c.rt.call('ssm', 'GetParameter', { Name: version ? `${name}:${version}` : name, WithDecryption: decrypt }, caller);
      return out.Parameter?.Value ?? '';
    },
    async secret(secretId, options) {
      const out = await c.rt.call('secretsmanager', 'GetSecretValue', { SecretId: secretId, VersionId: options.versionId, VersionStage: options.versionStage }, caller);
      const text = out.SecretString ?? '';
      if (!options.jsonKey) return text;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new AwsError('ValidationError', `Could not parse SecretString JSON`);
      }
      const value = (parsed as Record<string, unknown>)[options.jsonKey];
      if (value === undefined) throw new AwsError('ValidationError', `Could not find SecretString JSON key ${options.jsonKey}`);
      return typeof value === 'string' ? value : JSON.stringify(value);
    },
  };
}
