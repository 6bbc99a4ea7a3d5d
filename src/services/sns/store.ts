/** SNS tables and their prepared statements. No SQL lives anywhere else. */

import type { Scope } from '../../core/accounts.js';
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

export interface TopicRow {
  arn: string;
  account: string;
  region: string;
  name: string;
  fifo: number;
  /** JSON object of the topic's stored attributes (Policy, DisplayName, DeliveryPolicy …), as strings. */
  attributes: string;
  data_protection_policy: string | null;
  /** The last FIFO sequence number this topic issued. */
  sequence: number;
}

export interface SubscriptionRow {
  arn: string;
  topic_arn: string;
  /** The topic's account and Region: where the subscription lives. */
  account: string;
  region: string;
  /** The subscriber's account (Owner) and identity (SubscriptionPrincipal). */
  owner: string;
  principal: string;
  protocol: string;
  endpoint: string;
  pending: number;
  /** ConfirmationWasAuthenticated: the confirmation came from an authenticated ConfirmSubscription call. */
  authenticated: number;
  /** JSON object of the settable attributes (RawMessageDelivery, FilterPolicy, RedrivePolicy …). */
  attributes: string;
}

export interface TokenRow {
  token: string;
  topic_arn: string;
  subscription_arn: string;
  /** An unsubscribe's token restores the deleted subscription: its row, as JSON. */
  restores: string | null;
  expires_at: number;
}

export interface DeliveryRow {
  id: number;
  message_id: string;
  /** JSON of the subscription as it was when the message was published (DeliveryTarget). */
  target: string;
  /** Failed attempts so far. */
  failures: number;
}

export interface OutboxRow {
  id: number;
  account: string;
  region: string;
  protocol: string;
  endpoint: string;
  topic_arn: string | null;
  subscription_arn: string | null;
  message_id: string;
  subject: string;
  body: string;
  sent_at: number;
}

export type NewOutboxRow = Omit<OutboxRow, 'id'>;

export class SnsStore {
  private readonly stmts;

