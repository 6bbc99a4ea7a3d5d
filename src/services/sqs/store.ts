/** SQS tables and their prepared statements. No SQL lives anywhere else. */
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

/** A queue. `id` is never reused, so a receipt handle of a deleted queue never names a new one of the same name. */
export interface QueueRow {
  id: number;
  account: string;
  region: string;
  name: string;
  fifo: number;
  /** The attributes set on the queue (JSON object of strings); defaults are not stored. */
  attributes: string;
  /** JSON object of tag key → value. */
  tags: string;
  created_at: number;
  modified_at: number;
  /** When PurgeQueue last ran (one purge per 60 seconds). */
  purged_at: number | null;
  /** The last FIFO sequence number handed out. */
  last_sequence: number;
}

/** A message. `seq` orders a queue's messages. */
export interface MessageRow {
  seq: number;
  queue_id: number;
  message_id: string;
  body: string;
  /** JSON object of message (user) attributes, binary values in base64; null without any. */
  message_attributes: string | null;
  md5_body: string;
  md5_message_attributes: string | null;
  /** JSON object of message system attributes (AWSTraceHeader, DeadLetterQueueSourceArn); null without any. */
  system_attributes: string | null;
  sender_id: string;
  sent_at: number;
  /** When the message entered this queue: what its retention period counts from. */
  enqueued_at: number;
  /** Receivable from this time on: after its delay, or once its visibility timeout ends. */
  visible_at: number;
  receive_count: number;
  first_received_at: number | null;
  /** When the latest receive took it. */
  received_at: number | null;
  /** The nonce of the latest receive: only its receipt handle deletes or changes the message. */
  receipt: string | null;
  group_id: string | null;
  dedup_id: string | null;
  sequence_number: string | null;
}

export type NewMessage = Omit<MessageRow, 'seq' | 'receive_count' | 'first_received_at' | 'received_at' | 'receipt'>;

/** A FIFO deduplication record: a send with this id in this scope within the interval answers the first message. */
export interface DedupRow {
  message_id: string;
  sequence_number: string;
}

/** A FIFO receive a retry with its ReceiveRequestAttemptId answers again: the messages, each with the nonce and visibility it was given. */
export interface AttemptRow {
  queue_id: number;
  attempt_id: string;
  expires_at: number;
  visibility_ms: number;
  /** JSON list of [seq, nonce, visible_at]. */
  messages: string;
}

export interface MoveTaskRow {
  task_id: string;
  job_id: number;
  account: string;
  region: string;
  source_arn: string;
  destination_arn: string | null;
  max_per_second: number | null;
  status: string;
  started_at: number;
  to_move: number;
  moved: number;
  failure_reason: string | null;
}

type ScopeArgs = [account: string, region: string];

/** Bound on the queue cache; far above what a local cloud holds, it only keeps a runaway from growing it. */
const MAX_CACHED_QUEUES = 10_000;

export class SqsStore {
  private readonly stmts;
  private readonly cachedQueues = new Map<string, QueueRow | undefined>();

