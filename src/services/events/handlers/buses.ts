/** Event buses: the default bus of every account and Region, custom buses, and their resource policies. */
import type {
  CreateEventBusRequest,
  CreateEventBusResponse,
  DeleteEventBusRequest,
  DescribeEventBusRequest,
  DescribeEventBusResponse,
  EventBus,
  ListEventBusesRequest,
  ListEventBusesResponse,
  PutPermissionRequest,
  RemovePermissionRequest,
  UpdateEventBusRequest,
  UpdateEventBusResponse,
} from '@aws-sdk/client-eventbridge';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { busArn, busRef, DEFAULT_BUS, DEFAULT_LIMIT, type EventsContext, page, readToken, requireBus, scopeOf, validation } from '../common.js';
import { disarmSchedule } from '../engine/scheduler.js';
import type { BusRow } from '../store.js';

function deadLetter(arn: string | null) {
  return arn ? { Arn: arn } : undefined;
}

function describe(bus: BusRow): DescribeEventBusResponse {
  const scope = { account: bus.account, region: bus.region };
  return {
    Name: bus.name,
    Arn: busArn(scope, bus.name),
    Description: bus.description ?? undefined,
    KmsKeyIdentifier: bus.kms_key ?? undefined,
    DeadLetterConfig: deadLetter(bus.dead_letter_arn),
    Policy: bus.policy ?? undefined,
    CreationTime: new Date(bus.created_at),
    LastModifiedTime: new Date(bus.modified_at),
  };
}

export function createEventBus(c: EventsContext, input: CreateEventBusRequest, ctx: RequestContext): CreateEventBusResponse {
  const scope = scopeOf(ctx);
  const name = input.Name!;
  if (input.EventSourceName !== undefined) {
    // Partner event sources come from SaaS partners; Drydock has none.
    throw new AwsError('ResourceNotFoundException', `Event source ${input.EventSourceName} does not exist.`);
  }
  if (name.startsWith('aws.')) throw validation("Event bus name must not start with 'aws.'.");
  if (name.includes('/')) throw validation(`Event bus name ${name} is not valid: only partner event buses may contain '/'.`);
  return c.store.tx(() => {
    if (name === DEFAULT_BUS) c.store.ensureBus(scope, DEFAULT_BUS, c.rt.clock.now());
    if (c.store.bus(scope, name)) throw new AwsError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    c.store.insertBus(scope, name, c.rt.clock.now(), {
      description: input.Description,
      kmsKey: input.KmsKeyIdentifier,
      deadLetterArn: input.DeadLetterConfig?.Arn,
      tags: (input.Tags ?? []).map((t) => ({ Key: t.Key!, Value: t.Value! })),
    });
    return { EventBusArn: busArn(scope, name), Description: input.Description, KmsKeyIdentifier: input.KmsKeyIdentifier, DeadLetterConfig: input.DeadLetterConfig };
  });
}

export function deleteEventBus(c: EventsContext, input: DeleteEventBusRequest, ctx: RequestContext): void {
  const scope = scopeOf(ctx);
  if (input.Name === DEFAULT_BUS) throw validation('Cannot delete event bus default.');
  c.store.tx(() => {
    if (!c.store.bus(scope, input.Name!)) return;
    for (const rule of c.store.allRules(scope, input.Name!)) disarmSchedule(c, rule);
    c.store.deleteBus(scope, input.Name!);
    c.index.invalidate(scope, input.Name!);
  });
}

export function describeEventBus(c: EventsContext, input: DescribeEventBusRequest, ctx: RequestContext): DescribeEventBusResponse {
  return describe(requireBus(c, busRef(ctx, input.Name)));
}

export function listEventBuses(c: EventsContext, input: ListEventBusesRequest, ctx: RequestContext): ListEventBusesResponse {
  const scope = scopeOf(ctx);
  c.store.ensureBus(scope, DEFAULT_BUS, c.rt.clock.now());
  const limit = input.Limit ?? DEFAULT_LIMIT;
  const rows = c.store.buses(scope, readToken(input.NextToken), input.NamePrefix ?? '', limit + 1);
  const { items, next } = page(rows, limit, (b) => b.name);
  const buses: EventBus[] = items.map((bus) => {
    const { Name, Arn, Description, Policy, CreationTime, LastModifiedTime } = describe(bus);
    return { Name, Arn, Description, Policy, CreationTime, LastModifiedTime };
  });
  return { EventBuses: buses, NextToken: next };
}

