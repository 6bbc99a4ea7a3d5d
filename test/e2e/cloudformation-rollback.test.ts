/**
 * CloudFormation update rollback end to end: a failed update restores the previous template,
 * parameters and resources (changed ones changed back, added ones deleted); a resource that
 * cannot be rolled back leaves UPDATE_ROLLBACK_FAILED, which ContinueUpdateRollback with
 * ResourcesToSkip recovers; DisableRollback stops at UPDATE_FAILED until RollbackStack; the
 * steering operations refuse the wrong states with AWS's errors.
 */
import {
  CancelUpdateStackCommand,
  CloudFormationClient,
  ContinueUpdateRollbackCommand,
  CreateStackCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  RollbackStackCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeParametersCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventLog, parameterValue, resourcesOf, settled, ssmParameter } from './cloudformation-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);
const ssm = () => new SSMClient(server.clientConfig);

describe('CloudFormation update rollback', () => {
  it('restores the previous template, parameters and resources when an update fails', async () => {
    const original = JSON.stringify({
      Parameters: { Greeting: { Type: 'String' } },
      Resources: { Changed: ssmParameter({ Name: '/rb/changed', Value: { Ref: 'Greeting' } }), Replaced: ssmParameter({ Name: '/rb/replaced-v1', Value: 'r' }) },
    });
    await cfn().send(new CreateStackCommand({ StackName: 'restorer', TemplateBody: original, Parameters: [{ ParameterKey: 'Greeting', ParameterValue: 'hello' }] }));
    await settled(cfn(), 'restorer');
    const failing = JSON.stringify({
      Parameters: { Greeting: { Type: 'String' } },
      Resources: {
        Changed: ssmParameter({ Name: '/rb/changed', Value: { Ref: 'Greeting' } }),
        Replaced: ssmParameter({ Name: '/rb/replaced-v2', Value: 'r' }),
        Added: ssmParameter({ Name: '/rb/added', Value: 'new' }),
        TooBig: ssmParameter({ Value: 'x'.repeat(4097) }, { DependsOn: ['Changed', 'Replaced', 'Added'] }),
      },
    });
    await cfn().send(new UpdateStackCommand({ StackName: 'restorer', TemplateBody: failing, Parameters: [{ ParameterKey: 'Greeting', ParameterValue: 'goodbye' }] }));
    const stack = await settled(cfn(), 'restorer');
    expect(stack.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(stack.Parameters).toEqual([{ ParameterKey: 'Greeting', ParameterValue: 'hello' }]);
    expect((await cfn().send(new GetTemplateCommand({ StackName: 'restorer' }))).TemplateBody).toBe(original);

    expect(await parameterValue(ssm(), '/rb/changed')).toBe('hello');
    expect(await parameterValue(ssm(), '/rb/replaced-v1')).toBe('r');
    await expectAwsError(ssm().send(new GetParameterCommand({ Name: '/rb/replaced-v2' })), { code: 'ParameterNotFound', status: 400 });
    await expectAwsError(ssm().send(new GetParameterCommand({ Name: '/rb/added' })), { code: 'ParameterNotFound', status: 400 });
    const resources = await resourcesOf(cfn(), 'restorer');
    expect(Object.keys(resources).sort()).toEqual(['Changed', 'Replaced']);
    expect(resources.Replaced?.PhysicalResourceId).toBe('/rb/replaced-v1');

    const log = await eventLog(cfn(), 'restorer');
    const statuses = log.filter(([id]) => id === 'restorer').map(([, status, reason]) => [status, reason]);
    expect(statuses.slice(-4)).toEqual([
      ['UPDATE_IN_PROGRESS', 'User Initiated'],
      ['UPDATE_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [TooBig].'],
      ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', undefined],
      ['UPDATE_ROLLBACK_COMPLETE', undefined],
    ]);
    const cleanup = log.findIndex(([id, status]) => id === 'restorer' && status === 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    expect(log.findIndex(([id, status]) => id === 'Added' && status === 'DELETE_COMPLETE')).toBeGreaterThan(cleanup);
  });

  it('reaches UPDATE_ROLLBACK_FAILED when a resource cannot go back, and ContinueUpdateRollback skips it', async () => {
    const tiered = (tier: string, extra: Record<string, unknown> = {}) => JSON.stringify({ Resources: { Tiered: ssmParameter({ Name: '/rb/tiered', Value: 'v', Tier: tier }), ...extra } });
    await cfn().send(new CreateStackCommand({ StackName: 'stuck', TemplateBody: tiered('Standard') }));
    await settled(cfn(), 'stuck');
    // Advanced is reached in place; going back to Standard is what SSM refuses.
    await cfn().send(new UpdateStackCommand({ StackName: 'stuck', TemplateBody: tiered('Advanced', { TooBig: ssmParameter({ Value: 'x'.repeat(8193) }, { DependsOn: 'Tiered' }) }) }));
    const failed = await settled(cfn(), 'stuck');
    expect(failed.StackStatus).toBe('UPDATE_ROLLBACK_FAILED');
    expect(failed.StackStatusReason).toBe('The following resource(s) failed to update: [Tiered].');
    const refusal = (await eventLog(cfn(), 'stuck')).filter(([id, status]) => id === 'Tiered' && status === 'UPDATE_FAILED').at(-1);
    expect(refusal?.[2]).toMatch(/can't downgrade a parameter from the advanced-parameter tier/);
    await expectAwsError(cfn().send(new UpdateStackCommand({ StackName: 'stuck', TemplateBody: tiered('Standard') })), {
      code: 'ValidationError',
      status: 400,
      message: `Stack:${failed.StackId} is in UPDATE_ROLLBACK_FAILED state and can not be updated.`,
    });
    await expectAwsError(cfn().send(new ContinueUpdateRollbackCommand({ StackName: 'stuck', ResourcesToSkip: ['Nope'] })), { code: 'ValidationError', status: 400 });

    await cfn().send(new ContinueUpdateRollbackCommand({ StackName: 'stuck', ResourcesToSkip: ['Tiered'] }));
    const recovered = await settled(cfn(), 'stuck');
    expect(recovered.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(Object.keys(await resourcesOf(cfn(), 'stuck'))).toEqual(['Tiered']);
    const described = await ssm().send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/rb/tiered'] }] }));
    expect(described.Parameters?.[0]?.Tier).toBe('Advanced');
    // Recovered, the stack takes updates again.
    await cfn().send(new UpdateStackCommand({ StackName: 'stuck', TemplateBody: tiered('Advanced', { Extra: ssmParameter({ Name: '/rb/extra', Value: 'e' }) }) }));
    expect((await settled(cfn(), 'stuck')).StackStatus).toBe('UPDATE_COMPLETE');
  });

  it('stops at UPDATE_FAILED with DisableRollback until RollbackStack', async () => {
    const body = (value: string, extra: Record<string, unknown> = {}) => JSON.stringify({ Resources: { P: ssmParameter({ Name: '/rb/held', Value: value }), ...extra } });
    await cfn().send(new CreateStackCommand({ StackName: 'held', TemplateBody: body('one') }));
    await settled(cfn(), 'held');
    await cfn().send(new UpdateStackCommand({ StackName: 'held', DisableRollback: true, TemplateBody: body('two', { Bad: ssmParameter({ Value: 'x'.repeat(4097) }, { DependsOn: 'P' }) }) }));
    const stopped = await settled(cfn(), 'held');
    expect(stopped.StackStatus).toBe('UPDATE_FAILED');
    expect(await parameterValue(ssm(), '/rb/held')).toBe('two');
    await expectAwsError(cfn().send(new CancelUpdateStackCommand({ StackName: 'held' })), {
      code: 'ValidationError',
      status: 400,
      message: 'CancelUpdateStack cannot be called from current stack status',
    });
    await cfn().send(new RollbackStackCommand({ StackName: 'held' }));
    expect((await settled(cfn(), 'held')).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(await parameterValue(ssm(), '/rb/held')).toBe('one');
    await expectAwsError(cfn().send(new RollbackStackCommand({ StackName: 'held' })), { code: 'ValidationError', status: 400 });
    await expectAwsError(cfn().send(new ContinueUpdateRollbackCommand({ StackName: 'held' })), { code: 'ValidationError', status: 400 });
    const { Stacks } = await cfn().send(new DescribeStacksCommand({ StackName: 'held' }));
    expect(Stacks?.[0]?.DisableRollback).toBe(true);
  });
});
