/** Rules: event patterns and schedules on a bus, their state, and TestEventPattern. */
import type {
  DeleteRuleRequest,
  DescribeRuleRequest,
  DescribeRuleResponse,
  DisableRuleRequest,
  EnableRuleRequest,
  ListRuleNamesByTargetRequest,
  ListRuleNamesByTargetResponse,
  ListRulesRequest,
  ListRulesResponse,
  PutRuleRequest,
  PutRuleResponse,
  Rule,
  TestEventPatternRequest,
  TestEventPatternResponse,
} from '@aws-sdk/client-eventbridge';
import type { Scope } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import { parseSchedule, ScheduleError } from '../../../core/schedule.js';
import type { RequestContext } from '../../../protocol/types.js';
import { type BusRef, busRef, DEFAULT_BUS, DEFAULT_LIMIT, type EventsContext, page, patternOf, readToken, requireBus, requireRule, ruleArn, validation } from '../common.js';
import { armSchedule, disarmSchedule } from '../engine/scheduler.js';
import { flattenEvent, matchesPattern } from '../pattern/match.js';
import type { RuleRow } from '../store.js';

function toRule(scope: Scope, row: RuleRow): Rule {
  return {
    Name: row.name,
    Arn: ruleArn(scope, row.bus, row.name),
    EventPattern: row.pattern ?? undefined,
    ScheduleExpression: row.schedule ?? undefined,
    State: row.state as Rule['State'],
    Description: row.description ?? undefined,
    RoleArn: row.role_arn ?? undefined,
    ManagedBy: row.managed_by ?? undefined,
    EventBusName: row.bus,
  };
}

function checkSchedule(expression: string): void {
  try {
    parseSchedule(expression);
  } catch (err) {
    if (err instanceof ScheduleError) throw validation(err.message);
    throw err;
  }
}

export function putRule(c: EventsContext, input: PutRuleRequest, ctx: RequestContext): PutRuleResponse {
  const ref = busRef(ctx, input.EventBusName);
  if (input.EventPattern === undefined && input.ScheduleExpression === undefined) throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
  if (input.ScheduleExpression !== undefined) checkSchedule(input.ScheduleExpression);
  if (input.EventPattern !== undefined) patternOf(input.EventPattern);
  return c.store.tx(() => {
    requireBus(c, ref);
    if (input.ScheduleExpression !== undefined && ref.name !== DEFAULT_BUS) throw validation('ScheduleExpression is supported only on the default event bus.');
    const existing = c.store.rule(ref.scope, ref.name, input.Name!);
    if (existing?.managed_by) throw new AwsError('ManagedRuleException', `Rule ${input.Name} is managed by ${existing.managed_by} and cannot be modified.`);
    const row: RuleRow = {
      account: ref.scope.account,
      region: ref.scope.region,
      bus: ref.name,
      name: input.Name!,
      pattern: input.EventPattern ?? null,
      schedule: input.ScheduleExpression ?? null,
      state: input.State ?? 'ENABLED',
      description: input.Description ?? null,
      role_arn: input.RoleArn ?? null,
      managed_by: null,
      created_by: existing?.created_by ?? ctx.account,
      // Tags are set when a rule is created; PutRule on an existing rule leaves them.
      tags: existing?.tags ?? JSON.stringify((input.Tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value }))),
      schedule_anchor: existing?.schedule_anchor ?? null,
      schedule_job: existing?.schedule_job ?? null,
    };
    c.store.upsertRule(row);
    const scheduleChanged = existing?.schedule !== row.schedule || existing?.state !== row.state;
    if (scheduleChanged || row.schedule_job === null) armSchedule(c, ref.scope, row, scheduleChanged ? c.rt.clock.now() : (row.schedule_anchor ?? c.rt.clock.now()));
    c.index.invalidate(ref.scope, ref.name);
    return { RuleArn: ruleArn(ref.scope, ref.name, row.name) };
  });
}

