/**
 * S3 event notifications delivered: the records an object change owes the bucket's Topic, Queue and
 * LambdaFunction configurations, queued durably with the change and sent to SNS, SQS or Lambda.
 *
 * Each configuration whose events and key filter select a change gets one job, written in the
 * change's transaction (so an acknowledged write is notified across a kill -9, and a rolled-back
 * one never is) and ended in the destination's own transaction (so a delivery the kill interrupts
 * is sent after the restart only if it had not been: exactly once). The job carries the finished `{"Records":[…]}` body in AWS's shape. SQS gets it as
 * the message body, SNS as the message (Subject "Amazon S3 Notification"), Lambda as the event of
 * an asynchronous (`Event`) invocation. Every call is made as the service principal
 * `s3.amazonaws.com` with the bucket as aws:SourceArn and its owner as aws:SourceAccount, so the
 * queue policy, topic policy or function permission decides, as in AWS. A refusal (the destination
 * is gone, or no longer allows S3) is logged and dropped; a failure on the destination's side is
 * retried a few times on the Drydock clock.
 */
import { createHash, randomBytes } from 'node:crypto';
import { servicePrincipal } from '../../core/accounts.js';
import { arn, parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { InProcessCaller, Runtime, ServiceCall } from '../contracts.js';
import type { BucketRow } from './store.js';

const DELIVERY_JOB = 's3:notification-delivery';
const DELIVERY_ATTEMPTS = 3;
const DELIVERY_CONCURRENCY = 4;
const S3_SERVICE_PRINCIPAL = 's3.amazonaws.com';
const NOTIFICATION_SUBJECT = 'Amazon S3 Notification';

/** The event types Drydock emits (`s3:` left off, as records name them). */
export type ObjectEventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete'
  | 'ObjectRemoved:DeleteMarkerCreated'
  | 'ObjectTagging:Put'
  | 'ObjectTagging:Delete'
  | 'ObjectAcl:Put';

/** Who caused a change, as its records report it. */
export interface EventOrigin {
  principalId: string;
  sourceIp: string;
  requestId: string;
}

/** The object a change touched. */
export interface ChangedObject {
  key: string;
  size?: number;
  /** Unquoted. */
  etag?: string;
  /** Reported only for buckets that have had versioning configured. */
  versionId?: string;
}

/** A configuration of any of the three kinds, reduced to what matching and delivery need. */
export interface DestinationConfiguration {
  Id?: string;
  Events?: string[];
  Filter?: { Key?: { FilterRules?: { Name?: string; Value?: string }[] } };
  destinationArn: string;
}

interface Delivery {
  destinationArn: string;
  bucket: string;
  /** The bucket's account and Region. */
  account: string;
  region: string;
  body: string;
}

/** Customer IDs by account: every write by an account's root names one (a SHA-256 each). */
const customerIds = new Map<string, string>();
/** Bound on that map; far above the accounts a local cloud serves, it only keeps a runaway from growing it. */
const MAX_CACHED_CUSTOMER_IDS = 10_000;

/**
 * The "Amazon retail customer ID" S3 shows for an account (bucket owner, root requester): opaque,
 * stable, upper-case, as AWS's look.
 */
function customerId(account: string): string {
  let id = customerIds.get(account);
  if (id === undefined) {
    id = `A${createHash('sha256').update(`drydock-customer:${account}`).digest('hex').slice(0, 13).toUpperCase()}`;
    if (customerIds.size >= MAX_CACHED_CUSTOMER_IDS) customerIds.clear();
    customerIds.set(account, id);
  }
  return id;
}

/** The requester as S3 records it: `AWS:<unique id>` for IAM identities, the customer ID for an account's root. */
export function originOf(ctx: RequestContext): EventOrigin {
  const { principal } = ctx;
  return {
    principalId: principal.kind === 'root' ? customerId(principal.account) : `AWS:${principal.userId}`,
    sourceIp: ctx.http.sourceIp ?? '127.0.0.1',
    requestId: ctx.requestId,
  };
}

/** Writes other services make through S3's api: the bucket owner's account is the requester. */
export function ownerOrigin(account: string): EventOrigin {
  return { principalId: customerId(account), sourceIp: '127.0.0.1', requestId: randomBytes(8).toString('hex').toUpperCase() };
}

/**
 * An object key as records carry it and filters match it: URL-encoded as Java's URLEncoder does
 * (space as `+`; letters, digits and `.-*_` kept), with `/` kept, as S3 sends keys.
 */
function encodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/')
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Whether a configuration's events include `name` (exactly, or through its `:*` wildcard). */
function selectsEvent(events: string[], name: ObjectEventName): boolean {
  const full = `s3:${name}`;
  return events.includes(full) || events.includes(`${full.slice(0, full.lastIndexOf(':'))}:*`);
}

/** Whether the configuration's key filter selects the (URL-encoded) key. */
function selectsKey(config: DestinationConfiguration, encodedKey: string): boolean {
  for (const rule of config.Filter?.Key?.FilterRules ?? []) {
    const value = rule.Value ?? '';
    const name = rule.Name?.toLowerCase();
    if (name === 'prefix' && !encodedKey.startsWith(value)) return false;
    if (name === 'suffix' && !encodedKey.endsWith(value)) return false;
  }
  return true;
}

/** Every Topic, Queue and LambdaFunction configuration of a stored notification configuration. */
export function destinationConfigurations(config: {
  TopicConfigurations?: { TopicArn?: string }[];
  QueueConfigurations?: { QueueArn?: string }[];
  LambdaFunctionConfigurations?: { LambdaFunctionArn?: string }[];
}): DestinationConfiguration[] {
  return [
    ...(config.TopicConfigurations ?? []).map((c) => ({ ...c, destinationArn: c.TopicArn ?? '' })),
    ...(config.QueueConfigurations ?? []).map((c) => ({ ...c, destinationArn: c.QueueArn ?? '' })),
    ...(config.LambdaFunctionConfigurations ?? []).map((c) => ({ ...c, destinationArn: c.LambdaFunctionArn ?? '' })),
  ];
}

/**
 * Makes the ordering values records carry as `sequencer`: upper-case hex that grows with every
 * change (from the clock, so it keeps growing across restarts), compared as AWS advises (the
 * longer string padded with zeroes).
 */
export class Sequencer {
  private last = 0;
  constructor(private readonly now: () => number) {}

  next(): string {
    this.last = Math.max(this.last + 1, this.now() * 4096);
    return this.last.toString(16).toUpperCase().padStart(18, '0');
  }
}

interface RecordInput {
  bucket: BucketRow;
  name: ObjectEventName;
  object: ChangedObject;
  origin: EventOrigin;
  configurationId: string;
  time: number;
  sequencer: string;
}

/** One event record, its members in AWS's order and with the object fields AWS sends for its event type. */
function recordFor(input: RecordInput): Record<string, unknown> {
  const { bucket, name, object, origin } = input;
  const tagOrAcl = name.startsWith('ObjectTagging:') || name.startsWith('ObjectAcl:');
  const s3Object: Record<string, unknown> = { key: encodeKey(object.key) };
  if (name.startsWith('ObjectCreated:')) Object.assign(s3Object, { size: object.size, eTag: object.etag });
  if (tagOrAcl) s3Object.eTag = object.etag;
  if (object.versionId !== undefined) s3Object.versionId = object.versionId;
  // AWS sends a sequencer only with PUTs and DELETEs.
  if (!tagOrAcl) s3Object.sequencer = input.sequencer;
  return {
    // Version 2.3 is what AWS uses for tagging and ACL events; 2.1 for the others.
    eventVersion: tagOrAcl ? '2.3' : '2.1',
    eventSource: 'aws:s3',
    awsRegion: bucket.region,
    eventTime: new Date(input.time).toISOString(),
    eventName: name,
    userIdentity: { principalId: origin.principalId },
    requestParameters: { sourceIPAddress: origin.sourceIp },
    responseElements: { 'x-amz-request-id': origin.requestId, 'x-amz-id-2': randomBytes(56).toString('base64') },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: input.configurationId,
      bucket: { name: bucket.name, ownerIdentity: { principalId: customerId(bucket.account) }, arn: arn('s3', '', '', bucket.name) },
      object: s3Object,
    },
  };
}

