/**
 * CloudFormation change sets end to end with the SDK and the aws CLI: a CREATE change set making a
 * stack in review and executing it, an UPDATE change set showing AWS's Action / Replacement / Scope
 * / Details (with property values on request) before it runs, other change sets of the stack
 * becoming OBSOLETE, "no changes", the waiter, paging, `aws cloudformation deploy
 * --no-execute-changeset` then `execute-change-set`, and the refusals AWS answers.
 */
import {
  type Change,
  CloudFormationClient,
  CreateChangeSetCommand,
  type CreateChangeSetCommandInput,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
  ListStackResourcesCommand,
  waitUntilChangeSetCreateComplete,
} from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { parametersTemplate, resourcesOf, settled } from './cloudformation-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);
const ssm = () => new SSMClient(server.clientConfig);

const NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set.";

const template = (resources: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({ Resources: resources, ...extra });
const parameter = (properties: Record<string, unknown>) => ({ Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', ...properties } });

const app = (prefix: string) => ({
  Parameters: { Greeting: { Type: 'String' } },
  Resources: {
    Named: parameter({ Name: `/${prefix}/named`, Value: { Ref: 'Greeting' } }),
    Plain: parameter({ Value: 'plain' }),
    Pointer: parameter({ Value: { 'Fn::GetAtt': ['Named', 'Value'] } }),
    Metadata: { Type: 'AWS::CDK::Metadata', Properties: { Analytics: 'v2:deflate64:H4sIAAAAAAAA' } },
  },
  Outputs: { MetadataId: { Value: { Ref: 'Metadata' } } },
});

async function createChangeSet(input: CreateChangeSetCommandInput): Promise<DescribeChangeSetCommandOutput> {
  const client = cfn();
  const { Id } = await client.send(new CreateChangeSetCommand(input));
  return client.send(new DescribeChangeSetCommand({ ChangeSetName: Id }));
}

const byLogicalId = (changes: Change[] | undefined) => Object.fromEntries((changes ?? []).map((change) => [change.ResourceChange!.LogicalResourceId!, change.ResourceChange!]));

describe('CloudFormation change sets', () => {
  it('a CREATE change set makes the stack in REVIEW_IN_PROGRESS with nothing created; executing it creates the stack', async () => {
    const client = cfn();
    const created = await client.send(
      new CreateChangeSetCommand({
        StackName: 'cs-create',
        ChangeSetName: 'first',
        ChangeSetType: 'CREATE',
        TemplateBody: JSON.stringify(app('cs')),
        Parameters: [{ ParameterKey: 'Greeting', ParameterValue: 'hello' }],
        Description: 'the first one',
        Tags: [{ Key: 'team', Value: 'blue' }],
        IncludeNestedStacks: true,
      }),
    );
    expect(created.Id).toMatch(/^arn:aws:cloudformation:us-east-1:\d{12}:changeSet\/first\/[0-9a-f-]{36}$/);
    const waited = await waitUntilChangeSetCreateComplete({ client, maxWaitTime: 60 }, { ChangeSetName: 'first', StackName: 'cs-create' });
    expect(waited.state).toBe('SUCCESS');

    const [stack] = (await client.send(new DescribeStacksCommand({ StackName: 'cs-create' }))).Stacks!;
    expect(stack).toMatchObject({ StackId: created.StackId, StackStatus: 'REVIEW_IN_PROGRESS', StackStatusReason: 'User Initiated' });
    expect((await client.send(new ListStackResourcesCommand({ StackName: 'cs-create' }))).StackResourceSummaries).toEqual([]);

    const described = await client.send(new DescribeChangeSetCommand({ ChangeSetName: 'first', StackName: 'cs-create' }));
    expect(described).toMatchObject({
      ChangeSetName: 'first',
      ChangeSetId: created.Id,
      StackId: created.StackId,
      StackName: 'cs-create',
      Description: 'the first one',
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      Parameters: [{ ParameterKey: 'Greeting', ParameterValue: 'hello' }],
      Tags: [{ Key: 'team', Value: 'blue' }],
      NotificationARNs: [],
      Capabilities: [],
      IncludeNestedStacks: true,
    });
    expect(described.Changes).toEqual(
      ['Named', 'Plain', 'Pointer', 'Metadata'].map((id) => ({
        Type: 'Resource',
        ResourceChange: { Action: 'Add', LogicalResourceId: id, ResourceType: id === 'Metadata' ? 'AWS::CDK::Metadata' : 'AWS::SSM::Parameter', Scope: [], Details: [] },
      })),
    );
    await expectAwsError(ssm().send(new GetParameterCommand({ Name: '/cs/named' })), { code: 'ParameterNotFound', status: 400 });

    // A second CREATE change set for the stack in review is allowed; executing the first makes it OBSOLETE.
    await client.send(new CreateChangeSetCommand({ StackName: 'cs-create', ChangeSetName: 'second', ChangeSetType: 'CREATE', TemplateBody: parametersTemplate({ Only: 'one' }) }));
    const summaries = (await client.send(new ListChangeSetsCommand({ StackName: 'cs-create' }))).Summaries!;
    expect(summaries.map((s) => [s.ChangeSetName, s.Status, s.ExecutionStatus])).toEqual([
      ['first', 'CREATE_COMPLETE', 'AVAILABLE'],
      ['second', 'CREATE_COMPLETE', 'AVAILABLE'],
    ]);

    await client.send(new ExecuteChangeSetCommand({ ChangeSetName: 'first', StackName: 'cs-create', ClientRequestToken: 'run-1' }));
    const done = await settled(client, 'cs-create');
    expect(done).toMatchObject({ StackStatus: 'CREATE_COMPLETE', Tags: [{ Key: 'team', Value: 'blue' }] });
    expect(done.Outputs?.[0]?.OutputValue).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((await ssm().send(new GetParameterCommand({ Name: '/cs/named' }))).Parameter?.Value).toBe('hello');
    expect(Object.keys(await resourcesOf(client, 'cs-create'))).toEqual(['Named', 'Plain', 'Pointer', 'Metadata']);

    const after = (await client.send(new ListChangeSetsCommand({ StackName: 'cs-create' }))).Summaries!;
    expect(after.map((s) => [s.ChangeSetName, s.ExecutionStatus])).toEqual([
      ['first', 'EXECUTE_COMPLETE'],
      ['second', 'OBSOLETE'],
    ]);
    await expectAwsError(client.send(new ExecuteChangeSetCommand({ ChangeSetName: 'second', StackName: 'cs-create' })), {
      code: 'InvalidChangeSetStatus',
      status: 400,
      message: `ChangeSet [${after[1]!.ChangeSetId}] cannot be executed in its current execution status of [OBSOLETE]`,
    });
    await expectAwsError(client.send(new CreateChangeSetCommand({ StackName: 'cs-create', ChangeSetName: 'again', ChangeSetType: 'CREATE', TemplateBody: parametersTemplate({ A: 'a' }) })), {
      code: 'ValidationError',
      status: 400,
      message: 'Stack [cs-create] already exists and cannot be created again with the changeSet [again].',
    });
  });

  it('an UPDATE change set shows Modify with Replacement, Scope and causes, Add and Remove, and property values on request, before anything runs', async () => {
    const client = cfn();
    await client.send(new CreateStackCommand({ StackName: 'cs-update', TemplateBody: JSON.stringify(app('up')), Parameters: [{ ParameterKey: 'Greeting', ParameterValue: 'hello' }] }));
    expect((await settled(client, 'cs-update')).StackStatus).toBe('CREATE_COMPLETE');
    const physical = await resourcesOf(client, 'cs-update');

    const next = {
      ...app('up'),
      Resources: {
        Named: parameter({ Name: '/up/renamed', Value: { Ref: 'Greeting' } }),
        Pointer: parameter({ Value: { 'Fn::GetAtt': ['Named', 'Value'] }, Description: 'now described' }),
        Metadata: app('up').Resources.Metadata,
        Added: parameter({ Value: 'new' }),
      },
    };
    const described = await createChangeSet({
      StackName: 'cs-update',
      ChangeSetName: 'rename',
      TemplateBody: JSON.stringify(next),
      Parameters: [{ ParameterKey: 'Greeting', UsePreviousValue: true }],
    });
    expect(described).toMatchObject({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', Parameters: [{ ParameterKey: 'Greeting', ParameterValue: 'hello' }] });
    const changes = byLogicalId(described.Changes);
    expect(Object.keys(changes)).toEqual(['Named', 'Pointer', 'Added', 'Plain']);
    expect(changes.Named).toEqual({
      Action: 'Modify',
      LogicalResourceId: 'Named',
      PhysicalResourceId: '/up/named',
      ResourceType: 'AWS::SSM::Parameter',
      Replacement: 'True',
      PolicyAction: 'ReplaceAndDelete',
      Scope: ['Properties'],
      Details: [{ Target: { Attribute: 'Properties', Name: 'Name', RequiresRecreation: 'Always' }, Evaluation: 'Static', ChangeSource: 'DirectModification' }],
    });
    expect(changes.Pointer).toMatchObject({ Action: 'Modify', Replacement: 'False', PhysicalResourceId: physical.Pointer!.PhysicalResourceId, Scope: ['Properties'] });
    // Named is replaced, so the value Pointer reads from it is known only once the update runs.
    expect(changes.Pointer!.Details).toEqual([
      { Target: { Attribute: 'Properties', Name: 'Value', RequiresRecreation: 'Never' }, Evaluation: 'Dynamic', ChangeSource: 'ResourceAttribute', CausingEntity: 'Named.Value' },
      { Target: { Attribute: 'Properties', Name: 'Description', RequiresRecreation: 'Never' }, Evaluation: 'Static', ChangeSource: 'DirectModification' },
    ]);
    expect(changes.Added).toEqual({ Action: 'Add', LogicalResourceId: 'Added', ResourceType: 'AWS::SSM::Parameter', Scope: [], Details: [] });
    expect(changes.Plain).toMatchObject({ Action: 'Remove', PhysicalResourceId: physical.Plain!.PhysicalResourceId, PolicyAction: 'Delete' });

    const withValues = byLogicalId((await client.send(new DescribeChangeSetCommand({ ChangeSetName: 'rename', StackName: 'cs-update', IncludePropertyValues: true }))).Changes);
    expect(withValues.Named!.Details![0]!.Target).toEqual({
      Attribute: 'Properties',
      Name: 'Name',
      RequiresRecreation: 'Always',
      Path: '/Properties/Name',
      BeforeValue: '/up/named',
      AfterValue: '/up/renamed',
      AttributeChangeType: 'Modify',
    });
    expect(JSON.parse(withValues.Named!.BeforeContext!)).toEqual({ Properties: { Type: 'String', Name: '/up/named', Value: 'hello' } });
    expect(JSON.parse(withValues.Named!.AfterContext!)).toEqual({ Properties: { Type: 'String', Name: '/up/renamed', Value: 'hello' } });
    expect(withValues.Pointer!.Details!.map((detail) => detail.Target)).toEqual([
      {
        Attribute: 'Properties',
        Name: 'Value',
        RequiresRecreation: 'Never',
        Path: '/Properties/Value',
        BeforeValue: 'hello',
        AfterValue: '{{changeSet:KNOWN_AFTER_APPLY}}',
        AttributeChangeType: 'Modify',
      },
      { Attribute: 'Properties', Name: 'Description', RequiresRecreation: 'Never', Path: '/Properties/Description', AfterValue: 'now described', AttributeChangeType: 'Add' },
    ]);
    expect(JSON.parse(withValues.Added!.AfterContext!)).toEqual({ Properties: { Type: 'String', Value: 'new' } });
    expect(withValues.Plain!.BeforeContext).toBeDefined();
    // Nothing ran: the stack and its resources are as they were.
    expect((await ssm().send(new GetParameterCommand({ Name: '/up/named' }))).Parameter?.Value).toBe('hello');
    expect((await settled(client, 'cs-update')).StackStatus).toBe('CREATE_COMPLETE');

    // A parameter change shows as a ParameterReference; executing "rename" makes this one OBSOLETE.
    const byParameter = await createChangeSet({ StackName: 'cs-update', ChangeSetName: 'greet', UsePreviousTemplate: true, Parameters: [{ ParameterKey: 'Greeting', ParameterValue: 'hi' }] });
    expect(byLogicalId(byParameter.Changes).Named!.Details).toEqual([
      { Target: { Attribute: 'Properties', Name: 'Value', RequiresRecreation: 'Never' }, Evaluation: 'Static', ChangeSource: 'ParameterReference', CausingEntity: 'Greeting' },
    ]);
    expect(byLogicalId(byParameter.Changes).Pointer).toMatchObject({ Action: 'Modify', Replacement: 'False' });

    await client.send(new ExecuteChangeSetCommand({ ChangeSetName: described.ChangeSetId! }));
    const executing = await client.send(new DescribeChangeSetCommand({ ChangeSetName: described.ChangeSetId! }));
    expect(['EXECUTE_IN_PROGRESS', 'EXECUTE_COMPLETE']).toContain(executing.ExecutionStatus);
    expect((await settled(client, 'cs-update')).StackStatus).toBe('UPDATE_COMPLETE');
    expect((await client.send(new DescribeChangeSetCommand({ ChangeSetName: described.ChangeSetId! }))).ExecutionStatus).toBe('EXECUTE_COMPLETE');
    expect((await client.send(new DescribeChangeSetCommand({ ChangeSetName: byParameter.ChangeSetId! }))).ExecutionStatus).toBe('OBSOLETE');
    expect((await ssm().send(new GetParameterCommand({ Name: '/up/renamed' }))).Parameter?.Value).toBe('hello');
    await expectAwsError(ssm().send(new GetParameterCommand({ Name: '/up/named' })), { code: 'ParameterNotFound', status: 400 });
    expect(Object.keys(await resourcesOf(client, 'cs-update')).sort()).toEqual(['Added', 'Metadata', 'Named', 'Pointer']);
  });

  it("a change set without changes FAILS with AWS's reason and cannot run; deleting it leaves it not found", async () => {
    const client = cfn();
    const body = parametersTemplate({ Same: 'same' });
    await client.send(new CreateStackCommand({ StackName: 'cs-same', TemplateBody: body }));
    await settled(client, 'cs-same');
    const described = await createChangeSet({ StackName: 'cs-same', ChangeSetName: 'nothing', TemplateBody: body });
    expect(described).toMatchObject({ Status: 'FAILED', StatusReason: NO_CHANGES, ExecutionStatus: 'UNAVAILABLE', Changes: [] });
    const waited = await waitUntilChangeSetCreateComplete({ client, maxWaitTime: 60 }, { ChangeSetName: described.ChangeSetId! }).catch((err: Error) => err);
    expect(String(waited)).toContain('FAILURE');
    await expectAwsError(client.send(new ExecuteChangeSetCommand({ ChangeSetName: described.ChangeSetId! })), {
      code: 'InvalidChangeSetStatus',
      status: 400,
      message: `ChangeSet [${described.ChangeSetId}] cannot be executed in its current status of [FAILED]`,
    });
    // The same request again is the same change set (CreateChangeSet is idempotent); a different one under the name is refused.
    const again = await client.send(new CreateChangeSetCommand({ StackName: 'cs-same', ChangeSetName: 'nothing', TemplateBody: body }));
    expect(again.Id).toBe(described.ChangeSetId);
    await expectAwsError(client.send(new CreateChangeSetCommand({ StackName: 'cs-same', ChangeSetName: 'nothing', TemplateBody: parametersTemplate({ Same: 'other' }) })), {
      code: 'AlreadyExistsException',
      status: 400,
      message: 'ChangeSet nothing cannot be created due to a mismatch with existing attribute Template',
    });

    await client.send(new DeleteChangeSetCommand({ ChangeSetName: 'nothing', StackName: 'cs-same' }));
    await expectAwsError(client.send(new DescribeChangeSetCommand({ ChangeSetName: described.ChangeSetId! })), {
      code: 'ChangeSetNotFound',
      status: 404,
      message: `ChangeSet [${described.ChangeSetId}] does not exist`,
    });
    expect((await client.send(new ListChangeSetsCommand({ StackName: 'cs-same' }))).Summaries).toEqual([]);
  });

  it('refuses what AWS refuses, writing nothing', async () => {
    const client = cfn();
    await expectAwsError(client.send(new CreateChangeSetCommand({ StackName: 'cs-missing', ChangeSetName: 'x', TemplateBody: parametersTemplate({ A: 'a' }) })), {
      code: 'ValidationError',
      status: 400,
      message: 'Stack [cs-missing] does not exist',
    });
    const role = template({ Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] } } } });
    await expectAwsError(client.send(new CreateChangeSetCommand({ StackName: 'cs-iam', ChangeSetName: 'x', ChangeSetType: 'CREATE', TemplateBody: role })), {
      code: 'InsufficientCapabilitiesException',
      status: 400,
      message: 'Requires capabilities : [CAPABILITY_IAM]',
    });
    // The refused CREATE change set made no stack.
    await expectAwsError(client.send(new DescribeStacksCommand({ StackName: 'cs-iam' })), { code: 'ValidationError', status: 400, message: 'Stack with id cs-iam does not exist' });
    await expectAwsError(
      client.send(new CreateChangeSetCommand({ StackName: 'cs-iam', ChangeSetName: 'x', ChangeSetType: 'CREATE', TemplateBody: '{"Resources": {"A": {"Type": "AWS::Nope::Thing"}}}' })),
      {
        code: 'ValidationError',
        status: 400,
      },
    );
    await expectAwsError(client.send(new DescribeChangeSetCommand({ ChangeSetName: 'x' })), {
      code: 'ValidationError',
      status: 400,
      message: 'StackName must be specified if ChangeSetName is not specified as an ARN.',
    });
    await expectAwsError(client.send(new DescribeChangeSetCommand({ ChangeSetName: 'x', StackName: 'somestack' })), {
      code: 'ValidationError',
      status: 400,
      message: 'Stack [somestack] does not exist',
    });
    await expectAwsError(client.send(new DeleteChangeSetCommand({ ChangeSetName: 'x', StackName: 'nostack' })), { code: 'ValidationError', status: 400, message: 'Stack [nostack] does not exist' });
    await expectAwsError(client.send(new ListChangeSetsCommand({ StackName: 'nostack' })), { code: 'ValidationError', status: 400, message: 'Stack [nostack] does not exist' });
    await expectAwsError(client.send(new ExecuteChangeSetCommand({ ChangeSetName: 'arn:aws:cloudformation:us-east-1:000000000000:changeSet/x/00000000-0000-0000-0000-000000000000' })), {
      code: 'ChangeSetNotFound',
      status: 404,
    });
    await expectAwsError(client.send(new CreateChangeSetCommand({ StackName: 'cs-bad', ChangeSetName: '1bad', ChangeSetType: 'CREATE', TemplateBody: parametersTemplate({ A: 'a' }) })), {
      code: 'ValidationError',
      status: 400,
    });

    const { StackId } = await client.send(new CreateChangeSetCommand({ StackName: 'cs-review', ChangeSetName: 'x', ChangeSetType: 'CREATE', TemplateBody: parametersTemplate({ A: 'a' }) }));
    await expectAwsError(client.send(new DescribeChangeSetCommand({ ChangeSetName: 'y', StackName: 'cs-review' })), {
      code: 'ChangeSetNotFound',
      status: 404,
      message: 'ChangeSet [y] does not exist',
    });
    await expectAwsError(client.send(new CreateChangeSetCommand({ StackName: 'cs-review', ChangeSetName: 'u', TemplateBody: parametersTemplate({ A: 'a' }) })), {
      code: 'ValidationError',
      status: 400,
      message: 'Stack [cs-review] does not exist',
    });
    // A stack in review can be deleted; its change sets go with it.
    await client.send(new DeleteStackCommand({ StackName: 'cs-review' }));
    expect((await settled(client, StackId!)).StackStatus).toBe('DELETE_COMPLETE');
  });

  it('refuses DisableRollback on executing a change set made with OnStackFailure, in AWS words', async () => {
    const client = cfn();
    await client.send(new CreateChangeSetCommand({ StackName: 'cs-onfailure', ChangeSetName: 'x', ChangeSetType: 'CREATE', OnStackFailure: 'DELETE', TemplateBody: parametersTemplate({ A: 'a' }) }));
    await expectAwsError(client.send(new ExecuteChangeSetCommand({ StackName: 'cs-onfailure', ChangeSetName: 'x', DisableRollback: true })), {
      code: 'ValidationError',
      status: 400,
      message: 'Either DisableRollback or OnStackFailure can be specified, but not both. Validation error as OnStackFailure parameter was specified during CreateChangeSet.',
    });
    // The change set is still there to execute without it.
    await client.send(new ExecuteChangeSetCommand({ StackName: 'cs-onfailure', ChangeSetName: 'x' }));
    expect((await settled(client, 'cs-onfailure')).StackStatus).toBe('CREATE_COMPLETE');
  });

  it('a change set on a 100-resource stack is complete at once, and its changes come in pages', async () => {
    const client = cfn();
    const values = (value: string) => Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`P${i}`, `${value}${i}`]));
    await client.send(new CreateStackCommand({ StackName: 'cs-big', TemplateBody: parametersTemplate(values('a')) }));
    expect((await settled(client, 'cs-big')).StackStatus).toBe('CREATE_COMPLETE');
    const started = performance.now();
    const { Id } = await client.send(new CreateChangeSetCommand({ StackName: 'cs-big', ChangeSetName: 'all', TemplateBody: parametersTemplate(values('b')) }));
    const first = await client.send(new DescribeChangeSetCommand({ ChangeSetName: Id }));
    const elapsed = performance.now() - started;
    console.log(`change set on a 101-resource stack: CREATE_COMPLETE ${elapsed.toFixed(1)} ms after CreateChangeSet was sent`);
    expect(first.Status).toBe('CREATE_COMPLETE');
    expect(first.Changes).toHaveLength(100);
    const second = await client.send(new DescribeChangeSetCommand({ ChangeSetName: Id, NextToken: first.NextToken }));
    expect(second.Changes!.map((change) => change.ResourceChange!.LogicalResourceId)).toEqual(['P100']);
    expect(second.NextToken).toBeUndefined();
    await expectAwsError(client.send(new DescribeChangeSetCommand({ ChangeSetName: Id, NextToken: 'nonsense' })), { code: 'ValidationError', status: 400 });
  });

  it('aws cloudformation deploy --no-execute-changeset, then execute-change-set and wait stack-update-complete', async () => {
    const client = cfn();
    await client.send(new CreateStackCommand({ StackName: 'cs-cli', TemplateBody: parametersTemplate({ Kept: 'one' }) }));
    await settled(client, 'cs-cli');
    const file = `${server.dataDir}/cs-cli.json`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, parametersTemplate({ Kept: 'two' }));
    const { stdout } = await server.aws(['cloudformation', 'deploy', '--template-file', file, '--stack-name', 'cs-cli', '--no-execute-changeset']);
    const changeSetId = /describe-change-set --change-set-name (arn:\S+)/.exec(stdout)?.[1];
    expect(changeSetId, stdout).toBeDefined();
    expect((await settled(client, 'cs-cli')).StackStatus).toBe('CREATE_COMPLETE');
    await server.aws(['cloudformation', 'execute-change-set', '--change-set-name', changeSetId!]);
    await server.aws(['cloudformation', 'wait', 'stack-update-complete', '--stack-name', 'cs-cli']);
    const kept = (await resourcesOf(client, 'cs-cli')).Kept!.PhysicalResourceId!;
    expect((await ssm().send(new GetParameterCommand({ Name: kept }))).Parameter?.Value).toBe('two');
  });

  it("GetTemplate answers a change set's template; CreateStack creates a stack a change set left in review, keeping its id", async () => {
    const client = cfn();
    const body = template({ Kept: parameter({ Value: 'reviewed' }) });
    const created = await client.send(new CreateChangeSetCommand({ StackName: 'cs-review', ChangeSetName: 'looked-at', ChangeSetType: 'CREATE', TemplateBody: body }));
    expect((await client.send(new GetTemplateCommand({ StackName: 'cs-review', ChangeSetName: 'looked-at' }))).TemplateBody).toBe(body);
    expect((await client.send(new GetTemplateCommand({ ChangeSetName: created.Id, TemplateStage: 'Processed' }))).TemplateBody).toBe(body);
    await expectAwsError(client.send(new GetTemplateCommand({ StackName: 'cs-review', ChangeSetName: 'other' })), {
      code: 'ChangeSetNotFound',
      status: 404,
      message: 'ChangeSet [other] does not exist',
    });

    const made = await client.send(new CreateStackCommand({ StackName: 'cs-review', TemplateBody: body }));
    expect(made.StackId).toBe(created.StackId);
    expect((await settled(client, 'cs-review')).StackStatus).toBe('CREATE_COMPLETE');
    expect((await client.send(new DescribeChangeSetCommand({ StackName: 'cs-review', ChangeSetName: 'looked-at' }))).ExecutionStatus).toBe('OBSOLETE');
    await expectAwsError(client.send(new CreateStackCommand({ StackName: 'cs-review', TemplateBody: body })), {
      code: 'AlreadyExistsException',
      status: 400,
      message: 'Stack [cs-review] already exists',
    });
  });
});
