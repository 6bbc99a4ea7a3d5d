/**
 * The steps of the stack status machine, one per *_IN_PROGRESS status: each does its work and
 * moves the stack to the next status (another *_IN_PROGRESS one, whose step runs next, or a final
 * one). Every step can run again from the start after a restart: deletions of what is already
 * gone succeed, and creation or update interrupted half-way fails into its rollback.
 */
import { type CloudFormationContext, type OperationOptions, parseJson } from '../common.js';
import type { ResourceRow, StackRow } from '../store.js';
import type { ResourceDeclaration } from '../template/types.js';
import { stackCaller } from './caller.js';
import { setStackStatus } from './events.js';
import { walkGraph } from './graph.js';
import { evaluationContext, externalValues, modelOfStack, type ResourceState, type StackModel } from './model.js';
import { exportInUse, publishOutputs } from './outputs.js';
import { policyDenial } from './policy.js';
import { createResource, deleteRecord, type OperationRun, recordOf, saveResource, updateResource } from './resources.js';

/** What the previous template and parameters were while an update runs (StackRow.previous). */
export interface PreviousState {
  template_body: string;
  processed_template: string;
  parameters: string;
  outputs: string;
  imports: string[];
  notification_arns: string;
  capabilities: string;
  tags: string;
  role_arn: string | null;
  description: string | null;
  /** The stack never reached a stable state (its creation failed and DisableRollback kept it): a rollback deletes it all. */
  neverStable?: boolean;
  /** Set once the update rolls back: the failed update's template and parameters. */
  abandoned?: { processed_template: string; parameters: string };
}

/** The stack as it is before an update or import begins: what its rollback restores. */
export function previousStateOf(c: CloudFormationContext, stack: StackRow): PreviousState {
  return {
    template_body: stack.template_body,
    processed_template: stack.processed_template,
    parameters: stack.parameters,
    outputs: stack.outputs,
    imports: c.store.importsOf(stack.stack_id),
    notification_arns: stack.notification_arns,
    capabilities: stack.capabilities,
    tags: stack.tags,
    role_arn: stack.role_arn,
    description: stack.description,
  };
}

/**
 * What an update starting now rolls back to: the stack as it is, or, when it retries from a failure
 * DisableRollback kept, the last stable state before that failure (AWS's "last known stable
 * state"; a stack whose creation failed has none).
 */
export function updateBaseOf(c: CloudFormationContext, stack: StackRow): PreviousState {
  if (stack.status === 'UPDATE_FAILED' && stack.previous) return parseJson<PreviousState>(stack.previous);
  const state = previousStateOf(c, stack);
  return stack.status === 'CREATE_FAILED' ? { ...state, neverStable: true } : state;
}

const INTERRUPTED = 'Resource handler was interrupted: Drydock stopped while the stack operation ran';

export async function beginRun(c: CloudFormationContext, stack: StackRow, signal: AbortSignal, model = modelOfStack(stack)): Promise<OperationRun> {
  const states = new Map<string, ResourceState>();
  for (const row of c.store.resources(stack.stack_id)) {
    const record = recordOf(row);
    if (record && row.status !== 'DELETE_COMPLETE') states.set(row.logical_id, { physicalId: record.physicalId, attributes: record.attributes });
  }
  const caller = await stackCaller(c, stack);
  const imported = new Set<string>();
  return {
    c,
    stack,
    model,
    states,
    ctx: evaluationContext(c, stack, model, states, imported),
    imported,
    caller,
    external: externalValues(c, caller),
    signal,
    policy: stack.update_policy ?? stack.stack_policy,
  };
}

/** Resources a dead process left in progress fail, so the operation's failure path takes over. */
export function failInterrupted(c: CloudFormationContext, stack: StackRow): string[] {
  const interrupted: string[] = [];
  for (const row of c.store.resources(stack.stack_id)) {
    if (!row.status.endsWith('_IN_PROGRESS')) continue;
    const failed = row.status.replace('_IN_PROGRESS', '_FAILED');
    saveResource({ c, stack }, { ...row, status: failed, status_reason: INTERRUPTED, updated_at: c.rt.clock.now() }, { reason: INTERRUPTED });
    interrupted.push(row.logical_id);
  }
  return interrupted;
}

function failureReason(verb: 'create' | 'update' | 'delete', logicalIds: string[]): string {
  return logicalIds.length ? `The following resource(s) failed to ${verb}: [${[...logicalIds].sort().join(', ')}]. ` : '';
}

function declarationOf(model: StackModel, logicalId: string): ResourceDeclaration | undefined {
  return model.template.Resources[logicalId];
}

const TIMED_OUT = 'Stack creation time exceeded the specified timeout. ';

/** CreateStack's TimeoutInMinutes as a signal that aborts on Drydock's clock, counted from the stack's creation; undefined without one. */
function creationDeadline(c: CloudFormationContext, stack: StackRow): { expired: AbortSignal; stop(): void } | undefined {
  if (stack.timeout_minutes === null) return undefined;
  const expiry = new AbortController();
  const timer = c.rt.clock.after(Math.max(0, stack.created_at + stack.timeout_minutes * 60_000 - c.rt.clock.now()), () => expiry.abort());
  return { expired: expiry.signal, stop: () => timer.cancel() };
}

