/**
 * The phases after an update's main work: the cleanup of a successful update (removed resources
 * and the old halves of replacements are deleted), the rollback of a failed one (the previous
 * template and parameters come back, resources changed in place are changed back, replaced ones
 * point at their old physical resource again), and that rollback's cleanup (resources the update
 * added and replacements it made are deleted).
 */
import { type CloudFormationContext, type OperationOptions, parseJson } from '../common.js';
import type { ResourceRow, StackRow } from '../store.js';
import type { ResolvedParameter, Template } from '../template/types.js';
import { setStackStatus } from './events.js';
import { walkGraph } from './graph.js';
import { pseudoParameters, type StackModel, stackModel } from './model.js';
import { awaitNestedStacks, holdForParent } from './nested.js';
import { beginRun, failInterrupted, type PreviousState } from './operations.js';
import { restoreExports } from './outputs.js';
import { deleteRecord, type Prior, priorOf, recordOf, revertResource, saveResource } from './resources.js';

function previousModel(stack: StackRow, previous: PreviousState): StackModel {
  return stackModel(parseJson<Template>(previous.processed_template), parseJson<Record<string, ResolvedParameter>>(previous.parameters), pseudoParameters(stack));
}

function keepsOnDelete(model: StackModel, row: ResourceRow, attribute: 'DeletionPolicy' | 'UpdateReplacePolicy'): string | undefined {
  const policy = model.template.Resources[row.logical_id]?.[attribute];
  if (policy === 'Retain' || policy === 'RetainExceptOnCreate') return '';
  if (policy === 'Snapshot') return `Drydock cannot snapshot ${row.type}: the resource is retained instead`;
  return undefined;
}

/** Why a resource created by the operation being rolled back is kept: only DeletionPolicy Retain keeps it (RetainExceptOnCreate does not). */
function retainedAfterCreate(model: StackModel, row: ResourceRow): string | undefined {
  return model.template.Resources[row.logical_id]?.DeletionPolicy === 'Retain' ? '' : undefined;
}

/** Deletes `rows` (resources no longer in the stack) in reverse dependency order of `model`. */
async function deleteRemoved(run: Awaited<ReturnType<typeof beginRun>>, model: StackModel, rows: ResourceRow[], keep: (row: ResourceRow) => string | undefined): Promise<void> {
  const byId = new Map(rows.map((row) => [row.logical_id, row]));
  await walkGraph(
    byId.keys(),
    (id) => model.dependencies.get(id) ?? [],
    (id) => {
      const row = byId.get(id)!;
      return deleteRecord(run, row, recordOf(row), { retainReason: keep(row) });
    },
    { reverse: true, stopOnFailure: false },
  );
}

/** Clears the update's bookkeeping and drops the rows of resources no longer in the stack. */
function finishUpdate(c: CloudFormationContext, stack: StackRow, status: string, dropped: (row: ResourceRow) => boolean): void {
  c.store.tx(() => {
    for (const row of c.store.resources(stack.stack_id)) {
      if (dropped(row)) c.store.deleteResource(stack.stack_id, row.logical_id);
      else if (row.prior !== null || row.removed) c.store.putResource({ ...row, prior: null, removed: 0 });
    }
    setStackStatus(c, stack.stack_id, status, undefined, { previous: null, update_policy: null, operation_options: '{}', cancel_requested: 0 });
  });
}

/** UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: deletes old physical resources of replacements (UpdateReplacePolicy) and removed resources (DeletionPolicy). */
export async function updateCleanupStep(c: CloudFormationContext, stack: StackRow, signal: AbortSignal): Promise<void> {
  if (!(await holdForParent(c, stack, signal))) return;
  const run = await beginRun(c, stack, signal);
  const previous = stack.previous ? parseJson<PreviousState>(stack.previous) : undefined;
  const oldModel = previous ? previousModel(stack, previous) : run.model;
  const rows = c.store.resources(stack.stack_id);
  await Promise.all(
    rows.map((row) => {
      const prior = priorOf(row);
      if (!prior || !('record' in prior) || !prior.replaced || prior.record.physicalId === row.physical_id) return true;
      return deleteRecord(run, row, prior.record, { eventsOnly: true, retainReason: keepsOnDelete(run.model, row, 'UpdateReplacePolicy') });
    }),
  );
  await deleteRemoved(
    run,
    oldModel,
    rows.filter((row) => row.removed),
    (row) => keepsOnDelete(oldModel, row, 'DeletionPolicy'),
  );
  await awaitNestedStacks(c, rows, signal);
  finishUpdate(c, stack, 'UPDATE_COMPLETE', (row) => row.removed === 1);
}

