/**
 * Drift detection: each resource's recorded properties (the template's, after parameters) against
 * what its provider reads through the owning service's API now, compared as CloudFormation does
 * (drift-compare.ts). A stack's detection is a durable job that checks its resources in parallel
 * and records the results in one transaction, with the "CloudFormation Drift Detection Status
 * Change" events on the bus; a detection a dead process left running is run again.
 *
 * The reads run as the stack's RoleARN session when it has one, otherwise as the principal who
 * asked for the detection. Resources whose type has no `read`, and resources not in a *_COMPLETE
 * status (skipped by ContinueUpdateRollback, failed), stay NOT_CHECKED. A read that fails marks
 * the resource UNKNOWN with the error as DriftStatusReason and the detection DETECTION_FAILED.
 */
import type { StackDriftInformation, StackResourceDrift, StackResourceDriftInformation } from '@aws-sdk/client-cloudformation';
import type { Principal } from '../../../core/accounts.js';
import type { InProcessCaller } from '../../contracts.js';
import { type CloudFormationContext, parseJson, validationError } from '../common.js';
import type { DetectionRow, ResourceDriftRow } from '../drift-store.js';
import { PROVIDERS } from '../providers/index.js';
import type { Properties } from '../providers/types.js';
import type { ResourceRow, StackRow } from '../store.js';
import { assumeStackRole, providerContext } from './caller.js';
import { compareProperties } from './drift-compare.js';

const DRIFT_JOB = 'cloudformation.drift';

/** AWS detects drift on stacks in these statuses only. */
const DETECTABLE_STACK = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_FAILED']);
/** Resource reads running at once within one detection. */
const PARALLEL_READS = 16;

/** Drydock's refusal for a stack whose status does not allow drift detection. */
export function checkDetectable(stack: StackRow): void {
  if (!DETECTABLE_STACK.has(stack.status)) throw validationError(`Drift detection is not supported for stack ${stack.name} in ${stack.status} state.`);
}

/** Whether drift detection can check this resource: a type whose provider reads, created and not failed. */
export function isCheckable(row: ResourceRow): boolean {
  return row.physical_id !== null && row.status.endsWith('_COMPLETE') && !row.status.startsWith('DELETE') && PROVIDERS[row.type]?.read !== undefined;
}

/** Who the reads run as: the stack's role session, or the principal who asked. */
export async function driftCaller(c: CloudFormationContext, stack: StackRow, principal: Principal): Promise<InProcessCaller> {
  if (stack.role_arn) return assumeStackRole(c, stack, stack.role_arn);
  return { principal, account: stack.account, region: stack.region, calledVia: ['cloudformation.amazonaws.com'] };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Checks one resource: its drift result as a row (not yet written). */
export async function checkResource(c: CloudFormationContext, stack: StackRow, caller: InProcessCaller, row: ResourceRow, signal: AbortSignal): Promise<ResourceDriftRow> {
  const physicalId = row.physical_id!;
  const expected = parseJson<Properties>(row.props);
  const result: ResourceDriftRow = {
    stack_id: stack.stack_id,
    logical_id: row.logical_id,
    physical_id: physicalId,
    type: row.type,
    status: 'UNKNOWN',
    reason: null,
    expected: row.props,
    actual: null,
    differences: '[]',
    checked_at: c.rt.clock.now(),
  };
  try {
    const context = providerContext(c, stack, caller, row.logical_id, row.type, signal);
    const actual = await PROVIDERS[row.type]!.read!(context, { physicalId, props: expected, attributes: parseJson(row.attributes) });
    if (actual === undefined) return { ...result, status: 'DELETED' };
    const comparison = compareProperties(row.type, expected, actual);
    return {
      ...result,
      status: comparison.differences.length > 0 ? 'MODIFIED' : 'IN_SYNC',
      actual: JSON.stringify(comparison.actual),
      differences: JSON.stringify(comparison.differences),
    };
  } catch (err) {
    return { ...result, reason: message(err) };
  }
}

async function checkAll(c: CloudFormationContext, stack: StackRow, caller: InProcessCaller, rows: ResourceRow[], signal: AbortSignal): Promise<ResourceDriftRow[]> {
  const results: ResourceDriftRow[] = new Array(rows.length);
  let next = 0;
  const worker = async () => {
    while (next < rows.length && !signal.aborted) {
      const index = next++;
      results[index] = await checkResource(c, stack, caller, rows[index]!, signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, rows.length) }, worker));
  return results;
}

/** Publishes a "CloudFormation Drift Detection Status Change" event; call inside a transaction. */
function publishStatus(c: CloudFormationContext, detection: DetectionRow, status: string, stackDriftStatus: string, driftedCount: number): void {
  c.rt.events.publish({
    source: 'aws.cloudformation',
    'detail-type': 'CloudFormation Drift Detection Status Change',
    account: detection.account,
    region: detection.region,
    resources: [detection.stack_id],
    detail: {
      'stack-id': detection.stack_id,
      'stack-drift-detection-id': detection.detection_id,
      'status-details': { 'stack-drift-status': stackDriftStatus, 'detection-status': status },
      // -1 while the detection is in progress, as AWS reports it.
      'drift-detection-details': { 'drifted-stack-resource-count': driftedCount },
    },
  });
}

