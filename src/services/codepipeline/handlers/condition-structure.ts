/**
 * Structure validation of a stage's conditions and onFailure, part of checkStructure: V2
 * pipelines only; each kind of condition with the results AWS offers it (entry: FAIL or SKIP;
 * success: ROLLBACK or FAIL; failure: ROLLBACK, RETRY or FAIL); rules of AWS's rule types (an
 * unknown provider is refused with the wording AWS uses for unavailable action types), their
 * required and known configuration, valid values (an operator, a cron expression, a time zone),
 * input artifacts produced before the rule runs and variables of namespaces declared before it.
 * Messages are Drydock's own wording under AWS's error codes unless noted.
 */
import type { Condition, PipelineDeclaration, RuleDeclaration, StageDeclaration } from '@aws-sdk/client-codepipeline';
import { AwsError } from '../../../core/errors.js';
import { invalidStructure } from '../common.js';
import { AWS_RULES_WITHOUT_PROVIDER, RULE_PROVIDERS, SKIP_RULES } from '../engine/rules/index.js';
import { references } from '../engine/variables.js';

/** What exists when a stage's conditions run: artifacts produced and namespaces declared (before the stage for entry conditions, through it for the others). */
export interface Declared {
  produced: Set<string>;
  namespaces: Set<string>;
}

const RESULTS = { beforeEntry: ['FAIL', 'SKIP'], onSuccess: ['ROLLBACK', 'FAIL'], onFailure: ['ROLLBACK', 'RETRY', 'FAIL'] } as const;

function checkRule(rule: RuleDeclaration, region: string, declared: Declared): void {
  const type = rule.ruleTypeId!;
  const provider = RULE_PROVIDERS.get(type.provider!);
  const known = provider || AWS_RULES_WITHOUT_PROVIDER.has(type.provider!);
  if (!known || type.version !== '1') {
    // AWS's wording for an action type it does not offer, for the rule type.
    throw invalidStructure(
      `RuleType (Category: '${type.category}', Provider: '${type.provider}', Owner: '${type.owner}', Version: '${type.version}') in rule '${rule.name}' is not available in region '${region.toUpperCase().replace(/-/g, '_')}'`,
    );
  }
  const configuration = rule.configuration ?? {};
  if (provider) {
    for (const property of provider.configurationProperties) {
      if (property.required && configuration[property.name] === undefined) throw invalidStructure(`Rule configuration for rule '${rule.name}' is missing required configuration '${property.name}'`);
    }
    const unknown = Object.keys(configuration).find((name) => !provider.configurationProperties.some((p) => p.name === name));
    if (unknown) throw invalidStructure(`Rule configuration for rule '${rule.name}' contains unknown configuration '${unknown}'`);
    const problem = provider.validate?.(configuration);
    if (problem) throw invalidStructure(`Rule configuration for rule '${rule.name}' is not valid: ${problem}`);
  }
  for (const input of rule.inputArtifacts ?? []) {
    if (!declared.produced.has(input.name!)) throw invalidStructure(`Input Artifact ${input.name} of rule ${rule.name} is not the output of any action that runs before it`);
  }
  for (const text of Object.values(configuration)) {
    for (const { namespace } of references(text)) {
      if (namespace !== 'codepipeline' && namespace !== 'variables' && !declared.namespaces.has(namespace))
        throw invalidStructure(`Rule ${rule.name} refers to the namespace ${namespace}, which no action that runs before it declares`);
    }
  }
}

function checkConditionList(stage: StageDeclaration, kind: keyof typeof RESULTS, conditions: Condition[], region: string, declared: Declared): void {
  for (const condition of conditions) {
    if (condition.result && !(RESULTS[kind] as readonly string[]).includes(condition.result))
      throw invalidStructure(`Result ${condition.result} is not valid for the ${kind} conditions of stage ${stage.name}: it must be one of ${RESULTS[kind].join(', ')}`);
    if (!condition.rules?.length) throw invalidStructure(`A condition of the ${kind} conditions of stage ${stage.name} must contain at least one rule`);
    const unskippable = condition.result === 'SKIP' && condition.rules.find((rule) => !SKIP_RULES.has(rule.ruleTypeId?.provider ?? ''));
    if (unskippable) throw invalidStructure(`Rule ${unskippable.name} cannot be used in an entry condition with the SKIP result: only LambdaInvoke and VariableCheck rules can`);
    for (const rule of condition.rules) checkRule(rule, region, declared);
  }
}

/** Throws for the first thing wrong with the stage's conditions and onFailure. `before`: what exists before the stage; `through`: after its actions. */
export function checkStageConditions(pipeline: PipelineDeclaration, stage: StageDeclaration, region: string, before: Declared, through: Declared): void {
  const { beforeEntry, onSuccess, onFailure } = stage;
  if (!beforeEntry && !onSuccess && !onFailure) return;
  if ((pipeline.pipelineType ?? 'V1') !== 'V2') throw new AwsError('ValidationException', `Stage ${stage.name}: stage conditions and onFailure are only supported in V2 type pipelines`);
  if (beforeEntry) checkConditionList(stage, 'beforeEntry', beforeEntry.conditions ?? [], region, before);
  if (onSuccess) checkConditionList(stage, 'onSuccess', onSuccess.conditions ?? [], region, through);
  if (onFailure) {
    if (onFailure.result && !(RESULTS.onFailure as readonly string[]).includes(onFailure.result))
      throw invalidStructure(`Result ${onFailure.result} is not valid for the onFailure of stage ${stage.name}: it must be one of ${RESULTS.onFailure.join(', ')}`);
    if (onFailure.retryConfiguration && onFailure.result !== 'RETRY' && !onFailure.conditions?.some((c) => c.result === 'RETRY'))
      throw invalidStructure(`The retryConfiguration of stage ${stage.name} applies only to an onFailure result RETRY`);
    checkConditionList(stage, 'onFailure', onFailure.conditions ?? [], region, through);
  }
}