export function deleteRule(c: EventsContext, input: DeleteRuleRequest, ctx: RequestContext): void {
  const ref = busRef(ctx, input.EventBusName);
  c.store.tx(() => {
    requireBus(c, ref);
    const rule = c.store.rule(ref.scope, ref.name, input.Name!);
    if (!rule) return;
    if (rule.managed_by && !input.Force) throw new AwsError('ManagedRuleException', `Rule ${rule.name} is managed by ${rule.managed_by} and cannot be deleted without Force.`);
    if (!input.Force && c.store.targetCount(ref.scope, ref.name, rule.name) > 0) throw validation("Rule can't be deleted since it has targets.");
    disarmSchedule(c, rule);
    c.store.deleteRule(ref.scope, ref.name, rule.name);
    c.index.invalidate(ref.scope, ref.name);
  });
}

export function describeRule(c: EventsContext, input: DescribeRuleRequest, ctx: RequestContext): DescribeRuleResponse {
  const ref = busRef(ctx, input.EventBusName);
  const row = requireRule(c, ref, input.Name!);
  return { ...toRule(ref.scope, row), CreatedBy: row.created_by };
}

function setState(c: EventsContext, ref: BusRef, name: string, state: 'ENABLED' | 'DISABLED'): void {
  c.store.tx(() => {
    const row = requireRule(c, ref, name);
    if (row.managed_by) throw new AwsError('ManagedRuleException', `Rule ${name} is managed by ${row.managed_by} and cannot be modified.`);
    if (row.state === state) return;
    c.store.setRuleState(ref.scope, ref.name, name, state);
    // A schedule re-enabled counts its rate from now, as a rule created now would.
    armSchedule(c, ref.scope, { ...row, state }, c.rt.clock.now());
    c.index.invalidate(ref.scope, ref.name);
  });
}

export function enableRule(c: EventsContext, input: EnableRuleRequest, ctx: RequestContext): void {
  setState(c, busRef(ctx, input.EventBusName), input.Name!, 'ENABLED');
}

export function disableRule(c: EventsContext, input: DisableRuleRequest, ctx: RequestContext): void {
  setState(c, busRef(ctx, input.EventBusName), input.Name!, 'DISABLED');
}

export function listRules(c: EventsContext, input: ListRulesRequest, ctx: RequestContext): ListRulesResponse {
  const ref = busRef(ctx, input.EventBusName);
  requireBus(c, ref);
  const limit = input.Limit ?? DEFAULT_LIMIT;
  const rows = c.store.rules(ref.scope, ref.name, readToken(input.NextToken), input.NamePrefix ?? '', limit + 1);
  const { items, next } = page(rows, limit, (r) => r.name);
  return { Rules: items.map((row) => toRule(ref.scope, row)), NextToken: next };
}

export function listRuleNamesByTarget(c: EventsContext, input: ListRuleNamesByTargetRequest, ctx: RequestContext): ListRuleNamesByTargetResponse {
  const ref = busRef(ctx, input.EventBusName);
  requireBus(c, ref);
  const limit = input.Limit ?? DEFAULT_LIMIT;
  const names = c.store.rulesByTarget(ref.scope, ref.name, input.TargetArn!, readToken(input.NextToken), limit + 1);
  const { items, next } = page(names, limit, (n) => n);
  return { RuleNames: items, NextToken: next };
}

/** The envelope fields TestEventPattern requires of its event. */
const REQUIRED_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'];

export function testEventPattern(_c: EventsContext, input: TestEventPatternRequest): TestEventPatternResponse {
  const pattern = patternOf(input.EventPattern!);
  let event: unknown;
  try {
    event = JSON.parse(input.Event!);
  } catch {
    throw validation('Parameter Event is not valid.');
  }
  if (!event || typeof event !== 'object' || Array.isArray(event)) throw validation('Parameter Event is not valid.');
  const record = event as Record<string, unknown>;
  if (REQUIRED_EVENT_FIELDS.some((f) => typeof record[f] !== 'string') || (record.resources !== undefined && !Array.isArray(record.resources))) {
    throw validation('Parameter Event is not valid.');
  }
  return { Result: matchesPattern(pattern, flattenEvent(event)) };
}
