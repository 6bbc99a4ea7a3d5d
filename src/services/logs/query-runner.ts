/**
 * Running a Logs Insights query: a job on the core queue (so StartQuery answers at once with the
 * query Scheduled, the job moves it to Running and then Complete, and StopQuery cancels it). The
 * scan reads each queried group's events in the query's time range, newest first, a chunk at a
 * time with the event loop free between chunks; what the plan pushed down to SQL never leaves
 * SQLite. A query a process died running is run again from the start when Drydock restarts.
 */
import type { ResultField } from '@aws-sdk/client-cloudwatch-logs';
import { AwsError } from '../../core/errors.js';
import { DAY_MS, type LogsContext } from './common.js';
import { type KeyRing, keyRing } from './encryption.js';
import { Pipeline } from './insights/pipeline.js';
import { type CompiledQuery, compileQuery, planScan, type ScanPlan } from './insights/plan.js';
import { EventRow, type EventSource, MapRow, type Row } from './insights/record.js';
import { formatValue, Timestamp } from './insights/values.js';
import type { GroupRow } from './store.js';
import type { QueryRow, ScannedEvent, ScanRange, ScanTotals } from './store-queries.js';

export const QUERY_JOB = 'logs.query';

/** Events read per chunk of a scan (the first chunks smaller, for queries a limit ends early); the event loop is yielded between chunks. */
const FIRST_CHUNK = 500;
const CHUNK = 10_000;
const MINUTE = 60_000;
/** Above this many bins, a counted `bin()` is grouped by SQL rather than counted bin by bin. */
const MAX_COUNTED_BINS = 20_000;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Scan {
  c: LogsContext;
  query: QueryRow;
  compiled: CompiledQuery;
  plan: ScanPlan;
  /** The queried groups that still exist, each with the data keys that open its sealed events. */
  groups: { group: GroupRow; ring: KeyRing }[];
  signal: AbortSignal;
  totals: ScanTotals;
}

/** The queried groups (a group deleted while the query waited has nothing left to scan), their keys decrypted through KMS. */
async function queriedGroups(c: LogsContext, query: QueryRow): Promise<Scan['groups']> {
  const out: Scan['groups'] = [];
  for (const id of JSON.parse(query.group_ids) as number[]) {
    const group = c.store.groupById(id);
    if (group) out.push({ group, ring: await keyRing(c, group) });
  }
  return out;
}

function rangesOf(scan: Scan): { group: GroupRow; ring: KeyRing; range: ScanRange }[] {
  const now = scan.c.rt.clock.now();
  return scan.groups.map(({ group, ring }) => {
    const retained = group.retention_days === null ? 0 : now - group.retention_days * DAY_MS;
    return { group, ring, range: { groupId: group.id, from: Math.max(scan.query.start_ms, retained), to: scan.query.end_ms, where: scan.plan.where } };
  });
}

function checkpoint(scan: Scan): Promise<void> {
  scan.signal.throwIfAborted();
  scan.c.queries.recordProgress(scan.query.id, scan.totals);
  return yieldToEventLoop().then(() => scan.signal.throwIfAborted());
}

/** Adds `n` events to the bin `ms` falls in. */
function addToBin(bins: Map<number, number>, width: number, ms: number, n: number): void {
  if (n === 0) return;
  const bin = ms - (ms % width);
  bins.set(bin, (bins.get(bin) ?? 0) + n);
}

/**
 * Counts per bin of one group's range. Minute-multiple bins without a pushed-down condition add up
 * the per-minute counts (only the partial minutes at the ends are counted from events); other bins
 * are counted one by one over the timestamp index, or grouped by SQL when there are very many.
 */
function countBins(c: LogsContext, range: ScanRange, width: number, bins: Map<number, number>): void {
  const firstWhole = Math.ceil(range.from / MINUTE);
  const lastWhole = Math.floor((range.to + 1) / MINUTE) - 1;
  if (!range.where && width % MINUTE === 0 && firstWhole <= lastWhole) {
    for (const { minute, events } of c.queries.minuteCounts(range.groupId, firstWhole, lastWhole)) addToBin(bins, width, minute * MINUTE, events);
    // A partial minute lies within one bin: bins are whole minutes, aligned on the epoch.
    if (range.from < firstWhole * MINUTE) addToBin(bins, width, range.from, c.queries.countBetween(range, range.from, firstWhole * MINUTE));
    if ((lastWhole + 1) * MINUTE <= range.to) addToBin(bins, width, range.to, c.queries.countBetween(range, (lastWhole + 1) * MINUTE, range.to + 1));
    return;
  }
  const { lo, hi } = c.queries.bounds(range);
  if (lo === null || hi === null) return;
  const first = lo - (lo % width);
  if ((hi - first) / width > MAX_COUNTED_BINS) {
    for (const { bin, n } of c.queries.countByBin(range, width)) addToBin(bins, width, bin, n);
    return;
  }
  for (let bin = first; bin <= hi; bin += width) addToBin(bins, width, bin, c.queries.countBetween(range, bin, bin + width));
}

/** The rows of a query whose leading stats only count: SQLite counts, mostly from the per-minute counts. */
async function countedRows(scan: Scan, count: NonNullable<ScanPlan['count']>): Promise<Row[]> {
  const { c } = scan;
  const bins = new Map<number, number>();
  let total = 0;
  for (const { range } of rangesOf(scan)) {
    const totals = c.queries.totals(range);
    addTotals(scan.totals, totals);
    total += totals.matched;
    if (count.binMs !== undefined && totals.matched > 0) countBins(c, range, count.binMs, bins);
    await checkpoint(scan);
  }
  const row = (n: number) => {
    const out = new MapRow();
    for (const name of count.countNames) out.set(name, n);
    return out;
  };
  if (count.binMs === undefined) return [row(total)];
  return [...bins.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([bin, n]) => {
      const out = row(n);
      out.set(count.binName!, new Timestamp(bin));
      return out;
    });
}