/**
 * Queues the notifications a change owes the bucket's configurations. Call inside the change's
 * transaction, so the deliveries commit or roll back with it.
 */
export function queueNotifications(rt: Runtime, sequencer: Sequencer, bucket: BucketRow, name: ObjectEventName, object: ChangedObject, origin: EventOrigin): void {
  if (!bucket.notification) return;
  const configurations = destinationConfigurations(JSON.parse(bucket.notification));
  const encodedKey = encodeKey(object.key);
  const time = rt.clock.now();
  const sequence = sequencer.next();
  for (const config of configurations) {
    if (!selectsEvent(config.Events ?? [], name) || !selectsKey(config, encodedKey)) continue;
    const record = recordFor({ bucket, name, object, origin, configurationId: config.Id ?? '', time, sequencer: sequence });
    const delivery: Delivery = { destinationArn: config.destinationArn, bucket: bucket.name, account: bucket.account, region: bucket.region, body: JSON.stringify({ Records: [record] }) };
    rt.jobs.enqueue(DELIVERY_JOB, delivery);
  }
}

/** The call that hands a notification body to its destination. */
function destinationCall(destinationArn: string, body: string, endpoint: string): ServiceCall {
  const destination = parseArn(destinationArn);
  if (destination?.service === 'sqs') {
    return { service: 'sqs', operation: 'SendMessage', input: { QueueUrl: `${endpoint}/${destination.account}/${destination.resource}`, MessageBody: body } };
  }
  if (destination?.service === 'sns') return { service: 'sns', operation: 'Publish', input: { TopicArn: destinationArn, Subject: NOTIFICATION_SUBJECT, Message: body } };
  return { service: 'lambda', operation: 'Invoke', input: { FunctionName: destinationArn, InvocationType: 'Event', Payload: Buffer.from(body) } };
}

