/**
 * Delivery: one durable job per (event, target) attempt. The job computes the target's input,
 * calls the target's service in-process as the target's role (assumed through STS as
 * events.amazonaws.com) or as the EventBridge service principal for the rule (so queue policies
 * and Lambda permissions that name events.amazonaws.com and the rule as aws:SourceArn decide), and
 * on failure retries per the target's RetryPolicy on the clock, then writes the event to the
 * target's dead-letter queue with AWS's error attributes. Errors AWS does not retry (no permission,
 * no such resource, bad request) go to the dead-letter queue at once. The write an attempt ends
 * in commits its job's end with it (JobQueue.completeWith): a kill -9 neither loses nor repeats it.
 */
import type { Target } from '@aws-sdk/client-eventbridge';
import { type Principal, rootPrincipal, type Scope, servicePrincipal } from '../../../core/accounts.js';
import { parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import type { InProcessCaller } from '../../contracts.js';
import { busNotFound, DEFAULT_BUS, EVENTS_PRINCIPAL, type EventsContext, ruleArn } from '../common.js';
import { type BusEvent, DELIVERY_JOB, type Delivery, routeEvent } from './router.js';
import { queueUrl, serviceCall, targetKind } from './targets.js';
import { type RuleOfDelivery, targetInput } from './transform.js';

/** RetryPolicy defaults for rule targets: 185 retries within 24 hours. */
const DEFAULT_RETRIES = 185;
const DEFAULT_MAX_AGE_SECONDS = 86_400;
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 5 * 60_000;
/** Deliveries running at once: each waits on its target's service. */
const DELIVERY_CONCURRENCY = 16;
/** A role session is reused until this long before it expires. */
const SESSION_MARGIN_MS = 5 * 60_000;

interface Failure {
  code: string;
  message: string;
  retryable: boolean;
}

/**
 * Makes the one write an attempt ends in (the target's, the retry's or the dead-letter queue's):
 * its commit also ends the attempt's job, so a kill -9 after it never makes it twice.
 */
type Effect = <T>(write: () => Promise<T>) => Promise<T>;

export function registerDelivery(c: EventsContext): void {
  const sessions = new Map<string, { principal: Principal; expires: number }>();
  c.rt.jobs.register(DELIVERY_JOB, (job) => deliverOnce(c, sessions, job.payload as Delivery, (write) => c.rt.jobs.completeWith(job.id, write)), {
    concurrency: DELIVERY_CONCURRENCY,
  });
}

async function deliverOnce(c: EventsContext, sessions: Map<string, { principal: Principal; expires: number }>, delivery: Delivery, effect: Effect): Promise<void> {
  const scope = { account: delivery.account, region: delivery.region };
  const row = c.store.target(scope, delivery.bus, delivery.rule, delivery.target);
  // A target removed (or a rule deleted) since the event matched gets nothing more.
  if (!row) return;
  const target = JSON.parse(row.body) as Target;
  const rule: RuleOfDelivery = { arn: ruleArn(scope, delivery.bus, delivery.rule), name: delivery.rule };
  try {
    const input = targetInput(target, delivery.event, rule, delivery.ingestedAt);
    const caller = await callerFor(c, sessions, scope, target, rule.arn);
    await deliverTo(c, scope, target, input, delivery.event, caller, rule.arn, effect);
  } catch (err) {
    await failed(c, scope, delivery, target, rule, failureOf(err), effect);
  }
}

/** Who EventBridge is when it calls the target: the target's role, or itself for the rule. */
async function callerFor(c: EventsContext, sessions: Map<string, { principal: Principal; expires: number }>, scope: Scope, target: Target, sourceArn: string): Promise<InProcessCaller> {
  const service = { principal: servicePrincipal(scope.account, EVENTS_PRINCIPAL), region: scope.region, sourceArn, sourceAccount: scope.account };
  if (!target.RoleArn) return service;
  const key = `${target.RoleArn}\u0000${sourceArn}`;
  const now = c.rt.clock.now();
  const cached = sessions.get(key);
  if (cached && cached.expires - SESSION_MARGIN_MS > now) return { principal: cached.principal, account: scope.account, region: scope.region };
  const { Credentials } = await c.rt.call('sts', 'AssumeRole', { RoleArn: target.RoleArn, RoleSessionName: `events-${Math.floor(now / 1000)}` }, service);
  const principal = c.rt.credential(Credentials!.AccessKeyId!)!.principal;
  sessions.set(key, { principal, expires: Credentials!.Expiration!.getTime() });
  return { principal, account: scope.account, region: scope.region };
}

async function deliverTo(c: EventsContext, scope: Scope, target: Target, input: string, event: BusEvent, caller: InProcessCaller, ruleArn: string, effect: Effect): Promise<void> {
  const kind = targetKind(target.Arn!);
  if (!kind) throw new AwsError('ResourceNotFoundException', `Target ${target.Arn} is not a resource EventBridge can deliver to.`);
  if (kind === 'event-bus') return forwardToBus(c, scope, target.Arn!, event, caller, effect);
  if (kind === 'logs') return writeToLogGroup(c, scope, ruleArn, target.Arn!, input, event, effect);
  // The target's Region decides where its service looks for it (a queue URL names no Region). CodePipeline
  // records the rule that started an execution (trigger CloudWatchEvent), so it is told the rule even for a role's call.
  const targetCaller = { ...caller, region: parseArn(target.Arn!)!.region || caller.region, ...(kind === 'codepipeline' ? { sourceArn: ruleArn } : {}) };
  await effect(() => c.rt.invoke(serviceCall(kind, target, input, event, c.rt.endpoint()), targetCaller));
}

/**
 * Another bus (of this account or another): the event goes on as it is, allowed by the receiving
 * bus's policy (events:PutEvents) for the sending account, or for the target's role.
 */
async function forwardToBus(c: EventsContext, scope: Scope, arn: string, event: BusEvent, caller: InProcessCaller, effect: Effect): Promise<void> {
  const parts = parseArn(arn)!;
  const ref = { scope: { account: parts.account, region: parts.region }, name: parts.resource.slice('event-bus/'.length) };
  if (ref.name === DEFAULT_BUS) c.store.ensureBus(ref.scope, DEFAULT_BUS, c.rt.clock.now());
  const bus = c.store.bus(ref.scope, ref.name);
  if (!bus) throw busNotFound(ref.name);
  const principal = caller.principal.kind === 'service' ? rootPrincipal(scope.account, '') : caller.principal;
  if (!(principal.kind === 'root' && principal.account === ref.scope.account)) {
    const decision = c.rt.api('iam').authorize(principal, {
      action: 'events:PutEvents',
      resource: arn,
      region: ref.scope.region,
      resourcePolicy: bus.policy ? { document: bus.policy, account: ref.scope.account } : undefined,
      resourceAccount: ref.scope.account,
    });
    if (decision.decision !== 'Allow') throw new AwsError('AccessDeniedException', decision.message);
  }
  await effect(async () => c.store.tx(() => routeEvent(c, ref.scope, ref.name, event)));
}

/**
 * A log group: each event is a log event in a stream named after the event's id, written through
 * Logs' own CreateLogStream and PutLogEvents as events.amazonaws.com. AWS uses only the Logs
 * resource policy for these targets (never the target's role), and creates no missing group.
 */
async function writeToLogGroup(c: EventsContext, scope: Scope, ruleArn: string, arn: string, input: string, event: BusEvent, effect: Effect): Promise<void> {
  const parts = parseArn(arn)!;
  const logGroupName = parts.resource.slice('log-group:'.length).replace(/:\*$/, '');
  const caller: InProcessCaller = { principal: servicePrincipal(scope.account, EVENTS_PRINCIPAL), region: parts.region, sourceArn: ruleArn, sourceAccount: scope.account };
  try {
    await c.rt.call('logs', 'CreateLogStream', { logGroupName, logStreamName: event.id }, caller);
  } catch (err) {
    // A delivery retried after a crash finds the stream it made before.
    if (!(err instanceof AwsError && err.code === 'ResourceAlreadyExistsException')) throw err;
  }
  await effect(() => c.rt.call('logs', 'PutLogEvents', { logGroupName, logStreamName: event.id, logEvents: [{ timestamp: Date.parse(event.time), message: input }] }, caller));
}

function failureOf(err: unknown): Failure {
  if (!(err instanceof AwsError)) return { code: 'InternalFailure', message: err instanceof Error ? err.message : String(err), retryable: true };
  const retryable = (err.status ?? 400) >= 500 || /Throttl|TooManyRequests|ServiceUnavailable|RequestLimitExceeded|KMS/.test(err.code);
  return { code: err.code, message: err.message, retryable: retryable && err.status !== 501 };
}

/** AWS's ERROR_CODE attribute on dead-lettered events. */
function deadLetterCode(failure: Failure): string {
  if (/AccessDenied|AuthorizationError|NotAuthorized|InvalidClientTokenId/.test(failure.code)) return 'NO_PERMISSIONS';
  if (/NotFound|NonExistent|DoesNotExist/.test(failure.code)) return 'RESOURCE_NOT_FOUND';
  if (/Throttl|TooManyRequests/.test(failure.code)) return 'THROTTLING';
  return 'SDK_CLIENT_ERROR';
}

async function failed(c: EventsContext, scope: Scope, delivery: Delivery, target: Target, rule: RuleOfDelivery, failure: Failure, effect: Effect): Promise<void> {
  const maxRetries = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRIES;
  const maxAgeMs = (target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
  const now = c.rt.clock.now();
  let exhausted: string | undefined;
  if (failure.retryable) {
    const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (delivery.attempt - 1));
    if (delivery.attempt - 1 >= maxRetries) exhausted = 'MaximumRetryAttemptsExhausted';
    else if (now + backoff - delivery.ingestedAt > maxAgeMs) exhausted = 'MaximumEventAgeExhausted';
    else {
      await effect(async () => c.store.tx(() => c.rt.jobs.enqueue(DELIVERY_JOB, { ...delivery, attempt: delivery.attempt + 1 }, backoff)));
      return;
    }
  }
  const dlq = target.DeadLetterConfig?.Arn;
  if (!dlq) {
    c.rt.log.info({ rule: rule.arn, target: target.Id, code: failure.code }, 'EventBridge dropped an event its target refused');
    return;
  }
  const attributes: Record<string, string> = {
    RULE_ARN: rule.arn,
    TARGET_ARN: target.Arn!,
    ERROR_CODE: deadLetterCode(failure),
    ERROR_MESSAGE: failure.message,
    RETRY_ATTEMPTS: String(delivery.attempt - 1),
    ...(exhausted ? { EXHAUSTED_RETRY_CONDITION: exhausted } : {}),
  };
  try {
    await effect(() =>
      c.rt.invoke(
        {
          service: 'sqs',
          operation: 'SendMessage',
          input: {
            QueueUrl: queueUrl(c.rt.endpoint(), dlq),
            MessageBody: JSON.stringify(delivery.event),
            MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
          },
        },
        { principal: servicePrincipal(scope.account, EVENTS_PRINCIPAL), region: scope.region, sourceArn: rule.arn, sourceAccount: scope.account },
      ),
    );
  } catch (err) {
    c.rt.log.warn({ rule: rule.arn, target: target.Id, dlq, err: err instanceof Error ? err.message : String(err) }, 'EventBridge could not write to the dead-letter queue');
  }
}
