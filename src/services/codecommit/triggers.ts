/**
 * CodeCommit repository triggers: PutRepositoryTriggers / GetRepositoryTriggers /
 * TestRepositoryTriggers, and firing them on every reference change (the "CodeCommit Repository
 * State Change" events that git pushes and API writes publish).
 *
 * Delivery: a trigger's destination is an SNS topic or a Lambda function. Drydock has neither
 * service yet, so no delivery can happen: every attempt is reported as a failure (TestRepository-
 * Triggers' failedExecutions, a warning in the log when a real change fires a trigger), never as
 * a success. When those services exist, `deliver` is the one place to change: it will make the
 * in-process call `c.rt.call('sns', 'Publish', { TopicArn, Message }, { principal, region })` or
 * `c.rt.call('lambda', 'Invoke', { FunctionName, InvocationType: 'Event', Payload }, …)` and return
 * undefined when the call succeeded.
 */
import type * as CC from '@aws-sdk/client-codecommit';
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { AwsEvent } from '../../core/events.js';
import { uuid } from '../../core/ids.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { type CodeCommitContext, checkBranchName, checkRepositoryName, gitRepository, repositoryArn, requireRepository } from './common.js';
import type { RepositoryRow } from './store.js';

export const REFERENCE_EVENT = 'CodeCommit Repository State Change';

const MAX_TRIGGERS = 10;
const MAX_TRIGGER_BRANCHES = 100;
const MAX_CUSTOM_DATA = 1000;
const TRIGGER_NAME = /^[\w.-]{1,100}$/;
const TRIGGER_EVENTS = new Set(['all', 'updateReference', 'createReference', 'deleteReference']);
/** Which trigger event each reference-change event is. */
const TRIGGER_EVENT_OF: Record<string, string> = { referenceCreated: 'createReference', referenceUpdated: 'updateReference', referenceDeleted: 'deleteReference' };

/** One reference in a trigger notification, as AWS sends it. */
interface TriggerReference {
  commit: string;
  ref: string;
  created?: boolean;
  deleted?: boolean;
}

/** The body AWS sends to a trigger's destination (SNS message / Lambda event). */
interface TriggerPayload {
  Records: Record<string, unknown>[];
}

function isDestination(arnText: string): ReturnType<typeof parseArn> {
  const parts = parseArn(arnText);
  if (!parts || !/^\d{12}$/.test(parts.account) || !parts.region) return undefined;
  if (parts.service === 'sns' && /^[\w-]{1,256}$/.test(parts.resource)) return parts;
  if (parts.service === 'lambda' && /^function:[\w-]{1,64}(:[\w$-]{1,128})?$/.test(parts.resource)) return parts;
  return undefined;
}

