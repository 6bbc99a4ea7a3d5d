/**
 * Wait conditions against a real stack: a WaitConditionHandle's presigned URL signalled with curl
 * exactly as cfn-signal's documentation shows, a WaitCondition's Count and Data, FAILURE signals
 * and timeouts (made to pass with the time warp) with AWS's reasons, and CreationPolicy
 * ResourceSignal with SignalResource.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CloudFormationClient, CreateStackCommand, DescribeStackResourceCommand, DescribeStacksCommand, SignalResourceCommand } from '@aws-sdk/client-cloudformation';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventLog, resourcesOf, settled } from './cloudformation-helpers.js';

const server = useServer();
let cfn: CloudFormationClient;
beforeAll(() => {
  cfn = new CloudFormationClient(server.clientConfig);
});
const run = promisify(execFile);

/** Signals a handle as AWS's documentation does: `curl -X PUT -H 'Content-Type:' --data-binary '{…}' "<url>"`. */
async function curlSignal(url: string, signal: Record<string, string>): Promise<string> {
  const { stdout } = await run('curl', ['-sS', '-X', 'PUT', '-H', 'Content-Type:', '--data-binary', JSON.stringify(signal), '-w', '%{http_code}', url]);
  return stdout;
}

/** Waits until the resource is being created (its wait has begun); answers the physical id of `idOf` then. */
async function whenCreating(stackName: string, logicalId: string, idOf = logicalId): Promise<string> {
  const until = Date.now() + 10_000;
  for (;;) {
    const resources = await resourcesOf(cfn, stackName);
    if (resources[logicalId]?.ResourceStatus === 'CREATE_IN_PROGRESS') {
      const detail = await cfn.send(new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: idOf }));
      return detail.StackResourceDetail!.PhysicalResourceId!;
    }
    if (Date.now() > until) throw new Error(`${logicalId} never started`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Moves Drydock's clock on in steps until the stack settles: the wait's timeout passes without real waiting. */
async function warpUntilSettled(stackName: string, stepMs: number): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!;
    if (!stack.StackStatus!.endsWith('_IN_PROGRESS')) return;
    if (Date.now() > until) throw new Error(`${stackName} never settled`);
    await server.advanceClock(stepMs);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const handleTemplate = (count: number, timeout = 300) =>
  JSON.stringify({
    Resources: {
      Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' },
      Wait: { Type: 'AWS::CloudFormation::WaitCondition', Properties: { Handle: { Ref: 'Handle' }, Timeout: String(timeout), Count: count } },
      After: { Type: 'AWS::SSM::Parameter', DependsOn: 'Wait', Properties: { Type: 'String', Value: { 'Fn::GetAtt': ['Wait', 'Data'] } } },
    },
    Outputs: { Data: { Value: { 'Fn::GetAtt': ['Wait', 'Data'] } }, Url: { Value: { Ref: 'Handle' } } },
  });

describe('WaitConditionHandle and WaitCondition', () => {
  it('waits for Count signals PUT to the handle URL with curl, and GetAtt Data holds them by UniqueId', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'wait-ok', TemplateBody: handleTemplate(2) }));
    const url = await whenCreating('wait-ok', 'Wait', 'Handle');
    expect(url).toMatch(/\/cloudformation-waitcondition-us-east-1\/arn%3Aaws%3Acloudformation%3Aus-east-1%3A000000000000%3Astack%2Fwait-ok%2F.+%2FHandle\?X-Amz-Algorithm=AWS4-HMAC-SHA256&/);
    expect(await curlSignal(url, { Status: 'SUCCESS', Reason: 'r', UniqueId: '1', Data: 'first' })).toBe('200');
    // The same UniqueId again replaces the signal rather than counting twice.
    expect(await curlSignal(url, { Status: 'SUCCESS', Reason: 'r', UniqueId: '1', Data: 'd' })).toBe('200');
    expect((await resourcesOf(cfn, 'wait-ok')).Wait!.ResourceStatus).toBe('CREATE_IN_PROGRESS');
    expect(await curlSignal(url, { Status: 'SUCCESS', Reason: 'r', UniqueId: '2', Data: 'e' })).toBe('200');

    const stack = await settled(cfn, 'wait-ok');
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    const outputs = Object.fromEntries(stack.Outputs!.map((o) => [o.OutputKey, o.OutputValue]));
    expect(JSON.parse(outputs.Data!)).toEqual({ 1: 'd', 2: 'e' });
    expect(outputs.Url).toBe(url);
  });

  it('fails with the reason of a FAILURE signal and rolls back', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'wait-failure', TemplateBody: handleTemplate(1) }));
    const url = await whenCreating('wait-failure', 'Wait', 'Handle');
    await curlSignal(url, { Status: 'FAILURE', Reason: 'Configuration failed.', UniqueId: 'i-0123', Data: 'x' });
    expect((await settled(cfn, 'wait-failure')).StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(await eventLog(cfn, 'wait-failure')).toContainEqual(['Wait', 'CREATE_FAILED', "WaitCondition received failed message: 'Configuration failed.' for uniqueId: i-0123"]);
  });

  it('times out on the Drydock clock with the AWS reason, counting what arrived', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'wait-timeout', TemplateBody: handleTemplate(2, 600) }));
    const url = await whenCreating('wait-timeout', 'Wait', 'Handle');
    await curlSignal(url, { Status: 'SUCCESS', Reason: 'r', UniqueId: 'a', Data: '' });
    await warpUntilSettled('wait-timeout', 601_000);
    expect((await settled(cfn, 'wait-timeout')).StackStatus).toBe('ROLLBACK_COMPLETE');
    const log = await eventLog(cfn, 'wait-timeout');
    expect(log).toContainEqual(['Wait', 'CREATE_FAILED', 'WaitCondition timed out. Received 1 conditions when expecting 2']);
    expect(log).toContainEqual(['Handle', 'DELETE_COMPLETE', undefined]);
  });

  it('refuses a handle that is not a wait condition handle URL', async () => {
    const template = JSON.stringify({ Resources: { Wait: { Type: 'AWS::CloudFormation::WaitCondition', Properties: { Handle: 'https://example.com/x', Timeout: '10' } } } });
    await cfn.send(new CreateStackCommand({ StackName: 'wait-bad-handle', TemplateBody: template }));
    expect((await settled(cfn, 'wait-bad-handle')).StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(await eventLog(cfn, 'wait-bad-handle')).toContainEqual(['Wait', 'CREATE_FAILED', 'Invalid WaitConditionHandle URL: https://example.com/x']);
  });
});

