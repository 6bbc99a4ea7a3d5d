/**
 * The local outbox: what SNS would have sent by email or SMS (subscriptions with protocol email,
 * email-json or sms, and Publish to a phone number) is recorded here instead, in the order sent,
 * for `drydock sns outbox` and `GET /_drydock/sns/outbox` to show.
 */
import type { SnsContext } from './common.js';
import type { NewOutboxRow, OutboxRow } from './store.js';

export function recordOutbox(c: SnsContext, row: Omit<NewOutboxRow, 'sent_at'>): void {
  c.store.insertOutbox({ ...row, sent_at: c.rt.clock.now() });
}

/** An outbox entry as the outbox route answers it. */
export interface OutboxEntry {
  id: number;
  sentAt: string;
  account: string;
  region: string;
  protocol: string;
  to: string;
  topicArn?: string;
  subscriptionArn?: string;
  messageId: string;
  subject: string;
  body: string;
}

const MAX_PAGE = 1000;

/** Entries after `afterId` (oldest first), at most `limit` of them. */
export function readOutbox(c: SnsContext, afterId: number, limit: number): OutboxEntry[] {
  return c.store.outbox(afterId, Math.min(Math.max(1, limit), MAX_PAGE)).map(toEntry);
}

function toEntry(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    sentAt: new Date(row.sent_at).toISOString(),
    account: row.account,
    region: row.region,
    protocol: row.protocol,
    to: row.endpoint,
    topicArn: row.topic_arn ?? undefined,
    subscriptionArn: row.subscription_arn ?? undefined,
    messageId: row.message_id,
    subject: row.subject,
    body: row.body,
  };
}