/** Validates a trigger list as PutRepositoryTriggers and TestRepositoryTriggers do, and keeps only the model's members. */
function checkTriggers(row: RepositoryRow, triggers: CC.RepositoryTrigger[] | undefined): CC.RepositoryTrigger[] {
  if (!Array.isArray(triggers)) throw new AwsError('RepositoryTriggersListRequiredException', 'The list of triggers for the repository is required, but was not specified.');
  if (triggers.length > MAX_TRIGGERS) throw new AwsError('MaximumRepositoryTriggersExceededException', `A repository can have at most ${MAX_TRIGGERS} triggers.`);
  const names = new Set<string>();
  return triggers.map((trigger) => {
    if (!trigger.name) throw new AwsError('RepositoryTriggerNameRequiredException', 'A name for the trigger is required, but was not specified.');
    if (!TRIGGER_NAME.test(trigger.name)) throw new AwsError('InvalidRepositoryTriggerNameException', `The name of the trigger is not valid: ${trigger.name}`);
    if (names.has(trigger.name)) throw new AwsError('InvalidRepositoryTriggerNameException', `Triggers on a repository must have unique names: ${trigger.name} is used twice.`);
    names.add(trigger.name);
    if (!trigger.destinationArn) throw new AwsError('RepositoryTriggerDestinationArnRequiredException', 'A destination ARN for the target service for the trigger is required, but was not specified.');
    const destination = isDestination(trigger.destinationArn);
    if (!destination)
      throw new AwsError(
        'InvalidRepositoryTriggerDestinationArnException',
        `The Amazon Resource Name (ARN) for the trigger is not valid for the specified destination. The most common reason for this error is that the ARN does not meet the requirements for the service type: ${trigger.destinationArn}`,
      );
    if (destination.region !== row.region)
      throw new AwsError(
        'InvalidRepositoryTriggerRegionException',
        `The AWS Region for the trigger target does not match the AWS Region for the repository. Triggers must be created in the same AWS Region as the target for the trigger: ${trigger.destinationArn}`,
      );
    if (trigger.customData !== undefined && (typeof trigger.customData !== 'string' || trigger.customData.length > MAX_CUSTOM_DATA)) {
      throw new AwsError('InvalidRepositoryTriggerCustomDataException', `The custom data provided for the trigger is not valid: at most ${MAX_CUSTOM_DATA} characters.`);
    }
    // AWS requires the branches array itself, even empty (meaning every branch).
    if (!Array.isArray(trigger.branches))
      throw new AwsError('RepositoryTriggerBranchNameListRequiredException', 'At least one branch name is required, but was not specified in the trigger configuration.');
    if (trigger.branches.length > MAX_TRIGGER_BRANCHES)
      throw new AwsError('MaximumBranchesExceededException', `The number of branches for the trigger was exceeded (at most ${MAX_TRIGGER_BRANCHES}).`);
    for (const branch of trigger.branches) checkBranchName(branch, 'InvalidRepositoryTriggerBranchNameException', 'InvalidRepositoryTriggerBranchNameException');
    if (!Array.isArray(trigger.events) || trigger.events.length === 0)
      throw new AwsError('RepositoryTriggerEventsListRequiredException', 'At least one event for the trigger is required, but was not specified.');
    if (trigger.events.some((event) => !TRIGGER_EVENTS.has(event)) || (trigger.events.includes('all') && trigger.events.length > 1)) {
      throw new AwsError(
        'InvalidRepositoryTriggerEventsException',
        `One or more events specified for the trigger is not valid (${trigger.events.join(', ')}); "all" cannot be combined with other events.`,
      );
    }
    return {
      name: trigger.name,
      destinationArn: trigger.destinationArn,
      customData: trigger.customData,
      branches: [...trigger.branches],
      events: [...trigger.events],
    };
  });
}

function payloadFor(
  c: CodeCommitContext,
  row: RepositoryRow,
  trigger: CC.RepositoryTrigger,
  change: { eventName: 'ReferenceChanges' | 'TriggerEventTest'; configurationId: string; callerArn: string; references: TriggerReference[] },
): TriggerPayload {
  return {
    Records: [
      {
        awsRegion: row.region,
        codecommit: { references: change.references },
        customData: trigger.customData,
        eventId: uuid(),
        eventName: change.eventName,
        eventPartNumber: 1,
        eventSource: 'aws:codecommit',
        eventSourceARN: repositoryArn(row),
        eventTime: new Date(c.rt.clock.now()).toISOString(),
        eventTotalParts: 1,
        eventTriggerConfigId: change.configurationId,
        eventTriggerName: trigger.name,
        eventVersion: '1.0',
        userIdentityARN: change.callerArn,
      },
    ],
  };
}

/**
 * Delivers one notification; returns undefined on success, else why it failed. Drydock has no
 * SNS or Lambda service yet (see the header comment for how this changes when it does), so the
 * destination cannot receive anything and the answer is always a failure.
 */
function deliver(c: CodeCommitContext, trigger: CC.RepositoryTrigger, payload: TriggerPayload): string | undefined {
  const service = parseArn(trigger.destinationArn!)?.service === 'lambda' ? 'Lambda' : 'SNS';
  const reason = `Drydock has no ${service} service yet; destination ${trigger.destinationArn} cannot receive the trigger notification.`;
  c.rt.log.debug({ trigger: trigger.name, destination: trigger.destinationArn, payload }, 'CodeCommit trigger notification not sent');
  return reason;
}

