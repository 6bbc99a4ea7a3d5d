/**
 * CloudFormation stacks end to end with the SDK and the aws CLI: creation of real SSM parameters
 * through the engine, what DescribeStacks and the resource views report, AWS's event log, creation
 * failures rolling back (or not, per OnFailure), deletion with DeletionPolicy and termination
 * protection, and the bad input CreateStack refuses.
 */
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeAccountLimitsCommand,
  DescribeStackResourceCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStacksCommand,
  RollbackStackCommand,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventLog, eventsOf, parametersTemplate, resourcesOf, settled } from './cloudformation-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);
const ssm = () => new SSMClient(server.clientConfig);

const YAML_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Description: Two parameters, one naming the other
Parameters:
  Stage:
    Type: String
    Default: dev
  Secret:
    Type: String
    NoEcho: true
Resources:
  First:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub /app/\${Stage}/first
      Type: String
      Value: !Ref Secret
  Second:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Value: !Sub 'points at \${First}'
Outputs:
  FirstName:
    Description: the first parameter
    Value: !Ref First
  SecondType:
    Value: !GetAtt Second.Type
`;

describe('CloudFormation stacks', () => {
  it('creates SSM parameters in dependency order and reports the stack as AWS does', async () => {
    const { StackId } = await cfn().send(
      new CreateStackCommand({
        StackName: 'app',
        TemplateBody: YAML_TEMPLATE,
        Parameters: [{ ParameterKey: 'Secret', ParameterValue: 's3cret' }],
        Tags: [{ Key: 'team', Value: 'blue' }],
      }),
    );
    expect(StackId).toMatch(/^arn:aws:cloudformation:us-east-1:000000000000:stack\/app\/[0-9a-f-]{36}$/);
    const stack = await settled(cfn(), 'app');
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(stack.Description).toBe('Two parameters, one naming the other');
    expect(stack.Parameters).toEqual(
      expect.arrayContaining([
        { ParameterKey: 'Stage', ParameterValue: 'dev' },
        { ParameterKey: 'Secret', ParameterValue: '****' },
      ]),
    );
    expect(stack.Outputs).toEqual(
      expect.arrayContaining([
        { OutputKey: 'FirstName', OutputValue: '/app/dev/first', Description: 'the first parameter' },
        { OutputKey: 'SecondType', OutputValue: 'String' },
      ]),
    );
    expect(stack.Tags).toEqual([{ Key: 'team', Value: 'blue' }]);
    expect(stack.EnableTerminationProtection).toBe(false);
    expect(stack.DriftInformation?.StackDriftStatus).toBe('NOT_CHECKED');

    expect((await ssm().send(new GetParameterCommand({ Name: '/app/dev/first' }))).Parameter?.Value).toBe('s3cret');
    const resources = await resourcesOf(cfn(), 'app');
    expect(resources.First).toMatchObject({ PhysicalResourceId: '/app/dev/first', ResourceType: 'AWS::SSM::Parameter', ResourceStatus: 'CREATE_COMPLETE' });
    const second = resources.Second!.PhysicalResourceId!;
    expect(second).toMatch(/^CFN-Second-[A-Za-z0-9]{12}$/);
    expect((await ssm().send(new GetParameterCommand({ Name: second }))).Parameter?.Value).toBe('points at /app/dev/first');

    const log = await eventLog(cfn(), 'app');
    expect(log[0]).toEqual(['app', 'CREATE_IN_PROGRESS', 'User Initiated']);
    expect(log.at(-1)).toEqual(['app', 'CREATE_COMPLETE', undefined]);
    expect(log.filter(([id]) => id === 'First')).toEqual([
      ['First', 'CREATE_IN_PROGRESS', undefined],
      ['First', 'CREATE_IN_PROGRESS', 'Resource creation Initiated'],
      ['First', 'CREATE_COMPLETE', undefined],
    ]);
    // Second references First: it starts only once First is complete.
    const index = (entry: [string, string, string | undefined]) => log.findIndex(([id, status, reason]) => id === entry[0] && status === entry[1] && reason === entry[2]);
    expect(index(['Second', 'CREATE_IN_PROGRESS', undefined])).toBeGreaterThan(index(['First', 'CREATE_COMPLETE', undefined]));

    const detail = (await cfn().send(new DescribeStackResourceCommand({ StackName: 'app', LogicalResourceId: 'First' }))).StackResourceDetail!;
    expect(detail).toMatchObject({ StackName: 'app', StackId, PhysicalResourceId: '/app/dev/first', ResourceStatus: 'CREATE_COMPLETE' });
    const byPhysical = await cfn().send(new DescribeStackResourcesCommand({ PhysicalResourceId: second }));
    expect(byPhysical.StackResources?.map((r) => r.LogicalResourceId)).toEqual(['First', 'Second']);
    expect((await cfn().send(new GetTemplateCommand({ StackName: 'app' }))).TemplateBody).toBe(YAML_TEMPLATE);
  });

  it('reaches CREATE_COMPLETE for 20 resources before the CLI waiter first looks', async () => {
    const values = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`P${i}`, `value-${i}`]));
    await cfn().send(new CreateStackCommand({ StackName: 'twenty', TemplateBody: parametersTemplate(values) }));
    const started = Date.now();
    await server.aws(['cloudformation', 'wait', 'stack-create-complete', '--stack-name', 'twenty']);
    // The waiter sleeps 30 s between polls: returning sooner means its first describe saw CREATE_COMPLETE.
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(Object.values(await resourcesOf(cfn(), 'twenty')).every((r) => r.ResourceStatus === 'CREATE_COMPLETE')).toBe(true);
  });

  it('rolls back a creation that fails on a real SSM refusal, deleting what it made', async () => {
    await ssm().send(new PutParameterCommand({ Name: '/taken', Type: 'String', Value: 'already here' }));
    const template = JSON.stringify({
      Resources: {
        Fine: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/fine', Type: 'String', Value: 'v' } },
        Clash: { Type: 'AWS::SSM::Parameter', DependsOn: 'Fine', Properties: { Name: '/taken', Type: 'String', Value: 'v' } },
      },
    });
    await cfn().send(new CreateStackCommand({ StackName: 'clash', TemplateBody: template }));
    const stack = await settled(cfn(), 'clash');
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    const log = await eventLog(cfn(), 'clash');
    const failed = log.find(([id, status]) => id === 'Clash' && status === 'CREATE_FAILED');
    // SSM parameters are a registry type: AWS's handler refuses an existing name with its standard AlreadyExists message.
    expect(failed?.[2]).toMatch(
      /^Resource handler returned message: "Resource of type 'AWS::SSM::Parameter' with identifier '\/taken' already exists\." \(RequestToken: [0-9a-f-]{36}, HandlerErrorCode: AlreadyExists\)$/,
    );
    expect(log).toContainEqual(['clash', 'ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [Clash]. Rollback requested by user.']);
    expect(log).toContainEqual(['Fine', 'DELETE_COMPLETE', undefined]);
    expect(log.at(-1)).toEqual(['clash', 'ROLLBACK_COMPLETE', undefined]);
    await expectAwsError(ssm().send(new GetParameterCommand({ Name: '/fine' })), { code: 'ParameterNotFound', status: 400 });
    expect((await ssm().send(new GetParameterCommand({ Name: '/taken' }))).Parameter?.Value).toBe('already here');
    // A rolled-back stack can only be deleted.
    await cfn().send(new DeleteStackCommand({ StackName: 'clash' }));
    expect((await settled(cfn(), stack.StackId!)).StackStatus).toBe('DELETE_COMPLETE');
  });

  it('forgets the generated name a failed create meant to use: the failed resource has no physical id and nothing is deleted for it', async () => {
    const template = JSON.stringify({ Resources: { TooLong: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'x'.repeat(5000) } } } });
    await cfn().send(new CreateStackCommand({ StackName: 'generated-fails', TemplateBody: template }));
    expect((await settled(cfn(), 'generated-fails')).StackStatus).toBe('ROLLBACK_COMPLETE');
    const events = (await eventsOf(cfn(), 'generated-fails')).filter((event) => event.LogicalResourceId === 'TooLong');
    expect(events.map((event) => [event.ResourceStatus, event.PhysicalResourceId])).toEqual([
      ['CREATE_IN_PROGRESS', ''],
      ['CREATE_FAILED', ''],
      ['DELETE_IN_PROGRESS', ''],
      ['DELETE_COMPLETE', ''],
    ]);
  });

  it('stops at CREATE_FAILED with OnFailure DO_NOTHING, refuses an update as AWS does, and RollbackStack then rolls back', async () => {
    const template = JSON.stringify({
      Resources: {
        Kept: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/kept-for-now', Type: 'String', Value: 'v' } },
        TooBig: { Type: 'AWS::SSM::Parameter', DependsOn: 'Kept', Properties: { Type: 'String', Value: 'x'.repeat(4097) } },
      },
    });
    await cfn().send(new CreateStackCommand({ StackName: 'stays', TemplateBody: template, OnFailure: 'DO_NOTHING' }));
    const stack = await settled(cfn(), 'stays');
    expect(stack.StackStatus).toBe('CREATE_FAILED');
    expect(stack.StackStatusReason).toBe('The following resource(s) failed to create: [TooBig].');
    expect((await ssm().send(new GetParameterCommand({ Name: '/kept-for-now' }))).Parameter?.Value).toBe('v');
    await expectAwsError(cfn().send(new UpdateStackCommand({ StackName: 'stays', TemplateBody: template })), {
      code: 'ValidationError',
      status: 400,
      message: 'This stack cannot be updated from [CREATE_FAILED] state because it contains [on-failure: DO_NOTHING]. Please use disable-rollback option instead during stack creation.',
    });
    await cfn().send(new RollbackStackCommand({ StackName: 'stays' }));
    expect((await settled(cfn(), 'stays')).StackStatus).toBe('ROLLBACK_COMPLETE');
    await expectAwsError(ssm().send(new GetParameterCommand({ Name: '/kept-for-now' })), { code: 'ParameterNotFound', status: 400 });
  });

  it('fails a resource type Drydock has no provider for, and rolls back', async () => {
    const template = JSON.stringify({ Resources: { Net: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } } } });
    await cfn().send(new CreateStackCommand({ StackName: 'novpc', TemplateBody: template }));
    expect((await settled(cfn(), 'novpc')).StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(await eventLog(cfn(), 'novpc')).toContainEqual(['Net', 'CREATE_FAILED', 'Unsupported resource type: AWS::EC2::VPC']);
  });

  it('deletes a stack, keeping what DeletionPolicy Retain keeps, and lists it as deleted', async () => {
    const template = JSON.stringify({
      Resources: {
        Gone: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/gone', Type: 'String', Value: 'v' } },
        Kept: { Type: 'AWS::SSM::Parameter', DeletionPolicy: 'Retain', Properties: { Name: '/retained', Type: 'String', Value: 'v' } },
      },
    });
    const { StackId } = await cfn().send(new CreateStackCommand({ StackName: 'doomed', TemplateBody: template, EnableTerminationProtection: true }));
    await settled(cfn(), 'doomed');
    await expectAwsError(cfn().send(new DeleteStackCommand({ StackName: 'doomed' })), {
      code: 'ValidationError',
      status: 400,
      message: 'Stack [doomed] cannot be deleted while TerminationProtection is enabled',
    });
    await cfn().send(new UpdateTerminationProtectionCommand({ StackName: 'doomed', EnableTerminationProtection: false }));
    await cfn().send(new DeleteStackCommand({ StackName: 'doomed' }));
    const deleted = await settled(cfn(), StackId!);
    expect(deleted.StackStatus).toBe('DELETE_COMPLETE');
    expect(deleted.DeletionTime).toBeInstanceOf(Date);
    const log = await eventLog(cfn(), StackId!);
    expect(log).toContainEqual(['Kept', 'DELETE_SKIPPED', undefined]);
    expect(log).toContainEqual(['Gone', 'DELETE_COMPLETE', undefined]);
    await expectAwsError(ssm().send(new GetParameterCommand({ Name: '/gone' })), { code: 'ParameterNotFound', status: 400 });
    expect((await ssm().send(new GetParameterCommand({ Name: '/retained' }))).Parameter?.Value).toBe('v');
    await expectAwsError(cfn().send(new DescribeStacksCommand({ StackName: 'doomed' })), { code: 'ValidationError', status: 400, message: 'Stack with id doomed does not exist' });
    const listed = await cfn().send(new ListStacksCommand({ StackStatusFilter: ['DELETE_COMPLETE'] }));
    expect(listed.StackSummaries?.map((s) => s.StackId)).toContain(StackId);
    // Deleting again (or a stack that never was) is a quiet success, as AWS answers.
    await cfn().send(new DeleteStackCommand({ StackName: 'doomed' }));
    await cfn().send(new DeleteStackCommand({ StackName: 'never-was' }));
  });

  it('refuses bad CreateStack input with AWS errors and writes nothing', async () => {
    const body = parametersTemplate({ One: '1' });
    await cfn().send(new CreateStackCommand({ StackName: 'once', TemplateBody: body }));
    await expectAwsError(cfn().send(new CreateStackCommand({ StackName: 'once', TemplateBody: body })), { code: 'AlreadyExistsException', status: 400, message: 'Stack [once] already exists' });
    await expectAwsError(cfn().send(new CreateStackCommand({ StackName: '9lives', TemplateBody: body })), { code: 'ValidationError', status: 400, message: /failed to satisfy constraint/ });
    await expectAwsError(cfn().send(new CreateStackCommand({ StackName: 'nobody' })), { code: 'ValidationError', status: 400, message: 'Either Template URL or Template Body must be specified.' });
    await expectAwsError(cfn().send(new CreateStackCommand({ StackName: 'both', TemplateBody: body, OnFailure: 'DELETE', DisableRollback: true })), {
      code: 'ValidationError',
      status: 400,
      message: 'Either DisableRollback or OnFailure can be specified, not both.',
    });
    await expectAwsError(cfn().send(new CreateStackCommand({ StackName: 'badtemplate', TemplateBody: '{"Resources": ' })), { code: 'ValidationError', status: 400, message: /^Template format error/ });
    await expectAwsError(cfn().send(new CreateStackCommand({ StackName: 'iam', TemplateBody: JSON.stringify({ Resources: { R: { Type: 'AWS::IAM::User' } } }) })), {
      code: 'InsufficientCapabilitiesException',
      status: 400,
      message: 'Requires capabilities : [CAPABILITY_IAM]',
    });
    for (const name of ['nobody', 'both', 'badtemplate', 'iam', '9lives']) {
      await expectAwsError(cfn().send(new DescribeStacksCommand({ StackName: name })), { code: 'ValidationError', status: 400, message: `Stack with id ${name} does not exist` });
    }
    const limits = await cfn().send(new DescribeAccountLimitsCommand({}));
    expect(limits.AccountLimits).toContainEqual({ Name: 'StackLimit', Value: 2000 });
  });
});