/** Records a new detection and enqueues its job; call inside a transaction. */
export function startDetection(c: CloudFormationContext, detection: DetectionRow): void {
  c.drift.insertDetection(detection);
  publishStatus(c, detection, 'DETECTION_IN_PROGRESS', 'NOT_CHECKED', -1);
  c.rt.jobs.enqueue(DRIFT_JOB, { detectionId: detection.detection_id });
}

function finish(c: CloudFormationContext, detection: DetectionRow, results: ResourceDriftRow[], failure?: string): void {
  const drifted = results.filter((r) => r.status === 'MODIFIED' || r.status === 'DELETED').length;
  const failed = results.filter((r) => r.status === 'UNKNOWN');
  let reason = failure ?? null;
  if (!reason && failed.length > 0) {
    reason = JSON.stringify({
      Summary: `Failed to detect drift on resources [${failed.map((r) => r.logical_id).join(',')}]`,
      Failures: failed.map((r) => ({ Resource: r.logical_id, FailureReason: r.reason })),
    });
  }
  const status = reason ? 'DETECTION_FAILED' : 'DETECTION_COMPLETE';
  const stackDriftStatus = drifted > 0 ? 'DRIFTED' : reason ? 'UNKNOWN' : 'IN_SYNC';
  c.drift.tx(() => {
    for (const result of results) c.drift.putResourceDrift(result);
    c.drift.finishDetection(detection.detection_id, { status, reason, stackDriftStatus, driftedCount: drifted });
    c.drift.putStackDrift(detection.stack_id, stackDriftStatus, detection.started_at);
    publishStatus(c, detection, status, stackDriftStatus, drifted);
  });
}

/** Runs a stack drift detection to its end. */
async function runDetection(c: CloudFormationContext, detection: DetectionRow, signal: AbortSignal): Promise<void> {
  const stack = c.store.stack(detection.stack_id);
  if (!stack || stack.deleted_at !== null) return finish(c, detection, [], `Stack ${detection.stack_id} does not exist`);
  let caller: InProcessCaller;
  try {
    caller = await driftCaller(c, stack, parseJson<Principal>(detection.caller));
  } catch (err) {
    return finish(c, detection, [], message(err));
  }
  const only = detection.logical_ids === null ? undefined : new Set(parseJson<string[]>(detection.logical_ids));
  const rows = c.store.resources(stack.stack_id).filter((row) => (only === undefined || only.has(row.logical_id)) && isCheckable(row));
  const results = await checkAll(c, stack, caller, rows, signal);
  // Reset or shutdown: the next start runs the detection again.
  if (signal.aborted) return;
  finish(c, detection, results);
}

/** Registers the job that runs stack drift detections. */
export function registerDriftJobs(c: CloudFormationContext): void {
  c.rt.jobs.register(DRIFT_JOB, async (job, info) => {
    const { detectionId } = job.payload as { detectionId: string };
    const detection = c.drift.detection(detectionId);
    if (detection?.status === 'DETECTION_IN_PROGRESS') await runDetection(c, detection, info.signal);
  });
}

/** A resource's drift result in AWS's shape. */
export function stackResourceDrift(row: ResourceDriftRow): StackResourceDrift {
  const differences = parseJson<StackResourceDrift['PropertyDifferences']>(row.differences);
  return {
    StackId: row.stack_id,
    LogicalResourceId: row.logical_id,
    PhysicalResourceId: row.physical_id,
    ResourceType: row.type,
    ExpectedProperties: row.expected ?? undefined,
    ActualProperties: row.actual ?? undefined,
    PropertyDifferences: differences,
    StackResourceDriftStatus: row.status as StackResourceDrift['StackResourceDriftStatus'],
    DriftStatusReason: row.reason ?? undefined,
    Timestamp: new Date(row.checked_at),
  };
}

/** DescribeStacks' and ListStacks' DriftInformation. */
export function stackDriftInformation(c: CloudFormationContext, stackId: string): StackDriftInformation {
  const row = c.drift.stackDrift(stackId);
  return row ? { StackDriftStatus: row.status as StackDriftInformation['StackDriftStatus'], LastCheckTimestamp: new Date(row.checked_at) } : { StackDriftStatus: 'NOT_CHECKED' };
}

/**
 * The resource views' DriftInformation for a stack's resources: the latest result about the
 * physical resource the stack has now (a result about one since replaced is not shown).
 */
export function resourceDriftInformation(c: CloudFormationContext, stackId: string): (row: ResourceRow) => StackResourceDriftInformation {
  const results = new Map(c.drift.resourceDrifts(stackId).map((drift) => [drift.logical_id, drift]));
  return (row) => {
    const drift = results.get(row.logical_id);
    if (!drift || drift.physical_id !== row.physical_id) return { StackResourceDriftStatus: 'NOT_CHECKED' };
    return { StackResourceDriftStatus: drift.status as StackResourceDriftInformation['StackResourceDriftStatus'], LastCheckTimestamp: new Date(drift.checked_at) };
  };
}