/** Fires the repository's triggers that match a reference change event. */
function fireTriggers(c: CodeCommitContext, event: AwsEvent): void {
  const detail = event.detail;
  if (typeof detail.repositoryId !== 'string') return;
  const config = c.store.triggerConfig(detail.repositoryId);
  const row = config && c.store.repositoryById(detail.repositoryId);
  const triggerEvent = TRIGGER_EVENT_OF[String(detail.event)];
  if (!config || !row || !triggerEvent) return;
  const reference: TriggerReference = { commit: String(detail.commitId ?? detail.oldCommitId ?? ''), ref: String(detail.referenceFullName) };
  if (detail.event === 'referenceCreated') reference.created = true;
  if (detail.event === 'referenceDeleted') reference.deleted = true;
  for (const trigger of JSON.parse(config.triggers) as CC.RepositoryTrigger[]) {
    const events: string[] = trigger.events ?? [];
    if (!events.includes('all') && !events.includes(triggerEvent)) continue;
    const branches = trigger.branches ?? [];
    if (branches.length > 0 && !(detail.referenceType === 'branch' && branches.includes(String(detail.referenceName)))) continue;
    const payload = payloadFor(c, row, trigger, { eventName: 'ReferenceChanges', configurationId: config.configuration_id, callerArn: String(detail.callerUserArn ?? ''), references: [reference] });
    const failure = deliver(c, trigger, payload);
    if (failure) c.rt.log.warn({ repository: row.name, trigger: trigger.name, destination: trigger.destinationArn, reason: failure }, 'CodeCommit repository trigger was not delivered');
  }
}

export function triggersHandlers(c: CodeCommitContext): Handlers {
  c.rt.events.subscribe((event) => {
    if (event.source === 'aws.codecommit' && event['detail-type'] === REFERENCE_EVENT) fireTriggers(c, event);
  });
  return {
    PutRepositoryTriggers(input: CC.PutRepositoryTriggersInput, ctx: RequestContext): CC.PutRepositoryTriggersOutput {
      checkRepositoryName(input.repositoryName);
      const row = requireRepository(c, ctx, input.repositoryName);
      const triggers = checkTriggers(row, input.triggers);
      // A new configuration id on every put, as AWS does, even when the list is unchanged.
      const configurationId = uuid();
      c.store.tx(() => c.store.putTriggerConfig({ repository_id: row.id, configuration_id: configurationId, triggers: JSON.stringify(triggers) }));
      return { configurationId };
    },

    GetRepositoryTriggers(input: CC.GetRepositoryTriggersInput, ctx: RequestContext): CC.GetRepositoryTriggersOutput {
      const row = requireRepository(c, ctx, input.repositoryName);
      const config = c.store.triggerConfig(row.id);
      if (!config) return { triggers: [] };
      return { configurationId: config.configuration_id, triggers: JSON.parse(config.triggers) as CC.RepositoryTrigger[] };
    },

    async TestRepositoryTriggers(input: CC.TestRepositoryTriggersInput, ctx: RequestContext): Promise<CC.TestRepositoryTriggersOutput> {
      checkRepositoryName(input.repositoryName);
      const row = requireRepository(c, ctx, input.repositoryName);
      const triggers = checkTriggers(row, input.triggers);
      // The test notification names the default branch's tip, when there is one.
      const ref = row.default_branch ? `refs/heads/${row.default_branch}` : undefined;
      const commit = ref ? await gitRepository(c, row).refCommit(ref) : undefined;
      const references: TriggerReference[] = ref && commit ? [{ commit, ref }] : [];
      const configurationId = c.store.triggerConfig(row.id)?.configuration_id ?? '';
      const successfulExecutions: string[] = [];
      const failedExecutions: CC.RepositoryTriggerExecutionFailure[] = [];
      for (const trigger of triggers) {
        const failure = deliver(c, trigger, payloadFor(c, row, trigger, { eventName: 'TriggerEventTest', configurationId, callerArn: ctx.principal.arn, references }));
        if (failure) failedExecutions.push({ trigger: trigger.name, failureMessage: failure });
        else successfulExecutions.push(trigger.name!);
      }
      return { successfulExecutions, failedExecutions };
    },
  };
}