const policyTemplate = (count: number) =>
  JSON.stringify({
    Resources: { Ready: { Type: 'AWS::CloudFormation::WaitCondition', CreationPolicy: { ResourceSignal: { Count: count, Timeout: 'PT10M' } } } },
    Outputs: { Data: { Value: { 'Fn::GetAtt': ['Ready', 'Data'] } } },
  });

describe('CreationPolicy ResourceSignal and SignalResource', () => {
  it('completes once Count SUCCESS signals arrived through SignalResource, each one a stack event', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'policy-ok', TemplateBody: policyTemplate(2) }));
    await whenCreating('policy-ok', 'Ready');
    await cfn.send(new SignalResourceCommand({ StackName: 'policy-ok', LogicalResourceId: 'Ready', UniqueId: 'i-1', Status: 'SUCCESS' }));
    await cfn.send(new SignalResourceCommand({ StackName: 'policy-ok', LogicalResourceId: 'Ready', UniqueId: 'i-2', Status: 'SUCCESS' }));
    expect((await settled(cfn, 'policy-ok')).StackStatus).toBe('CREATE_COMPLETE');
    const log = await eventLog(cfn, 'policy-ok');
    expect(log).toContainEqual(['Ready', 'CREATE_IN_PROGRESS', 'Received SUCCESS signal with UniqueId i-1']);
    expect(log).toContainEqual(['Ready', 'CREATE_IN_PROGRESS', 'Received SUCCESS signal with UniqueId i-2']);

    await expectAwsError(cfn.send(new SignalResourceCommand({ StackName: 'policy-ok', LogicalResourceId: 'Ready', UniqueId: 'i-3', Status: 'SUCCESS' })), {
      code: 'ValidationError',
      status: 400,
      message: /^Stack arn:aws:cloudformation:us-east-1:000000000000:stack\/policy-ok\/.+ is in CREATE_COMPLETE state and cannot be signaled$/,
    });
  });

  it('fails on a FAILURE signal, and on a timeout passed with the time warp', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'policy-failure', TemplateBody: policyTemplate(1) }));
    await whenCreating('policy-failure', 'Ready');
    await cfn.send(new SignalResourceCommand({ StackName: 'policy-failure', LogicalResourceId: 'Ready', UniqueId: 'i-9', Status: 'FAILURE' }));
    expect((await settled(cfn, 'policy-failure')).StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(await eventLog(cfn, 'policy-failure')).toContainEqual(['Ready', 'CREATE_FAILED', 'Received FAILURE signal with UniqueId i-9']);

    await cfn.send(new CreateStackCommand({ StackName: 'policy-timeout', TemplateBody: policyTemplate(1) }));
    await whenCreating('policy-timeout', 'Ready');
    await warpUntilSettled('policy-timeout', 10 * 60_000 + 1000);
    expect((await settled(cfn, 'policy-timeout')).StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(await eventLog(cfn, 'policy-timeout')).toContainEqual(['Ready', 'CREATE_FAILED', 'Failed to receive 1 resource signal(s) within the specified duration']);
  });

  it('refuses signals for stacks and resources that do not exist or do not wait', async () => {
    await expectAwsError(cfn.send(new SignalResourceCommand({ StackName: 'no-such-stack', LogicalResourceId: 'Ready', UniqueId: '1', Status: 'SUCCESS' })), {
      code: 'ValidationError',
      status: 400,
      message: 'Stack with id no-such-stack does not exist',
    });
    await cfn.send(new CreateStackCommand({ StackName: 'policy-other', TemplateBody: policyTemplate(1) }));
    await whenCreating('policy-other', 'Ready');
    await expectAwsError(cfn.send(new SignalResourceCommand({ StackName: 'policy-other', LogicalResourceId: 'Missing', UniqueId: '1', Status: 'SUCCESS' })), {
      code: 'ValidationError',
      status: 400,
      message: 'Resource Missing does not exist for stack policy-other',
    });
    await cfn.send(new SignalResourceCommand({ StackName: 'policy-other', LogicalResourceId: 'Ready', UniqueId: '1', Status: 'SUCCESS' }));
    expect((await settled(cfn, 'policy-other')).StackStatus).toBe('CREATE_COMPLETE');
  });
});