const dependenciesOf = (model: StackModel) => (id: string) => model.dependencies.get(id) ?? [];

/**
 * CREATE_IN_PROGRESS: every resource in dependency order, then outputs; a failure rolls back (or
 * stops, or deletes) as OnFailure says. A DeleteStack during the creation (`deleteRequested`) stops
 * it as a timeout does, and the stack is deleted with what it made.
 */
export async function createStep(c: CloudFormationContext, stack: StackRow, signal: AbortSignal, resumed: boolean, deleteRequested: AbortSignal): Promise<void> {
  // Resource failures name the resources and say what happens next, as AWS words them; other failures (exports) are their own message.
  let reason: string | undefined;
  let byResources = true;
  if (resumed) reason = failureReason('create', failInterrupted(c, stack)) || 'Drydock stopped while the stack was being created. ';
  else {
    const deadline = creationDeadline(c, stack);
    try {
      // The timeout and a DeleteStack stop what providers wait on as well as the walk: those resources fail as "Resource creation cancelled".
      const run = await beginRun(c, stack, AbortSignal.any([signal, deleteRequested, ...(deadline ? [deadline.expired] : [])]));
      const result = await walkGraph(run.model.active, dependenciesOf(run.model), (id) => createResource(run, id, undefined), { stopOnFailure: !stack.disable_rollback, signal: run.signal });
      const unfinished = result.failed.length + result.skipped.length > 0;
      reason = unfinished && deadline?.expired.aborted ? TIMED_OUT : failureReason('create', result.failed);
      if (!reason && !deleteRequested.aborted) {
        c.store.tx(() => setStackStatus(c, stack.stack_id, 'CREATE_COMPLETE', undefined, { outputs: publishOutputs(run) }));
        return;
      }
    } catch (err) {
      reason = (err as Error).message;
      byResources = false;
    } finally {
      deadline?.stop();
    }
  }
  if (c.store.stack(stack.stack_id)?.cancel_requested) {
    setStackStatus(c, stack.stack_id, 'DELETE_IN_PROGRESS', 'User Initiated', { cancel_requested: 0, operation_options: JSON.stringify({ createFailed: true }) });
    return;
  }
  const next = (request: string) => (byResources ? `${reason}${request}` : reason);
  if (stack.on_failure === 'DO_NOTHING' || stack.disable_rollback) setStackStatus(c, stack.stack_id, 'CREATE_FAILED', reason.trimEnd());
  else if (stack.on_failure === 'DELETE') setStackStatus(c, stack.stack_id, 'DELETE_IN_PROGRESS', next('Delete requested by user.'), { operation_options: JSON.stringify({ createFailed: true }) });
  else setStackStatus(c, stack.stack_id, 'ROLLBACK_IN_PROGRESS', next('Rollback requested by user.'));
}

/** Why a resource is kept rather than deleted, by its DeletionPolicy; undefined to delete it. */
function retention(declaration: ResourceDeclaration | undefined, type: string, createdInThisOperation: boolean): string | undefined {
  switch (declaration?.DeletionPolicy) {
    case 'Retain':
      return '';
    case 'RetainExceptOnCreate':
      return createdInThisOperation ? undefined : '';
    case 'Snapshot':
      return `Drydock cannot snapshot ${type}: the resource is retained instead`;
    default:
      return undefined;
  }
}

/** Deletes the stack's resources in reverse dependency order; answers those that failed. */
async function deleteAll(run: OperationRun, rows: ResourceRow[], keep: (row: ResourceRow) => string | undefined): Promise<string[]> {
  const byId = new Map(rows.map((row) => [row.logical_id, row]));
  const result = await walkGraph(
    byId.keys(),
    dependenciesOf(run.model),
    async (id) => {
      const row = byId.get(id)!;
      return deleteRecord(run, row, recordOf(row), { retainReason: keep(row) });
    },
    { reverse: true, stopOnFailure: false },
  );
  return [...result.failed, ...result.skipped];
}

const notGone = (row: ResourceRow) => row.status !== 'DELETE_COMPLETE' && row.status !== 'DELETE_SKIPPED';

/** ROLLBACK_IN_PROGRESS: deletes what the failed creation made (Retain keeps, RetainExceptOnCreate does not). */
export async function rollbackStep(c: CloudFormationContext, stack: StackRow, signal: AbortSignal): Promise<void> {
  failInterrupted(c, stack);
  const run = await beginRun(c, stack, signal);
  const rows = c.store.resources(stack.stack_id).filter(notGone);
  const failed = await deleteAll(run, rows, (row) => (stack.retain_except_on_create ? undefined : retention(declarationOf(run.model, row.logical_id), row.type, true)));
  if (failed.length) setStackStatus(c, stack.stack_id, 'ROLLBACK_FAILED', failureReason('delete', failed).trimEnd());
  else setStackStatus(c, stack.stack_id, 'ROLLBACK_COMPLETE', undefined, { outputs: '[]' });
}

