/**
 * Nested stacks (AWS::CloudFormation::Stack from a TemplateURL in Drydock's S3) through their
 * parent: created with AWS's generated name, ParentId and RootId, parameters passed down and
 * outputs read with `Fn::GetAtt Child.Outputs.X`; updated and deleted with the parent; a failing
 * nested stack fails its parent, which rolls back, and the nested stack is deleted.
 */
import {
  CancelUpdateStackCommand,
  CloudFormationClient,
  ContinueUpdateRollbackCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteParameterCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { eventLog, eventsOf, resourcesOf, settled } from './cloudformation-helpers.js';

const server = useServer();
let cfn: CloudFormationClient;

const CHILD = {
  Parameters: { Value: { Type: 'String' } },
  Resources: { Param: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: { Ref: 'Value' } } } },
  Outputs: { ParamName: { Value: { Ref: 'Param' } }, Echo: { Value: { 'Fn::Sub': 'child says ${Value}' } } },
};

const FAILING_CHILD = {
  Parameters: { Value: { Type: 'String' } },
  Resources: {
    Good: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'fine' } },
    Bad: { Type: 'AWS::SSM::Parameter', DependsOn: 'Good', Properties: { Type: 'String', Value: 'x', Tier: 'Bogus' } },
  },
};

const templateUrl = (key: string) => `https://nested-templates.s3.amazonaws.com/${key}`;

const parentTemplate = (value: string, key = 'child.json') =>
  JSON.stringify({
    Resources: {
      Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: templateUrl(key), Parameters: { Value: value }, TimeoutInMinutes: 10 } },
    },
    Outputs: { ChildParam: { Value: { 'Fn::GetAtt': ['Child', 'Outputs.ParamName'] } }, Echo: { Value: { 'Fn::GetAtt': ['Child', 'Outputs.Echo'] } } },
  });

beforeAll(async () => {
  cfn = new CloudFormationClient(server.clientConfig);
  const s3 = new S3Client(server.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: 'nested-templates' }));
  await s3.send(new PutObjectCommand({ Bucket: 'nested-templates', Key: 'child.json', Body: JSON.stringify(CHILD) }));
  await s3.send(new PutObjectCommand({ Bucket: 'nested-templates', Key: 'failing.json', Body: JSON.stringify(FAILING_CHILD) }));
});

async function describeStack(nameOrId: string) {
  return (await cfn.send(new DescribeStacksCommand({ StackName: nameOrId }))).Stacks![0]!;
}

function outputsOf(stack: { Outputs?: { OutputKey?: string; OutputValue?: string }[] }): Record<string, string> {
  return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
}