/** Puts the stack's template, parameters, outputs and exports back as they were before the update. */
function restorePrevious(c: CloudFormationContext, stack: StackRow): StackRow {
  if (!stack.previous) return stack;
  const previous = parseJson<PreviousState>(stack.previous);
  // The failed update's template orders the deletion of what it added, in the rollback's cleanup.
  previous.abandoned ??= { processed_template: stack.processed_template, parameters: stack.parameters };
  c.store.tx(() => {
    c.store.updateStack(stack.stack_id, {
      previous: JSON.stringify(previous),
      template_body: previous.template_body,
      processed_template: previous.processed_template,
      parameters: previous.parameters,
      outputs: previous.outputs,
      notification_arns: previous.notification_arns,
      capabilities: previous.capabilities,
      tags: previous.tags,
      role_arn: previous.role_arn,
      description: previous.description,
    });
    restoreExports(c, stack, previous.outputs);
    c.store.setImports(stack.stack_id, stack, previous.imports);
  });
  return c.store.stack(stack.stack_id)!;
}

/**
 * Switches replaced resources back to their old physical resource (the replacement is deleted in
 * the cleanup), brings removed ones back, and marks ContinueUpdateRollback's ResourcesToSkip done.
 */
function restoreRecords(c: CloudFormationContext, stack: StackRow, skip: string[]): void {
  c.store.tx(() => {
    for (const row of c.store.resources(stack.stack_id)) {
      const prior = priorOf(row);
      if (row.removed) c.store.putResource({ ...row, removed: 0 });
      if (!prior || 'added' in prior || 'discard' in prior) continue;
      const now = c.rt.clock.now();
      if (skip.includes(row.logical_id)) {
        saveResource({ c, stack }, { ...row, removed: 0, prior: null, status: 'UPDATE_COMPLETE', status_reason: null, updated_at: now }, {});
        continue;
      }
      if (!prior.replaced) continue;
      const replacement = recordOf(row);
      const discard: Prior | null = replacement && replacement.physicalId !== prior.record.physicalId ? { discard: replacement } : null;
      const restored: ResourceRow = {
        ...row,
        removed: 0,
        type: prior.record.type,
        physical_id: prior.record.physicalId,
        props: JSON.stringify(prior.record.props),
        attributes: JSON.stringify(prior.record.attributes),
        prior: discard && JSON.stringify(discard),
        status: 'UPDATE_COMPLETE',
        status_reason: null,
        updated_at: now,
      };
      saveResource({ c, stack }, restored, { props: prior.record.props });
    }
  });
}

/** UPDATE_ROLLBACK_IN_PROGRESS: back to the previous template; resources changed in place are changed back in dependency order. */
export async function updateRollbackStep(c: CloudFormationContext, stack: StackRow, signal: AbortSignal): Promise<void> {
  failInterrupted(c, stack);
  const restored = restorePrevious(c, stack);
  const skip = parseJson<OperationOptions>(stack.operation_options).skip ?? [];
  restoreRecords(c, restored, skip);
  let failed: string[];
  try {
    const run = await beginRun(c, restored, signal);
    const toRevert = new Map<string, ResourceRow>();
    for (const row of c.store.resources(stack.stack_id)) {
      const prior = priorOf(row);
      if (prior && 'record' in prior && !prior.replaced) toRevert.set(row.logical_id, row);
    }
    const result = await walkGraph(
      toRevert.keys(),
      (id) => run.model.dependencies.get(id) ?? [],
      (id) => {
        const row = toRevert.get(id)!;
        const prior = priorOf(row) as { record: NonNullable<ReturnType<typeof recordOf>> };
        return revertResource(run, row, prior.record);
      },
      { stopOnFailure: false },
    );
    failed = [...result.failed, ...result.skipped];
  } catch (err) {
    setStackStatus(c, stack.stack_id, 'UPDATE_ROLLBACK_FAILED', (err as Error).message);
    return;
  }
  if (failed.length) setStackStatus(c, stack.stack_id, 'UPDATE_ROLLBACK_FAILED', `The following resource(s) failed to update: [${failed.sort().join(', ')}].`);
  else setStackStatus(c, stack.stack_id, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', undefined, { operation_options: '{}' });
}

/** UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: deletes what the failed update added and the replacements it made. */
export async function updateRollbackCleanupStep(c: CloudFormationContext, stack: StackRow, signal: AbortSignal): Promise<void> {
  const run = await beginRun(c, stack, signal);
  const rows = c.store.resources(stack.stack_id);
  await Promise.all(
    rows.map((row) => {
      const prior = priorOf(row);
      return prior && 'discard' in prior ? deleteRecord(run, row, prior.discard, { eventsOnly: true }) : true;
    }),
  );
  const added = rows.filter((row) => {
    const prior = priorOf(row);
    return prior !== undefined && 'added' in prior && row.status !== 'DELETE_COMPLETE';
  });
  const previous = stack.previous ? parseJson<PreviousState>(stack.previous) : undefined;
  const abandoned = previous?.abandoned ? previousModel(stack, { ...previous, ...previous.abandoned }) : run.model;
  // What the failed update created goes, except what DeletionPolicy Retain keeps when the stack does not say RetainExceptOnCreate.
  await deleteRemoved(run, abandoned, added, (row) => (stack.retain_except_on_create ? undefined : retainedAfterCreate(abandoned, row)));
  await awaitNestedStacks(c, rows, signal);
  finishUpdate(c, stack, 'UPDATE_ROLLBACK_COMPLETE', (row) => {
    const prior = priorOf(row);
    return prior !== undefined && 'added' in prior;
  });
}
