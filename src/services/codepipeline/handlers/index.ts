/** The CodePipeline handlers map: every operation Drydock serves. The others answer 501 (see the Gaps in ../index.ts). */
import type { Handlers } from '../../../protocol/types.js';
import { bindOperations } from '../../bind.js';
import { listRuleExecutions, listRuleTypes, overrideStageCondition } from './conditions.js';
import type { HandlerContext } from './context.js';
import { getPipelineExecution, listPipelineExecutions, startPipelineExecution, stopPipelineExecution } from './executions.js';
import {
  acknowledgeJob,
  acknowledgeThirdPartyJob,
  getJobDetails,
  getThirdPartyJobDetails,
  pollForJobs,
  pollForThirdPartyJobs,
  putJobFailureResult,
  putJobSuccessResult,
  putThirdPartyJobFailureResult,
  putThirdPartyJobSuccessResult,
} from './jobs.js';
import { createPipeline, deletePipeline, getPipeline, listPipelines, updatePipeline } from './pipelines.js';
import {
  createCustomActionType,
  deleteCustomActionType,
  deleteWebhook,
  getActionType,
  listActionTypes,
  listTagsForResource,
  listWebhooks,
  putWebhook,
  tagResource,
  untagResource,
} from './resources.js';
import { retryStageExecution, rollbackStage } from './retry.js';
import { listDeployActionExecutionTargets, putActionRevision } from './revisions.js';
import { disableStageTransition, enableStageTransition, getPipelineState, listActionExecutions, putApprovalResult } from './state.js';

const OPERATIONS = {
  CreatePipeline: createPipeline,
  UpdatePipeline: updatePipeline,
  GetPipeline: getPipeline,
  ListPipelines: listPipelines,
  DeletePipeline: deletePipeline,
  StartPipelineExecution: startPipelineExecution,
  StopPipelineExecution: stopPipelineExecution,
  RetryStageExecution: retryStageExecution,
  RollbackStage: rollbackStage,
  OverrideStageCondition: overrideStageCondition,
  ListRuleExecutions: listRuleExecutions,
  ListRuleTypes: listRuleTypes,
  GetPipelineExecution: getPipelineExecution,
  ListPipelineExecutions: listPipelineExecutions,
  GetPipelineState: getPipelineState,
  ListActionExecutions: listActionExecutions,
  DisableStageTransition: disableStageTransition,
  EnableStageTransition: enableStageTransition,
  PutApprovalResult: putApprovalResult,
  PollForJobs: pollForJobs,
  PollForThirdPartyJobs: pollForThirdPartyJobs,
  AcknowledgeJob: acknowledgeJob,
  AcknowledgeThirdPartyJob: acknowledgeThirdPartyJob,
  GetJobDetails: getJobDetails,
  GetThirdPartyJobDetails: getThirdPartyJobDetails,
  PutJobSuccessResult: putJobSuccessResult,
  PutJobFailureResult: putJobFailureResult,
  PutThirdPartyJobSuccessResult: putThirdPartyJobSuccessResult,
  PutThirdPartyJobFailureResult: putThirdPartyJobFailureResult,
  CreateCustomActionType: createCustomActionType,
  DeleteCustomActionType: deleteCustomActionType,
  ListActionTypes: listActionTypes,
  GetActionType: getActionType,
  PutWebhook: putWebhook,
  ListWebhooks: listWebhooks,
  DeleteWebhook: deleteWebhook,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
  PutActionRevision: putActionRevision,
  ListDeployActionExecutionTargets: listDeployActionExecutionTargets,
};

export function createHandlers(c: HandlerContext): Handlers {
  return bindOperations(c, OPERATIONS);
}
