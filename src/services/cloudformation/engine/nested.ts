/**
 * How a nested stack's operation waits on its parent, as AWS runs them: a nested stack whose
 * update succeeded holds in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS until its parent's update has
 * either succeeded (then it cleans up with the parent, and the parent completes once it has) or
 * failed (then the parent's rollback moves it to UPDATE_ROLLBACK_IN_PROGRESS, see the
 * AWS::CloudFormation::Stack provider). The waits are on stack status events, so a restart that
 * resumes the nested stack's job simply waits again.
 */
import type * as C from '@aws-sdk/client-cloudformation';
import type { AwsEvent } from '../../../core/events.js';
import { type CloudFormationContext, validationError } from '../common.js';
import type { ResourceRow, StackRow } from '../store.js';

export const NESTED_STACK_TYPE = 'AWS::CloudFormation::Stack';

/** Whether a status is final (no operation runs on the stack). */
export const settledStatus = (status: string) => !status.endsWith('_IN_PROGRESS');

/** Waits until `ready` answers a value (checked now and after each stack status change anywhere), or the signal aborts. */
async function whenReady<T>(c: CloudFormationContext, signal: AbortSignal, ready: () => T | undefined, onStatus?: (event: AwsEvent) => void): Promise<T> {
  let wake: () => void = () => {};
  const unsubscribe = c.rt.events.subscribe((event: AwsEvent) => {
    if (event['detail-type'] !== 'CloudFormation Stack Status Change') return;
    onStatus?.(event);
    wake();
  });
  const onAbort = () => wake();
  signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const found = ready();
      if (found !== undefined) return found;
      if (signal.aborted) throw signal.reason;
      await woken;
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', onAbort);
  }
}

/** Waits until the stack reaches a status `final` accepts; answers it with the first failure reason seen on the way. */
export async function settleStack(c: CloudFormationContext, stackId: string, final: (status: string) => boolean, signal: AbortSignal): Promise<{ status: string; failure?: string }> {
  let failure: string | undefined;
  const noteFailure = (status: string, reason: string | undefined) => {
    if (failure === undefined && /(FAILED|ROLLBACK_IN_PROGRESS)$/.test(status) && reason) failure = reason;
  };
  return whenReady(
    c,
    signal,
    () => {
      const stack = c.store.stack(stackId);
      if (!stack) throw validationError(`Stack with id ${stackId} does not exist`);
      if (!final(stack.status)) return undefined;
      noteFailure(stack.status, stack.status_reason ?? undefined);
      return { status: stack.status, failure };
    },
    (event) => {
      if (event.detail['stack-id'] !== stackId) return;
      const details = event.detail['status-details'] as { status: string; 'status-reason': string };
      noteFailure(details.status, details['status-reason']);
    },
  );
}

/** Whether the stack's update is still undecided: it, or an ancestor holding for its own parent, may yet fail and roll back. */
function undecided(c: CloudFormationContext, stack: StackRow): boolean {
  if (stack.status === 'UPDATE_IN_PROGRESS' || stack.status === 'UPDATE_ROLLBACK_IN_PROGRESS') return true;
  if (stack.status !== 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' || !stack.parent_id) return false;
  const parent = c.store.stack(stack.parent_id);
  return parent !== undefined && undecided(c, parent);
}

/**
 * Holds a nested stack in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS while its parent's update is
 * undecided. Answers true to go on with the cleanup, false when the parent moved the nested stack
 * to another status (its rollback), which the stack's job runs next.
 */
export async function holdForParent(c: CloudFormationContext, stack: StackRow, signal: AbortSignal): Promise<boolean> {
  if (!stack.parent_id) return true;
  const parentId = stack.parent_id;
  return whenReady(c, signal, () => {
    const now = c.store.stack(stack.stack_id);
    if (now?.status !== 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS') return false;
    const parent = c.store.stack(parentId);
    return parent && undecided(c, parent) ? undefined : true;
  });
}

/** Waits for the nested stacks among `rows` that are still in an operation (their cleanup after the parent's), so the parent completes after them. */
export async function awaitNestedStacks(c: CloudFormationContext, rows: ResourceRow[], signal: AbortSignal): Promise<void> {
  const nested = rows.filter((row) => row.type === NESTED_STACK_TYPE && row.physical_id !== null).map((row) => row.physical_id!);
  await Promise.all(
    nested.map((stackId) => {
      const stack = c.store.stack(stackId);
      return stack && !settledStatus(stack.status) ? settleStack(c, stackId, settledStatus, signal) : undefined;
    }),
  );
}

/**
 * A nested stack shows in its parent's change set even when its properties did not change: as a
 * Modify with ChangeSource Automatic, since its template at the same URL may have changed.
 */
const AUTOMATIC: C.ResourceChangeDetail = { Target: { Attribute: 'Properties', RequiresRecreation: 'Never' }, Evaluation: 'Dynamic', ChangeSource: 'Automatic' };

function automaticChange(row: ResourceRow): C.ResourceChange {
  return {
    Action: 'Modify',
    LogicalResourceId: row.logical_id,
    PhysicalResourceId: row.physical_id ?? undefined,
    ResourceType: NESTED_STACK_TYPE,
    Replacement: 'False',
    Scope: ['Properties'],
    Details: [AUTOMATIC],
  };
}

/** `changes` with an Automatic Modify for each nested stack still in the template whose properties did not change, in template order. */
export function withNestedStacks(changes: C.Change[], rows: ResourceRow[], active: string[]): C.Change[] {
  const byId = new Map(changes.map((change) => [change.ResourceChange?.LogicalResourceId, change]));
  const existing = new Map(rows.filter((row) => row.status !== 'DELETE_COMPLETE' && row.physical_id !== null).map((row) => [row.logical_id, row]));
  const inTemplate = active.flatMap((id): C.Change[] => {
    const change = byId.get(id);
    if (change) return [change];
    const row = existing.get(id);
    return row?.type === NESTED_STACK_TYPE ? [{ Type: 'Resource', ResourceChange: automaticChange(row) }] : [];
  });
  const activeIds = new Set(active);
  return [...inTemplate, ...changes.filter((change) => !activeIds.has(change.ResourceChange?.LogicalResourceId ?? ''))];
}
