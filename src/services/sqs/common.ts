/** The SQS context and what the handler files share: finding queues by URL or ARN, receipt handles, waking long polls. */
import { randomBytes } from 'node:crypto';
import { arn, parseArn } from '../../core/arn.js';
import type { Clock, ClockTimer } from '../../core/clock.js';
import type { RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import { type Attributes, type QueueSettings, type RedriveTargets, settingsOf } from './attributes.js';
import { invalidAddress, missingParameter, ownerOnly, queueDoesNotExist, receiptHandleIsInvalid } from './errors.js';
import type { MessageRow, QueueRow, SqsStore } from './store.js';

export interface SqsContext {
  store: SqsStore;
  rt: Runtime;
  arrivals: Arrivals;
}

/** A queue with its parsed attributes. */
export interface Queue extends QueueRow {
  attrs: Attributes;
  settings: QueueSettings;
  arn: string;
}

export function queueArn(row: Pick<QueueRow, 'account' | 'region' | 'name'>): string {
  return arn('sqs', row.region, row.account, row.name);
}

/** The URL clients use for a queue: `<Drydock's endpoint>/<account>/<name>`, served on Drydock's own port. */
export function queueUrl(ctx: RequestContext, row: Pick<QueueRow, 'account' | 'name'>): string {
  return `${ctx.endpoint}/${row.account}/${row.name}`;
}

const QUEUE_PATH = /^\/(\d{12})\/([^/]+)\/?$/;

/**
 * The account and name a queue URL names. Any host is accepted (Drydock's, AWS's
 * `sqs.<region>.amazonaws.com`, the legacy `queue.amazonaws.com` and `<region>.queue.…` forms):
 * the request's region decides where the queue is, as the endpoint does on AWS.
 */
export function parseQueueUrl(url: string): { account: string; name: string } | undefined {
  let path = url;
  const scheme = /^https?:\/\/[^/]*/i.exec(url);
  if (scheme) path = url.slice(scheme[0].length);
  const match = QUEUE_PATH.exec(path);
  return match ? { account: match[1], name: decodeURIComponent(match[2]) } : undefined;
}

/** Parsed queues by their (cached, frozen) rows: a row read from the cache is parsed once. */
const parsedQueues = new WeakMap<QueueRow, Queue>();

function withSettings(row: QueueRow): Queue {
  let queue = parsedQueues.get(row);
  if (!queue) {
    const attrs = Object.freeze(JSON.parse(row.attributes) as Attributes);
    queue = { ...row, attrs, settings: settingsOf(attrs), arn: queueArn(row) };
    if (Object.isFrozen(row)) parsedQueues.set(row, queue);
  }
  return queue;
}

/**
 * The queue a request's QueueUrl names (awsQuery requests of older SDKs may name it only by the
 * path they were posted to); QueueDoesNotExist when there is none in the request's region.
 */
export function resolveQueue(c: SqsContext, queueUrlInput: string | undefined, ctx: RequestContext): Queue {
  const url = queueUrlInput || (QUEUE_PATH.test(ctx.http.path) ? ctx.http.path : undefined);
  if (!url) throw missingParameter('QueueUrl');
  const parsed = parseQueueUrl(url);
  if (!parsed) throw invalidAddress(url);
  const row = c.store.queue(parsed.account, ctx.region, parsed.name);
  if (!row) throw queueDoesNotExist(ctx);
  return withSettings(row);
}

export function queueById(c: SqsContext, id: number): Queue | undefined {
  const row = c.store.queueById(id);
  return row && withSettings(row);
}

/** The queue an SQS ARN names, if it exists. */
export function queueByArn(c: SqsContext, queueArnText: string): Queue | undefined {
  const parsed = parseArn(queueArnText);
  if (parsed?.service !== 'sqs' || !parsed.account || !parsed.region) return undefined;
  const row = c.store.queue(parsed.account, parsed.region, parsed.resource);
  return row && withSettings(row);
}

/** Looking up dead-letter targets for redrive policy checks. */
export function redriveTargets(c: SqsContext): RedriveTargets {
  return {
    queue(arn) {
      const queue = queueByArn(c, arn);
      return queue && { fifo: queue.fifo === 1, redriveAllowPolicy: queue.attrs.RedriveAllowPolicy };
    },
  };
}

/** The queue's own account only: AWS grants these operations to no other account, whatever the queue policy says. */
export function requireOwner(queue: { account: string }, ctx: RequestContext, action: string): void {
  if (ctx.principal.account !== queue.account) throw ownerOnly(`sqs:${action}`);
}

/** The receipt-handle form AWS's handles share (base64 of opaque bytes); ours carry queue, message and receive. */
const RECEIPT_PREFIX = 'AQEB';

export interface Receipt {
  queueId: number;
  seq: number;
  nonce: string;
  /** The message's id: a rowid reused by a later message is not the message the handle was for. */
  messageId: string;
}

export function newNonce(): string {
  return randomBytes(12).toString('base64url');
}

export function receiptHandle(receipt: Receipt): string {
  return RECEIPT_PREFIX + Buffer.from(`${receipt.queueId}:${receipt.seq}:${receipt.nonce}:${receipt.messageId}`, 'utf8').toString('base64');
}

/** The receive a handle stands for, if it is one of this queue's; ReceiptHandleIsInvalid otherwise. */
export function readReceipt(queue: Queue, handle: string): Receipt {
  const decoded = handle.startsWith(RECEIPT_PREFIX) ? Buffer.from(handle.slice(RECEIPT_PREFIX.length), 'base64').toString('utf8') : '';
  const match = /^(\d+):(\d+):([\w-]{16}):([\w-]{36})$/.exec(decoded);
  if (!match || Number(match[1]) !== queue.id) throw receiptHandleIsInvalid(handle);
  return { queueId: queue.id, seq: Number(match[2]), nonce: match[3], messageId: match[4] };
}

/** The message a receipt handle names, if it is still in the queue. */
export function receiptMessage(c: SqsContext, queue: Queue, receipt: Receipt): MessageRow | undefined {
  const row = c.store.message(receipt.seq);
  return row && row.queue_id === queue.id && row.message_id === receipt.messageId ? row : undefined;
}

/** The time at or before which a message of the queue was enqueued if its retention period is over. */
export function retentionCutoff(queue: Queue, now: number): number {
  return now - queue.settings.retentionSeconds * 1000;
}

/**
 * Long polls waiting for messages. A waiting ReceiveMessage sleeps until a write makes a message
 * receivable in its queue (sends, visibility changes, dead letters, moves: `notify` once committed)
 * or until a clock timer at its deadline or at the queue's next visibility time: no polling.
 */
export class Arrivals {
  private readonly waiting = new Map<number, Set<() => void>>();

  constructor(private readonly clock: Clock) {}

  /** Resolves once `notify(queueId)` is called or the clock reaches `until`, whichever comes first. */
  wait(queueId: number, until: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.waiting.get(queueId);
      if (!waiters) {
        waiters = new Set();
        this.waiting.set(queueId, waiters);
      }
      const set = waiters;
      let timer: ClockTimer | undefined;
      const done = () => {
        timer?.cancel();
        set.delete(done);
        if (!set.size && this.waiting.get(queueId) === set) this.waiting.delete(queueId);
        resolve();
      };
      set.add(done);
      timer = this.clock.at(until, done);
    });
  }

  notify(queueId: number): void {
    const waiters = this.waiting.get(queueId);
    if (waiters) for (const wake of [...waiters]) wake();
  }

  /** Wakes every long poll (shutdown, reset): each answers with what its queue has. */
  releaseAll(): void {
    for (const queueId of [...this.waiting.keys()]) this.notify(queueId);
  }
}

/** Wakes the queue's long polls once the current transaction commits. */
export function notifyAfterCommit(c: SqsContext, queueId: number): void {
  c.store.afterCommit(() => c.arrivals.notify(queueId));
}
