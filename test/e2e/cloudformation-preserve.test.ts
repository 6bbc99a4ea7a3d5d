/**
 * CloudFormation's "Preserve successfully provisioned resources" (DisableRollback) end to end, as
 * AWS's guide (stack-failure-options) describes it: a failure stops only the resources that depend
 * on it; a stack left in CREATE_FAILED or UPDATE_FAILED is retried by UpdateStack (or a change set)
 * with DisableRollback, which creates the failed resources again and sends the failed updates
 * again, and an update without DisableRollback is refused in AWS's words; RollbackStack goes back to
 * the last stable state, or rolls back as a creation when the stack never had one.
 */
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DescribeChangeSetCommand,
  ExecuteChangeSetCommand,
  RollbackStackCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventLog, parameterValue, resourcesOf, settled, ssmParameter } from './cloudformation-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);
const ssm = () => new SSMClient(server.clientConfig);

const refusal = (status: string) =>
  `This stack is currently in a non-terminal [${status}] state. To update the stack from this state, please use the disable-rollback parameter with update-stack API. To rollback to the last known good state, use the rollback-stack API`;

/** A stack whose parameter /pr/<name>/taken collides with one made outside it: its creation fails there until that one is deleted. */
async function failedCreation(name: string): Promise<string> {
  await ssm().send(new PutParameterCommand({ Name: `/pr/${name}/taken`, Type: 'String', Value: 'outside' }));
  const template = JSON.stringify({
    Resources: {
      Made: ssmParameter({ Name: `/pr/${name}/made`, Value: 'm' }),
      Taken: ssmParameter({ Name: `/pr/${name}/taken`, Value: 'mine' }),
      AfterTaken: ssmParameter({ Name: `/pr/${name}/after`, Value: 'a' }, { DependsOn: 'Taken' }),
    },
  });
  await cfn().send(new CreateStackCommand({ StackName: name, TemplateBody: template, DisableRollback: true }));
  const stack = await settled(cfn(), name);
  expect(stack.StackStatus).toBe('CREATE_FAILED');
  expect(stack.StackStatusReason).toBe('The following resource(s) failed to create: [Taken].');
  return template;
}

