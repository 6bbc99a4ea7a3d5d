/**
 * Change sets on a parent with nested stacks: a nested stack whose properties did not change still
 * shows (ChangeSource Automatic); with IncludeNestedStacks each nested stack with changes gets its
 * own change set (ParentChangeSetId, RootChangeSetId, ChangeSetId on the parent's change), a
 * nested stack without changes gets none; executing the root runs them all, deleting the root
 * deletes them.
 */
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type ResourceChange,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { resourcesOf, settled } from './cloudformation-helpers.js';

const server = useServer();
let cfn: CloudFormationClient;
let s3: S3Client;

const child = (echo: string) => ({
  Parameters: { Value: { Type: 'String' } },
  Resources: { Param: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: { Ref: 'Value' } } } },
  Outputs: { ParamName: { Value: { Ref: 'Param' } }, Echo: { Value: { 'Fn::Sub': `${echo} \${Value}` } } },
});

const url = (key: string) => `https://nested-change-sets.s3.amazonaws.com/${key}`;

/** Changed: its Value parameter changes. Moving: same properties, its template changes at the URL. Steady: nothing changes. */
const parent = (changedValue: string) =>
  JSON.stringify({
    Resources: {
      Changed: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: url('changed.json'), Parameters: { Value: changedValue } } },
      Moving: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: url('moving.json'), Parameters: { Value: 'moving' } } },
      Steady: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: url('steady.json'), Parameters: { Value: 'steady' } } },
    },
    Outputs: { MovingEcho: { Value: { 'Fn::GetAtt': ['Moving', 'Outputs.Echo'] } }, ChangedParam: { Value: { 'Fn::GetAtt': ['Changed', 'Outputs.ParamName'] } } },
  });

beforeAll(async () => {
  cfn = new CloudFormationClient(server.clientConfig);
  s3 = new S3Client(server.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: 'nested-change-sets' }));
  for (const key of ['changed.json', 'moving.json', 'steady.json']) {
    await s3.send(new PutObjectCommand({ Bucket: 'nested-change-sets', Key: key, Body: JSON.stringify(child('says')) }));
  }
  await cfn.send(new CreateStackCommand({ StackName: 'cs-parent', TemplateBody: parent('one') }));
  expect((await settled(cfn, 'cs-parent')).StackStatus).toBe('CREATE_COMPLETE');
  await s3.send(new PutObjectCommand({ Bucket: 'nested-change-sets', Key: 'moving.json', Body: JSON.stringify(child('now says')) }));
});

function changesById(changes: { ResourceChange?: ResourceChange }[] | undefined): Record<string, ResourceChange> {
  return Object.fromEntries((changes ?? []).map((change) => [change.ResourceChange!.LogicalResourceId!, change.ResourceChange!]));
}

async function outputsOf(stackName: string): Promise<Record<string, string>> {
  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!;
  return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
}

