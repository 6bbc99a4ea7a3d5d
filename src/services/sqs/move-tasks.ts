/**
 * Message move tasks (dead-letter queue redrive): StartMessageMoveTask, ListMessageMoveTasks,
 * CancelMessageMoveTask. A task is a durable job that moves the messages the dead-letter queue
 * held when it started, back to the queues they came from (DeadLetterQueueSourceArn) or to a
 * destination, at most MaxNumberOfMessagesPerSecond a second of Drydock time; a restart resumes it.
 */
import { randomUUID } from 'node:crypto';
import type {
  CancelMessageMoveTaskRequest,
  CancelMessageMoveTaskResult,
  ListMessageMoveTasksRequest,
  ListMessageMoveTasksResult,
  ListMessageMoveTasksResultEntry,
  StartMessageMoveTaskRequest,
  StartMessageMoveTaskResult,
} from '@aws-sdk/client-sqs';
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { notifyAfterCommit, type Queue, queueByArn, requireOwner, retentionCutoff, type SqsContext } from './common.js';
import { invalidParameterValue, invalidValue, missingParameter, resourceNotFound } from './errors.js';
import type { MessageRow, MoveTaskRow } from './store.js';

const MOVE_JOB = 'sqs.message-move';
/** Messages moved a second when the task names no rate ("system optimized"). */
const DEFAULT_RATE = 500;
const MAX_RATE = 500;

function arnOf(parameter: string, text: string | undefined): string {
  const parsed = text ? parseArn(text) : undefined;
  if (!parsed?.account || !parsed.region || !parsed.resource) {
    throw invalidParameterValue(`You must use this format to specify the ${parameter}: arn:<partition>:<service>:<region>:<account-id>:<resource-id>`);
  }
  return text!;
}

function existingQueue(c: SqsContext, parameter: string, arn: string): Queue {
  const queue = queueByArn(c, arn);
  if (!queue) throw resourceNotFound(parameter);
  return queue;
}

function taskHandle(task: Pick<MoveTaskRow, 'task_id' | 'source_arn'>): string {
  return Buffer.from(JSON.stringify({ taskId: task.task_id, sourceArn: task.source_arn }), 'utf8').toString('base64');
}