/** S3 as it calls a destination for a bucket: the service principal, on the bucket's behalf. */
export function callerFor(bucket: Pick<BucketRow, 'name' | 'account' | 'region'>, destinationArn: string): InProcessCaller {
  const destination = parseArn(destinationArn);
  return {
    principal: servicePrincipal(bucket.account, S3_SERVICE_PRINCIPAL),
    account: destination?.account || bucket.account,
    region: destination?.region || bucket.region,
    sourceArn: arn('s3', '', '', bucket.name),
    sourceAccount: bucket.account,
  };
}

/** Sends a body to a destination as S3; throws the destination's AwsError when it refuses. */
export async function sendToDestination(rt: Runtime, bucket: Pick<BucketRow, 'name' | 'account' | 'region'>, destinationArn: string, body: string): Promise<void> {
  await rt.invoke(destinationCall(destinationArn, body, rt.endpoint()), callerFor(bucket, destinationArn));
}

/** A refusal retrying cannot change: the destination is missing or denies S3. */
export function isRefusal(err: unknown): err is AwsError {
  return err instanceof AwsError && ((err.status ?? 400) < 500 || err.code === 'NotImplemented');
}

/** Registers the job that delivers queued notifications (in create(), before the job queue starts). */
export function registerNotificationDelivery(rt: Runtime): void {
  rt.jobs.register(
    DELIVERY_JOB,
    async (job) => {
      const delivery = job.payload as Delivery;
      try {
        // The destination's commit ends the job: a kill after it does not send the notification again.
        await rt.jobs.completeWith(job.id, () => sendToDestination(rt, { name: delivery.bucket, account: delivery.account, region: delivery.region }, delivery.destinationArn, delivery.body));
      } catch (err) {
        if (!isRefusal(err)) throw err;
        rt.log.warn({ bucket: delivery.bucket, destination: delivery.destinationArn, code: err.code, reason: err.message }, 'S3 event notification was not delivered');
      }
    },
    { maxAttempts: DELIVERY_ATTEMPTS, concurrency: DELIVERY_CONCURRENCY },
  );
}