  constructor(private readonly store: Store) {
    store.migrate('sqs', [
      {
        version: 1,
        sql: `CREATE TABLE sqs_queues (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
          fifo INTEGER NOT NULL, attributes TEXT NOT NULL, tags TEXT NOT NULL,
          created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL, purged_at INTEGER,
          last_sequence INTEGER NOT NULL DEFAULT 0,
          UNIQUE (account, region, name)
        );
        CREATE TABLE sqs_deleted_queues (
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, deleted_at INTEGER NOT NULL,
          PRIMARY KEY (account, region, name)
        );
        CREATE TABLE sqs_messages (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          queue_id INTEGER NOT NULL, message_id TEXT NOT NULL, body TEXT NOT NULL,
          message_attributes TEXT, md5_body TEXT NOT NULL, md5_message_attributes TEXT, system_attributes TEXT,
          sender_id TEXT NOT NULL, sent_at INTEGER NOT NULL, enqueued_at INTEGER NOT NULL, visible_at INTEGER NOT NULL,
          receive_count INTEGER NOT NULL DEFAULT 0, first_received_at INTEGER, receipt TEXT,
          group_id TEXT, dedup_id TEXT, sequence_number TEXT
        );
        CREATE INDEX sqs_messages_visible ON sqs_messages (queue_id, visible_at);
        CREATE INDEX sqs_messages_enqueued ON sqs_messages (queue_id, enqueued_at);
        CREATE TABLE sqs_dedup (
          queue_id INTEGER NOT NULL, scope TEXT NOT NULL, dedup_id TEXT NOT NULL,
          message_id TEXT NOT NULL, sequence_number TEXT NOT NULL, expires_at INTEGER NOT NULL,
          PRIMARY KEY (queue_id, scope, dedup_id)
        );
        CREATE TABLE sqs_move_tasks (
          task_id TEXT PRIMARY KEY, job_id INTEGER NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
          source_arn TEXT NOT NULL, destination_arn TEXT, max_per_second INTEGER, status TEXT NOT NULL,
          started_at INTEGER NOT NULL, to_move INTEGER NOT NULL, moved INTEGER NOT NULL, failure_reason TEXT
        );
        CREATE INDEX sqs_move_tasks_source ON sqs_move_tasks (source_arn, started_at);`,
      },
      {
        // Every page a send writes is a page of the WAL, and every ~1,000 of them a checkpoint:
        // messages lose AUTOINCREMENT (its sqlite_sequence row was written by every send; receipt
        // handles carry the message id, so a reused rowid is never taken for an older message)
        // and the retention index (expired messages are dropped as receives and counts meet them).
        version: 2,
        sql: `CREATE TABLE sqs_messages_v2 (
          seq INTEGER PRIMARY KEY,
          queue_id INTEGER NOT NULL, message_id TEXT NOT NULL, body TEXT NOT NULL,
          message_attributes TEXT, md5_body TEXT NOT NULL, md5_message_attributes TEXT, system_attributes TEXT,
          sender_id TEXT NOT NULL, sent_at INTEGER NOT NULL, enqueued_at INTEGER NOT NULL, visible_at INTEGER NOT NULL,
          receive_count INTEGER NOT NULL DEFAULT 0, first_received_at INTEGER, receipt TEXT,
          group_id TEXT, dedup_id TEXT, sequence_number TEXT
        );
        INSERT INTO sqs_messages_v2 SELECT * FROM sqs_messages;
        DROP TABLE sqs_messages;
        ALTER TABLE sqs_messages_v2 RENAME TO sqs_messages;
        CREATE INDEX sqs_messages_visible ON sqs_messages (queue_id, visible_at);`,
      },
      {
        // When a message was last received (its visibility may not reach past 12 hours from then),
        // and FIFO receive attempts, which a retry with the same ReceiveRequestAttemptId answers again.
        version: 3,
        sql: `ALTER TABLE sqs_messages ADD COLUMN received_at INTEGER;
        CREATE TABLE sqs_receive_attempts (
          queue_id INTEGER NOT NULL, attempt_id TEXT NOT NULL, expires_at INTEGER NOT NULL,
          visibility_ms INTEGER NOT NULL, messages TEXT NOT NULL,
          PRIMARY KEY (queue_id, attempt_id)
        );`,
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      queue: () => db.prepare<[...ScopeArgs, string], QueueRow>('SELECT * FROM sqs_queues WHERE account = ? AND region = ? AND name = ?'),
      queueById: () => db.prepare<[number], QueueRow>('SELECT * FROM sqs_queues WHERE id = ?'),
      queuesAfter: () => db.prepare<[...ScopeArgs, string, string, number], QueueRow>('SELECT * FROM sqs_queues WHERE account = ? AND region = ? AND name > ? AND name >= ? ORDER BY name LIMIT ?'),
      allQueues: () => db.prepare<ScopeArgs, QueueRow>('SELECT * FROM sqs_queues WHERE account = ? AND region = ? ORDER BY name'),
      insertQueue: () =>
        db.prepare<Omit<QueueRow, 'id' | 'purged_at' | 'last_sequence'>>(
          `INSERT INTO sqs_queues (account, region, name, fifo, attributes, tags, created_at, modified_at)
           VALUES (@account, @region, @name, @fifo, @attributes, @tags, @created_at, @modified_at)`,
        ),
      setAttributes: () => db.prepare<[string, number, number]>('UPDATE sqs_queues SET attributes = ?, modified_at = ? WHERE id = ?'),
      setTags: () => db.prepare<[string, number]>('UPDATE sqs_queues SET tags = ? WHERE id = ?'),
      setPurged: () => db.prepare<[number, number]>('UPDATE sqs_queues SET purged_at = ? WHERE id = ?'),
      nextSequence: () => db.prepare<[number], { last_sequence: number }>('UPDATE sqs_queues SET last_sequence = last_sequence + 1 WHERE id = ? RETURNING last_sequence'),
      deleteQueue: () => db.prepare<[number]>('DELETE FROM sqs_queues WHERE id = ?'),
      deletedAt: () => db.prepare<[...ScopeArgs, string], { deleted_at: number }>('SELECT deleted_at FROM sqs_deleted_queues WHERE account = ? AND region = ? AND name = ?'),
      recordDeleted: () =>
        db.prepare<[...ScopeArgs, string, number]>(
          `INSERT INTO sqs_deleted_queues (account, region, name, deleted_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (account, region, name) DO UPDATE SET deleted_at = excluded.deleted_at`,
        ),
      insertMessage: () =>
        db.prepare<NewMessage>(
          `INSERT INTO sqs_messages (queue_id, message_id, body, message_attributes, md5_body, md5_message_attributes, system_attributes,
             sender_id, sent_at, enqueued_at, visible_at, group_id, dedup_id, sequence_number)
           VALUES (@queue_id, @message_id, @body, @message_attributes, @md5_body, @md5_message_attributes, @system_attributes,
             @sender_id, @sent_at, @enqueued_at, @visible_at, @group_id, @dedup_id, @sequence_number)`,
        ),
      copyMessage: () =>
        db.prepare<[number, string | null, number, number, number]>(
          `INSERT INTO sqs_messages (queue_id, message_id, body, message_attributes, md5_body, md5_message_attributes, system_attributes,
             sender_id, sent_at, enqueued_at, visible_at, receive_count, first_received_at, group_id, dedup_id, sequence_number)
           SELECT ?, message_id, body, message_attributes, md5_body, md5_message_attributes, ?,
             sender_id, sent_at, ?, ?, receive_count, first_received_at, group_id, dedup_id, sequence_number
           FROM sqs_messages WHERE seq = ?`,
        ),
      message: () => db.prepare<[number], MessageRow>('SELECT * FROM sqs_messages WHERE seq = ?'),
      visibleMessages: () => db.prepare<[number, number, number], MessageRow>('SELECT * FROM sqs_messages WHERE queue_id = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?'),
      queueMessagesInOrder: () => db.prepare<[number], MessageRow>('SELECT * FROM sqs_messages WHERE queue_id = ? ORDER BY seq'),
      nextVisibleAt: () => db.prepare<[number, number], { at: number | null }>('SELECT MIN(visible_at) AS at FROM sqs_messages WHERE queue_id = ? AND visible_at > ?'),
      counts: () =>
        db.prepare<[number, number, number, number, number], { visible: number; inFlight: number; delayed: number }>(
          `SELECT COALESCE(SUM(visible_at <= ?), 0) AS visible,
             COALESCE(SUM(visible_at > ? AND receive_count > 0), 0) AS inFlight,
             COALESCE(SUM(visible_at > ? AND receive_count = 0), 0) AS delayed
           FROM sqs_messages WHERE queue_id = ? AND enqueued_at > ?`,
        ),
      markReceived: () =>
        db.prepare<[number, number, number, string, number]>(
          'UPDATE sqs_messages SET visible_at = ?, receive_count = receive_count + 1, first_received_at = COALESCE(first_received_at, ?), received_at = ?, receipt = ? WHERE seq = ?',
        ),
      resetReceives: () => db.prepare<[number]>('UPDATE sqs_messages SET receive_count = 0, first_received_at = NULL, received_at = NULL, receipt = NULL WHERE seq = ?'),
      setVisibleAt: () => db.prepare<[number, number]>('UPDATE sqs_messages SET visible_at = ? WHERE seq = ?'),
      deleteMessage: () => db.prepare<[number]>('DELETE FROM sqs_messages WHERE seq = ?'),
      expireMessages: () => db.prepare<[number, number]>('DELETE FROM sqs_messages WHERE queue_id = ? AND enqueued_at <= ?'),
      deleteQueueMessages: () => db.prepare<[number]>('DELETE FROM sqs_messages WHERE queue_id = ?'),
      dedup: () => db.prepare<[number, string, string, number], DedupRow>('SELECT message_id, sequence_number FROM sqs_dedup WHERE queue_id = ? AND scope = ? AND dedup_id = ? AND expires_at > ?'),
      putDedup: () =>
        db.prepare<[number, string, string, string, string, number]>(
          `INSERT INTO sqs_dedup (queue_id, scope, dedup_id, message_id, sequence_number, expires_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (queue_id, scope, dedup_id) DO UPDATE SET message_id = excluded.message_id, sequence_number = excluded.sequence_number, expires_at = excluded.expires_at`,
        ),
      expireDedup: () => db.prepare<[number, number]>('DELETE FROM sqs_dedup WHERE queue_id = ? AND expires_at <= ?'),
      deleteQueueDedup: () => db.prepare<[number]>('DELETE FROM sqs_dedup WHERE queue_id = ?'),
      attempt: () => db.prepare<[number, string, number], AttemptRow>('SELECT * FROM sqs_receive_attempts WHERE queue_id = ? AND attempt_id = ? AND expires_at > ?'),
      putAttempt: () =>
        db.prepare<[number, string, number, number, string]>(
          `INSERT INTO sqs_receive_attempts (queue_id, attempt_id, expires_at, visibility_ms, messages) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (queue_id, attempt_id) DO UPDATE SET expires_at = excluded.expires_at, visibility_ms = excluded.visibility_ms, messages = excluded.messages`,
        ),
      expireAttempts: () => db.prepare<[number, number]>('DELETE FROM sqs_receive_attempts WHERE queue_id = ? AND expires_at <= ?'),
      insertMoveTask: () =>
        db.prepare<MoveTaskRow>(
          `INSERT INTO sqs_move_tasks (task_id, job_id, account, region, source_arn, destination_arn, max_per_second, status, started_at, to_move, moved, failure_reason)
           VALUES (@task_id, @job_id, @account, @region, @source_arn, @destination_arn, @max_per_second, @status, @started_at, @to_move, @moved, @failure_reason)`,
        ),
      moveTask: () => db.prepare<[string], MoveTaskRow>('SELECT * FROM sqs_move_tasks WHERE task_id = ?'),
      moveTasksOf: () => db.prepare<[string, number], MoveTaskRow>('SELECT * FROM sqs_move_tasks WHERE source_arn = ? ORDER BY started_at DESC, rowid DESC LIMIT ?'),
      setMoveTask: () => db.prepare<[string, number, string | null, string]>('UPDATE sqs_move_tasks SET status = ?, moved = ?, failure_reason = ? WHERE task_id = ?'),
      deleteMoveTasksOf: () => db.prepare<[string]>('DELETE FROM sqs_move_tasks WHERE source_arn = ?'),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  afterCommit(hook: () => void): void {
    this.store.afterCommit(hook);
  }

  /**
   * A queue by name, read through a cache: every message operation reads its queue (and the
   * authorization step its policy) and the row is wide. Only rows read outside a transaction are
   * kept (one read inside may yet roll back); every write of a queue row drops the cache. Cached
   * rows are frozen so that no caller can change what the next one reads.
   */
  queue(account: string, region: string, name: string): QueueRow | undefined {
    const key = `${account}\u0000${region}\u0000${name}`;
    if (this.cachedQueues.has(key)) return this.cachedQueues.get(key);
    const row = this.stmts.queue.get(account, region, name);
    if (!this.store.db.inTransaction) {
      if (this.cachedQueues.size >= MAX_CACHED_QUEUES) this.cachedQueues.clear();
      this.cachedQueues.set(key, row && Object.freeze(row));
    }
    return row;
  }

  /** Forgets every cached queue row (a queue was written, or the data directory wiped). */
  forgetQueues(): void {
    this.cachedQueues.clear();
  }

  queueById(id: number): QueueRow | undefined {
    return this.stmts.queueById.get(id);
  }

  /** A page of queues in name order after `afterName`, restricted to names at or after `fromName` (a prefix's start). */
  queues(account: string, region: string, afterName: string, fromName: string, limit: number): QueueRow[] {
    return this.stmts.queuesAfter.all(account, region, afterName, fromName, limit);
  }

  allQueues(account: string, region: string): QueueRow[] {
    return this.stmts.allQueues.all(account, region);
  }

  createQueue(row: Omit<QueueRow, 'id' | 'purged_at' | 'last_sequence'>): number {
    this.forgetQueues();
    return Number(this.stmts.insertQueue.run(row).lastInsertRowid);
  }

  setAttributes(id: number, attributes: string, modifiedAt: number): void {
    this.forgetQueues();
    this.stmts.setAttributes.run(attributes, modifiedAt, id);
  }

  setTags(id: number, tags: string): void {
    this.forgetQueues();
    this.stmts.setTags.run(tags, id);
  }

  setPurged(id: number, at: number): void {
    this.forgetQueues();
    this.stmts.setPurged.run(at, id);
  }

  nextSequence(id: number): number {
    return this.stmts.nextSequence.get(id)!.last_sequence;
  }

  /** Removes a queue with its messages and deduplication records, remembering when (QueueDeletedRecently). */
  deleteQueue(queue: QueueRow, at: number): void {
    this.forgetQueues();
    this.stmts.deleteQueueMessages.run(queue.id);
    this.stmts.deleteQueueDedup.run(queue.id);
    this.stmts.expireAttempts.run(queue.id, Number.MAX_SAFE_INTEGER);
    this.stmts.deleteQueue.run(queue.id);
    this.stmts.recordDeleted.run(queue.account, queue.region, queue.name, at);
  }

  deletedAt(account: string, region: string, name: string): number | undefined {
    return this.stmts.deletedAt.get(account, region, name)?.deleted_at;
  }

  insertMessage(message: NewMessage): number {
    return Number(this.stmts.insertMessage.run(message).lastInsertRowid);
  }

  /** Copies a message into another queue (a dead-letter queue, a move task's destination), keeping its id, receive count and timestamps. */
  copyMessage(seq: number, queueId: number, systemAttributes: string | null, enqueuedAt: number, visibleAt: number): number {
    return Number(this.stmts.copyMessage.run(queueId, systemAttributes, enqueuedAt, visibleAt, seq).lastInsertRowid);
  }

  message(seq: number): MessageRow | undefined {
    return this.stmts.message.get(seq);
  }

  visibleMessages(queueId: number, now: number, limit: number): MessageRow[] {
    return this.stmts.visibleMessages.all(queueId, now, limit);
  }

  messagesInOrder(queueId: number): MessageRow[] {
    return this.stmts.queueMessagesInOrder.all(queueId);
  }

  /** When the next message of the queue that is not visible now becomes visible; undefined when none will. */
  nextVisibleAt(queueId: number, now: number): number | undefined {
    return this.stmts.nextVisibleAt.get(queueId, now)?.at ?? undefined;
  }

  /** The queue's messages by state, those enqueued at or before `enqueuedBy` (past their retention) left out. */
  counts(queueId: number, now: number, enqueuedBy: number): { visible: number; inFlight: number; delayed: number } {
    return this.stmts.counts.get(now, now, now, queueId, enqueuedBy)!;
  }

  markReceived(seq: number, visibleAt: number, now: number, receipt: string): void {
    this.stmts.markReceived.run(visibleAt, now, now, receipt, seq);
  }

  /** A message moved back out of a dead-letter queue starts over: never received. */
  resetReceives(seq: number): void {
    this.stmts.resetReceives.run(seq);
  }

  setVisibleAt(seq: number, visibleAt: number): void {
    this.stmts.setVisibleAt.run(visibleAt, seq);
  }

  deleteMessage(seq: number): void {
    this.stmts.deleteMessage.run(seq);
  }

  /** Deletes the queue's messages enqueued at or before `enqueuedBy` (past their retention): a scan of the queue. */
  expire(queueId: number, enqueuedBy: number): void {
    this.stmts.expireMessages.run(queueId, enqueuedBy);
  }

  purge(queueId: number): void {
    this.stmts.deleteQueueMessages.run(queueId);
  }

  dedup(queueId: number, scope: string, dedupId: string, now: number): DedupRow | undefined {
    return this.stmts.dedup.get(queueId, scope, dedupId, now);
  }

  putDedup(queueId: number, scope: string, dedupId: string, row: DedupRow, expiresAt: number, now: number): void {
    this.stmts.expireDedup.run(queueId, now);
    this.stmts.putDedup.run(queueId, scope, dedupId, row.message_id, row.sequence_number, expiresAt);
  }

  attempt(queueId: number, attemptId: string, now: number): AttemptRow | undefined {
    return this.stmts.attempt.get(queueId, attemptId, now);
  }

  putAttempt(queueId: number, attemptId: string, expiresAt: number, visibilityMs: number, messages: [seq: number, nonce: string, visibleAt: number][], now: number): void {
    this.stmts.expireAttempts.run(queueId, now);
    this.stmts.putAttempt.run(queueId, attemptId, expiresAt, visibilityMs, JSON.stringify(messages));
  }

  insertMoveTask(row: MoveTaskRow): void {
    this.stmts.insertMoveTask.run(row);
  }

  moveTask(taskId: string): MoveTaskRow | undefined {
    return this.stmts.moveTask.get(taskId);
  }

  /** A source queue's move tasks, most recent first. */
  moveTasks(sourceArn: string, limit: number): MoveTaskRow[] {
    return this.stmts.moveTasksOf.all(sourceArn, limit);
  }

  setMoveTask(taskId: string, status: string, moved: number, failureReason: string | null): void {
    this.stmts.setMoveTask.run(status, moved, failureReason, taskId);
  }

  deleteMoveTasks(sourceArn: string): void {
    this.stmts.deleteMoveTasksOf.run(sourceArn);
  }
}