async function parameterValue(name: string): Promise<string | undefined> {
  return (await new SSMClient(server.clientConfig).send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
}

describe('AWS::CloudFormation::Stack', () => {
  it('creates, updates and deletes a nested stack through its parent, with ParentId, RootId and its outputs', async () => {
    const { StackId: parentId } = await cfn.send(new CreateStackCommand({ StackName: 'parent', TemplateBody: parentTemplate('one') }));
    const parent = await settled(cfn, 'parent');
    expect(parent.StackStatus).toBe('CREATE_COMPLETE');
    const childId = (await resourcesOf(cfn, 'parent')).Child!.PhysicalResourceId!;
    const child = await describeStack(childId);
    expect(child).toMatchObject({ StackId: childId, StackStatus: 'CREATE_COMPLETE', ParentId: parentId, RootId: parentId });
    expect(child.StackName).toMatch(/^parent-Child-[A-Z0-9]{12}$/);
    expect(parent.ParentId).toBeUndefined();
    const outputs = outputsOf(parent);
    expect(outputs.Echo).toBe('child says one');
    expect(await parameterValue(outputs.ChildParam!)).toBe('one');

    await cfn.send(new UpdateStackCommand({ StackName: 'parent', TemplateBody: parentTemplate('two') }));
    const updated = await settled(cfn, 'parent');
    expect(updated.StackStatus).toBe('UPDATE_COMPLETE');
    expect((await describeStack(childId)).StackStatus).toBe('UPDATE_COMPLETE');
    expect(outputsOf(updated).Echo).toBe('child says two');
    expect(await parameterValue(outputs.ChildParam!)).toBe('two');

    await cfn.send(new DeleteStackCommand({ StackName: 'parent' }));
    expect((await settled(cfn, parentId!)).StackStatus).toBe('DELETE_COMPLETE');
    expect((await describeStack(childId)).StackStatus).toBe('DELETE_COMPLETE');
  });

  it('fails the parent when the nested stack fails to create; both roll back', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'parent-failing', TemplateBody: parentTemplate('x', 'failing.json') }));
    expect((await settled(cfn, 'parent-failing')).StackStatus).toBe('ROLLBACK_COMPLETE');
    const failed = (await eventLog(cfn, 'parent-failing')).find(([id, status]) => id === 'Child' && status === 'CREATE_FAILED');
    expect(failed?.[2]).toMatch(
      /^Embedded stack arn:aws:cloudformation:us-east-1:000000000000:stack\/parent-failing-Child-[A-Z0-9]{12}\/[0-9a-f-]+ was not successfully created: The following resource\(s\) failed to create: \[Bad\]\.$/,
    );
    const childId = /Embedded stack (\S+)/.exec(failed![2]!)![1]!;
    const child = await describeStack(childId);
    expect(child.StackStatus).toBe('DELETE_COMPLETE');
    const childLog = await eventLog(cfn, childId);
    // The failed nested stack stays CREATE_FAILED until the parent's rollback deletes it.
    const childStatuses = childLog.filter(([id]) => id === child.StackName).map(([, status]) => status);
    expect(childStatuses).toEqual(['CREATE_IN_PROGRESS', 'CREATE_FAILED', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    expect(childLog).toContainEqual(['Good', 'DELETE_COMPLETE', undefined]);
    const parentLog = (await eventsOf(cfn, 'parent-failing')).filter((e) => e.LogicalResourceId === 'Child' || e.LogicalResourceId === 'parent-failing');
    expect(parentLog.map((e) => [e.LogicalResourceId, e.ResourceStatus, e.PhysicalResourceId || undefined])).toEqual([
      ['parent-failing', 'CREATE_IN_PROGRESS', expect.any(String)],
      ['Child', 'CREATE_IN_PROGRESS', undefined],
      ['Child', 'CREATE_IN_PROGRESS', childId],
      ['Child', 'CREATE_FAILED', childId],
      ['parent-failing', 'ROLLBACK_IN_PROGRESS', expect.any(String)],
      ['Child', 'DELETE_IN_PROGRESS', childId],
      ['Child', 'DELETE_COMPLETE', childId],
      ['parent-failing', 'ROLLBACK_COMPLETE', expect.any(String)],
    ]);
  });

  it('rolls the parent update back when the nested stack update fails', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'parent-rollback', TemplateBody: parentTemplate('one') }));
    expect((await settled(cfn, 'parent-rollback')).StackStatus).toBe('CREATE_COMPLETE');
    await cfn.send(new UpdateStackCommand({ StackName: 'parent-rollback', TemplateBody: parentTemplate('two', 'failing.json') }));
    const rolledBack = await settled(cfn, 'parent-rollback');
    expect(rolledBack.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(outputsOf(rolledBack).Echo).toBe('child says one');
    const childId = (await resourcesOf(cfn, 'parent-rollback')).Child!.PhysicalResourceId!;
    const child = await describeStack(childId);
    expect(child.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(outputsOf(child).Echo).toBe('child says one');
    const failed = (await eventLog(cfn, 'parent-rollback')).find(([id, status]) => id === 'Child' && status === 'UPDATE_FAILED');
    expect(failed?.[2]).toBe(`Embedded stack ${childId} was not successfully updated. Currently in UPDATE_ROLLBACK_IN_PROGRESS with reason: The following resource(s) failed to create: [Bad].`);
  });

  it('rolls back a nested stack whose update succeeded when the parent update fails after it', async () => {
    const withBadSibling = (value: string, bad: boolean) => {
      const template = JSON.parse(parentTemplate(value));
      if (bad) template.Resources.Bad = { Type: 'AWS::SSM::Parameter', DependsOn: 'Child', Properties: { Type: 'String', Value: 'x', Tier: 'Bogus' } };
      return JSON.stringify(template);
    };
    await cfn.send(new CreateStackCommand({ StackName: 'parent-sibling', TemplateBody: withBadSibling('one', false) }));
    const created = await settled(cfn, 'parent-sibling');
    expect(created.StackStatus).toBe('CREATE_COMPLETE');
    const childId = (await resourcesOf(cfn, 'parent-sibling')).Child!.PhysicalResourceId!;
    const childName = (await describeStack(childId)).StackName!;
    await cfn.send(new UpdateStackCommand({ StackName: 'parent-sibling', TemplateBody: withBadSibling('two', true) }));
    expect((await settled(cfn, 'parent-sibling')).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const child = await describeStack(childId);
    expect(child.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(outputsOf(child).Echo).toBe('child says one');
    expect(await parameterValue(outputsOf(created).ChildParam!)).toBe('one');
    // The nested update held for the parent's decision, then rolled back: it never completed.
    const childStatuses = (await eventLog(cfn, childId)).filter(([id]) => id === childName).map(([, status]) => status);
    expect(childStatuses).toEqual([
      'CREATE_IN_PROGRESS',
      'CREATE_COMPLETE',
      'UPDATE_IN_PROGRESS',
      'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE',
    ]);
    const parentLog = (await eventLog(cfn, 'parent-sibling')).filter(([id]) => id === 'Child').map(([, status]) => status);
    expect(parentLog.slice(-4)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
  });

  it('cancels and rolls back a nested update still running when the parent update is cancelled', async () => {
    const s3 = new S3Client(server.clientConfig);
    const waiting = {
      ...CHILD,
      Resources: {
        ...CHILD.Resources,
        Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' },
        Wait: { Type: 'AWS::CloudFormation::WaitCondition', Properties: { Handle: { Ref: 'Handle' }, Timeout: '3600' } },
      },
    };
    await s3.send(new PutObjectCommand({ Bucket: 'nested-templates', Key: 'waiting.json', Body: JSON.stringify(waiting) }));
    await cfn.send(new CreateStackCommand({ StackName: 'parent-cancel', TemplateBody: parentTemplate('one') }));
    expect((await settled(cfn, 'parent-cancel')).StackStatus).toBe('CREATE_COMPLETE');
    const childId = (await resourcesOf(cfn, 'parent-cancel')).Child!.PhysicalResourceId!;
    await cfn.send(new UpdateStackCommand({ StackName: 'parent-cancel', TemplateBody: parentTemplate('two', 'waiting.json') }));
    // Until the nested stack's update waits on its handle.
    for (let polls = 0; polls < 500 && (await resourcesOf(cfn, childId)).Wait?.ResourceStatus !== 'CREATE_IN_PROGRESS'; polls++);
    await cfn.send(new CancelUpdateStackCommand({ StackName: 'parent-cancel' }));
    const rolledBack = await settled(cfn, 'parent-cancel');
    expect(rolledBack.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(outputsOf(rolledBack).Echo).toBe('child says one');
    const child = await describeStack(childId);
    expect(child.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(outputsOf(child).Echo).toBe('child says one');
    expect(Object.keys(await resourcesOf(cfn, childId))).toEqual(['Param']);
  });

  it('continues the rollback of a nested stack in UPDATE_ROLLBACK_FAILED when the parent continues its rollback', async () => {
    const s3 = new S3Client(server.clientConfig);
    const tiered = (tier: string) => ({ ...CHILD, Resources: { Param: { ...CHILD.Resources.Param, Properties: { ...CHILD.Resources.Param.Properties, Tier: tier } } } });
    await s3.send(new PutObjectCommand({ Bucket: 'nested-templates', Key: 'standard.json', Body: JSON.stringify(tiered('Standard')) }));
    await s3.send(new PutObjectCommand({ Bucket: 'nested-templates', Key: 'advanced.json', Body: JSON.stringify(tiered('Advanced')) }));
    const withBadSibling = (key: string, bad: boolean) => {
      const template = JSON.parse(parentTemplate('one', key));
      if (bad) template.Resources.Bad = { Type: 'AWS::SSM::Parameter', DependsOn: 'Child', Properties: { Type: 'String', Value: 'x', Tier: 'Bogus' } };
      return JSON.stringify(template);
    };
    await cfn.send(new CreateStackCommand({ StackName: 'parent-continue', TemplateBody: withBadSibling('standard.json', false) }));
    expect((await settled(cfn, 'parent-continue')).StackStatus).toBe('CREATE_COMPLETE');
    const childId = (await resourcesOf(cfn, 'parent-continue')).Child!.PhysicalResourceId!;
    // The nested update makes its parameter Advanced; rolling back to Standard is a downgrade SSM refuses.
    await cfn.send(new UpdateStackCommand({ StackName: 'parent-continue', TemplateBody: withBadSibling('advanced.json', true) }));
    const failed = await settled(cfn, 'parent-continue');
    expect(failed.StackStatus).toBe('UPDATE_ROLLBACK_FAILED');
    expect((await describeStack(childId)).StackStatus).toBe('UPDATE_ROLLBACK_FAILED');
    const childFailure = (await eventLog(cfn, 'parent-continue')).filter(([id, status]) => id === 'Child' && status === 'UPDATE_FAILED').at(-1);
    expect(childFailure?.[2]).toMatch(/^Embedded stack \S+ was not successfully updated\. Currently in UPDATE_ROLLBACK_FAILED with reason: /);

    // Once the cause is gone (the parameter deleted behind the stacks' backs), continuing the parent's rollback continues the nested one.
    const name = outputsOf(failed).ChildParam!;
    await new SSMClient(server.clientConfig).send(new DeleteParameterCommand({ Name: name }));
    await cfn.send(new ContinueUpdateRollbackCommand({ StackName: 'parent-continue' }));
    expect((await settled(cfn, 'parent-continue')).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect((await describeStack(childId)).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(await parameterValue(name)).toBe('one');
  });

  it('updates a nested stack whose template changed at the same TemplateURL, and leaves an unchanged one alone', async () => {
    const s3 = new S3Client(server.clientConfig);
    await s3.send(new PutObjectCommand({ Bucket: 'nested-templates', Key: 'mutable.json', Body: JSON.stringify(CHILD) }));
    const twoChildren = (description: string) => {
      const template = JSON.parse(parentTemplate('same', 'mutable.json'));
      template.Description = description;
      template.Resources.Steady = { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: templateUrl('child.json'), Parameters: { Value: 'steady' } } };
      return JSON.stringify(template);
    };
    await cfn.send(new CreateStackCommand({ StackName: 'parent-moving', TemplateBody: twoChildren('first') }));
    expect(outputsOf(await settled(cfn, 'parent-moving')).Echo).toBe('child says same');
    const changedChild = { ...CHILD, Outputs: { ...CHILD.Outputs, Echo: { Value: { 'Fn::Sub': 'child now says ${Value}' } } } };
    await s3.send(new PutObjectCommand({ Bucket: 'nested-templates', Key: 'mutable.json', Body: JSON.stringify(changedChild) }));
    await cfn.send(new UpdateStackCommand({ StackName: 'parent-moving', TemplateBody: twoChildren('second') }));
    const updated = await settled(cfn, 'parent-moving');
    expect(updated.StackStatus).toBe('UPDATE_COMPLETE');
    expect(outputsOf(updated).Echo).toBe('child now says same');
    const resources = await resourcesOf(cfn, 'parent-moving');
    const moving = await describeStack(resources.Child!.PhysicalResourceId!);
    expect(moving.StackStatus).toBe('UPDATE_COMPLETE');
    const movingStatuses = (await eventLog(cfn, moving.StackId!)).filter(([id]) => id === moving.StackName).map(([, status]) => status);
    expect(movingStatuses.slice(-3)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE']);
    // "No updates are to be performed." for the unchanged nested stack is quiet: it keeps its status.
    expect((await describeStack(resources.Steady!.PhysicalResourceId!)).StackStatus).toBe('CREATE_COMPLETE');
    // The parent completes after its nested stacks' cleanup.
    const parentDone = (await eventsOf(cfn, 'parent-moving')).at(-1)!;
    const movingDone = (await eventsOf(cfn, moving.StackId!)).at(-1)!;
    expect(parentDone.ResourceStatus).toBe('UPDATE_COMPLETE');
    expect(movingDone.Timestamp!.getTime()).toBeLessThanOrEqual(parentDone.Timestamp!.getTime());
  });
});
