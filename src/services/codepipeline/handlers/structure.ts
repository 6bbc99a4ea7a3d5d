/**
 * Structure validation of a PipelineDeclaration, as CreatePipeline and UpdatePipeline do it:
 * stages and names, the artifact store, action types (a built-in provider's settings, AWS's own
 * action types Drydock cannot run yet, or a custom action type registered in the account), their
 * configuration properties and artifact counts, and the artifact wiring between actions.
 * AWS action types Drydock has no provider for are valid structure (AWS accepts them) and fail
 * when they run.
 */
import type { ActionDeclaration, PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { AwsError } from '../../../core/errors.js';
import { ACTION_PROVIDERS, actionTypeKey } from '../actions/index.js';
import type { ActionProvider, ActionTypeId } from '../actions/types.js';
import { type CodePipelineContext, invalidStructure } from '../common.js';
import { references } from '../engine/variables.js';
import { checkStageConditions } from './condition-structure.js';
import { checkTriggers } from './triggers.js';

type Settings = ActionProvider['settings'];

const ANY_ARTIFACTS = { minimumCount: 0, maximumCount: 5 };
const LOOSE: Settings = { configurationProperties: [], inputArtifacts: ANY_ARTIFACTS, outputArtifacts: ANY_ARTIFACTS };

/** AWS's own action types (version 1) that Drydock has no provider for: accepted as AWS accepts them, failed when run. */
const AWS_ACTION_TYPES: Record<string, string[]> = {
  Source: ['S3', 'CodeCommit', 'ECR', 'CodeStarSourceConnection'],
  Build: ['CodeBuild', 'ECRBuildAndPublish'],
  Test: ['CodeBuild', 'DeviceFarm', 'InspectorScan'],
  Deploy: [
    'S3',
    'CloudFormation',
    'CloudFormationStackSet',
    'CloudFormationStackInstances',
    'CodeDeploy',
    'ECS',
    'CodeDeployToECS',
    'ElasticBeanstalk',
    'AppConfig',
    'OpsWorks',
    'ServiceCatalog',
    'AlexaSkillsKit',
    'EKS',
    'EC2',
  ],
  Approval: ['Manual'],
  Invoke: ['Lambda', 'StepFunctions', 'InspectorScan'],
  Compute: ['Commands'],
};

function actionDeclarationError(message: string): AwsError {
  return new AwsError('InvalidActionDeclarationException', message);
}

function settingsOf(c: CodePipelineContext, account: string, region: string, action: ActionDeclaration): Settings {
  const type = action.actionTypeId as ActionTypeId;
  const builtIn = ACTION_PROVIDERS.get(actionTypeKey(type));
  if (builtIn) return builtIn.settings;
  if (type.owner === 'AWS' && type.version === '1' && AWS_ACTION_TYPES[type.category]?.includes(type.provider)) return LOOSE;
  if (type.owner === 'Custom') {
    const row = c.store.actionType(account, region, type.category, type.provider, type.version);
    if (row) {
      const body = JSON.parse(row.body) as {
        actionConfigurationProperties?: { name: string; required: boolean; key: boolean; secret: boolean }[];
        inputArtifactDetails: Settings['inputArtifacts'];
        outputArtifactDetails: Settings['outputArtifacts'];
      };
      return { configurationProperties: body.actionConfigurationProperties ?? [], inputArtifacts: body.inputArtifactDetails, outputArtifacts: body.outputArtifactDetails };
    }
  }
  throw actionDeclarationError(
    `ActionType (Category: '${type.category}', Provider: '${type.provider}', Owner: '${type.owner}', Version: '${type.version}') in action '${action.name}' is not available in region '${region.toUpperCase().replace(/-/g, '_')}'`,
  );
}

function checkAction(c: CodePipelineContext, account: string, region: string, action: ActionDeclaration): void {
  const settings = settingsOf(c, account, region, action);
  // AWS: timeoutInMinutes "is available only to the manual approval ActionType" (wording Drydock's).
  const type = action.actionTypeId;
  if (action.timeoutInMinutes !== undefined && !(type?.category === 'Approval' && type.owner === 'AWS' && type.provider === 'Manual')) {
    throw actionDeclarationError(`Action ${action.name} declares timeoutInMinutes, which only a manual approval action can override`);
  }
  const configuration = action.configuration ?? {};
  for (const property of settings.configurationProperties) {
    if (property.required && configuration[property.name] === undefined)
      throw actionDeclarationError(`Action configuration for action '${action.name}' is missing required configuration '${property.name}'`);
  }
  const known = new Set(settings.configurationProperties.map((p) => p.name));
  if (known.size > 0) {
    const unknown = Object.keys(configuration).find((name) => !known.has(name));
    if (unknown) throw actionDeclarationError(`Action configuration for action '${action.name}' contains unknown configuration '${unknown}'`);
  }
  const counts = [
    ['input', action.inputArtifacts?.length ?? 0, settings.inputArtifacts],
    ['output', action.outputArtifacts?.length ?? 0, settings.outputArtifacts],
  ] as const;
  for (const [direction, count, limit] of counts) {
    if (count < limit.minimumCount) throw actionDeclarationError(`Action ${action.name} declares ${count} ${direction} artifacts which is less than the minimum count (${limit.minimumCount})`);
    if (count > limit.maximumCount) throw actionDeclarationError(`Action ${action.name} declares ${count} ${direction} artifacts which exceeds the maximum count (${limit.maximumCount})`);
  }
}

function checkArtifactStore(pipeline: PipelineDeclaration, region: string): void {
  if (pipeline.artifactStore && pipeline.artifactStores) throw invalidStructure('Only one of artifactStore and artifactStores can be specified.');
  if (!pipeline.artifactStore && !pipeline.artifactStores) throw invalidStructure('Either artifactStore or artifactStores must be specified.');
  if (pipeline.artifactStores && !pipeline.artifactStores[region]) throw invalidStructure(`artifactStores must contain an artifact store for the pipeline's region ${region}.`);
}

function checkVersionFields(pipeline: PipelineDeclaration): void {
  const type = pipeline.pipelineType ?? 'V1';
  if (type === 'V1' && pipeline.variables?.length) throw new AwsError('ValidationException', 'Pipeline variables are only supported in V2 type pipelines');
  if (type === 'V1' && pipeline.triggers?.length) throw new AwsError('ValidationException', 'Triggers are only supported in V2 type pipelines');
  checkTriggers(pipeline);
  const names = new Set<string>();
  for (const variable of pipeline.variables ?? []) {
    if (names.has(variable.name!)) throw invalidStructure(`Pipeline variable names must be unique: ${variable.name} is declared more than once`);
    names.add(variable.name!);
  }
}

/**
 * A variable reference must name a namespace of an action that runs before this one (or
 * `codepipeline` / `variables`): one declared by the action itself, a sibling or a later action
 * could never resolve (and would make a cycle).
 */
function checkReferences(action: ActionDeclaration, earlier: Set<string>): void {
  for (const text of Object.values(action.configuration ?? {})) {
    for (const { namespace } of references(text)) {
      if (namespace === 'codepipeline' || namespace === 'variables' || earlier.has(namespace)) continue;
      throw invalidStructure(`Action ${action.name} refers to the namespace ${namespace}, which no action that runs before it declares`);
    }
  }
}

/** Throws AWS's error for the first thing wrong with the declaration. */
export function checkStructure(c: CodePipelineContext, account: string, region: string, pipeline: PipelineDeclaration): void {
  checkArtifactStore(pipeline, region);
  checkVersionFields(pipeline);
  const stages = pipeline.stages ?? [];
  if (stages.length < 2) throw invalidStructure('Pipeline must contain at least two stages');
  const stageNames = new Set<string>();
  const produced = new Set<string>();
  const namespaces = new Set<string>();
  stages.forEach((stage, index) => {
    if (stageNames.has(stage.name!)) throw invalidStructure(`Pipeline has more than one stage named ${stage.name}`);
    stageNames.add(stage.name!);
    const actions = stage.actions ?? [];
    if (!actions.length) throw invalidStructure(`Stage ${stage.name} must contain at least one action`);
    const before = { produced: new Set(produced), namespaces: new Set(namespaces) };
    const actionNames = new Set<string>();
    const orders = [...new Set(actions.map((a) => a.runOrder ?? 1))].sort((a, b) => a - b);
    for (const order of orders) {
      const group = actions.filter((a) => (a.runOrder ?? 1) === order);
      const outputs: string[] = [];
      const groupNamespaces: string[] = [];
      for (const action of group) {
        if (actionNames.has(action.name!)) throw invalidStructure(`Stage ${stage.name} has more than one action named ${action.name}`);
        actionNames.add(action.name!);
        const isSource = action.actionTypeId?.category === 'Source';
        if (index === 0 && !isSource)
          throw invalidStructure(`The first stage of a pipeline must contain only source actions: action ${action.name} in stage ${stage.name} is a ${action.actionTypeId?.category} action`);
        if (index > 0 && isSource) throw invalidStructure(`Source actions must be in the first stage of a pipeline: action ${action.name} is in stage ${stage.name}`);
        checkAction(c, account, region, action);
        if (action.region && action.region !== region && !pipeline.artifactStores?.[action.region]) {
          throw invalidStructure(`Action ${action.name} runs in region ${action.region}: the pipeline's artifactStores must contain an artifact store for that region`);
        }
        for (const input of action.inputArtifacts ?? []) {
          if (!produced.has(input.name!)) throw invalidStructure(`Input Artifact ${input.name} of action ${action.name} in stage ${stage.name} is not the output of any action that runs before it`);
        }
        for (const output of action.outputArtifacts ?? []) {
          if (produced.has(output.name!) || outputs.includes(output.name!))
            throw invalidStructure(`Output Artifact Bundle name ${output.name} is declared by more than one action; artifact names must be unique within a pipeline`);
          outputs.push(output.name!);
        }
        checkReferences(action, namespaces);
        if (action.namespace) {
          if (namespaces.has(action.namespace) || groupNamespaces.includes(action.namespace)) {
            throw invalidStructure(`Namespace ${action.namespace} is used by more than one action; namespaces must be unique within a pipeline`);
          }
          groupNamespaces.push(action.namespace);
        }
      }
      for (const name of outputs) produced.add(name);
      for (const namespace of groupNamespaces) namespaces.add(namespace);
    }
    checkStageConditions(pipeline, stage, region, before, { produced, namespaces });
  });
}
