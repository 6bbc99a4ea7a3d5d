/**
 * The "CodePipeline Pipeline/Stage/Action Execution State Change" events, with the detail shapes
 * of AWS's "Monitoring CodePipeline events" page, published inside the transaction of the change.
 */
import type { ActionTypeId } from '@aws-sdk/client-codepipeline';
import type { Runtime } from '../../contracts.js';
import { pipelineArn } from '../common.js';
import type { ExecutionRow } from '../store.js';

const SOURCE = 'aws.codepipeline';

function base(execution: ExecutionRow) {
  return { pipeline: execution.pipeline, 'execution-id': execution.id, version: execution.version, 'pipeline-execution-attempt': 1 };
}

function publish(rt: Runtime, execution: ExecutionRow, detailType: string, detail: Record<string, unknown>): void {
  rt.events.publish({
    source: SOURCE,
    'detail-type': detailType,
    account: execution.account,
    region: execution.region,
    resources: [pipelineArn(execution.region, execution.account, execution.pipeline)],
    detail,
  });
}

/** The execution's trigger as events spell it (`trigger-type`, `trigger-detail`). */
function eventTrigger(execution: ExecutionRow): Record<string, string | undefined> {
  const trigger = JSON.parse(execution.trigger) as { triggerType?: string; triggerDetail?: string };
  return { 'trigger-type': trigger.triggerType, 'trigger-detail': trigger.triggerDetail };
}

/** state: STARTED | SUCCEEDED | RESUMED | FAILED | CANCELED | SUPERSEDED | STOPPING | STOPPED. */
export function pipelineEvent(rt: Runtime, execution: ExecutionRow, state: string): void {
  publish(rt, execution, 'CodePipeline Pipeline Execution State Change', {
    ...base(execution),
    state,
    'execution-trigger': eventTrigger(execution),
  });
}

/** state: STARTED | SUCCEEDED | RESUMED | FAILED | CANCELED | STOPPING | STOPPED. */
export function stageEvent(rt: Runtime, execution: ExecutionRow, stage: string, state: string): void {
  publish(rt, execution, 'CodePipeline Stage Execution State Change', { ...base(execution), stage, state });
}

/** state: STARTED | SUCCEEDED | FAILED | CANCELED | ABANDONED. */
export function actionEvent(
  rt: Runtime,
  execution: ExecutionRow,
  action: { stage: string; action: string; actionExecutionId: string; region: string; type: ActionTypeId },
  state: string,
  extra: Record<string, unknown> = {},
): void {
  publish(rt, execution, 'CodePipeline Action Execution State Change', {
    ...base(execution),
    stage: action.stage,
    'action-execution-id': action.actionExecutionId,
    action: action.action,
    state,
    region: action.region,
    type: { owner: action.type.owner, provider: action.type.provider, category: action.type.category, version: action.type.version },
    ...extra,
  });
}
