/** CloudWatch Logs tables and their prepared statements. No SQL lives anywhere else. */
import type { Scope } from '../../core/accounts.js';
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

export interface GroupRow {
  id: number;
  account: string;
  region: string;
  name: string;
  created_at: number;
  retention_days: number | null;
  kms_key_id: string | null;
  log_group_class: string;
  deletion_protection: number;
  /** JSON object of tag key → value. */
  tags: string;
}

export interface GroupWithBytes extends GroupRow {
  stored_bytes: number;
  metric_filter_count: number;
}

/** What metric and subscription filters share. */
interface FilterRow {
  group_id: number;
  name: string;
  pattern: string;
  created_at: number;
  /** fieldSelectionCriteria, stored as given. */
  field_selection: string | null;
  /** JSON array of the system fields to emit (emitSystemFieldDimensions / emitSystemFields). */
  emit_system_fields: string | null;
  /** 1 when the pattern uses a regex: AWS allows 5 such filters per log group. */
  has_regex: number;
}

export interface MetricFilterRow extends FilterRow {
  metric_name: string;
  metric_namespace: string;
  metric_value: string;
  default_value: number | null;
  unit: string | null;
  /** JSON object of dimension name → selector. */
  dimensions: string | null;
}

export interface SubscriptionFilterRow extends FilterRow {
  destination_arn: string;
  role_arn: string | null;
  distribution: string;
}

/** A filter with the name of its log group, as the Describe operations report it. */
export type WithGroupName<T> = T & { group_name: string };

export interface MetricFilterPage {
  groupId?: number;
  prefix?: string;
  metric?: { name: string; namespace: string };
  /** Exclusive lower bound in (group name, filter name) order (pagination). */
  after?: { group: string; name: string };
  limit: number;
}

export interface StreamRow {
  id: number;
  group_id: number;
  name: string;
  created_at: number;
  first_event_ts: number | null;
  last_event_ts: number | null;
  last_ingestion: number | null;
  /** Number of accepted PutLogEvents calls: the basis of the (ignored) sequence tokens. */
  sequence: number;
  /** UTF-8 bytes of the stream's messages; summed into the group's storedBytes. */
  stored_bytes: number;
}

export interface EventRow {
  id: number;
  stream_id: number;
  ts: number;
  ingested: number;
  /** The message, or sealed bytes when `data_key` names the data key that sealed it (encryption.ts). */
  message: string | Buffer;
  data_key: number | null;
}

/** A point in the (timestamp, id) order of events: tokens and event ids are built from it. */
export interface EventPosition {
  ts: number;
  id: number;
}

export interface NewEvent {
  timestamp: number;
  message: string;
}

/** Lower bound inclusive, upper bound exclusive, as AWS's startTime/endTime. */
export interface TimeRange {
  from: number;
  to: number;
}

export interface GroupPage {
  /** Exclusive lower bound in name order (pagination). */
  after?: string;
  prefix?: string;
  /** Case-sensitive substring of the name. */
  contains?: string;
  logGroupClass?: string;
  /** Only these names (logGroupIdentifiers). */
  names?: string[];
  limit: number;
}

export interface StreamPage {
  groupId: number;
  prefix?: string;
  orderBy: 'LogStreamName' | 'LastEventTime';
  descending: boolean;
  /** Exclusive bound in the requested order (pagination). */
  after?: { key: number | string; name: string };
  limit: number;
}

/** A sealed message is its plain bytes plus a 12-byte IV and a 16-byte tag (AES-256-GCM, encryption.ts). */
export const SEAL_OVERHEAD = 28;

/** SQL for an event's message size in UTF-8 bytes, sealed or not. */
export const MESSAGE_BYTES = `(octet_length(message) - CASE WHEN data_key IS NULL THEN 0 ELSE ${SEAL_OVERHEAD} END)`;

export class LogsStore {
  private readonly stmts;

