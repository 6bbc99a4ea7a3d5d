/**
 * Scheduled rules fire on the Drydock clock: each enabled rule with a ScheduleExpression has one
 * queued job due at its next firing (so `POST /_drydock/time` fires it at once). Firing writes a
 * "Scheduled Event" delivery for each of the rule's targets and queues the next firing in the same
 * transaction; the rule row names its current job, so a job left over from an earlier schedule, or
 * run again after a crash, does nothing.
 */
import type { Scope } from '../../../core/accounts.js';
import { uuid } from '../../../core/ids.js';
import { parseSchedule } from '../../../core/schedule.js';
import { type EventsContext, ruleArn } from '../common.js';
import type { RuleRow } from '../store.js';
import { type BusEvent, DELIVERY_JOB, type Delivery } from './router.js';

export const SCHEDULE_JOB = 'events:schedule';

interface Firing {
  account: string;
  region: string;
  bus: string;
  rule: string;
  due: number;
}

const ENABLED = new Set(['ENABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']);

/** The time EventBridge puts on events: ISO 8601 without milliseconds. */
export function eventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function registerSchedules(c: EventsContext): void {
  c.rt.jobs.register(SCHEDULE_JOB, async (job) => fire(c, job.id, job.payload as Firing));
}

/**
 * Queues the rule's next firing (cancelling any earlier one) and records it on the row; call in the
 * transaction that writes the rule. A disabled rule or one without a schedule gets none.
 */
export function armSchedule(c: EventsContext, scope: Scope, row: RuleRow, anchor: number): void {
  if (row.schedule_job !== null) c.rt.jobs.cancel(row.schedule_job);
  let job: number | null = null;
  if (row.schedule && ENABLED.has(row.state)) {
    const now = c.rt.clock.now();
    const due = parseSchedule(row.schedule).next(now, anchor);
    if (due !== undefined) job = c.rt.jobs.enqueue(SCHEDULE_JOB, { ...scope, bus: row.bus, rule: row.name, due } satisfies Firing, due - now);
  }
  c.store.setRuleSchedule(scope, row.bus, row.name, row.schedule ? anchor : null, job);
}

export function disarmSchedule(c: EventsContext, row: RuleRow): void {
  if (row.schedule_job !== null) c.rt.jobs.cancel(row.schedule_job);
}

async function fire(c: EventsContext, jobId: number, firing: Firing): Promise<void> {
  const scope = { account: firing.account, region: firing.region };
  c.store.tx(() => {
    const row = c.store.rule(scope, firing.bus, firing.rule);
    if (!row || row.schedule_job !== jobId) return;
    const arn = ruleArn(scope, firing.bus, firing.rule);
    const event: BusEvent = {
      version: '0',
      id: uuid(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: scope.account,
      time: eventTime(firing.due),
      region: scope.region,
      resources: [arn],
      detail: {},
    };
    const now = c.rt.clock.now();
    for (const target of c.store.targets(scope, firing.bus, firing.rule)) {
      const delivery: Delivery = { ...scope, bus: firing.bus, rule: firing.rule, target: target.id, event, ingestedAt: now, attempt: 1 };
      c.rt.jobs.enqueue(DELIVERY_JOB, delivery);
    }
    armSchedule(c, scope, { ...row, schedule_job: null }, row.schedule_anchor ?? now);
  });
}