/** DELETE_IN_PROGRESS: deletes every resource but those retained (DeletionPolicy, RetainResources). */
export async function deleteStep(c: CloudFormationContext, stack: StackRow, signal: AbortSignal): Promise<void> {
  failInterrupted(c, stack);
  const options = parseJson<OperationOptions & { createFailed?: boolean }>(stack.operation_options);
  const run = await beginRun(c, stack, signal);
  const inUse = exportInUse(c, stack);
  if (inUse) {
    setStackStatus(c, stack.stack_id, 'DELETE_FAILED', inUse);
    return;
  }
  const rows = c.store.resources(stack.stack_id).filter(notGone);
  const failed = await deleteAll(run, rows, (row) => {
    if (options.retain?.includes(row.logical_id)) return '';
    return retention(declarationOf(run.model, row.logical_id), row.type, Boolean(options.createFailed));
  });
  if (failed.length) {
    setStackStatus(c, stack.stack_id, 'DELETE_FAILED', failureReason('delete', failed).trimEnd());
    return;
  }
  c.store.tx(() => {
    c.store.setExports(stack.stack_id, stack, []);
    c.store.setImports(stack.stack_id, stack, []);
    setStackStatus(c, stack.stack_id, 'DELETE_COMPLETE', undefined, { deleted_at: c.rt.clock.now(), termination_protection: 0 });
  });
}

/** UPDATE_IN_PROGRESS: adds, changes and replaces resources in dependency order, then outputs; removals wait for the cleanup. */
export async function updateStep(c: CloudFormationContext, stack: StackRow, signal: AbortSignal, cancel: AbortSignal, resumed: boolean): Promise<void> {
  let reason: string | undefined;
  if (resumed) reason = failureReason('update', failInterrupted(c, stack)) || 'Drydock stopped while the stack was being updated. ';
  else {
    try {
      reason = await runUpdate(c, stack, signal, cancel);
      if (!reason) return;
    } catch (err) {
      reason = (err as Error).message;
    }
  }
  if (stack.disable_rollback) setStackStatus(c, stack.stack_id, 'UPDATE_FAILED', reason.trimEnd());
  else setStackStatus(c, stack.stack_id, 'UPDATE_ROLLBACK_IN_PROGRESS', reason.trimEnd());
}

/**
 * A retry of a resource whose creation failed in an earlier operation DisableRollback kept: what
 * the failed create left (a physical id it named) is deleted first, since it has no last known
 * stable state, then the resource is created again.
 */
async function recreateFailed(run: OperationRun, logicalId: string, failed: ResourceRow): Promise<boolean> {
  const leftOver = recordOf(failed);
  if (leftOver && !(await deleteRecord(run, failed, leftOver, { eventsOnly: true }))) return false;
  return createResource(run, logicalId, { added: true });
}

/** The update's work; answers the failure reason, or undefined once the stack moved on to its cleanup. */
async function runUpdate(c: CloudFormationContext, stack: StackRow, signal: AbortSignal, cancel: AbortSignal): Promise<string | undefined> {
  // CancelUpdateStack stops what providers are waiting for, as well as the walk.
  const run = await beginRun(c, stack, AbortSignal.any([signal, cancel]));
  const active = new Set(run.model.active);
  const rows = new Map(c.store.resources(stack.stack_id).map((row) => [row.logical_id, row]));
  for (const row of rows.values()) {
    if (active.has(row.logical_id) && row.removed) {
      // Back in the template of a retry after a failed update that removed it: it stays.
      const kept = { ...row, removed: 0 };
      c.store.putResource(kept);
      rows.set(row.logical_id, kept);
    }
    if (active.has(row.logical_id) || row.removed) continue;
    const denial = policyDenial(run.policy, 'Update:Delete', row.logical_id, row.type);
    if (denial) {
      saveResource(run, { ...row, status: 'UPDATE_FAILED', status_reason: denial }, { reason: denial });
      return failureReason('update', [row.logical_id]);
    }
    c.store.putResource({ ...row, removed: 1 });
  }
  const created: string[] = [];
  const walk = await walkGraph(
    run.model.active,
    dependenciesOf(run.model),
    (id) => {
      const existing = rows.get(id);
      if (existing?.status === 'CREATE_FAILED') {
        created.push(id);
        return recreateFailed(run, id, existing);
      }
      if (existing && existing.status !== 'DELETE_COMPLETE') return updateResource(run, id, existing);
      created.push(id);
      return createResource(run, id, { added: true });
    },
    // With DisableRollback a failure stops only the resources that depend on it: "A failure in one path doesn't affect other provisioning paths" (AWS's guide, stack-failure-options).
    { stopOnFailure: !stack.disable_rollback, signal: run.signal },
  );
  if (cancel.aborted) return 'Stack update cancelled';
  if (walk.failed.length) {
    const failedCreates = walk.failed.filter((id) => created.includes(id));
    return (
      failureReason('create', failedCreates) +
      failureReason(
        'update',
        walk.failed.filter((id) => !created.includes(id)),
      )
    );
  }
  try {
    c.store.tx(() => {
      const outputs = publishOutputs(run);
      setStackStatus(c, stack.stack_id, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', undefined, { outputs });
    });
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}