describe('CloudFormation DisableRollback retries', () => {
  it('keeps going on independent paths, refuses an update without DisableRollback, and retries the creation with the same template', async () => {
    await failedCreation('retried');
    // The failure stopped only what depends on it.
    expect(await parameterValue(ssm(), '/pr/retried/made')).toBe('m');
    const before = await resourcesOf(cfn(), 'retried');
    expect(before.Taken?.ResourceStatus).toBe('CREATE_FAILED');
    expect(before.AfterTaken).toBeUndefined();

    await expectAwsError(cfn().send(new UpdateStackCommand({ StackName: 'retried', UsePreviousTemplate: true })), {
      code: 'ValidationError',
      status: 400,
      message: refusal('CREATE_FAILED'),
    });
    await ssm().send(new DeleteParameterCommand({ Name: '/pr/retried/taken' }));
    // AWS's Retry: the same template again is not "No updates are to be performed".
    await cfn().send(new UpdateStackCommand({ StackName: 'retried', UsePreviousTemplate: true, DisableRollback: true }));
    const stack = await settled(cfn(), 'retried');
    expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
    expect(stack.DisableRollback).toBe(true);
    expect(await parameterValue(ssm(), '/pr/retried/taken')).toBe('mine');
    expect(await parameterValue(ssm(), '/pr/retried/after')).toBe('a');
    const log = await eventLog(cfn(), 'retried');
    const retry = log.slice(log.findIndex(([id, status]) => id === 'retried' && status === 'UPDATE_IN_PROGRESS'));
    expect(retry[0]).toEqual(['retried', 'UPDATE_IN_PROGRESS', 'User Initiated']);
    // The resource made before is left alone; the failed one and the one waiting for it are created.
    expect(retry.filter(([id]) => id === 'Made')).toEqual([]);
    expect(retry.filter(([id]) => id === 'Taken').map(([, status]) => status)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
    expect(retry.at(-1)).toEqual(['retried', 'UPDATE_COMPLETE', undefined]);
    const after = await resourcesOf(cfn(), 'retried');
    expect(Object.values(after).map((r) => r.ResourceStatus)).toEqual(['CREATE_COMPLETE', 'CREATE_COMPLETE', 'CREATE_COMPLETE']);
  });

  it('rolls a retried creation that failed again back as a creation, since it never had a stable state', async () => {
    await failedCreation('unstable');
    await cfn().send(new UpdateStackCommand({ StackName: 'unstable', UsePreviousTemplate: true, DisableRollback: true }));
    const again = await settled(cfn(), 'unstable');
    expect(again.StackStatus).toBe('UPDATE_FAILED');
    expect(again.StackStatusReason).toBe('The following resource(s) failed to create: [Taken].');
    await expectAwsError(cfn().send(new UpdateStackCommand({ StackName: 'unstable', UsePreviousTemplate: true })), {
      code: 'ValidationError',
      status: 400,
      message: refusal('UPDATE_FAILED'),
    });
    await cfn().send(new RollbackStackCommand({ StackName: 'unstable' }));
    expect((await settled(cfn(), 'unstable')).StackStatus).toBe('ROLLBACK_COMPLETE');
    await expectAwsError(ssm().send(new GetParameterCommand({ Name: '/pr/unstable/made' })), { code: 'ParameterNotFound', status: 400 });
    expect(await parameterValue(ssm(), '/pr/unstable/taken')).toBe('outside');
  });

  it('retries a failed update with a fixed template, and RollbackStack after another failure goes back to the last stable state', async () => {
    const body = (changed: string, fixed: string) =>
      JSON.stringify({ Resources: { Changed: ssmParameter({ Name: '/pr/up/changed', Value: changed }), Fixed: ssmParameter({ Name: '/pr/up/fixed', Value: fixed }) } });
    await cfn().send(new CreateStackCommand({ StackName: 'up', TemplateBody: body('one', 'one') }));
    await settled(cfn(), 'up');
    await cfn().send(new UpdateStackCommand({ StackName: 'up', DisableRollback: true, TemplateBody: body('two', 'x'.repeat(4097)) }));
    const failed = await settled(cfn(), 'up');
    expect(failed.StackStatus).toBe('UPDATE_FAILED');
    expect(failed.StackStatusReason).toBe('The following resource(s) failed to update: [Fixed].');
    // The independent update went through and is kept.
    expect(await parameterValue(ssm(), '/pr/up/changed')).toBe('two');
    expect((await resourcesOf(cfn(), 'up')).Fixed?.ResourceStatus).toBe('UPDATE_FAILED');

    await cfn().send(new UpdateStackCommand({ StackName: 'up', DisableRollback: true, TemplateBody: body('two', 'three') }));
    expect((await settled(cfn(), 'up')).StackStatus).toBe('UPDATE_COMPLETE');
    expect(await parameterValue(ssm(), '/pr/up/fixed')).toBe('three');

    await cfn().send(new UpdateStackCommand({ StackName: 'up', DisableRollback: true, TemplateBody: body('four', 'x'.repeat(4097)) }));
    expect((await settled(cfn(), 'up')).StackStatus).toBe('UPDATE_FAILED');
    await cfn().send(new UpdateStackCommand({ StackName: 'up', DisableRollback: true, TemplateBody: body('five', 'y'.repeat(4097)) }));
    expect((await settled(cfn(), 'up')).StackStatus).toBe('UPDATE_FAILED');
    expect(await parameterValue(ssm(), '/pr/up/changed')).toBe('five');
    // Back to the last stable state: before the first of the two failed updates.
    await cfn().send(new RollbackStackCommand({ StackName: 'up' }));
    expect((await settled(cfn(), 'up')).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(await parameterValue(ssm(), '/pr/up/changed')).toBe('two');
    expect(await parameterValue(ssm(), '/pr/up/fixed')).toBe('three');
  });

  it('takes a change set on a stack left in CREATE_FAILED, executed only with DisableRollback', async () => {
    const template = await failedCreation('viacs');
    await ssm().send(new DeleteParameterCommand({ Name: '/pr/viacs/taken' }));
    const { Id } = await cfn().send(new CreateChangeSetCommand({ StackName: 'viacs', ChangeSetName: 'retry', TemplateBody: template.replace('"a"', '"b"') }));
    // Drydock works a change set out within CreateChangeSet.
    expect((await cfn().send(new DescribeChangeSetCommand({ ChangeSetName: Id }))).Status).toBe('CREATE_COMPLETE');
    await expectAwsError(cfn().send(new ExecuteChangeSetCommand({ ChangeSetName: Id })), { code: 'ValidationError', status: 400, message: refusal('CREATE_FAILED') });
    await cfn().send(new ExecuteChangeSetCommand({ ChangeSetName: Id, DisableRollback: true }));
    expect((await settled(cfn(), 'viacs')).StackStatus).toBe('UPDATE_COMPLETE');
    expect(await parameterValue(ssm(), '/pr/viacs/after')).toBe('b');
  });
});
