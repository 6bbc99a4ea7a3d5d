/**
 * Stack operations as durable jobs: one job per operation, enqueued in the transaction that set
 * the stack's *_IN_PROGRESS status, run at once. The job walks the status machine (each
 * *_IN_PROGRESS status has a step that moves the stack on) until the stack reaches a final status.
 * A job a dead process left running is resumed: creation and update fail into their rollback
 * (what was in flight is marked failed), deletions and rollbacks run again.
 */
import { type CloudFormationContext, STACK_JOB } from '../common.js';
import type { StackRow } from '../store.js';
import { setStackStatus } from './events.js';
import { importRollbackStep, importStep } from './import.js';
import { createStep, deleteStep, rollbackStep, updateStep } from './operations.js';
import { updateCleanupStep, updateRollbackCleanupStep, updateRollbackStep } from './update-phases.js';

type Step = (c: CloudFormationContext, stack: StackRow, signal: AbortSignal, resumed: boolean, cancel: AbortSignal) => Promise<void>;

const STEPS: Record<string, Step> = {
  CREATE_IN_PROGRESS: (c, stack, signal, resumed, cancel) => createStep(c, stack, signal, resumed, cancel),
  ROLLBACK_IN_PROGRESS: (c, stack, signal) => rollbackStep(c, stack, signal),
  DELETE_IN_PROGRESS: (c, stack, signal) => deleteStep(c, stack, signal),
  UPDATE_IN_PROGRESS: (c, stack, signal, resumed, cancel) => updateStep(c, stack, signal, cancel, resumed),
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: (c, stack, signal) => updateCleanupStep(c, stack, signal),
  UPDATE_ROLLBACK_IN_PROGRESS: (c, stack, signal) => updateRollbackStep(c, stack, signal),
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: (c, stack, signal) => updateRollbackCleanupStep(c, stack, signal),
  IMPORT_IN_PROGRESS: (c, stack, signal, resumed) => importStep(c, stack, signal, resumed),
  IMPORT_ROLLBACK_IN_PROGRESS: (c, stack) => importRollbackStep(c, stack),
};

/** Where a step that throws (a bug, or the store failing) leaves the stack: never in progress. */
const FAILED_STATE: Record<string, string> = {
  CREATE_IN_PROGRESS: 'CREATE_FAILED',
  ROLLBACK_IN_PROGRESS: 'ROLLBACK_FAILED',
  DELETE_IN_PROGRESS: 'DELETE_FAILED',
  UPDATE_IN_PROGRESS: 'UPDATE_FAILED',
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: 'UPDATE_COMPLETE',
  UPDATE_ROLLBACK_IN_PROGRESS: 'UPDATE_ROLLBACK_FAILED',
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: 'UPDATE_ROLLBACK_COMPLETE',
  IMPORT_IN_PROGRESS: 'IMPORT_ROLLBACK_IN_PROGRESS',
  IMPORT_ROLLBACK_IN_PROGRESS: 'IMPORT_ROLLBACK_FAILED',
};

/** Registers the job that runs stack operations. */
export function registerStackJobs(c: CloudFormationContext): void {
  c.rt.jobs.register(STACK_JOB, async (job, info) => {
    const { stackId } = job.payload as { stackId: string };
    const cancel = new AbortController();
    c.cancels.set(stackId, cancel);
    let resumed = info.resumed;
    try {
      for (;;) {
        if (info.signal.aborted) return;
        const stack = c.store.stack(stackId);
        const step = stack && STEPS[stack.status];
        if (!stack || !step) return;
        if (stack.cancel_requested) cancel.abort();
        try {
          await step(c, stack, info.signal, resumed, cancel.signal);
        } catch (err) {
          // Reset or shutdown abandoned the job: the next start resumes it.
          if (info.signal.aborted) return;
          const now = c.store.stack(stackId);
          if (now && now.status === stack.status) setStackStatus(c, stackId, FAILED_STATE[stack.status]!, (err as Error).message);
        }
        resumed = false;
      }
    } finally {
      if (c.cancels.get(stackId) === cancel) c.cancels.delete(stackId);
    }
  });
}

/** Starts the operation of a stack whose status was just set to an *_IN_PROGRESS one; call inside that transaction. */
export function startOperation(c: CloudFormationContext, stackId: string): void {
  c.rt.jobs.enqueue(STACK_JOB, { stackId });
}

/**
 * Asks a running operation to stop: an update (CancelUpdateStack) lets in-flight resources finish,
 * starts nothing new and rolls back; a creation (DeleteStack) is deleted instead.
 */
export function cancelOperation(c: CloudFormationContext, stackId: string): void {
  c.store.updateStack(stackId, { cancel_requested: 1 });
  c.rt.store.afterCommit(() => c.cancels.get(stackId)?.abort());
}