  constructor(private readonly store: Store) {
    store.migrate('logs', [
      {
        version: 1,
        sql: `CREATE TABLE logs_groups (
          id INTEGER PRIMARY KEY,
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
          created_at INTEGER NOT NULL, retention_days INTEGER, kms_key_id TEXT,
          log_group_class TEXT NOT NULL, deletion_protection INTEGER NOT NULL DEFAULT 0,
          tags TEXT NOT NULL DEFAULT '{}',
          UNIQUE (account, region, name)
        );
        CREATE TABLE logs_streams (
          id INTEGER PRIMARY KEY,
          group_id INTEGER NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL,
          first_event_ts INTEGER, last_event_ts INTEGER, last_ingestion INTEGER,
          sequence INTEGER NOT NULL DEFAULT 0, stored_bytes INTEGER NOT NULL DEFAULT 0,
          UNIQUE (group_id, name)
        );
        -- Events carry their group so a whole group is searched (FilterLogEvents) by one index range;
        -- no foreign keys: a per-row check would slow the PutLogEvents hot path, and the store
        -- deletes a group's streams and events itself in one transaction.
        CREATE TABLE logs_events (
          id INTEGER PRIMARY KEY,
          group_id INTEGER NOT NULL, stream_id INTEGER NOT NULL,
          ts INTEGER NOT NULL, ingested INTEGER NOT NULL, message TEXT NOT NULL
        );
        CREATE INDEX logs_events_stream_time ON logs_events (stream_id, ts, id);
        CREATE INDEX logs_events_group_time ON logs_events (group_id, ts, id);`,
      },
      {
        version: 2,
        sql: `CREATE TABLE logs_metric_filters (
          group_id INTEGER NOT NULL, name TEXT NOT NULL, pattern TEXT NOT NULL, created_at INTEGER NOT NULL,
          metric_name TEXT NOT NULL, metric_namespace TEXT NOT NULL, metric_value TEXT NOT NULL,
          default_value REAL, unit TEXT, dimensions TEXT,
          field_selection TEXT, emit_system_fields TEXT, has_regex INTEGER NOT NULL,
          PRIMARY KEY (group_id, name)
        );
        CREATE INDEX logs_metric_filters_metric ON logs_metric_filters (metric_namespace, metric_name);
        CREATE TABLE logs_subscription_filters (
          group_id INTEGER NOT NULL, name TEXT NOT NULL, pattern TEXT NOT NULL, created_at INTEGER NOT NULL,
          destination_arn TEXT NOT NULL, role_arn TEXT, distribution TEXT NOT NULL,
          field_selection TEXT, emit_system_fields TEXT, has_regex INTEGER NOT NULL,
          PRIMARY KEY (group_id, name)
        );`,
      },
      {
        // Each stream's events per minute (count, UTF-8 bytes, row id span), kept with every write:
        // Logs Insights reads a query's statistics and plain time-bin counts from it, and scans a
        // group's events by row id span (in storage order) rather than jumping around the table.
        version: 3,
        sql: `CREATE TABLE logs_event_minutes (
          stream_id INTEGER NOT NULL, minute INTEGER NOT NULL, group_id INTEGER NOT NULL,
          events INTEGER NOT NULL, bytes INTEGER NOT NULL, min_id INTEGER NOT NULL, max_id INTEGER NOT NULL,
          PRIMARY KEY (stream_id, minute)
        );
        CREATE INDEX logs_event_minutes_group ON logs_event_minutes (group_id, minute);
        INSERT INTO logs_event_minutes (stream_id, minute, group_id, events, bytes, min_id, max_id)
          SELECT stream_id, ts / 60000, group_id, COUNT(*), SUM(octet_length(message)), MIN(id), MAX(id) FROM logs_events GROUP BY stream_id, ts / 60000;`,
      },
      {
        // Events of a group associated with a KMS key are sealed under one of its data keys (logs_data_keys).
        version: 4,
        sql: 'ALTER TABLE logs_events ADD COLUMN data_key INTEGER;',
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      groupByName: () => db.prepare<[string, string, string], GroupRow>('SELECT * FROM logs_groups WHERE account = ? AND region = ? AND name = ?'),
      groupById: () => db.prepare<[number], GroupRow>('SELECT * FROM logs_groups WHERE id = ?'),
      groupBytes: () => db.prepare<[number], { bytes: number | null }>('SELECT SUM(stored_bytes) AS bytes FROM logs_streams WHERE group_id = ?'),
      insertGroup: () =>
        db.prepare<Omit<GroupRow, 'id'>>(`INSERT INTO logs_groups
        (account, region, name, created_at, retention_days, kms_key_id, log_group_class, deletion_protection, tags)
        VALUES (@account, @region, @name, @created_at, @retention_days, @kms_key_id, @log_group_class, @deletion_protection, @tags)`),
      deleteGroup: () => db.prepare<[number]>('DELETE FROM logs_groups WHERE id = ?'),
      deleteGroupStreams: () => db.prepare<[number]>('DELETE FROM logs_streams WHERE group_id = ?'),
      deleteGroupEvents: () => db.prepare<[number]>('DELETE FROM logs_events WHERE group_id = ?'),
      deleteGroupMetricFilters: () => db.prepare<[number]>('DELETE FROM logs_metric_filters WHERE group_id = ?'),
      deleteGroupSubscriptionFilters: () => db.prepare<[number]>('DELETE FROM logs_subscription_filters WHERE group_id = ?'),
      metricFilter: () => db.prepare<[number, string], MetricFilterRow>('SELECT * FROM logs_metric_filters WHERE group_id = ? AND name = ?'),
      putMetricFilter: () =>
        db.prepare<MetricFilterRow>(`INSERT OR REPLACE INTO logs_metric_filters
        (group_id, name, pattern, created_at, metric_name, metric_namespace, metric_value, default_value, unit, dimensions, field_selection, emit_system_fields, has_regex)
        VALUES (@group_id, @name, @pattern, @created_at, @metric_name, @metric_namespace, @metric_value, @default_value, @unit, @dimensions, @field_selection, @emit_system_fields, @has_regex)`),
      deleteMetricFilter: () => db.prepare<[number, string]>('DELETE FROM logs_metric_filters WHERE group_id = ? AND name = ?'),
      countMetricFilters: () => db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM logs_metric_filters WHERE group_id = ?'),
      subscriptionFilter: () => db.prepare<[number, string], SubscriptionFilterRow>('SELECT * FROM logs_subscription_filters WHERE group_id = ? AND name = ?'),
      putSubscriptionFilter: () =>
        db.prepare<SubscriptionFilterRow>(`INSERT OR REPLACE INTO logs_subscription_filters
        (group_id, name, pattern, created_at, destination_arn, role_arn, distribution, field_selection, emit_system_fields, has_regex)
        VALUES (@group_id, @name, @pattern, @created_at, @destination_arn, @role_arn, @distribution, @field_selection, @emit_system_fields, @has_regex)`),
      deleteSubscriptionFilter: () => db.prepare<[number, string]>('DELETE FROM logs_subscription_filters WHERE group_id = ? AND name = ?'),
      countSubscriptionFilters: () => db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM logs_subscription_filters WHERE group_id = ?'),
      subscriptionFilters: () =>
        db.prepare<[number, string, string, string, number], SubscriptionFilterRow>(
          'SELECT * FROM logs_subscription_filters WHERE group_id = ? AND substr(name, 1, length(?)) = ? AND name > ? ORDER BY name LIMIT ?',
        ),
      regexFilters: () =>
        db.prepare<[number, number], { metric: string | null; subscription: string | null }>(
          `SELECT name AS metric, NULL AS subscription FROM logs_metric_filters WHERE group_id = ? AND has_regex = 1
         UNION ALL SELECT NULL, name FROM logs_subscription_filters WHERE group_id = ? AND has_regex = 1`,
        ),
      setKmsKey: () => db.prepare<[string | null, number]>('UPDATE logs_groups SET kms_key_id = ? WHERE id = ?'),
      setRetention: () => db.prepare<[number | null, number]>('UPDATE logs_groups SET retention_days = ? WHERE id = ?'),
      setDeletionProtection: () => db.prepare<[number, number]>('UPDATE logs_groups SET deletion_protection = ? WHERE id = ?'),
      setTags: () => db.prepare<[string, number]>('UPDATE logs_groups SET tags = ? WHERE id = ?'),
      streamByName: () => db.prepare<[number, string], StreamRow>('SELECT * FROM logs_streams WHERE group_id = ? AND name = ?'),
      insertStream: () => db.prepare<[number, string, number]>('INSERT INTO logs_streams (group_id, name, created_at) VALUES (?, ?, ?)'),
      deleteStream: () => db.prepare<[number]>('DELETE FROM logs_streams WHERE id = ?'),
      deleteStreamEvents: () => db.prepare<[number]>('DELETE FROM logs_events WHERE stream_id = ?'),
      insertEvent: () =>
        db.prepare<[number, number, number, number, string | Buffer, number | null]>('INSERT INTO logs_events (group_id, stream_id, ts, ingested, message, data_key) VALUES (?, ?, ?, ?, ?, ?)'),
      addMinute: () =>
        db.prepare<[number, number, number, number, number, number, number]>(`INSERT INTO logs_event_minutes (stream_id, minute, group_id, events, bytes, min_id, max_id) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (stream_id, minute) DO UPDATE SET events = events + excluded.events, bytes = bytes + excluded.bytes,
          min_id = MIN(min_id, excluded.min_id), max_id = MAX(max_id, excluded.max_id)`),
      deleteGroupMinutes: () => db.prepare<[number]>('DELETE FROM logs_event_minutes WHERE group_id = ?'),
      deleteStreamMinutes: () => db.prepare<[number]>('DELETE FROM logs_event_minutes WHERE stream_id = ?'),
      deleteMinutesFrom: () => db.prepare<[number, number]>('DELETE FROM logs_event_minutes WHERE group_id = ? AND minute <= ?'),
      recountMinute: () =>
        db.prepare<[number, number, number]>(`INSERT INTO logs_event_minutes (stream_id, minute, group_id, events, bytes, min_id, max_id)
        SELECT stream_id, ts / 60000, group_id, COUNT(*), SUM(${MESSAGE_BYTES}), MIN(id), MAX(id) FROM logs_events
        WHERE group_id = ? AND ts >= ? AND ts < ? GROUP BY stream_id, ts / 60000`),
      recordBatch: () =>
        db.prepare<{ id: number; first: number; last: number; now: number; bytes: number }>(`UPDATE logs_streams SET
        first_event_ts = MIN(COALESCE(first_event_ts, @first), @first),
        last_event_ts = MAX(COALESCE(last_event_ts, @last), @last),
        last_ingestion = @now, sequence = sequence + 1, stored_bytes = stored_bytes + @bytes
        WHERE id = @id`),
      hasExpired: () => db.prepare<[number, number], { one: number }>('SELECT 1 AS one FROM logs_events WHERE group_id = ? AND ts < ? LIMIT 1'),
      expiredBytes: () =>
        db.prepare<[number, number], { stream_id: number; bytes: number }>(`SELECT stream_id, SUM(${MESSAGE_BYTES}) AS bytes FROM logs_events WHERE group_id = ? AND ts < ? GROUP BY stream_id`),
      shrinkStream: () => db.prepare<[number, number]>('UPDATE logs_streams SET stored_bytes = MAX(0, stored_bytes - ?) WHERE id = ?'),
      deleteExpired: () => db.prepare<[number, number]>('DELETE FROM logs_events WHERE group_id = ? AND ts < ?'),
      streamsOfGroup: () => db.prepare<[number], StreamRow>('SELECT * FROM logs_streams WHERE group_id = ? ORDER BY name'),
      streamsWithPrefix: () => db.prepare<[number, string, string], StreamRow>('SELECT * FROM logs_streams WHERE group_id = ? AND substr(name, 1, length(?)) = ? ORDER BY name'),
      streamEventsForward: () =>
        db.prepare<[number, number, number, number, number], EventRow>(
          'SELECT id, stream_id, ts, ingested, message, data_key FROM logs_events WHERE stream_id = ? AND ts >= ? AND ts < ? AND (ts, id) > (?, ?) ORDER BY ts, id',
        ),
      streamEventsBackward: () =>
        db.prepare<[number, number, number, number, number], EventRow>(
          'SELECT id, stream_id, ts, ingested, message, data_key FROM logs_events WHERE stream_id = ? AND ts >= ? AND ts < ? AND (ts, id) < (?, ?) ORDER BY ts DESC, id DESC',
        ),
      groupEventsForward: () =>
        db.prepare<[number, number, number, number, number], EventRow>(
          'SELECT id, stream_id, ts, ingested, message, data_key FROM logs_events WHERE group_id = ? AND ts >= ? AND ts < ? AND (ts, id) > (?, ?) ORDER BY ts, id',
        ),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  group(scope: Scope, name: string): GroupRow | undefined {
    return this.stmts.groupByName.get(scope.account, scope.region, name);
  }

  /** A group by its row id (what a running query or export keeps); undefined once deleted. */
  groupById(id: number): GroupRow | undefined {
    return this.stmts.groupById.get(id);
  }

  groupStoredBytes(groupId: number): number {
    return this.stmts.groupBytes.get(groupId)?.bytes ?? 0;
  }

  createGroup(row: Omit<GroupRow, 'id'>): void {
    this.stmts.insertGroup.run(row);
  }

  deleteGroup(id: number): void {
    this.stmts.deleteGroupMetricFilters.run(id);
    this.stmts.deleteGroupSubscriptionFilters.run(id);
    this.stmts.deleteGroupEvents.run(id);
    this.stmts.deleteGroupMinutes.run(id);
    this.stmts.deleteGroupStreams.run(id);
    this.stmts.deleteGroup.run(id);
  }

  setKmsKey(id: number, keyId: string | null): void {
    this.stmts.setKmsKey.run(keyId, id);
  }

  setRetention(id: number, days: number | null): void {
    this.stmts.setRetention.run(days, id);
  }

  setDeletionProtection(id: number, enabled: boolean): void {
    this.stmts.setDeletionProtection.run(enabled ? 1 : 0, id);
  }

  setTags(id: number, tags: Record<string, string>): void {
    this.stmts.setTags.run(JSON.stringify(tags), id);
  }

  /** One page of an account's groups in a region, in name order, with their stored bytes. */
  listGroups(scope: Scope, page: GroupPage): GroupWithBytes[] {
    if (page.names?.length === 0) return [];
    const where = ['g.account = ?', 'g.region = ?'];
    const params: (string | number)[] = [scope.account, scope.region];
    if (page.after !== undefined) {
      where.push('g.name > ?');
      params.push(page.after);
    }
    if (page.prefix !== undefined) {
      // substr, not LIKE: LIKE folds ASCII case and names are case-sensitive.
      where.push('substr(g.name, 1, length(?)) = ?');
      params.push(page.prefix, page.prefix);
    }
    if (page.contains !== undefined) {
      where.push('instr(g.name, ?) > 0');
      params.push(page.contains);
    }
    if (page.logGroupClass !== undefined) {
      where.push('g.log_group_class = ?');
      params.push(page.logGroupClass);
    }
    if (page.names !== undefined) {
      where.push(`g.name IN (${page.names.map(() => '?').join(', ')})`);
      params.push(...page.names);
    }
    params.push(page.limit);
    const sql = `SELECT g.*, COALESCE((SELECT SUM(s.stored_bytes) FROM logs_streams s WHERE s.group_id = g.id), 0) AS stored_bytes,
      (SELECT COUNT(*) FROM logs_metric_filters m WHERE m.group_id = g.id) AS metric_filter_count
      FROM logs_groups g WHERE ${where.join(' AND ')} ORDER BY g.name LIMIT ?`;
    return this.store.db.prepare<(string | number)[], GroupWithBytes>(sql).all(...params);
  }

  stream(groupId: number, name: string): StreamRow | undefined {
    return this.stmts.streamByName.get(groupId, name);
  }

  createStream(groupId: number, name: string, now: number): void {
    this.stmts.insertStream.run(groupId, name, now);
  }

  deleteStream(id: number): void {
    this.stmts.deleteStreamEvents.run(id);
    this.stmts.deleteStreamMinutes.run(id);
    this.stmts.deleteStream.run(id);
  }

  /** Streams of a group, all or those whose name starts with `prefix`, in name order. */
  streams(groupId: number, prefix?: string): StreamRow[] {
    return prefix === undefined ? this.stmts.streamsOfGroup.all(groupId) : this.stmts.streamsWithPrefix.all(groupId, prefix, prefix);
  }

  /** One page of a group's streams in the requested order. */
  listStreams(page: StreamPage): StreamRow[] {
    const where = ['group_id = ?'];
    const params: (string | number)[] = [page.groupId];
    if (page.prefix !== undefined) {
      where.push('substr(name, 1, length(?)) = ?');
      params.push(page.prefix, page.prefix);
    }
    const key = page.orderBy === 'LastEventTime' ? 'COALESCE(last_event_ts, 0)' : 'name';
    const dir = page.descending ? 'DESC' : 'ASC';
    if (page.after) {
      const cmp = page.descending ? '<' : '>';
      if (page.orderBy === 'LastEventTime') {
        where.push(`(${key}, name) ${cmp} (?, ?)`);
        params.push(page.after.key, page.after.name);
      } else {
        where.push(`name ${cmp} ?`);
        params.push(page.after.name);
      }
    }
    params.push(page.limit);
    const order = page.orderBy === 'LastEventTime' ? `${key} ${dir}, name ${dir}` : `name ${dir}`;
    const sql = `SELECT * FROM logs_streams WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`;
    return this.store.db.prepare<(string | number)[], StreamRow>(sql).all(...params);
  }

  /**
   * Appends a chronologically ordered batch to a stream (inside the caller's transaction) and
   * returns the stream's new sequence number and the events' row ids, in order; with `sealer`, each
   * message is stored sealed under that data key (sizes still count the plain message).
   */
  appendEvents(stream: StreamRow, events: NewEvent[], now: number, sealer?: { dataKey: number; seal(message: string): Buffer }): { sequence: number; ids: number[] } {
    let bytes = 0;
    const ids: number[] = [];
    // The batch is in time order, so its minutes come one after another.
    let minute = { minute: -1, events: 0, bytes: 0, minId: 0, maxId: 0 };
    const flush = () => {
      if (minute.events) this.stmts.addMinute.run(stream.id, minute.minute, stream.group_id, minute.events, minute.bytes, minute.minId, minute.maxId);
    };
    for (const event of events) {
      const stored = sealer ? sealer.seal(event.message) : event.message;
      const id = Number(this.stmts.insertEvent.run(stream.group_id, stream.id, event.timestamp, now, stored, sealer?.dataKey ?? null).lastInsertRowid);
      ids.push(id);
      const size = Buffer.byteLength(event.message, 'utf8');
      bytes += size;
      const at = Math.floor(event.timestamp / 60_000);
      if (at !== minute.minute) {
        flush();
        minute = { minute: at, events: 0, bytes: 0, minId: id, maxId: id };
      }
      minute.events++;
      minute.bytes += size;
      minute.maxId = id;
    }
    flush();
    this.stmts.recordBatch.run({ id: stream.id, first: events[0].timestamp, last: events[events.length - 1].timestamp, now, bytes });
    return { sequence: stream.sequence + 1, ids };
  }

  /** Deletes a group's events older than `cutoff` (retention), keeping the byte counters right. */
  purgeExpired(groupId: number, cutoff: number): void {
    if (!this.stmts.hasExpired.get(groupId, cutoff)) return;
    for (const { stream_id, bytes } of this.stmts.expiredBytes.all(groupId, cutoff)) this.stmts.shrinkStream.run(bytes, stream_id);
    this.stmts.deleteExpired.run(groupId, cutoff);
    // Minutes wholly before the cutoff go; the one it falls in is counted again from what is left.
    const boundary = Math.floor(cutoff / 60_000);
    this.stmts.deleteMinutesFrom.run(groupId, boundary);
    this.stmts.recountMinute.run(groupId, boundary * 60_000, (boundary + 1) * 60_000);
  }

  /** A stream's events in `range` strictly after `after`, ascending; lazily read so callers stop early. */
  streamEventsAfter(streamId: number, range: TimeRange, after: EventPosition): IterableIterator<EventRow> {
    return this.stmts.streamEventsForward.iterate(streamId, range.from, range.to, after.ts, after.id);
  }

  /** A stream's events in `range` strictly before `before`, newest first. */
  streamEventsBefore(streamId: number, range: TimeRange, before: EventPosition): IterableIterator<EventRow> {
    return this.stmts.streamEventsBackward.iterate(streamId, range.from, range.to, before.ts, before.id);
  }

  /** A group's events (all streams interleaved) in `range` strictly after `after`, ascending. */
  groupEventsAfter(groupId: number, range: TimeRange, after: EventPosition): IterableIterator<EventRow> {
    return this.stmts.groupEventsForward.iterate(groupId, range.from, range.to, after.ts, after.id);
  }

  metricFilter(groupId: number, name: string): MetricFilterRow | undefined {
    return this.stmts.metricFilter.get(groupId, name);
  }

  /** Creates or replaces a metric filter (inside the caller's transaction). */
  putMetricFilter(row: MetricFilterRow): void {
    this.stmts.putMetricFilter.run(row);
  }

  deleteMetricFilter(groupId: number, name: string): boolean {
    return this.stmts.deleteMetricFilter.run(groupId, name).changes > 0;
  }

  countMetricFilters(groupId: number): number {
    return this.stmts.countMetricFilters.get(groupId)!.n;
  }

  /** One page of an account's metric filters in a region, in (group name, filter name) order. */
  listMetricFilters(scope: Scope, page: MetricFilterPage): WithGroupName<MetricFilterRow>[] {
    const where = ['g.account = ?', 'g.region = ?'];
    const params: (string | number)[] = [scope.account, scope.region];
    if (page.groupId !== undefined) {
      where.push('m.group_id = ?');
      params.push(page.groupId);
    }
    if (page.prefix !== undefined) {
      where.push('substr(m.name, 1, length(?)) = ?');
      params.push(page.prefix, page.prefix);
    }
    if (page.metric) {
      where.push('m.metric_namespace = ? AND m.metric_name = ?');
      params.push(page.metric.namespace, page.metric.name);
    }
    if (page.after) {
      where.push('(g.name, m.name) > (?, ?)');
      params.push(page.after.group, page.after.name);
    }
    params.push(page.limit);
    const sql = `SELECT m.*, g.name AS group_name FROM logs_metric_filters m JOIN logs_groups g ON g.id = m.group_id
      WHERE ${where.join(' AND ')} ORDER BY g.name, m.name LIMIT ?`;
    return this.store.db.prepare<(string | number)[], WithGroupName<MetricFilterRow>>(sql).all(...params);
  }

  subscriptionFilter(groupId: number, name: string): SubscriptionFilterRow | undefined {
    return this.stmts.subscriptionFilter.get(groupId, name);
  }

  /** Creates or replaces a subscription filter (inside the caller's transaction). */
  putSubscriptionFilter(row: SubscriptionFilterRow): void {
    this.stmts.putSubscriptionFilter.run(row);
  }

  deleteSubscriptionFilter(groupId: number, name: string): boolean {
    return this.stmts.deleteSubscriptionFilter.run(groupId, name).changes > 0;
  }

  countSubscriptionFilters(groupId: number): number {
    return this.stmts.countSubscriptionFilters.get(groupId)!.n;
  }

  /** One page of a group's subscription filters whose name starts with `prefix`, after `after`, in name order. */
  subscriptionFilters(groupId: number, prefix: string, after: string, limit: number): SubscriptionFilterRow[] {
    return this.stmts.subscriptionFilters.all(groupId, prefix, prefix, after, limit);
  }

  /** The group's metric and subscription filters whose pattern uses a regex, by name. */
  regexFilters(groupId: number): { metric: string[]; subscription: string[] } {
    const rows = this.stmts.regexFilters.all(groupId, groupId);
    return { metric: rows.flatMap((r) => (r.metric === null ? [] : [r.metric])), subscription: rows.flatMap((r) => (r.subscription === null ? [] : [r.subscription])) };
  }
}
