/**
 * Subscription filters delivered to Lambda, as AWS delivers them: the events of one PutLogEvents
 * call (or one write of another Drydock service through LogsApi) that a filter's pattern matches
 * go to the filter's function as `{"awslogs":{"data":"<base64 of gzip of the message>"}}`, the
 * message being `{messageType:'DATA_MESSAGE', owner, logGroup, logStream, subscriptionFilters:
 * [name], logEvents:[{id, timestamp, message}]}`, in an asynchronous (`Event`) invocation.
 *
 * CloudWatch Logs calls Lambda as its service principal with the log group's `…:log-group:<name>:*`
 * as aws:SourceArn and its account as aws:SourceAccount, so the function's permission decides, as
 * on AWS. AWS's documentation grants either `logs.amazonaws.com` or `logs.<region>.amazonaws.com`
 * and both work, so a call the first is refused is made again as the second.
 *
 * A delivery is a job written in the transaction that stores the events, so acknowledged events
 * are delivered across a kill -9 (at least once). Refusals (the function is gone, or no longer
 * allows CloudWatch Logs) are logged and dropped; failures on Lambda's side are retried.
 */
import { gzipSync } from 'node:zlib';
import { servicePrincipal } from '../../core/accounts.js';
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { InProcessCaller, ServiceCall } from '../contracts.js';
import { groupArn, type LogsContext } from './common.js';
import { parseFilterPattern } from './filter-pattern/index.js';
import type { GroupRow, StreamRow } from './store.js';

const DELIVERY_JOB = 'logs.subscription-delivery';
const DELIVERY_ATTEMPTS = 3;
const DELIVERY_CONCURRENCY = 8;
/**
 * The largest `awslogs.data` one invocation carries: events beyond it go in further invocations.
 * Lambda's asynchronous payloads were long limited to 256 KB; staying under it suits both limits.
 */
const MAX_DATA_CHARS = 240 * 1024;

/** One event as the subscription message carries it. */
export interface DeliveredEvent {
  id: string;
  timestamp: number;
  message: string;
}

/** A queued delivery: the job's payload. */
interface Delivery {
  account: string;
  region: string;
  /** The log group's ARN without `:*`. */
  groupArn: string;
  filter: string;
  destinationArn: string;
  /** base64 of the gzipped DATA_MESSAGE. */
  data: string;
}

/** The log group CloudWatch Logs acts for: its account, Region and ARN (without `:*`). */
export interface GroupIdentity {
  account: string;
  region: string;
  arn: string;
}

/**
 * Runs a Lambda call as CloudWatch Logs on behalf of a log group: as each of its principals in
 * turn while the function's policy refuses the previous one.
 */
export async function callLambdaAsLogs(c: LogsContext, group: GroupIdentity, call: ServiceCall): Promise<void> {
  const caller = (service: string): InProcessCaller => ({
    principal: servicePrincipal(group.account, service),
    account: group.account,
    region: group.region,
    sourceArn: `${group.arn}:*`,
    sourceAccount: group.account,
  });
  try {
    await c.rt.invoke(call, caller('logs.amazonaws.com'));
  } catch (err) {
    if (!(err instanceof AwsError) || err.code !== 'AccessDeniedException') throw err;
    await c.rt.invoke(call, caller(`logs.${group.region}.amazonaws.com`));
  }
}

/** The DATA_MESSAGE for `events`, gzipped and base64-encoded. */
function encode(group: GroupRow, stream: StreamRow, filter: string, events: DeliveredEvent[]): string {
  const message = { messageType: 'DATA_MESSAGE', owner: group.account, logGroup: group.name, logStream: stream.name, subscriptionFilters: [filter], logEvents: events };
  return gzipSync(JSON.stringify(message)).toString('base64');
}

/** The encoded messages for `events`: one, or as many as it takes to keep each under MAX_DATA_CHARS. */
function encodeInParts(group: GroupRow, stream: StreamRow, filter: string, events: DeliveredEvent[]): string[] {
  const data = encode(group, stream, filter, events);
  if (data.length <= MAX_DATA_CHARS || events.length === 1) return [data];
  const half = Math.ceil(events.length / 2);
  return [...encodeInParts(group, stream, filter, events.slice(0, half)), ...encodeInParts(group, stream, filter, events.slice(half))];
}

/**
 * Queues, for each of the group's subscription filters with a Lambda destination, the events of
 * this write its pattern matches. Call inside the transaction that stores the events. Kinesis and
 * Firehose destinations get nothing: Drydock serves neither.
 */
export function queueSubscriptionDeliveries(c: LogsContext, group: GroupRow, stream: StreamRow, events: DeliveredEvent[]): void {
  if (!events.length) return;
  for (const filter of c.store.subscriptionFilters(group.id, '', '', Number.MAX_SAFE_INTEGER)) {
    if (parseArn(filter.destination_arn)?.service !== 'lambda') continue;
    const pattern = parseFilterPattern(filter.pattern);
    const matched = events.filter((event) => pattern.matches(event.message));
    if (!matched.length) continue;
    for (const data of encodeInParts(group, stream, filter.name, matched)) {
      const delivery: Delivery = { account: group.account, region: group.region, groupArn: groupArn(group), filter: filter.name, destinationArn: filter.destination_arn, data };
      c.rt.jobs.enqueue(DELIVERY_JOB, delivery);
    }
  }
}

/** A refusal retrying cannot change: the function is missing or does not allow CloudWatch Logs. */
function isRefusal(err: unknown): err is AwsError {
  return err instanceof AwsError && ((err.status ?? 400) < 500 || err.code === 'NotImplemented');
}

/** Registers the job that hands queued deliveries to Lambda (in create(), before the job queue starts). */
export function registerSubscriptionDelivery(c: LogsContext): void {
  c.rt.jobs.register(
    DELIVERY_JOB,
    async (job) => {
      const delivery = job.payload as Delivery;
      const payload = Buffer.from(JSON.stringify({ awslogs: { data: delivery.data } }));
      try {
        await callLambdaAsLogs(
          c,
          { account: delivery.account, region: delivery.region, arn: delivery.groupArn },
          {
            service: 'lambda',
            operation: 'Invoke',
            input: { FunctionName: delivery.destinationArn, InvocationType: 'Event', Payload: payload },
          },
        );
      } catch (err) {
        if (!isRefusal(err)) throw err;
        c.rt.log.warn(
          { logGroup: delivery.groupArn, filter: delivery.filter, destination: delivery.destinationArn, code: err.code, reason: err.message },
          'CloudWatch Logs subscription delivery was refused',
        );
      }
    },
    { maxAttempts: DELIVERY_ATTEMPTS, concurrency: DELIVERY_CONCURRENCY },
  );
}
