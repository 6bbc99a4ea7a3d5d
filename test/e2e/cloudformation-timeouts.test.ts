/**
 * CreateStack's TimeoutInMinutes on Drydock's clock: when creation outlasts it, what is still being
 * created fails with "Resource creation cancelled", the stack says "Stack creation time exceeded
 * the specified timeout." and rolls back (or is deleted, or stops, as OnFailure says). The time
 * warp makes the minutes pass at once.
 */
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { eventLog, resourcesOf, settled } from './cloudformation-helpers.js';

const server = useServer();
let cfn: CloudFormationClient;
beforeAll(() => {
  cfn = new CloudFormationClient(server.clientConfig);
});

/** A parameter made first, then a wait condition that waits an hour for a signal nobody sends. */
const waitingTemplate = JSON.stringify({
  Resources: {
    First: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'made before the wait' } },
    Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle', DependsOn: 'First' },
    Wait: { Type: 'AWS::CloudFormation::WaitCondition', Properties: { Handle: { Ref: 'Handle' }, Timeout: '3600' } },
  },
});

async function whenWaiting(stackName: string): Promise<void> {
  const until = Date.now() + 10_000;
  while ((await resourcesOf(cfn, stackName)).Wait?.ResourceStatus !== 'CREATE_IN_PROGRESS') {
    if (Date.now() > until) throw new Error('the wait never started');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('CreateStack TimeoutInMinutes', () => {
  it('cancels what is still being created once the minutes pass, and rolls the stack back', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'timed-out', TemplateBody: waitingTemplate, TimeoutInMinutes: 2 }));
    await whenWaiting('timed-out');
    await server.advanceClock(60_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await cfn.send(new DescribeStacksCommand({ StackName: 'timed-out' }))).Stacks![0]!.StackStatus).toBe('CREATE_IN_PROGRESS');
    await server.advanceClock(61_000);
    const stack = await settled(cfn, 'timed-out');
    expect(stack).toMatchObject({ StackStatus: 'ROLLBACK_COMPLETE', TimeoutInMinutes: 2 });
    const log = await eventLog(cfn, 'timed-out');
    expect(log).toContainEqual(['Wait', 'CREATE_FAILED', 'Resource creation cancelled']);
    expect(log).toContainEqual(['timed-out', 'ROLLBACK_IN_PROGRESS', 'Stack creation time exceeded the specified timeout. Rollback requested by user.']);
    expect(log.filter(([id]) => id === 'First').map(([, status]) => status)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
  });

  it('leaves the stack CREATE_FAILED with OnFailure DO_NOTHING, and deletes it with DELETE', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'timed-out-kept', TemplateBody: waitingTemplate, TimeoutInMinutes: 1, OnFailure: 'DO_NOTHING' }));
    const { StackId } = await cfn.send(new CreateStackCommand({ StackName: 'timed-out-deleted', TemplateBody: waitingTemplate, TimeoutInMinutes: 1, OnFailure: 'DELETE' }));
    await whenWaiting('timed-out-kept');
    await whenWaiting('timed-out-deleted');
    await server.advanceClock(61_000);
    const kept = await settled(cfn, 'timed-out-kept');
    expect(kept).toMatchObject({ StackStatus: 'CREATE_FAILED', StackStatusReason: 'Stack creation time exceeded the specified timeout.' });
    expect((await resourcesOf(cfn, 'timed-out-kept')).First!.ResourceStatus).toBe('CREATE_COMPLETE');
    expect((await settled(cfn, StackId!)).StackStatus).toBe('DELETE_COMPLETE');
    expect(await eventLog(cfn, StackId!)).toContainEqual(['timed-out-deleted', 'DELETE_IN_PROGRESS', 'Stack creation time exceeded the specified timeout. Delete requested by user.']);
  });
});