  constructor(private readonly store: Store) {
    store.migrate('sns', [
      {
        version: 1,
        sql: `CREATE TABLE sns_topics (
          arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
          fifo INTEGER NOT NULL, attributes TEXT NOT NULL, data_protection_policy TEXT,
          sequence INTEGER NOT NULL DEFAULT 0, position INTEGER NOT NULL
        );
        CREATE INDEX sns_topics_scope ON sns_topics (account, region, position);
        CREATE TABLE sns_subscriptions (
          arn TEXT PRIMARY KEY, topic_arn TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
          owner TEXT NOT NULL, principal TEXT NOT NULL, protocol TEXT NOT NULL, endpoint TEXT NOT NULL,
          pending INTEGER NOT NULL, authenticated INTEGER NOT NULL, attributes TEXT NOT NULL, position INTEGER NOT NULL
        );
        CREATE INDEX sns_subscriptions_topic ON sns_subscriptions (topic_arn, position);
        CREATE INDEX sns_subscriptions_scope ON sns_subscriptions (account, region, position);
        CREATE TABLE sns_tokens (
          token TEXT PRIMARY KEY, topic_arn TEXT NOT NULL, subscription_arn TEXT NOT NULL, restores TEXT, expires_at INTEGER NOT NULL
        );
        CREATE TABLE sns_tags (arn TEXT NOT NULL, tag_key TEXT NOT NULL, tag_value TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (arn, tag_key));
        CREATE TABLE sns_messages (id TEXT PRIMARY KEY, body TEXT NOT NULL);
        CREATE TABLE sns_deliveries (
          id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL, target TEXT NOT NULL, failures INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX sns_deliveries_message ON sns_deliveries (message_id);
        CREATE TABLE sns_dedup (
          topic_arn TEXT NOT NULL, dedup_id TEXT NOT NULL, message_id TEXT NOT NULL, sequence TEXT NOT NULL, expires_at INTEGER NOT NULL,
          PRIMARY KEY (topic_arn, dedup_id)
        );
        CREATE TABLE sns_outbox (
          id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, region TEXT NOT NULL, protocol TEXT NOT NULL, endpoint TEXT NOT NULL,
          topic_arn TEXT, subscription_arn TEXT, message_id TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, sent_at INTEGER NOT NULL
        );
        CREATE TABLE sns_signing (id INTEGER PRIMARY KEY CHECK (id = 1), private_key TEXT NOT NULL, certificate TEXT NOT NULL);`,
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      topic: () => db.prepare<[string], TopicRow>('SELECT * FROM sns_topics WHERE arn = ?'),
      insertTopic: () =>
        db.prepare<[string, string, string, string, number, string, string | null]>(
          'INSERT INTO sns_topics (arn, account, region, name, fifo, attributes, data_protection_policy, position) VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM sns_topics))',
        ),
      setTopicAttributes: () => db.prepare<[string, string]>('UPDATE sns_topics SET attributes = ? WHERE arn = ?'),
      setDataProtection: () => db.prepare<[string, string]>('UPDATE sns_topics SET data_protection_policy = ? WHERE arn = ?'),
      nextSequence: () => db.prepare<[string], { sequence: number }>('UPDATE sns_topics SET sequence = sequence + 1 WHERE arn = ? RETURNING sequence'),
      deleteTopic: () => db.prepare<[string]>('DELETE FROM sns_topics WHERE arn = ?'),
      topicsPage: () => db.prepare<[string, string, number, number], TopicRow>('SELECT * FROM sns_topics WHERE account = ? AND region = ? AND position > ? ORDER BY position LIMIT ?'),
      topicPosition: () => db.prepare<[string], { position: number }>('SELECT position FROM sns_topics WHERE arn = ?'),
      subscription: () => db.prepare<[string], SubscriptionRow>('SELECT * FROM sns_subscriptions WHERE arn = ?'),
      insertSubscription: () =>
        db.prepare<[string, string, string, string, string, string, string, string, number, number, string]>(
          `INSERT INTO sns_subscriptions (arn, topic_arn, account, region, owner, principal, protocol, endpoint, pending, authenticated, attributes, position)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM sns_subscriptions))`,
        ),
      updateSubscription: () => db.prepare<[number, number, string, string]>('UPDATE sns_subscriptions SET pending = ?, authenticated = ?, attributes = ? WHERE arn = ?'),
      deleteSubscription: () => db.prepare<[string]>('DELETE FROM sns_subscriptions WHERE arn = ?'),
      subscriptionsOf: () => db.prepare<[string], SubscriptionRow>('SELECT * FROM sns_subscriptions WHERE topic_arn = ? ORDER BY position'),
      subscriptionsPage: () =>
        db.prepare<[string, string, number, number], SubscriptionRow & { position: number }>(
          'SELECT * FROM sns_subscriptions WHERE account = ? AND region = ? AND position > ? ORDER BY position LIMIT ?',
        ),
      topicSubscriptionsPage: () =>
        db.prepare<[string, number, number], SubscriptionRow & { position: number }>('SELECT * FROM sns_subscriptions WHERE topic_arn = ? AND position > ? ORDER BY position LIMIT ?'),
      subscriptionCounts: () =>
        db.prepare<[string], { pending: number; confirmed: number }>(
          'SELECT COALESCE(SUM(pending), 0) AS pending, COALESCE(SUM(1 - pending), 0) AS confirmed FROM sns_subscriptions WHERE topic_arn = ?',
        ),
      deleteTopicSubscriptions: () => db.prepare<[string]>('DELETE FROM sns_subscriptions WHERE topic_arn = ?'),
      token: () => db.prepare<[string], TokenRow>('SELECT * FROM sns_tokens WHERE token = ?'),
      insertToken: () => db.prepare<[string, string, string, string | null, number]>('INSERT INTO sns_tokens (token, topic_arn, subscription_arn, restores, expires_at) VALUES (?, ?, ?, ?, ?)'),
      deleteExpiredTokens: () => db.prepare<[number]>('DELETE FROM sns_tokens WHERE expires_at <= ?'),
      deleteTopicTokens: () => db.prepare<[string]>('DELETE FROM sns_tokens WHERE topic_arn = ?'),
      tags: () => db.prepare<[string], { tag_key: string; tag_value: string }>('SELECT tag_key, tag_value FROM sns_tags WHERE arn = ? ORDER BY position'),
      putTag: () =>
        db.prepare<[string, string, string]>(
          `INSERT INTO sns_tags (arn, tag_key, tag_value, position) VALUES (?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM sns_tags))
           ON CONFLICT (arn, tag_key) DO UPDATE SET tag_value = excluded.tag_value`,
        ),
      deleteTag: () => db.prepare<[string, string]>('DELETE FROM sns_tags WHERE arn = ? AND tag_key = ?'),
      deleteTags: () => db.prepare<[string]>('DELETE FROM sns_tags WHERE arn = ?'),
      insertMessage: () => db.prepare<[string, string]>('INSERT INTO sns_messages (id, body) VALUES (?, ?)'),
      message: () => db.prepare<[string], { body: string }>('SELECT body FROM sns_messages WHERE id = ?'),
      deleteMessageIfDone: () => db.prepare<[string, string]>('DELETE FROM sns_messages WHERE id = ? AND NOT EXISTS (SELECT 1 FROM sns_deliveries WHERE message_id = ?)'),
      insertDelivery: () => db.prepare<[string, string]>('INSERT INTO sns_deliveries (message_id, target) VALUES (?, ?)'),
      delivery: () => db.prepare<[number], DeliveryRow>('SELECT * FROM sns_deliveries WHERE id = ?'),
      failDelivery: () => db.prepare<[number]>('UPDATE sns_deliveries SET failures = failures + 1 WHERE id = ?'),
      deleteDelivery: () => db.prepare<[number]>('DELETE FROM sns_deliveries WHERE id = ?'),
      dedup: () => db.prepare<[string, string, number], { message_id: string; sequence: string }>('SELECT message_id, sequence FROM sns_dedup WHERE topic_arn = ? AND dedup_id = ? AND expires_at > ?'),
      putDedup: () =>
        db.prepare<[string, string, string, string, number]>(
          `INSERT INTO sns_dedup (topic_arn, dedup_id, message_id, sequence, expires_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (topic_arn, dedup_id) DO UPDATE SET message_id = excluded.message_id, sequence = excluded.sequence, expires_at = excluded.expires_at`,
        ),
      deleteExpiredDedup: () => db.prepare<[number]>('DELETE FROM sns_dedup WHERE expires_at <= ?'),
      insertOutbox: () =>
        db.prepare<[string, string, string, string, string | null, string | null, string, string, string, number]>(
          `INSERT INTO sns_outbox (account, region, protocol, endpoint, topic_arn, subscription_arn, message_id, subject, body, sent_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ),
      outbox: () => db.prepare<[number, number], OutboxRow>('SELECT * FROM sns_outbox WHERE id > ? ORDER BY id LIMIT ?'),
      signing: () => db.prepare<[], { private_key: string; certificate: string }>('SELECT private_key, certificate FROM sns_signing WHERE id = 1'),
      putSigning: () => db.prepare<[string, string]>('INSERT OR IGNORE INTO sns_signing (id, private_key, certificate) VALUES (1, ?, ?)'),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  topic(arn: string): TopicRow | undefined {
    return this.stmts.topic.get(arn);
  }

  insertTopic(row: Omit<TopicRow, 'sequence'>): void {
    this.stmts.insertTopic.run(row.arn, row.account, row.region, row.name, row.fifo, row.attributes, row.data_protection_policy);
  }

  setTopicAttributes(arn: string, attributes: Record<string, string>): void {
    this.stmts.setTopicAttributes.run(JSON.stringify(attributes), arn);
  }

  setDataProtectionPolicy(arn: string, policy: string): void {
    this.stmts.setDataProtection.run(policy, arn);
  }

  /** The next FIFO sequence number of a topic (call inside the publish transaction). */
  nextSequence(arn: string): number {
    return this.stmts.nextSequence.get(arn)!.sequence;
  }

  /** Deletes a topic with its subscriptions, tags and unused tokens. */
  deleteTopic(arn: string): void {
    this.stmts.deleteTopic.run(arn);
    this.stmts.deleteTopicSubscriptions.run(arn);
    this.stmts.deleteTopicTokens.run(arn);
    this.stmts.deleteTags.run(arn);
  }

  /** Topics of a scope after the topic `afterArn` (from the start without one). */
  topicsPage(scope: Scope, afterArn: string | undefined, limit: number): TopicRow[] | undefined {
    const position = afterArn === undefined ? 0 : this.stmts.topicPosition.get(afterArn)?.position;
    if (position === undefined) return undefined;
    return this.stmts.topicsPage.all(scope.account, scope.region, position, limit);
  }

  subscription(arn: string): SubscriptionRow | undefined {
    return this.stmts.subscription.get(arn);
  }

  insertSubscription(row: SubscriptionRow): void {
    this.stmts.insertSubscription.run(row.arn, row.topic_arn, row.account, row.region, row.owner, row.principal, row.protocol, row.endpoint, row.pending, row.authenticated, row.attributes);
  }

  updateSubscription(row: SubscriptionRow): void {
    this.stmts.updateSubscription.run(row.pending, row.authenticated, row.attributes, row.arn);
  }

  deleteSubscription(arn: string): void {
    this.stmts.deleteSubscription.run(arn);
    this.stmts.deleteTags.run(arn);
  }

  subscriptionsOf(topicArn: string): SubscriptionRow[] {
    return this.stmts.subscriptionsOf.all(topicArn);
  }

  /** A page of subscriptions after `afterPosition`, of a scope or of one topic. */
  subscriptionsPage(filter: { scope: Scope } | { topicArn: string }, afterPosition: number, limit: number): (SubscriptionRow & { position: number })[] {
    return 'scope' in filter
      ? this.stmts.subscriptionsPage.all(filter.scope.account, filter.scope.region, afterPosition, limit)
      : this.stmts.topicSubscriptionsPage.all(filter.topicArn, afterPosition, limit);
  }

  subscriptionCounts(topicArn: string): { pending: number; confirmed: number } {
    return this.stmts.subscriptionCounts.get(topicArn)!;
  }

  token(token: string, now: number): TokenRow | undefined {
    const row = this.stmts.token.get(token);
    return row && row.expires_at > now ? row : undefined;
  }

  /** Adds a token, sweeping the expired ones. */
  insertToken(row: TokenRow, now: number): void {
    this.stmts.deleteExpiredTokens.run(now);
    this.stmts.insertToken.run(row.token, row.topic_arn, row.subscription_arn, row.restores, row.expires_at);
  }

  tags(arn: string): { tag_key: string; tag_value: string }[] {
    return this.stmts.tags.all(arn);
  }

  putTag(arn: string, key: string, value: string): void {
    this.stmts.putTag.run(arn, key, value);
  }

  deleteTag(arn: string, key: string): void {
    this.stmts.deleteTag.run(arn, key);
  }

  /** Stores a published message and one delivery per target; answers the deliveries' ids (one job each). */
  insertMessage(id: string, body: string, targets: string[]): number[] {
    if (targets.length === 0) return [];
    this.stmts.insertMessage.run(id, body);
    return targets.map((target) => Number(this.stmts.insertDelivery.run(id, target).lastInsertRowid));
  }

  delivery(id: number): { row: DeliveryRow; message: string } | undefined {
    const row = this.stmts.delivery.get(id);
    const message = row && this.stmts.message.get(row.message_id);
    return row && message ? { row, message: message.body } : undefined;
  }

  recordFailure(id: number): void {
    this.stmts.failDelivery.run(id);
  }

  /** A delivery is over (delivered, dead-lettered or dropped); its message goes with its last delivery. */
  finishDelivery(row: DeliveryRow): void {
    this.stmts.deleteDelivery.run(row.id);
    this.stmts.deleteMessageIfDone.run(row.message_id, row.message_id);
  }

  /** The message a deduplication id already published within the window, if any. */
  duplicate(topicArn: string, dedupId: string, now: number): { message_id: string; sequence: string } | undefined {
    return this.stmts.dedup.get(topicArn, dedupId, now);
  }

  rememberDedup(topicArn: string, dedupId: string, messageId: string, sequence: string, expiresAt: number, now: number): void {
    this.stmts.deleteExpiredDedup.run(now);
    this.stmts.putDedup.run(topicArn, dedupId, messageId, sequence, expiresAt);
  }

  insertOutbox(row: NewOutboxRow): void {
    this.stmts.insertOutbox.run(row.account, row.region, row.protocol, row.endpoint, row.topic_arn, row.subscription_arn, row.message_id, row.subject, row.body, row.sent_at);
  }

  outbox(afterId: number, limit: number): OutboxRow[] {
    return this.stmts.outbox.all(afterId, limit);
  }

  signing(): { private_key: string; certificate: string } | undefined {
    return this.stmts.signing.get();
  }

  /** Keeps the first signing key ever stored: the certificate URL in delivered messages stays valid. */
  putSigning(privateKey: string, certificate: string): void {
    this.stmts.putSigning.run(privateKey, certificate);
  }
}
