/**
 * Drift detection operations: DetectStackDrift (a durable job; its progress through
 * DescribeStackDriftDetectionStatus), DetectStackResourceDrift (one resource, answered at once)
 * and DescribeStackResourceDrifts (each checked resource's latest result, in template order).
 */
import type * as C from '@aws-sdk/client-cloudformation';
import { uuid } from '../../../core/ids.js';
import { hasMembers, pageToken, readPageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { type CloudFormationContext, findStack, requireLiveStack, stackNotFound, validationError } from '../common.js';
import { checkDetectable, checkResource, driftCaller, isCheckable, stackResourceDrift, startDetection } from '../engine/drift.js';

const DEFAULT_PAGE = 100;

function resourceNotFound(logicalId: string, stackName: string) {
  return validationError(`Resource ${logicalId} does not exist for stack ${stackName}`);
}

export function detectStackDrift(c: CloudFormationContext, input: C.DetectStackDriftInput, ctx: RequestContext): C.DetectStackDriftOutput {
  const stack = requireLiveStack(c, ctx, input.StackName!);
  checkDetectable(stack);
  const logicalIds = input.LogicalResourceIds?.length ? [...new Set(input.LogicalResourceIds)] : undefined;
  for (const logicalId of logicalIds ?? []) {
    if (!c.store.resource(stack.stack_id, logicalId)) throw resourceNotFound(logicalId, stack.name);
  }
  const detectionId = uuid();
  c.drift.tx(() =>
    startDetection(c, {
      detection_id: detectionId,
      stack_id: stack.stack_id,
      account: stack.account,
      region: stack.region,
      status: 'DETECTION_IN_PROGRESS',
      status_reason: 'User Initiated',
      stack_drift_status: null,
      drifted_count: null,
      started_at: c.rt.clock.now(),
      logical_ids: logicalIds ? JSON.stringify(logicalIds) : null,
      caller: JSON.stringify(ctx.principal),
    }),
  );
  return { StackDriftDetectionId: detectionId };
}

export function describeStackDriftDetectionStatus(c: CloudFormationContext, input: C.DescribeStackDriftDetectionStatusInput, ctx: RequestContext): C.DescribeStackDriftDetectionStatusOutput {
  const detection = c.drift.detection(input.StackDriftDetectionId!);
  if (!detection || detection.account !== ctx.account || detection.region !== ctx.region) {
    throw validationError(`Drift detection with id ${input.StackDriftDetectionId} does not exist`);
  }
  const done = detection.status !== 'DETECTION_IN_PROGRESS';
  return {
    StackId: detection.stack_id,
    StackDriftDetectionId: detection.detection_id,
    StackDriftStatus: done ? (detection.stack_drift_status as C.StackDriftStatus) : undefined,
    DetectionStatus: detection.status as C.StackDriftDetectionStatus,
    DetectionStatusReason: detection.status_reason ?? undefined,
    DriftedStackResourceCount: done ? (detection.drifted_count ?? 0) : undefined,
    Timestamp: new Date(detection.started_at),
  };
}

export async function detectStackResourceDrift(c: CloudFormationContext, input: C.DetectStackResourceDriftInput, ctx: RequestContext): Promise<C.DetectStackResourceDriftOutput> {
  const stack = requireLiveStack(c, ctx, input.StackName!);
  checkDetectable(stack);
  const row = c.store.resource(stack.stack_id, input.LogicalResourceId!);
  if (!row) throw resourceNotFound(input.LogicalResourceId!, stack.name);
  if (!isCheckable(row)) throw validationError(`Drift detection is not supported for resource ${row.logical_id} of type ${row.type} in ${row.status} state.`);
  const caller = await driftCaller(c, stack, ctx.principal);
  const result = await checkResource(c, stack, caller, row, new AbortController().signal);
  c.drift.tx(() => {
    c.drift.putResourceDrift(result);
    // A single resource's check moves the stack's LastCheckTimestamp, not its drift status.
    c.drift.putStackDrift(stack.stack_id, c.drift.stackDrift(stack.stack_id)?.status ?? 'NOT_CHECKED', result.checked_at);
  });
  return { StackResourceDrift: stackResourceDrift(result) };
}

const indexToken = hasMembers<{ index: number }>({ index: 'number' });

export function describeStackResourceDrifts(c: CloudFormationContext, input: C.DescribeStackResourceDriftsInput, ctx: RequestContext): C.DescribeStackResourceDriftsOutput {
  const stack = findStack(c, ctx, input.StackName!);
  if (!stack) throw stackNotFound(input.StackName!);
  const statuses = input.StackResourceDriftStatusFilters?.length ? new Set<string>(input.StackResourceDriftStatusFilters) : undefined;
  const results = new Map(c.drift.resourceDrifts(stack.stack_id).map((drift) => [drift.logical_id, drift]));
  const drifts: C.StackResourceDrift[] = [];
  for (const row of c.store.resources(stack.stack_id)) {
    const drift = results.get(row.logical_id);
    // A result about a physical resource since replaced is not this resource's.
    if (!drift || drift.physical_id !== row.physical_id || (statuses && !statuses.has(drift.status))) continue;
    drifts.push(stackResourceDrift(drift));
  }
  const start = input.NextToken ? readPageToken(input.NextToken, indexToken, () => validationError('Invalid NextToken')).index : 0;
  const size = input.MaxResults ?? DEFAULT_PAGE;
  const page = drifts.slice(start, start + size);
  return { StackResourceDrifts: page, NextToken: start + size < drifts.length ? pageToken({ index: start + size }) : undefined };
}