function addTotals(into: ScanTotals, more: ScanTotals): void {
  into.scanned += more.scanned;
  into.bytes += more.bytes;
  into.matched += more.matched;
}

/** Reads a group's events for the pipeline a chunk at a time, newest first or (when order does not matter) in storage order. */
async function scanGroup(scan: Scan, range: ScanRange, source: EventSource, ring: KeyRing, pipeline: Pipeline, mayStopEarly: boolean): Promise<void> {
  const { c } = scan;
  const push = (chunk: ScannedEvent[]) => {
    for (const [id, streamId, ts, ingested, message, dataKey] of chunk) pipeline.push(new EventRow(source, id, streamId, ts, ingested, ring.text(message, dataKey)));
  };
  if (scan.plan.anyOrder) {
    const span = c.queries.idSpan(range);
    if (span.lo === null || span.hi === null) return;
    let after = span.lo - 1;
    for (;;) {
      const chunk = c.queries.eventsAfterId(range, after, span.hi, CHUNK);
      push(chunk);
      if (chunk.length < CHUNK) return;
      after = chunk[chunk.length - 1][0];
      await checkpoint(scan);
    }
  }
  let cursor = { ts: range.to, id: Number.MAX_SAFE_INTEGER };
  for (let size = FIRST_CHUNK; ; size = Math.min(CHUNK, size * 4)) {
    const chunk = c.queries.eventsBefore(range, cursor, size);
    push(chunk);
    if (chunk.length < size || (mayStopEarly && pipeline.saturated)) return;
    const last = chunk[chunk.length - 1];
    cursor = { ts: last[2], id: last[0] };
    await checkpoint(scan);
  }
}

/** Feeds every event the plan leaves to JavaScript through the pipeline, group by group. */
async function scanEvents(scan: Scan, pipeline: Pipeline): Promise<void> {
  const { c, plan } = scan;
  // Once the rows answered cannot change, reading on only counts matches: SQLite counted those already.
  const mayStopEarly = plan.countAt === undefined || plan.commands.some((command) => command.kind === 'limit' && command.any);
  for (const { group, ring, range } of rangesOf(scan)) {
    const totals = c.queries.totals(range);
    addTotals(scan.totals, totals);
    if (totals.matched === 0) continue;
    const names = new Map(c.store.streams(group.id).map((stream) => [stream.id, stream.name]));
    const source: EventSource = { groupId: group.id, log: `${group.account}:${group.name}`, streamName: (id) => names.get(id) ?? '' };
    await scanGroup(scan, range, source, ring, pipeline, mayStopEarly);
    if (mayStopEarly && pipeline.saturated) break;
  }
}

function resultRows(compiled: CompiledQuery, rows: Row[]): ResultField[][] {
  return rows.map((row) => {
    const fields: ResultField[] = [];
    for (const column of compiled.columns) {
      const value = formatValue(row.get(column));
      if (value !== null) fields.push({ field: column, value });
    }
    if (!compiled.aggregated && row.ptr !== undefined) fields.push({ field: '@ptr', value: row.ptr });
    return fields;
  });
}

async function execute(scan: Scan): Promise<ResultField[][]> {
  const { compiled, plan, query } = scan;
  if (plan.count) {
    const counted = await countedRows(scan, plan.count);
    const after = new Pipeline(plan.commands.slice(plan.count.statsIndex + 1), compiled.refuse, query.row_limit);
    for (const row of counted) after.push(row);
    return resultRows(compiled, after.end());
  }
  const pipeline = new Pipeline(plan.commands, compiled.refuse, query.row_limit, plan.countAt);
  await scanEvents(scan, pipeline);
  const rows = pipeline.end();
  if (plan.countAt !== undefined) scan.totals.matched = pipeline.matched;
  return resultRows(compiled, rows);
}

/** The job: Scheduled → Running → Complete (or Failed); a stopped query's job is cancelled and ends without a word. */
export async function runQuery(c: LogsContext, id: string, signal: AbortSignal): Promise<void> {
  const query = c.queries.queryById(id);
  if (!query || (query.status !== 'Scheduled' && query.status !== 'Running')) return;
  // A resumed query (the process died while it ran) is still Running: it runs again from the start.
  if (query.status === 'Scheduled' && !c.queries.startQuery(id)) return;
  const compiled = compileQuery(query.query_string);
  const totals = { scanned: 0, bytes: 0, matched: 0 };
  let results: ResultField[][];
  try {
    const groups = await queriedGroups(c, query);
    // SQL cannot look into sealed messages: a query over an encrypted group runs every command in JavaScript.
    const plan = planScan(compiled, { pushdown: !groups.some(({ ring }) => ring.sealed) });
    results = await execute({ c, query, compiled, plan, groups, signal, totals });
  } catch (err) {
    if (signal.aborted) throw err;
    c.queries.finishQuery(id, 'Failed', c.rt.clock.now(), totals, null);
    // A refusal (KMS will not open an encrypted group's events) is the query's outcome; anything else is a fault.
    if (err instanceof AwsError) return;
    throw err;
  }
  c.queries.finishQuery(id, 'Complete', c.rt.clock.now(), totals, results);
}

export function registerQueryRunner(c: LogsContext): void {
  c.rt.jobs.register(QUERY_JOB, (job, info) => runQuery(c, (job.payload as { id: string }).id, info.signal));
}