describe('change sets of stacks with nested stacks', () => {
  it('shows a nested stack with unchanged properties as an Automatic Modify without IncludeNestedStacks', async () => {
    const { Id } = await cfn.send(new CreateChangeSetCommand({ StackName: 'cs-parent', ChangeSetName: 'flat', TemplateBody: parent('two') }));
    const described = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: Id }));
    expect(described.Status).toBe('CREATE_COMPLETE');
    const changes = changesById(described.Changes);
    expect(Object.keys(changes)).toEqual(['Changed', 'Moving', 'Steady']);
    expect(changes.Steady).toMatchObject({
      Action: 'Modify',
      ResourceType: 'AWS::CloudFormation::Stack',
      Replacement: 'False',
      Scope: ['Properties'],
      Details: [{ Target: { Attribute: 'Properties', RequiresRecreation: 'Never' }, Evaluation: 'Dynamic', ChangeSource: 'Automatic' }],
    });
    expect(changes.Changed!.Details).toContainEqual(expect.objectContaining({ ChangeSource: 'DirectModification', Target: expect.objectContaining({ Name: 'Parameters' }) }));
    expect(changes.Changed!.ChangeSetId).toBeUndefined();
    await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: Id }));
  });

  it('creates nested change sets with IncludeNestedStacks, executes them from the root and deletes them with it', async () => {
    const resources = await resourcesOf(cfn, 'cs-parent');
    const { Id: rootId, StackId: parentId } = await cfn.send(new CreateChangeSetCommand({ StackName: 'cs-parent', ChangeSetName: 'deep', TemplateBody: parent('two'), IncludeNestedStacks: true }));
    const root = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: rootId }));
    expect(root).toMatchObject({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', IncludeNestedStacks: true });
    expect(root.ParentChangeSetId).toBeUndefined();
    expect(root.RootChangeSetId).toBeUndefined();
    const changes = changesById(root.Changes);
    // Steady has no changes at all: no nested change set, and no entry.
    expect(Object.keys(changes)).toEqual(['Changed', 'Moving']);
    expect(changes.Changed!.ChangeSetId).toMatch(/^arn:aws:cloudformation:us-east-1:000000000000:changeSet\/deep-Changed-[A-Z0-9]{12}\/[0-9a-f-]+$/);
    expect(changes.Moving).toMatchObject({ Action: 'Modify', Details: [expect.objectContaining({ ChangeSource: 'Automatic' })] });

    const nested = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: changes.Changed!.ChangeSetId }));
    expect(nested).toMatchObject({
      StackId: resources.Changed!.PhysicalResourceId,
      ParentChangeSetId: rootId,
      RootChangeSetId: rootId,
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      IncludeNestedStacks: true,
    });
    expect(changesById(nested.Changes).Param).toMatchObject({ Action: 'Modify', Replacement: 'False' });
    expect(nested.Parameters).toEqual([{ ParameterKey: 'Value', ParameterValue: 'two' }]);
    const moving = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: changes.Moving!.ChangeSetId }));
    expect(moving.StackId).toBe(resources.Moving!.PhysicalResourceId);
    expect(moving.Changes).toEqual([]);

    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: rootId }));
    expect((await settled(cfn, parentId!)).StackStatus).toBe('UPDATE_COMPLETE');
    expect((await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: rootId }))).ExecutionStatus).toBe('EXECUTE_COMPLETE');
    expect((await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: nested.ChangeSetId }))).ExecutionStatus).toBe('EXECUTE_COMPLETE');
    const outputs = await outputsOf('cs-parent');
    expect(outputs.MovingEcho).toBe('now says moving');
    const ssm = new SSMClient(server.clientConfig);
    expect((await ssm.send(new GetParameterCommand({ Name: outputs.ChangedParam! }))).Parameter?.Value).toBe('two');
    const steady = (await cfn.send(new DescribeStacksCommand({ StackName: resources.Steady!.PhysicalResourceId }))).Stacks![0]!;
    expect(steady.StackStatus).toBe('CREATE_COMPLETE');

    const { Id: againId } = await cfn.send(new CreateChangeSetCommand({ StackName: 'cs-parent', ChangeSetName: 'again', TemplateBody: parent('three'), IncludeNestedStacks: true }));
    const again = changesById((await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: againId }))).Changes);
    await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: againId }));
    await expectAwsError(cfn.send(new DescribeChangeSetCommand({ ChangeSetName: again.Changed!.ChangeSetId })), {
      code: 'ChangeSetNotFoundException',
      status: 404,
      message: `ChangeSet [${again.Changed!.ChangeSetId}] does not exist`,
    });
  });

  it('creates a nested stack in REVIEW_IN_PROGRESS with its own CREATE change set, created when the root is executed', async () => {
    const template = JSON.stringify({
      Resources: { Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: url('steady.json'), Parameters: { Value: 'fresh' } } } },
      Outputs: { Echo: { Value: { 'Fn::GetAtt': ['Child', 'Outputs.Echo'] } } },
    });
    const { Id: rootId, StackId: parentId } = await cfn.send(
      new CreateChangeSetCommand({ StackName: 'cs-new', ChangeSetName: 'birth', ChangeSetType: 'CREATE', TemplateBody: template, IncludeNestedStacks: true }),
    );
    const root = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: rootId }));
    expect(root.Status).toBe('CREATE_COMPLETE');
    const change = changesById(root.Changes).Child!;
    expect(change).toMatchObject({ Action: 'Add', ResourceType: 'AWS::CloudFormation::Stack' });
    const nested = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: change.ChangeSetId }));
    expect(nested).toMatchObject({ ParentChangeSetId: rootId, RootChangeSetId: rootId, Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE' });
    expect(nested.StackName).toMatch(/^cs-new-Child-[A-Z0-9]{12}$/);
    expect(changesById(nested.Changes).Param).toMatchObject({ Action: 'Add', ResourceType: 'AWS::SSM::Parameter' });
    const review = (await cfn.send(new DescribeStacksCommand({ StackName: nested.StackId }))).Stacks![0]!;
    expect(review).toMatchObject({ StackStatus: 'REVIEW_IN_PROGRESS', ParentId: parentId, RootId: parentId });

    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: rootId }));
    expect((await settled(cfn, parentId!)).StackStatus).toBe('CREATE_COMPLETE');
    expect((await resourcesOf(cfn, 'cs-new')).Child!.PhysicalResourceId).toBe(nested.StackId);
    const created = (await cfn.send(new DescribeStacksCommand({ StackName: nested.StackId }))).Stacks![0]!;
    expect(created.StackStatus).toBe('CREATE_COMPLETE');
    expect((await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: nested.ChangeSetId }))).ExecutionStatus).toBe('EXECUTE_COMPLETE');
    expect((await outputsOf('cs-new')).Echo).toBe('says fresh');
  });
});
