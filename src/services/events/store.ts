/** EventBridge tables and their prepared statements. No SQL lives anywhere else. */
import type { Scope } from '../../core/accounts.js';
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

export interface BusRow {
  account: string;
  region: string;
  name: string;
  created_at: number;
  modified_at: number;
  description: string | null;
  kms_key: string | null;
  dead_letter_arn: string | null;
  /** The resource policy document, as AWS answers it in DescribeEventBus. */
  policy: string | null;
  /** JSON array of {Key, Value}. */
  tags: string;
}

export interface RuleRow {
  account: string;
  region: string;
  bus: string;
  name: string;
  pattern: string | null;
  schedule: string | null;
  state: string;
  description: string | null;
  role_arn: string | null;
  managed_by: string | null;
  created_by: string;
  tags: string;
  /** When the schedule was set: the anchor of rate() schedules. */
  schedule_anchor: number | null;
  /** The job that fires the schedule next; a fired job that is not this one is stale. */
  schedule_job: number | null;
}

export interface TargetRow {
  rule: string;
  id: string;
  arn: string;
  /** The Target structure as PutTargets stored it (JSON). */
  body: string;
}

export interface ArchiveRow {
  account: string;
  region: string;
  name: string;
  source_arn: string;
  description: string | null;
  pattern: string | null;
  retention_days: number;
  created_at: number;
  event_count: number;
  size_bytes: number;
}

export interface ArchivedEventRow {
  seq: number;
  time: number;
  body: string;
}

export interface ReplayRow {
  account: string;
  region: string;
  name: string;
  /** The replay's description as DescribeReplay answers it, timestamps as epoch ms (JSON). */
  body: string;
  state: string;
  source_arn: string;
  job: number | null;
}

export type Tag = { Key: string; Value: string };

const SCHEMA = `
CREATE TABLE events_buses (
  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
  created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL,
  description TEXT, kms_key TEXT, dead_letter_arn TEXT, policy TEXT, tags TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (account, region, name)
);
CREATE TABLE events_rules (
  account TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, name TEXT NOT NULL,
  pattern TEXT, schedule TEXT, state TEXT NOT NULL, description TEXT, role_arn TEXT, managed_by TEXT,
  created_by TEXT NOT NULL, tags TEXT NOT NULL DEFAULT '[]', schedule_anchor INTEGER, schedule_job INTEGER,
  PRIMARY KEY (account, region, bus, name)
);
CREATE TABLE events_targets (
  account TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, rule TEXT NOT NULL, id TEXT NOT NULL,
  arn TEXT NOT NULL, body TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (account, region, bus, rule, id)
);
CREATE INDEX events_targets_by_arn ON events_targets (account, region, arn);
CREATE TABLE events_archives (
  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, source_arn TEXT NOT NULL,
  description TEXT, pattern TEXT, retention_days INTEGER NOT NULL, created_at INTEGER NOT NULL,
  event_count INTEGER NOT NULL DEFAULT 0, size_bytes INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account, region, name)
);
CREATE TABLE events_archived (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, region TEXT NOT NULL, archive TEXT NOT NULL,
  time INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE INDEX events_archived_by_time ON events_archived (account, region, archive, time);
CREATE TABLE events_replays (
  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL, state TEXT NOT NULL,
  source_arn TEXT NOT NULL, job INTEGER,
  PRIMARY KEY (account, region, name)
);
CREATE TABLE events_routed (event_id TEXT NOT NULL, bus_arn TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (event_id, bus_arn));
CREATE INDEX events_routed_by_time ON events_routed (at);
`;

export class EventsStore {
  private readonly stmts;