export function updateEventBus(c: EventsContext, input: UpdateEventBusRequest, ctx: RequestContext): UpdateEventBusResponse {
  const ref = busRef(ctx, input.Name);
  return c.store.tx(() => {
    const bus = requireBus(c, ref);
    const fields = {
      description: input.Description ?? bus.description,
      kmsKey: input.KmsKeyIdentifier ?? bus.kms_key,
      deadLetterArn: input.DeadLetterConfig ? (input.DeadLetterConfig.Arn ?? null) : bus.dead_letter_arn,
    };
    c.store.updateBus(ref.scope, ref.name, c.rt.clock.now(), fields);
    return {
      Arn: busArn(ref.scope, ref.name),
      Name: ref.name,
      Description: fields.description ?? undefined,
      KmsKeyIdentifier: fields.kmsKey ?? undefined,
      DeadLetterConfig: deadLetter(fields.deadLetterArn),
    };
  });
}

interface PolicyDocument {
  Version: string;
  Statement: Record<string, unknown>[];
}

function policyOf(bus: BusRow): PolicyDocument {
  return bus.policy ? (JSON.parse(bus.policy) as PolicyDocument) : { Version: '2012-10-17', Statement: [] };
}

/** The statement PutPermission writes for an account (or everyone, optionally within an organization). */
function permissionStatement(input: PutPermissionRequest, resource: string): Record<string, unknown> {
  const principal = input.Principal!;
  if (principal !== '*' && !/^\d{12}$/.test(principal)) throw validation(`Parameter Principal is not valid. Reason: ${principal} is not a valid account id or '*'.`);
  if (input.Condition && principal !== '*') throw validation("Parameter Condition is not valid. Reason: Condition can only be set when Principal is '*'.");
  return {
    Sid: input.StatementId,
    Effect: 'Allow',
    Principal: principal === '*' ? '*' : { AWS: `arn:aws:iam::${principal}:root` },
    Action: input.Action,
    Resource: resource,
    ...(input.Condition ? { Condition: { [input.Condition.Type!]: { [input.Condition.Key!]: input.Condition.Value } } } : {}),
  };
}

export function putPermission(c: EventsContext, input: PutPermissionRequest, ctx: RequestContext): void {
  const ref = busRef(ctx, input.EventBusName);
  c.store.tx(() => {
    const bus = requireBus(c, ref);
    const now = c.rt.clock.now();
    if (input.Policy !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(input.Policy);
      } catch {
        throw validation('Parameter Policy is not valid. Reason: Policy is not valid JSON.');
      }
      if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as PolicyDocument).Statement)) throw validation('Parameter Policy is not valid. Reason: Policy must have a Statement list.');
      c.store.setBusPolicy(ref.scope, ref.name, JSON.stringify(parsed), now);
      return;
    }
    if (!input.Action || !input.Principal || !input.StatementId) {
      throw validation('Parameter(s) Action, Principal, StatementId must be specified when Policy is not specified.');
    }
    if (input.Action !== 'events:PutEvents') throw validation(`Parameter Action is not valid. Reason: Provided value in parameter 'action' is not supported.`);
    const policy = policyOf(bus);
    policy.Statement = policy.Statement.filter((s) => s.Sid !== input.StatementId);
    policy.Statement.push(permissionStatement(input, busArn(ref.scope, ref.name)));
    c.store.setBusPolicy(ref.scope, ref.name, JSON.stringify(policy), now);
  });
}

export function removePermission(c: EventsContext, input: RemovePermissionRequest, ctx: RequestContext): void {
  const ref = busRef(ctx, input.EventBusName);
  c.store.tx(() => {
    const bus = requireBus(c, ref);
    const now = c.rt.clock.now();
    if (input.RemoveAllPermissions) {
      c.store.setBusPolicy(ref.scope, ref.name, null, now);
      return;
    }
    if (!input.StatementId) throw validation('Parameter StatementId is required.');
    const policy = policyOf(bus);
    const kept = policy.Statement.filter((s) => s.Sid !== input.StatementId);
    if (kept.length === policy.Statement.length) throw new AwsError('ResourceNotFoundException', 'Statement with the provided id does not exist.');
    c.store.setBusPolicy(ref.scope, ref.name, kept.length ? JSON.stringify({ ...policy, Statement: kept }) : null, now);
  });
}
