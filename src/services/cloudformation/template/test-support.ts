/** Shared fixtures for the template layer's unit tests: pseudo parameters and a context over fixed resource values. */
import type { EvaluationContext, PseudoParameters, ResolvedParameter, Template } from './types.js';

export const PSEUDO: PseudoParameters = {
  accountId: '123456789012',
  region: 'us-east-1',
  partition: 'aws',
  urlSuffix: 'amazonaws.com',
  stackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/demo/11111111-2222-3333-4444-555555555555',
  stackName: 'demo',
  notificationArns: ['arn:aws:sns:us-east-1:123456789012:topic'],
};

export function stringParameter(key: string, value: string | string[]): ResolvedParameter {
  return { key, value: Array.isArray(value) ? value.join(',') : value, refValue: value, noEcho: false };
}

/** A context where `refs` and `attributes` ("Logical.Attr") are the created resources' values; anything else is not known yet. */
export function contextWith(
  options: {
    parameters?: Record<string, ResolvedParameter>;
    conditions?: Record<string, boolean>;
    refs?: Record<string, string>;
    attributes?: Record<string, unknown>;
    exports?: Record<string, string>;
    mappings?: Template['Mappings'];
  } = {},
): EvaluationContext {
  return {
    pseudo: PSEUDO,
    parameters: options.parameters ?? {},
    conditions: options.conditions ?? {},
    mappings: options.mappings,
    resourceRef: (logicalId) => options.refs?.[logicalId],
    resourceAttribute: (logicalId, attribute) => options.attributes?.[`${logicalId}.${attribute}`],
    importValue: (name) => {
      const value = options.exports?.[name];
      if (value === undefined) throw new Error(`No export named ${name} found.`);
      return value;
    },
    availabilityZones: (region) => ['a', 'b', 'c'].map((zone) => `${region}${zone}`),
  };
}