/** Whether any queue in the dead-letter queue's account and region names it as its dead-letter target. */
function isDeadLetterQueue(c: SqsContext, queue: Queue): boolean {
  return c.store.allQueues(queue.account, queue.region).some((row) => {
    const policy = (JSON.parse(row.attributes) as Record<string, string>).RedrivePolicy;
    return policy !== undefined && (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn === queue.arn;
  });
}

export function startMessageMoveTask(c: SqsContext, input: StartMessageMoveTaskRequest, ctx: RequestContext): StartMessageMoveTaskResult {
  if (input.SourceArn === undefined || input.SourceArn === null) throw missingParameter('SourceArn');
  const source = existingQueue(c, 'SourceArn', arnOf('SourceArn', input.SourceArn));
  requireOwner(source, ctx, 'StartMessageMoveTask');
  if (!isDeadLetterQueue(c, source)) throw invalidParameterValue('Source queue must be configured as a Dead Letter Queue.');
  let destination: Queue | undefined;
  if (input.DestinationArn !== undefined && input.DestinationArn !== null) {
    destination = existingQueue(c, 'DestinationArn', arnOf('DestinationArn', input.DestinationArn));
    if (destination.arn === source.arn) throw invalidParameterValue('Source queue arn and destination queue arn cannot be the same.');
    if (destination.fifo !== source.fifo) throw invalidParameterValue('The source queue and destination queue must be of the same queue type.');
  }
  const rate = input.MaxNumberOfMessagesPerSecond;
  if (rate !== undefined && rate !== null && (!Number.isInteger(rate) || rate < 1 || rate > MAX_RATE)) {
    throw invalidValue('MaxNumberOfMessagesPerSecond', undefined, `You must enter a number that's between 1 and ${MAX_RATE}.`);
  }
  return c.store.tx(() => {
    if (c.store.moveTasks(source.arn, 10).some((task) => task.status === 'RUNNING' || task.status === 'CANCELLING')) {
      throw invalidParameterValue('There is already a task running. Only one active task is allowed for a source queue arn at a given time.');
    }
    const now = c.rt.clock.now();
    const task: MoveTaskRow = {
      task_id: randomUUID(),
      job_id: 0,
      account: source.account,
      region: source.region,
      source_arn: source.arn,
      destination_arn: destination?.arn ?? null,
      max_per_second: rate ?? null,
      status: 'RUNNING',
      started_at: now,
      to_move: c.store.counts(source.id, now, retentionCutoff(source, now)).visible,
      moved: 0,
      failure_reason: null,
    };
    task.job_id = c.rt.jobs.enqueue(MOVE_JOB, { taskId: task.task_id });
    c.store.insertMoveTask(task);
    return { TaskHandle: taskHandle(task) };
  });
}

export function listMessageMoveTasks(c: SqsContext, input: ListMessageMoveTasksRequest, ctx: RequestContext): ListMessageMoveTasksResult {
  if (input.SourceArn === undefined || input.SourceArn === null) throw missingParameter('SourceArn');
  const source = existingQueue(c, 'SourceArn', arnOf('SourceArn', input.SourceArn));
  requireOwner(source, ctx, 'ListMessageMoveTasks');
  const max = input.MaxResults ?? 1;
  if (!Number.isInteger(max) || max < 1 || max > 10) throw invalidValue('MaxResults', undefined, 'You must enter a number that\u2019s between 1 and 10.');
  return { Results: c.store.moveTasks(source.arn, max).map(taskEntry) };
}

function taskEntry(task: MoveTaskRow): ListMessageMoveTasksResultEntry {
  return {
    TaskHandle: task.status === 'RUNNING' ? taskHandle(task) : undefined,
    Status: task.status,
    SourceArn: task.source_arn,
    DestinationArn: task.destination_arn ?? undefined,
    MaxNumberOfMessagesPerSecond: task.max_per_second ?? undefined,
    ApproximateNumberOfMessagesMoved: task.moved,
    ApproximateNumberOfMessagesToMove: task.to_move,
    FailureReason: task.failure_reason ?? undefined,
    StartedTimestamp: task.started_at,
  };
}

export function cancelMessageMoveTask(c: SqsContext, input: CancelMessageMoveTaskRequest, ctx: RequestContext): CancelMessageMoveTaskResult {
  if (!input.TaskHandle) throw missingParameter('TaskHandle');
  let handle: { taskId?: unknown; sourceArn?: unknown };
  try {
    handle = JSON.parse(Buffer.from(input.TaskHandle, 'base64').toString('utf8')) as typeof handle;
  } catch {
    throw invalidParameterValue('Value for parameter TaskHandle is invalid.');
  }
  if (typeof handle?.taskId !== 'string' || typeof handle.sourceArn !== 'string') throw invalidParameterValue('Value for parameter TaskHandle is invalid.');
  const source = existingQueue(c, 'SourceArn', handle.sourceArn);
  requireOwner(source, ctx, 'CancelMessageMoveTask');
  const taskId = handle.taskId;
  return c.store.tx(() => {
    const task = c.store.moveTask(taskId);
    if (!task || task.source_arn !== source.arn) throw new AwsError('ResourceNotFoundException', 'Task does not exist.');
    if (task.status !== 'RUNNING') throw invalidParameterValue(`Only running tasks can be cancelled; this task is ${task.status}.`);
    c.store.setMoveTask(task.task_id, 'CANCELLING', task.moved, null);
    c.rt.jobs.cancel(task.job_id);
    return { ApproximateNumberOfMessagesMoved: task.moved };
  });
}

/** Moves one message to `destination` as a new arrival there (same id, body and attributes), and out of the dead-letter queue. */
function moveMessage(c: SqsContext, row: MessageRow, destination: Queue, now: number): void {
  const system = row.system_attributes ? (JSON.parse(row.system_attributes) as Record<string, unknown>) : {};
  delete system.DeadLetterQueueSourceArn;
  const seq = c.store.copyMessage(row.seq, destination.id, Object.keys(system).length ? JSON.stringify(system) : null, now, now);
  c.store.resetReceives(seq);
  c.store.deleteMessage(row.seq);
  notifyAfterCommit(c, destination.id);
}

/** One second's worth of moves; answers whether the task is done (finished or failed). */
function moveBatch(c: SqsContext, task: MoveTaskRow): boolean {
  return c.store.tx(() => {
    const source = queueByArn(c, task.source_arn);
    if (!source) {
      c.store.setMoveTask(task.task_id, 'FAILED', task.moved, 'AWS.SimpleQueueService.NonExistentQueue');
      return true;
    }
    const now = c.rt.clock.now();
    const wanted = Math.min(task.max_per_second ?? DEFAULT_RATE, task.to_move - task.moved);
    let moved = task.moved;
    const cutoff = retentionCutoff(source, now);
    for (const row of wanted > 0 ? c.store.visibleMessages(source.id, now, wanted) : []) {
      if (row.enqueued_at <= cutoff) {
        c.store.deleteMessage(row.seq);
        continue;
      }
      const system = row.system_attributes ? (JSON.parse(row.system_attributes) as Record<string, { StringValue?: string }>) : {};
      const target = task.destination_arn ?? system.DeadLetterQueueSourceArn?.StringValue;
      const destination = target ? queueByArn(c, target) : undefined;
      if (!destination) {
        c.store.setMoveTask(task.task_id, 'FAILED', moved, target ? 'AWS.SimpleQueueService.NonExistentQueue' : 'CouldNotDetermineMessageSource');
        return true;
      }
      moveMessage(c, row, destination, now);
      moved++;
    }
    const done = moved >= task.to_move || c.store.counts(source.id, now, cutoff).visible === 0;
    c.store.setMoveTask(task.task_id, done ? 'COMPLETED' : 'RUNNING', moved, null);
    return done;
  });
}

export function registerMoveTasks(c: SqsContext): void {
  c.rt.jobs.register(MOVE_JOB, async (job, info) => {
    const { taskId } = job.payload as { taskId: string };
    for (;;) {
      const task = c.store.moveTask(taskId);
      if (task?.status !== 'RUNNING') break;
      if (info.signal.aborted || moveBatch(c, task)) break;
      try {
        await c.rt.clock.sleep(1000, info.signal);
      } catch {
        break;
      }
    }
    const task = c.store.moveTask(taskId);
    if (task?.status === 'CANCELLING') c.store.tx(() => c.store.setMoveTask(taskId, 'CANCELLED', task.moved, null));
  });
}
