/**
 * CloudFormation updates end to end: changes in place, replacement of a resource whose
 * immutable property changed (new one first, old one deleted in the cleanup, or kept by
 * UpdateReplacePolicy), resources added and removed, parameters with UsePreviousValue, "No
 * updates are to be performed.", stack policies, exports and imports across stacks.
 */
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  GetStackPolicyCommand,
  ListExportsCommand,
  ListImportsCommand,
  SetStackPolicyCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventLog, parameterValue, resourcesOf, settled, ssmParameter } from './cloudformation-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);
const ssm = () => new SSMClient(server.clientConfig);

function template(resources: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ Resources: resources, ...extra });
}

describe('CloudFormation updates', () => {
  it('changes in place, replaces on an immutable change, adds and removes, then cleans up', async () => {
    await cfn().send(
      new CreateStackCommand({
        StackName: 'evolving',
        TemplateBody: template({
          Mutable: ssmParameter({ Name: '/u/mutable', Value: 'v1' }),
          Renamed: ssmParameter({ Name: '/u/old-name', Value: 'same' }),
          Doomed: ssmParameter({ Name: '/u/doomed', Value: 'bye' }),
        }),
      }),
    );
    expect((await settled(cfn(), 'evolving')).StackStatus).toBe('CREATE_COMPLETE');
    const before = await resourcesOf(cfn(), 'evolving');

    await cfn().send(
      new UpdateStackCommand({
        StackName: 'evolving',
        TemplateBody: template({
          Mutable: ssmParameter({ Name: '/u/mutable', Value: 'v2' }),
          Renamed: ssmParameter({ Name: '/u/new-name', Value: 'same' }),
          Added: ssmParameter({ Name: '/u/added', Value: { 'Fn::GetAtt': ['Renamed', 'Value'] } }),
        }),
      }),
    );
    const stack = await settled(cfn(), 'evolving');
    expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
    expect(stack.LastUpdatedTime).toBeInstanceOf(Date);
    expect(await parameterValue(ssm(), '/u/mutable')).toBe('v2');
    expect(await parameterValue(ssm(), '/u/new-name')).toBe('same');
    expect(await parameterValue(ssm(), '/u/added')).toBe('same');
    await expectAwsError(ssm().send(new GetParameterCommand({ Name: '/u/old-name' })), { code: 'ParameterNotFound', status: 400 });
    await expectAwsError(ssm().send(new GetParameterCommand({ Name: '/u/doomed' })), { code: 'ParameterNotFound', status: 400 });

    const after = await resourcesOf(cfn(), 'evolving');
    expect(Object.keys(after).sort()).toEqual(['Added', 'Mutable', 'Renamed']);
    expect(after.Mutable?.PhysicalResourceId).toBe(before.Mutable?.PhysicalResourceId);
    expect(after.Renamed?.PhysicalResourceId).toBe('/u/new-name');

    const log = (await eventLog(cfn(), 'evolving')).slice((await eventLog(cfn(), 'evolving')).findIndex(([, status]) => status === 'UPDATE_IN_PROGRESS'));
    expect(log[0]).toEqual(['evolving', 'UPDATE_IN_PROGRESS', 'User Initiated']);
    expect(log).toContainEqual(['Renamed', 'UPDATE_IN_PROGRESS', 'Requested update requires the creation of a new physical resource; hence creating one.']);
    expect(log).toContainEqual(['Mutable', 'UPDATE_COMPLETE', undefined]);
    const cleanup = log.findIndex(([id, status]) => id === 'evolving' && status === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    const oldDeleted = log.findIndex(([id, status]) => id === 'Renamed' && status === 'DELETE_COMPLETE');
    const doomedDeleted = log.findIndex(([id, status]) => id === 'Doomed' && status === 'DELETE_COMPLETE');
    expect(cleanup).toBeGreaterThan(0);
    expect(oldDeleted).toBeGreaterThan(cleanup);
    expect(doomedDeleted).toBeGreaterThan(cleanup);
    expect(log.at(-1)).toEqual(['evolving', 'UPDATE_COMPLETE', undefined]);
  });

  it('keeps the old resource of a replacement under UpdateReplacePolicy Retain', async () => {
    await cfn().send(new CreateStackCommand({ StackName: 'keeper', TemplateBody: template({ P: ssmParameter({ Name: '/k/one', Value: 'v' }, { UpdateReplacePolicy: 'Retain' }) }) }));
    await settled(cfn(), 'keeper');
    await cfn().send(new UpdateStackCommand({ StackName: 'keeper', TemplateBody: template({ P: ssmParameter({ Name: '/k/two', Value: 'v' }, { UpdateReplacePolicy: 'Retain' }) }) }));
    expect((await settled(cfn(), 'keeper')).StackStatus).toBe('UPDATE_COMPLETE');
    expect(await parameterValue(ssm(), '/k/one')).toBe('v');
    expect(await parameterValue(ssm(), '/k/two')).toBe('v');
    expect(await eventLog(cfn(), 'keeper')).toContainEqual(['P', 'DELETE_SKIPPED', undefined]);
  });

  it('answers "No updates are to be performed." and takes previous parameter values', async () => {
    const body = JSON.stringify({
      Parameters: { Value: { Type: 'String' }, Other: { Type: 'String', Default: 'd' } },
      Resources: { P: ssmParameter({ Name: '/np/p', Value: { 'Fn::Join': ['-', [{ Ref: 'Value' }, { Ref: 'Other' }]] } }) },
    });
    await cfn().send(new CreateStackCommand({ StackName: 'steady', TemplateBody: body, Parameters: [{ ParameterKey: 'Value', ParameterValue: 'a' }] }));
    await settled(cfn(), 'steady');
    await expectAwsError(cfn().send(new UpdateStackCommand({ StackName: 'steady', UsePreviousTemplate: true, Parameters: [{ ParameterKey: 'Value', UsePreviousValue: true }] })), {
      code: 'ValidationError',
      status: 400,
      message: 'No updates are to be performed.',
    });
    await cfn().send(
      new UpdateStackCommand({
        StackName: 'steady',
        UsePreviousTemplate: true,
        Parameters: [
          { ParameterKey: 'Value', UsePreviousValue: true },
          { ParameterKey: 'Other', ParameterValue: 'e' },
        ],
      }),
    );
    expect((await settled(cfn(), 'steady')).StackStatus).toBe('UPDATE_COMPLETE');
    expect(await parameterValue(ssm(), '/np/p')).toBe('a-e');
    await expectAwsError(cfn().send(new UpdateStackCommand({ StackName: 'absent', UsePreviousTemplate: true })), {
      code: 'ValidationError',
      status: 400,
      message: 'Stack with id absent does not exist',
    });
  });

  it('enforces the stack policy during updates, and StackPolicyDuringUpdateBody overrides it once', async () => {
    await cfn().send(
      new CreateStackCommand({ StackName: 'guarded', TemplateBody: template({ Guarded: ssmParameter({ Name: '/g/guarded', Value: 'v1' }), Free: ssmParameter({ Name: '/g/free', Value: 'v1' }) }) }),
    );
    await settled(cfn(), 'guarded');
    const policy = {
      Statement: [
        { Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'Update:*', Principal: '*', Resource: 'LogicalResourceId/Guarded' },
      ],
    };
    await cfn().send(new SetStackPolicyCommand({ StackName: 'guarded', StackPolicyBody: JSON.stringify(policy) }));
    expect(JSON.parse((await cfn().send(new GetStackPolicyCommand({ StackName: 'guarded' }))).StackPolicyBody!)).toEqual(policy);

    await cfn().send(
      new UpdateStackCommand({ StackName: 'guarded', TemplateBody: template({ Guarded: ssmParameter({ Name: '/g/guarded', Value: 'v2' }), Free: ssmParameter({ Name: '/g/free', Value: 'v1' }) }) }),
    );
    expect((await settled(cfn(), 'guarded')).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(await eventLog(cfn(), 'guarded')).toContainEqual([
      'Guarded',
      'UPDATE_FAILED',
      'Action denied by stack policy: Statement [#1] does not allow [Update:Modify] for resource [LogicalResourceId/Guarded]',
    ]);
    expect(await parameterValue(ssm(), '/g/guarded')).toBe('v1');

    const allowAll = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' }] });
    await cfn().send(
      new UpdateStackCommand({
        StackName: 'guarded',
        TemplateBody: template({ Guarded: ssmParameter({ Name: '/g/guarded', Value: 'v2' }), Free: ssmParameter({ Name: '/g/free', Value: 'v1' }) }),
        StackPolicyDuringUpdateBody: allowAll,
      }),
    );
    expect((await settled(cfn(), 'guarded')).StackStatus).toBe('UPDATE_COMPLETE');
    expect(await parameterValue(ssm(), '/g/guarded')).toBe('v2');
    expect(JSON.parse((await cfn().send(new GetStackPolicyCommand({ StackName: 'guarded' }))).StackPolicyBody!)).toEqual(policy);
  });

  it('keeps exports unique and undeletable while imported', async () => {
    const exporter = (value: string, name = 'shared-name') =>
      template({ P: ssmParameter({ Name: '/x/exported', Value: value }) }, { Outputs: { Out: { Value: { Ref: 'P' }, Export: { Name: name } } } });
    await cfn().send(new CreateStackCommand({ StackName: 'exporter', TemplateBody: exporter('v') }));
    await settled(cfn(), 'exporter');
    await cfn().send(new CreateStackCommand({ StackName: 'importer', TemplateBody: template({ P: ssmParameter({ Name: '/x/imported', Value: { 'Fn::ImportValue': 'shared-name' } }) }) }));
    expect((await settled(cfn(), 'importer')).StackStatus).toBe('CREATE_COMPLETE');
    expect(await parameterValue(ssm(), '/x/imported')).toBe('/x/exported');

    const exports = await cfn().send(new ListExportsCommand({}));
    expect(exports.Exports).toContainEqual(expect.objectContaining({ Name: 'shared-name', Value: '/x/exported' }));
    expect((await cfn().send(new ListImportsCommand({ ExportName: 'shared-name' }))).Imports).toEqual(['importer']);
    await expectAwsError(cfn().send(new ListImportsCommand({ ExportName: 'nobody-imports' })), {
      code: 'ValidationError',
      status: 400,
      message: "Export 'nobody-imports' is not imported by any stack.",
    });

    await cfn().send(
      new CreateStackCommand({
        StackName: 'rival',
        TemplateBody: template({ P: ssmParameter({ Name: '/x/rival', Value: 'v' }) }, { Outputs: { Out: { Value: 'x', Export: { Name: 'shared-name' } } } }),
      }),
    );
    const rival = await settled(cfn(), 'rival');
    expect(rival.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(await eventLog(cfn(), 'rival')).toContainEqual(['rival', 'ROLLBACK_IN_PROGRESS', 'Export with name shared-name is already exported by stack exporter']);

    await cfn().send(new UpdateStackCommand({ StackName: 'exporter', TemplateBody: template({ P: ssmParameter({ Name: '/x/exported', Value: 'v' }) }) }));
    const refused = await settled(cfn(), 'exporter');
    expect(refused.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(await eventLog(cfn(), 'exporter')).toContainEqual(['exporter', 'UPDATE_ROLLBACK_IN_PROGRESS', 'Export shared-name cannot be deleted as it is in use by importer']);

    await cfn().send(new DeleteStackCommand({ StackName: 'exporter' }));
    const kept = await settled(cfn(), 'exporter');
    expect(kept.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect((await eventLog(cfn(), 'exporter')).at(-1)).toEqual(['exporter', 'UPDATE_ROLLBACK_COMPLETE', 'Export shared-name cannot be deleted as it is in use by importer']);
    await cfn().send(new DeleteStackCommand({ StackName: 'importer' }));
    await settled(cfn(), 'importer').catch(() => undefined);
    await cfn().send(new DeleteStackCommand({ StackName: 'exporter' }));
    expect((await settled(cfn(), refused.StackId as string)).StackStatus).toBe('DELETE_COMPLETE');
  });
});
