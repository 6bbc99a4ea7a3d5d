/**
 * Repository triggers delivered: the notification a reference change owes each of the repository's
 * triggers, queued durably with the change, and sent to the trigger's SNS topic or Lambda function.
 *
 * AWS sends one notification per trigger per change: a push (however many references it moves)
 * or an API call. Its single record lists the references of that change the trigger selects
 * (its events, and its branches: an empty list selects every branch and tag), marking created and
 * deleted ones. The body is the same for both destinations: SNS publishes it as the message (with
 * the subject "UPDATE: AWS CodeCommit <region> push: <repository>"), Lambda gets it as the event of
 * an asynchronous (`Event`) invocation.
 *
 * Calls go through the in-process call path with the repository as aws:SourceArn and its account
 * as aws:SourceAccount, as the service principal `codecommit.amazonaws.com` (see callerFor), so the
 * topic's policy or the function's permission decides, as in AWS. The notification is a job written in the
 * transaction that publishes the change's events, so an acknowledged change is notified across a
 * kill -9 (a delivery the kill interrupted is sent again after the restart: at least once).
 * Refusals (a destination that does not exist, or does not allow CodeCommit) are not retried; a
 * failure on the destination's side is, a few times on the Drydock clock.
 */
import type * as CC from '@aws-sdk/client-codecommit';
import { rootPrincipal, servicePrincipal } from '../../core/accounts.js';
import { type ArnParts, arn, parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import type { InProcessCaller, ServiceCall } from '../contracts.js';
import type { CodeCommitContext, ReferenceEvent } from './common.js';
import type { RepositoryRow } from './store.js';

const DELIVERY_JOB = 'codecommit:trigger-delivery';
const DELIVERY_ATTEMPTS = 3;
const DELIVERY_CONCURRENCY = 8;
/** SNS refuses subjects of 100 characters or more; a long repository name is cut. */
const MAX_SUBJECT = 99;
const SERVICE_PRINCIPAL = 'codecommit.amazonaws.com';

/** Which trigger event each reference-change event is. */
const TRIGGER_EVENT_OF: Record<ReferenceEvent, string> = { referenceCreated: 'createReference', referenceUpdated: 'updateReference', referenceDeleted: 'deleteReference' };

/** One reference a change moved, as the change's publisher knows it. */
export interface ReferenceChange {
  event: ReferenceEvent;
  refName: string;
  commitId?: string;
  oldCommitId?: string;
}

/** One reference in a notification, as AWS sends it. */
export interface TriggerReference {
  commit: string;
  ref: string;
  created?: boolean;
  deleted?: boolean;
}

/** A notification ready to send: the job's payload, and what TestRepositoryTriggers sends at once. */
export interface TriggerNotification {
  trigger: string;
  destinationArn: string;
  repositoryArn: string;
  repositoryName: string;
  /** The repository's account and Region. */
  account: string;
  region: string;
  /** The JSON body AWS sends: `{"Records":[…]}`. */
  body: string;
}

/** The notification of `trigger` about `references`, with AWS's record (its members in AWS's order). */
export function notificationFor(
  c: CodeCommitContext,
  row: RepositoryRow,
  trigger: CC.RepositoryTrigger,
  change: { eventName: 'ReferenceChanges' | 'TriggerEventTest'; configurationId: string; callerArn: string; references: TriggerReference[] },
): TriggerNotification {
  const repositoryArn = arn('codecommit', row.region, row.account, row.name);
  const record = {
    awsRegion: row.region,
    codecommit: { references: change.references },
    customData: trigger.customData,
    eventId: uuid(),
    eventName: change.eventName,
    eventPartNumber: 1,
    eventSource: 'aws:codecommit',
    eventSourceARN: repositoryArn,
    // AWS writes milliseconds and a numeric offset: 2019-03-12T20:58:25.400+0000.
    eventTime: new Date(c.rt.clock.now()).toISOString().replace('Z', '+0000'),
    eventTotalParts: 1,
    eventTriggerConfigId: change.configurationId,
    eventTriggerName: trigger.name,
    eventVersion: '1.0',
    userIdentityARN: change.callerArn,
  };
  return {
    trigger: trigger.name!,
    destinationArn: trigger.destinationArn!,
    repositoryArn,
    repositoryName: row.name,
    account: row.account,
    region: row.region,
    body: JSON.stringify({ Records: [record] }),
  };
}

/** Whether `trigger` selects a change: one of its events, and one of its branches (every branch and tag when it lists none). */
function selects(trigger: CC.RepositoryTrigger, change: ReferenceChange): boolean {
  const events: string[] = trigger.events ?? [];
  if (!events.includes('all') && !events.includes(TRIGGER_EVENT_OF[change.event])) return false;
  const branches = trigger.branches ?? [];
  if (branches.length === 0) return true;
  return change.refName.startsWith('refs/heads/') && branches.includes(change.refName.slice('refs/heads/'.length));
}

function referenceOf(change: ReferenceChange): TriggerReference {
  const reference: TriggerReference = { commit: change.commitId ?? change.oldCommitId ?? '', ref: change.refName };
  if (change.event === 'referenceCreated') reference.created = true;
  if (change.event === 'referenceDeleted') reference.deleted = true;
  return reference;
}

/**
 * Queues the notifications `changes` (one push or API call) owe the repository's triggers. Call
 * inside the transaction that publishes the changes' events, so both commit or neither does.
 */
export function queueTriggerNotifications(c: CodeCommitContext, row: RepositoryRow, changes: ReferenceChange[], callerArn: string): void {
  const config = c.store.triggerConfig(row.id);
  if (!config) return;
  for (const trigger of JSON.parse(config.triggers) as CC.RepositoryTrigger[]) {
    const references = changes.filter((change) => selects(trigger, change)).map(referenceOf);
    if (references.length === 0) continue;
    c.rt.jobs.enqueue(DELIVERY_JOB, notificationFor(c, row, trigger, { eventName: 'ReferenceChanges', configurationId: config.configuration_id, callerArn, references }));
  }
}

/** The call that hands a notification to its destination. */
function destinationCall(n: TriggerNotification): ServiceCall {
  if (parseArn(n.destinationArn)?.service === 'sns') {
    const subject = `UPDATE: AWS CodeCommit ${n.region} push: ${n.repositoryName}`.slice(0, MAX_SUBJECT);
    return { service: 'sns', operation: 'Publish', input: { TopicArn: n.destinationArn, Subject: subject, Message: n.body } };
  }
  return { service: 'lambda', operation: 'Invoke', input: { FunctionName: n.destinationArn, InvocationType: 'Event', Payload: Buffer.from(n.body) } };
}

/**
 * Who CodeCommit is when it hands a notification over: the service principal
 * `codecommit.amazonaws.com`, with the repository as source. AWS documents that a topic of the
 * repository's own account needs no policy for CodeCommit: its default policy (`{"AWS": "*"}` with
 * AWS:SourceOwner) admits it, since CodeCommit sends the repository's account as SourceOwner. A
 * topic of another account and every Lambda function (even the account's own) must allow the
 * service principal.
 */
function callerFor(n: TriggerNotification, destination: ArnParts | undefined): InProcessCaller {
  return {
    principal: servicePrincipal(n.account, SERVICE_PRINCIPAL),
    account: destination?.account ?? n.account,
    region: destination?.region ?? n.region,
    sourceArn: n.repositoryArn,
    sourceAccount: n.account,
  };
}

/** Sends a notification as CodeCommit; throws the destination's AwsError when it refuses. */
export async function sendNotification(c: CodeCommitContext, n: TriggerNotification): Promise<void> {
  const destination = parseArn(n.destinationArn);
  // Whether a topic exists is AWS's own look-up, whatever its policy says (a missing topic is
  // NotFound, not a denial of CodeCommit): made as the topic's account.
  if (destination?.service === 'sns') {
    await c.rt.call('sns', 'GetTopicAttributes', { TopicArn: n.destinationArn }, { principal: rootPrincipal(destination.account, ''), region: destination.region });
  }
  await c.rt.invoke(destinationCall(n), callerFor(n, destination));
}

/** A refusal retrying cannot change: the destination is missing, denies CodeCommit, or its service is not emulated. */
export function isRefusal(err: unknown): err is AwsError {
  return err instanceof AwsError && ((err.status ?? 400) < 500 || err.code === 'NotImplemented');
}

/** Registers the job that delivers queued notifications (in create(), before the job queue starts). */
export function registerTriggerDelivery(c: CodeCommitContext): void {
  c.rt.jobs.register(
    DELIVERY_JOB,
    async (job) => {
      const n = job.payload as TriggerNotification;
      try {
        await sendNotification(c, n);
      } catch (err) {
        if (!isRefusal(err)) throw err;
        c.rt.log.warn({ repository: n.repositoryName, trigger: n.trigger, destination: n.destinationArn, code: err.code, reason: err.message }, 'CodeCommit repository trigger was not delivered');
      }
    },
    { maxAttempts: DELIVERY_ATTEMPTS, concurrency: DELIVERY_CONCURRENCY },
  );
}
