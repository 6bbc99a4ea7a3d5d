/**
 * CodeCommit repository triggers: PutRepositoryTriggers / GetRepositoryTriggers /
 * TestRepositoryTriggers. Every reference change (git push or API call) queues the notifications
 * its triggers select, and they are delivered to SNS topics and Lambda functions
 * (trigger-delivery.ts). TestRepositoryTriggers sends each trigger a test notification at once,
 * as AWS does, and reports the destinations that refused it.
 */
import type * as CC from '@aws-sdk/client-codecommit';
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { type CodeCommitContext, checkBranchName, checkRepositoryName, gitRepository, requireRepository } from './common.js';
import type { RepositoryRow } from './store.js';
import { isRefusal, notificationFor, registerTriggerDelivery, sendNotification } from './trigger-delivery.js';

export const REFERENCE_EVENT = 'CodeCommit Repository State Change';

const MAX_TRIGGERS = 10;
const MAX_TRIGGER_BRANCHES = 100;
const MAX_CUSTOM_DATA = 1000;
const TRIGGER_NAME = /^[\w.-]{1,100}$/;
const TRIGGER_EVENTS = new Set(['all', 'updateReference', 'createReference', 'deleteReference']);
/** The commit id of a test notification for a repository without commits. */
const NO_COMMIT = '0'.repeat(40);

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

export function triggersHandlers(c: CodeCommitContext): Handlers {
  registerTriggerDelivery(c);
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
      // The test notification names the default branch's tip; a repository without commits gets zeroes, as AWS sends.
      const ref = row.default_branch ? `refs/heads/${row.default_branch}` : undefined;
      const commit = ref ? await gitRepository(c, row).refCommit(ref) : undefined;
      const configurationId = c.store.triggerConfig(row.id)?.configuration_id ?? '';
      const successfulExecutions: string[] = [];
      const failedExecutions: CC.RepositoryTriggerExecutionFailure[] = [];
      for (const trigger of triggers) {
        const reference = ref && commit ? { commit, ref } : { commit: NO_COMMIT, ref: `refs/heads/${trigger.branches?.[0] ?? 'main'}` };
        const notification = notificationFor(c, row, trigger, { eventName: 'TriggerEventTest', configurationId, callerArn: ctx.principal.arn, references: [reference] });
        try {
          await sendNotification(c, notification);
          successfulExecutions.push(trigger.name!);
        } catch (err) {
          if (!isRefusal(err)) throw err;
          failedExecutions.push({ trigger: trigger.name, failureMessage: `${err.code}: ${err.message}` });
        }
      }
      return { successfulExecutions, failedExecutions };
    },
  };
}
