/**
 * What each CodePipeline operation needs to be allowed, from AWS's Service Authorization Reference
 * ("Actions, resources, and condition keys for AWS CodePipeline"): pipeline operations on
 * `arn:…:codepipeline:<region>:<account>:<pipeline>`, stage and action operations on
 * `<pipeline>/<stage>` and `<pipeline>/<stage>/<action>`, custom action types on
 * `actiontype:Custom/<category>/<provider>/<version>`, webhooks on `webhook:<name>`; the job-worker
 * operations, listings and action type creation on `*`. CreatePipeline and UpdatePipeline also need
 * iam:PassRole on the pipeline's service role.
 */
import type * as CP from '@aws-sdk/client-codepipeline';
import { arn } from '../../core/arn.js';
import type { ActionRule, ServiceAuthorization } from '../authorization.js';

const PIPELINE = 'arn:${Partition}:codepipeline:${Region}:${Account}:${name}';
const BY_PIPELINE_NAME = 'arn:${Partition}:codepipeline:${Region}:${Account}:${pipelineName}';
const STAGE = 'arn:${Partition}:codepipeline:${Region}:${Account}:${pipelineName}/${stageName}';
const ACTION = 'arn:${Partition}:codepipeline:${Region}:${Account}:${pipelineName}/${stageName}/${actionName}';
const ACTION_TYPE = 'arn:${Partition}:codepipeline:${Region}:${Account}:actiontype:Custom/${category}/${provider}/${version}';

const onDeclaration: ActionRule = {
  resource: (input: { pipeline?: CP.PipelineDeclaration }, ctx) => arn('codepipeline', ctx.region, ctx.account, input.pipeline?.name ?? '*'),
  also: [{ action: 'iam:PassRole', resource: (input: { pipeline?: CP.PipelineDeclaration }) => input.pipeline?.roleArn ?? '*' }],
};

export const codePipelineAuthorization: ServiceAuthorization = {
  prefix: 'codepipeline',
  rules: {
    CreatePipeline: onDeclaration,
    UpdatePipeline: onDeclaration,
    GetPipeline: { resource: PIPELINE },
    DeletePipeline: { resource: PIPELINE },
    ListPipelines: { resource: '*' },
    StartPipelineExecution: { resource: PIPELINE },
    StopPipelineExecution: { resource: BY_PIPELINE_NAME },
    GetPipelineExecution: { resource: BY_PIPELINE_NAME },
    ListPipelineExecutions: { resource: BY_PIPELINE_NAME },
    GetPipelineState: { resource: PIPELINE },
    ListActionExecutions: { resource: BY_PIPELINE_NAME },
    RetryStageExecution: { resource: STAGE },
    RollbackStage: { resource: STAGE },
    // Not in the reference yet: on the stage and the pipeline, as their neighbours RetryStageExecution and ListActionExecutions.
    OverrideStageCondition: { resource: STAGE },
    ListRuleExecutions: { resource: BY_PIPELINE_NAME },
    ListRuleTypes: { resource: '*' },
    DisableStageTransition: { resource: STAGE },
    EnableStageTransition: { resource: STAGE },
    PutApprovalResult: { resource: ACTION },
    CreateCustomActionType: { resource: ACTION_TYPE },
    DeleteCustomActionType: { resource: ACTION_TYPE },
    ListActionTypes: { resource: '*' },
    GetActionType: { resource: '*' },
    PutWebhook: { resource: (input: CP.PutWebhookInput, ctx) => arn('codepipeline', ctx.region, ctx.account, `webhook:${input.webhook?.name ?? '*'}`) },
    DeleteWebhook: { resource: 'arn:${Partition}:codepipeline:${Region}:${Account}:webhook:${name}' },
    ListWebhooks: { resource: '*' },
    TagResource: { resource: '${resourceArn}' },
    UntagResource: { resource: '${resourceArn}' },
    ListTagsForResource: { resource: '${resourceArn}' },
  },
};
