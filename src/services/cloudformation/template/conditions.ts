/** The Conditions section: every named condition to a boolean for one set of parameter values. */
import { formatError, templateError } from './errors.js';
import { evaluateCondition } from './intrinsics.js';
import type { EvaluationContext, Template } from './types.js';

/** The context conditions are evaluated in: parameters, pseudo parameters and mappings only, never resources. */
export function conditionContext(template: Template, context: Pick<EvaluationContext, 'pseudo' | 'parameters'>): EvaluationContext {
  const noResources = (name: string): never => {
    throw formatError(`Unresolved dependencies [${name}]. Cannot reference resources in the Conditions block of the template`);
  };
  return {
    pseudo: context.pseudo,
    parameters: context.parameters,
    conditions: {},
    mappings: template.Mappings,
    resourceRef: noResources,
    resourceAttribute: noResources,
    importValue: () => {
      throw templateError('Fn::ImportValue is not allowed in the Conditions block of the template');
    },
    availabilityZones: () => [],
  };
}

export function evaluateConditions(template: Template, context: Pick<EvaluationContext, 'pseudo' | 'parameters'>): Record<string, boolean> {
  const declared = template.Conditions ?? {};
  const results: Record<string, boolean> = {};
  const evaluating: string[] = [];
  const evaluationContext = conditionContext(template, context);
  const resolve = (name: string): boolean => {
    const known = results[name];
    if (known !== undefined) return known;
    if (!(name in declared)) throw formatError(`Unresolved condition dependencies [${name}] in the Conditions block of the template`);
    if (evaluating.includes(name)) throw formatError(`Circular dependency between conditions: [${evaluating.slice(evaluating.indexOf(name)).join(', ')}]`);
    evaluating.push(name);
    const value = evaluateCondition(declared[name], evaluationContext, resolve);
    evaluating.pop();
    results[name] = value;
    return value;
  };
  for (const name of Object.keys(declared)) resolve(name);
  return results;
}