  constructor(readonly store: Store) {
    store.migrate('events', [{ version: 1, sql: SCHEMA }]);
    const db = store.db;
    this.stmts = preparedOnUse({
      bus: () => db.prepare<[string, string, string], BusRow>('SELECT * FROM events_buses WHERE account = ? AND region = ? AND name = ?'),
      buses: () =>
        db.prepare<[string, string, string, string, number], BusRow>("SELECT * FROM events_buses WHERE account = ? AND region = ? AND name > ? AND name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?"),
      insertBus: () =>
        db.prepare<[string, string, string, number, number, string | null, string | null, string | null, string | null, string]>(
          'INSERT INTO events_buses (account, region, name, created_at, modified_at, description, kms_key, dead_letter_arn, policy, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ),
      ensureBus: () => db.prepare<[string, string, string, number, number]>('INSERT OR IGNORE INTO events_buses (account, region, name, created_at, modified_at) VALUES (?, ?, ?, ?, ?)'),
      updateBus: () =>
        db.prepare<[string | null, string | null, string | null, number, string, string, string]>(
          'UPDATE events_buses SET description = ?, kms_key = ?, dead_letter_arn = ?, modified_at = ? WHERE account = ? AND region = ? AND name = ?',
        ),
      setBusPolicy: () => db.prepare<[string | null, number, string, string, string]>('UPDATE events_buses SET policy = ?, modified_at = ? WHERE account = ? AND region = ? AND name = ?'),
      setBusTags: () => db.prepare<[string, string, string, string]>('UPDATE events_buses SET tags = ? WHERE account = ? AND region = ? AND name = ?'),
      deleteBus: () => db.prepare<[string, string, string]>('DELETE FROM events_buses WHERE account = ? AND region = ? AND name = ?'),
      rule: () => db.prepare<[string, string, string, string], RuleRow>('SELECT * FROM events_rules WHERE account = ? AND region = ? AND bus = ? AND name = ?'),
      rules: () =>
        db.prepare<[string, string, string, string, string, number], RuleRow>(
          "SELECT * FROM events_rules WHERE account = ? AND region = ? AND bus = ? AND name > ? AND name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?",
        ),
      allRules: () => db.prepare<[string, string, string], RuleRow>('SELECT * FROM events_rules WHERE account = ? AND region = ? AND bus = ? ORDER BY name'),
      upsertRule: () =>
        db.prepare<[string, string, string, string, string | null, string | null, string, string | null, string | null, string | null, string, string, number | null, number | null]>(
          `INSERT INTO events_rules (account, region, bus, name, pattern, schedule, state, description, role_arn, managed_by, created_by, tags, schedule_anchor, schedule_job)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (account, region, bus, name) DO UPDATE SET pattern = excluded.pattern, schedule = excluded.schedule, state = excluded.state,
             description = excluded.description, role_arn = excluded.role_arn, schedule_anchor = excluded.schedule_anchor, schedule_job = excluded.schedule_job`,
        ),
      setRuleState: () => db.prepare<[string, string, string, string, string]>('UPDATE events_rules SET state = ? WHERE account = ? AND region = ? AND bus = ? AND name = ?'),
      setRuleSchedule: () =>
        db.prepare<[number | null, number | null, string, string, string, string]>(
          'UPDATE events_rules SET schedule_anchor = ?, schedule_job = ? WHERE account = ? AND region = ? AND bus = ? AND name = ?',
        ),
      setRuleTags: () => db.prepare<[string, string, string, string, string]>('UPDATE events_rules SET tags = ? WHERE account = ? AND region = ? AND bus = ? AND name = ?'),
      deleteRule: () => db.prepare<[string, string, string, string]>('DELETE FROM events_rules WHERE account = ? AND region = ? AND bus = ? AND name = ?'),
      deleteBusRules: () => db.prepare<[string, string, string]>('DELETE FROM events_rules WHERE account = ? AND region = ? AND bus = ?'),
      targets: () =>
        db.prepare<[string, string, string, string], TargetRow>('SELECT rule, id, arn, body FROM events_targets WHERE account = ? AND region = ? AND bus = ? AND rule = ? ORDER BY seq, id'),
      busTargets: () => db.prepare<[string, string, string], TargetRow>('SELECT rule, id, arn, body FROM events_targets WHERE account = ? AND region = ? AND bus = ? ORDER BY rule, seq, id'),
      target: () =>
        db.prepare<[string, string, string, string, string], TargetRow>('SELECT rule, id, arn, body FROM events_targets WHERE account = ? AND region = ? AND bus = ? AND rule = ? AND id = ?'),
      targetCount: () => db.prepare<[string, string, string, string], { n: number }>('SELECT COUNT(*) AS n FROM events_targets WHERE account = ? AND region = ? AND bus = ? AND rule = ?'),
      upsertTarget: () =>
        db.prepare<[string, string, string, string, string, string, string, number]>(
          `INSERT INTO events_targets (account, region, bus, rule, id, arn, body, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (account, region, bus, rule, id) DO UPDATE SET arn = excluded.arn, body = excluded.body`,
        ),
      deleteTarget: () => db.prepare<[string, string, string, string, string]>('DELETE FROM events_targets WHERE account = ? AND region = ? AND bus = ? AND rule = ? AND id = ?'),
      deleteRuleTargets: () => db.prepare<[string, string, string, string]>('DELETE FROM events_targets WHERE account = ? AND region = ? AND bus = ? AND rule = ?'),
      deleteBusTargets: () => db.prepare<[string, string, string]>('DELETE FROM events_targets WHERE account = ? AND region = ? AND bus = ?'),
      rulesByTarget: () =>
        db.prepare<[string, string, string, string, string, number], { rule: string }>(
          'SELECT DISTINCT rule FROM events_targets WHERE account = ? AND region = ? AND bus = ? AND arn = ? AND rule > ? ORDER BY rule LIMIT ?',
        ),
      archive: () => db.prepare<[string, string, string], ArchiveRow>('SELECT * FROM events_archives WHERE account = ? AND region = ? AND name = ?'),
      archives: () => db.prepare<[string, string], ArchiveRow>('SELECT * FROM events_archives WHERE account = ? AND region = ? ORDER BY name'),
      archivesOfBus: () => db.prepare<[string, string, string], ArchiveRow>('SELECT * FROM events_archives WHERE account = ? AND region = ? AND source_arn = ?'),
      insertArchive: () =>
        db.prepare<[string, string, string, string, string | null, string | null, number, number]>(
          'INSERT INTO events_archives (account, region, name, source_arn, description, pattern, retention_days, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ),
      updateArchive: () =>
        db.prepare<[string | null, string | null, number, string, string, string]>(
          'UPDATE events_archives SET description = ?, pattern = ?, retention_days = ? WHERE account = ? AND region = ? AND name = ?',
        ),
      deleteArchive: () => db.prepare<[string, string, string]>('DELETE FROM events_archives WHERE account = ? AND region = ? AND name = ?'),
      archiveEvent: () => db.prepare<[string, string, string, number, string]>('INSERT INTO events_archived (account, region, archive, time, body) VALUES (?, ?, ?, ?, ?)'),
      countArchived: () =>
        db.prepare<[number, number, string, string, string]>(
          'UPDATE events_archives SET event_count = event_count + 1, size_bytes = size_bytes + ? WHERE ? > 0 AND account = ? AND region = ? AND name = ?',
        ),
      archivedEvents: () =>
        db.prepare<[string, string, string, number, number, number, number], ArchivedEventRow>(
          'SELECT seq, time, body FROM events_archived WHERE account = ? AND region = ? AND archive = ? AND time >= ? AND time < ? AND seq > ? ORDER BY seq LIMIT ?',
        ),
      purgeArchived: () => db.prepare<[string, string, string]>('DELETE FROM events_archived WHERE account = ? AND region = ? AND archive = ?'),
      expireArchived: () => db.prepare<[string, string, string, number]>('DELETE FROM events_archived WHERE account = ? AND region = ? AND archive = ? AND time < ?'),
      replay: () => db.prepare<[string, string, string], ReplayRow>('SELECT * FROM events_replays WHERE account = ? AND region = ? AND name = ?'),
      replays: () => db.prepare<[string, string], ReplayRow>('SELECT * FROM events_replays WHERE account = ? AND region = ? ORDER BY name'),
      insertReplay: () => db.prepare<[string, string, string, string, string, string]>('INSERT INTO events_replays (account, region, name, body, state, source_arn) VALUES (?, ?, ?, ?, ?, ?)'),
      updateReplay: () => db.prepare<[string, string, number | null, string, string, string]>('UPDATE events_replays SET body = ?, state = ?, job = ? WHERE account = ? AND region = ? AND name = ?'),
      markRouted: () => db.prepare<[string, string, number]>('INSERT OR IGNORE INTO events_routed (event_id, bus_arn, at) VALUES (?, ?, ?)'),
      pruneRouted: () => db.prepare<[number]>('DELETE FROM events_routed WHERE at < ?'),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  bus(scope: Scope, name: string): BusRow | undefined {
    return this.stmts.bus.get(scope.account, scope.region, name);
  }

  buses(scope: Scope, after: string, prefix: string, limit: number): BusRow[] {
    return this.stmts.buses.all(scope.account, scope.region, after, `${likeEscape(prefix)}%`, limit);
  }

  insertBus(scope: Scope, name: string, now: number, fields: { description?: string; kmsKey?: string; deadLetterArn?: string; tags: Tag[] }): void {
    this.stmts.insertBus.run(scope.account, scope.region, name, now, now, fields.description ?? null, fields.kmsKey ?? null, fields.deadLetterArn ?? null, null, JSON.stringify(fields.tags));
  }

  /** The default bus exists in every account and Region; its row is made on first use. */
  ensureBus(scope: Scope, name: string, now: number): void {
    this.stmts.ensureBus.run(scope.account, scope.region, name, now, now);
  }

  updateBus(scope: Scope, name: string, now: number, fields: { description: string | null; kmsKey: string | null; deadLetterArn: string | null }): void {
    this.stmts.updateBus.run(fields.description, fields.kmsKey, fields.deadLetterArn, now, scope.account, scope.region, name);
  }

  setBusPolicy(scope: Scope, name: string, policy: string | null, now: number): void {
    this.stmts.setBusPolicy.run(policy, now, scope.account, scope.region, name);
  }

  setBusTags(scope: Scope, name: string, tags: Tag[]): void {
    this.stmts.setBusTags.run(JSON.stringify(tags), scope.account, scope.region, name);
  }

  /** Deletes a bus with its rules and their targets. */
  deleteBus(scope: Scope, name: string): void {
    this.stmts.deleteBusTargets.run(scope.account, scope.region, name);
    this.stmts.deleteBusRules.run(scope.account, scope.region, name);
    this.stmts.deleteBus.run(scope.account, scope.region, name);
  }

  rule(scope: Scope, bus: string, name: string): RuleRow | undefined {
    return this.stmts.rule.get(scope.account, scope.region, bus, name);
  }

  rules(scope: Scope, bus: string, after: string, prefix: string, limit: number): RuleRow[] {
    return this.stmts.rules.all(scope.account, scope.region, bus, after, `${likeEscape(prefix)}%`, limit);
  }

  allRules(scope: Scope, bus: string): RuleRow[] {
    return this.stmts.allRules.all(scope.account, scope.region, bus);
  }

  upsertRule(row: RuleRow): void {
    const s = this.stmts.upsertRule;
    s.run(
      row.account,
      row.region,
      row.bus,
      row.name,
      row.pattern,
      row.schedule,
      row.state,
      row.description,
      row.role_arn,
      row.managed_by,
      row.created_by,
      row.tags,
      row.schedule_anchor,
      row.schedule_job,
    );
  }

  setRuleState(scope: Scope, bus: string, name: string, state: string): void {
    this.stmts.setRuleState.run(state, scope.account, scope.region, bus, name);
  }

  setRuleSchedule(scope: Scope, bus: string, name: string, anchor: number | null, job: number | null): void {
    this.stmts.setRuleSchedule.run(anchor, job, scope.account, scope.region, bus, name);
  }

  setRuleTags(scope: Scope, bus: string, name: string, tags: Tag[]): void {
    this.stmts.setRuleTags.run(JSON.stringify(tags), scope.account, scope.region, bus, name);
  }

  deleteRule(scope: Scope, bus: string, name: string): void {
    this.stmts.deleteRuleTargets.run(scope.account, scope.region, bus, name);
    this.stmts.deleteRule.run(scope.account, scope.region, bus, name);
  }

  targets(scope: Scope, bus: string, rule: string): TargetRow[] {
    return this.stmts.targets.all(scope.account, scope.region, bus, rule);
  }

  busTargets(scope: Scope, bus: string): TargetRow[] {
    return this.stmts.busTargets.all(scope.account, scope.region, bus);
  }

  target(scope: Scope, bus: string, rule: string, id: string): TargetRow | undefined {
    return this.stmts.target.get(scope.account, scope.region, bus, rule, id);
  }

  targetCount(scope: Scope, bus: string, rule: string): number {
    return this.stmts.targetCount.get(scope.account, scope.region, bus, rule)!.n;
  }

  upsertTarget(scope: Scope, bus: string, rule: string, id: string, arn: string, body: string, seq: number): void {
    this.stmts.upsertTarget.run(scope.account, scope.region, bus, rule, id, arn, body, seq);
  }

  deleteTarget(scope: Scope, bus: string, rule: string, id: string): boolean {
    return this.stmts.deleteTarget.run(scope.account, scope.region, bus, rule, id).changes > 0;
  }

  rulesByTarget(scope: Scope, bus: string, arn: string, after: string, limit: number): string[] {
    return this.stmts.rulesByTarget.all(scope.account, scope.region, bus, arn, after, limit).map((r) => r.rule);
  }

  archive(scope: Scope, name: string): ArchiveRow | undefined {
    return this.stmts.archive.get(scope.account, scope.region, name);
  }

  archives(scope: Scope): ArchiveRow[] {
    return this.stmts.archives.all(scope.account, scope.region);
  }

  archivesOfBus(scope: Scope, busArn: string): ArchiveRow[] {
    return this.stmts.archivesOfBus.all(scope.account, scope.region, busArn);
  }

  insertArchive(scope: Scope, name: string, sourceArn: string, description: string | null, pattern: string | null, retentionDays: number, now: number): void {
    this.stmts.insertArchive.run(scope.account, scope.region, name, sourceArn, description, pattern, retentionDays, now);
  }

  updateArchive(scope: Scope, name: string, description: string | null, pattern: string | null, retentionDays: number): void {
    this.stmts.updateArchive.run(description, pattern, retentionDays, scope.account, scope.region, name);
  }

  deleteArchive(scope: Scope, name: string): void {
    this.stmts.purgeArchived.run(scope.account, scope.region, name);
    this.stmts.deleteArchive.run(scope.account, scope.region, name);
  }

  archiveEvent(scope: Scope, archive: string, time: number, body: string): void {
    this.stmts.archiveEvent.run(scope.account, scope.region, archive, time, body);
    this.stmts.countArchived.run(Buffer.byteLength(body), 1, scope.account, scope.region, archive);
  }

  archivedEvents(scope: Scope, archive: string, from: number, to: number, afterSeq: number, limit: number): ArchivedEventRow[] {
    return this.stmts.archivedEvents.all(scope.account, scope.region, archive, from, to, afterSeq, limit);
  }

  expireArchived(scope: Scope, archive: string, before: number): void {
    this.stmts.expireArchived.run(scope.account, scope.region, archive, before);
  }

  replay(scope: Scope, name: string): ReplayRow | undefined {
    return this.stmts.replay.get(scope.account, scope.region, name);
  }

  replays(scope: Scope): ReplayRow[] {
    return this.stmts.replays.all(scope.account, scope.region);
  }

  insertReplay(scope: Scope, name: string, body: string, state: string, sourceArn: string): void {
    this.stmts.insertReplay.run(scope.account, scope.region, name, body, state, sourceArn);
  }

  updateReplay(scope: Scope, name: string, body: string, state: string, job: number | null): void {
    this.stmts.updateReplay.run(body, state, job, scope.account, scope.region, name);
  }

  /** Records that an event was routed on a bus; false when it already was (a redelivered core-bus event). */
  markRouted(eventId: string, busArn: string, now: number): boolean {
    return this.stmts.markRouted.run(eventId, busArn, now).changes > 0;
  }

  pruneRouted(before: number): void {
    this.stmts.pruneRouted.run(before);
  }
}

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
