/**
 * Resource import: an SQS queue and an SSM parameter made through their own APIs are imported
 * by IMPORT change sets into a new stack and into a running one, then changed through the stack;
 * AWS's refusals (no DeletionPolicy, other changes beside the import) and a resource that is not
 * there (the import rolls back).
 */
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventLog, resourcesOf, settled } from './cloudformation-helpers.js';

const server = useServer();
let cfn: CloudFormationClient;
let sqs: SQSClient;
let ssm: SSMClient;
beforeAll(() => {
  cfn = new CloudFormationClient(server.clientConfig);
  sqs = new SQSClient(server.clientConfig);
  ssm = new SSMClient(server.clientConfig);
});

const queue = (name: string, visibility: string, policy: string | undefined = 'Retain') => ({
  Type: 'AWS::SQS::Queue',
  ...(policy ? { DeletionPolicy: policy } : {}),
  Properties: { QueueName: name, VisibilityTimeout: visibility },
});
const parameter = (name: string, value: string) => ({ Type: 'AWS::SSM::Parameter', DeletionPolicy: 'Retain', Properties: { Name: name, Type: 'String', Value: value } });

async function importChangeSet(stackName: string, changeSetName: string, template: unknown, resources: { type: string; id: string; identifier: Record<string, string> }[]) {
  return cfn.send(
    new CreateChangeSetCommand({
      StackName: stackName,
      ChangeSetName: changeSetName,
      ChangeSetType: 'IMPORT',
      TemplateBody: JSON.stringify(template),
      ResourcesToImport: resources.map((r) => ({ ResourceType: r.type, LogicalResourceId: r.id, ResourceIdentifier: r.identifier })),
    }),
  );
}

describe('CloudFormation resource import', () => {
  it('imports a queue into a new stack and a parameter into it afterwards, then updates both through the stack', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'imported-queue', Attributes: { VisibilityTimeout: '30' } }));
    await ssm.send(new PutParameterCommand({ Name: '/imported/param', Type: 'String', Value: 'v1' }));

    const first = { Resources: { Queue: queue('imported-queue', '30') }, Outputs: { Arn: { Value: { 'Fn::GetAtt': ['Queue', 'Arn'] } } } };
    await importChangeSet('imports', 'take-queue', first, [{ type: 'AWS::SQS::Queue', id: 'Queue', identifier: { QueueUrl: QueueUrl! } }]);
    const described = await cfn.send(new DescribeChangeSetCommand({ StackName: 'imports', ChangeSetName: 'take-queue' }));
    expect(described.Status).toBe('CREATE_COMPLETE');
    expect(described.ExecutionStatus).toBe('AVAILABLE');
    expect(described.Changes?.[0]?.ResourceChange).toMatchObject({ Action: 'Import', LogicalResourceId: 'Queue', PhysicalResourceId: QueueUrl, ResourceType: 'AWS::SQS::Queue' });
    expect((await cfn.send(new DescribeStacksCommand({ StackName: 'imports' }))).Stacks?.[0]?.StackStatus).toBe('REVIEW_IN_PROGRESS');

    await cfn.send(new ExecuteChangeSetCommand({ StackName: 'imports', ChangeSetName: 'take-queue' }));
    const created = await settled(cfn, 'imports');
    expect(created.StackStatus).toBe('IMPORT_COMPLETE');
    expect(created.Outputs).toEqual([expect.objectContaining({ OutputKey: 'Arn', OutputValue: expect.stringMatching(/:sqs:.*:imported-queue$/) })]);
    expect((await resourcesOf(cfn, 'imports')).Queue).toMatchObject({ PhysicalResourceId: QueueUrl, ResourceStatus: 'IMPORT_COMPLETE' });
    const log = await eventLog(cfn, 'imports');
    expect(log.filter(([id]) => id === 'Queue')).toEqual([
      ['Queue', 'IMPORT_IN_PROGRESS', 'Resource import started.'],
      ['Queue', 'IMPORT_COMPLETE', 'Resource import completed.'],
    ]);
    expect(log.filter(([id]) => id === 'imports').map(([, status]) => status)).toEqual(['REVIEW_IN_PROGRESS', 'IMPORT_IN_PROGRESS', 'IMPORT_COMPLETE']);

    // Into the running stack: everything else exactly as it is.
    // The queue declared with its members in another order is the same declaration.
    const reordered = { Properties: { VisibilityTimeout: '30', QueueName: 'imported-queue' }, DeletionPolicy: 'Retain', Type: 'AWS::SQS::Queue' };
    const second = { ...first, Resources: { Queue: reordered, Param: parameter('/imported/param', 'v1') } };
    await importChangeSet('imports', 'take-param', second, [{ type: 'AWS::SSM::Parameter', id: 'Param', identifier: { Name: '/imported/param' } }]);
    await cfn.send(new ExecuteChangeSetCommand({ StackName: 'imports', ChangeSetName: 'take-param' }));
    expect((await settled(cfn, 'imports')).StackStatus).toBe('IMPORT_COMPLETE');
    expect((await resourcesOf(cfn, 'imports')).Param).toMatchObject({ PhysicalResourceId: '/imported/param', ResourceStatus: 'IMPORT_COMPLETE' });
    expect((await ssm.send(new GetParameterCommand({ Name: '/imported/param' }))).Parameter?.Version).toBe(1);

    const third = { ...second, Resources: { Queue: queue('imported-queue', '60'), Param: parameter('/imported/param', 'v2') } };
    await cfn.send(new UpdateStackCommand({ StackName: 'imports', TemplateBody: JSON.stringify(third) }));
    expect((await settled(cfn, 'imports')).StackStatus).toBe('UPDATE_COMPLETE');
    expect((await ssm.send(new GetParameterCommand({ Name: '/imported/param' }))).Parameter?.Value).toBe('v2');
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout'] }));
    expect(attributes.Attributes?.VisibilityTimeout).toBe('60');
  });

  it('refuses resources without DeletionPolicy, other changes beside the import and types import does not take, as AWS words it', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'no-policy-queue' }));
    const target = [{ type: 'AWS::SQS::Queue', id: 'Queue', identifier: { QueueUrl: QueueUrl! } }];
    await expectAwsError(importChangeSet('refused', 'cs', { Resources: { Queue: queue('no-policy-queue', '30', '') } }, target), {
      code: 'ValidationError',
      status: 400,
      message: 'The following resources to import [Queue] must have DeletionPolicy attribute specified in the template.',
    });
    const withExtra = { Resources: { Queue: queue('no-policy-queue', '30'), Other: parameter('/other', 'x') } };
    await expectAwsError(importChangeSet('refused', 'cs', withExtra, target), {
      code: 'ValidationError',
      status: 400,
      message: 'You have modified resources [Other] in your template that are not being imported. Update, create or delete operations cannot be executed during import operations.',
    });
    const permission = { Type: 'AWS::Lambda::Permission', DeletionPolicy: 'Retain', Properties: { Action: 'lambda:InvokeFunction', FunctionName: 'f', Principal: 's3.amazonaws.com' } };
    await expectAwsError(
      importChangeSet('refused', 'cs', { Resources: { Permission: permission, Widget: { Type: 'Custom::Widget', DeletionPolicy: 'Retain', Properties: { ServiceToken: 'x' } } } }, [
        { type: 'AWS::Lambda::Permission', id: 'Permission', identifier: { FunctionName: 'f', Id: 'p' } },
        { type: 'Custom::Widget', id: 'Widget', identifier: { Id: 'w' } },
      ]),
      { code: 'ValidationError', status: 400, message: 'ResourceTypes [AWS::Lambda::Permission, Custom::Widget] are not supported for Import' },
    );
  });

  it('rolls an import back when the resource does not exist, leaving the stack as it was', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'import-missing', TemplateBody: JSON.stringify({ Resources: { Kept: parameter('/kept', 'k') } }) }));
    expect((await settled(cfn, 'import-missing')).StackStatus).toBe('CREATE_COMPLETE');
    const template = { Resources: { Kept: parameter('/kept', 'k'), Missing: parameter('/missing', 'm') } };
    await importChangeSet('import-missing', 'cs', template, [{ type: 'AWS::SSM::Parameter', id: 'Missing', identifier: { Name: '/missing' } }]);
    await cfn.send(new ExecuteChangeSetCommand({ StackName: 'import-missing', ChangeSetName: 'cs' }));
    const stack = await settled(cfn, 'import-missing');
    expect(stack.StackStatus).toBe('IMPORT_ROLLBACK_COMPLETE');
    const log = await eventLog(cfn, 'import-missing');
    expect(log).toContainEqual(['Missing', 'IMPORT_FAILED', "Resource of type 'AWS::SSM::Parameter' with identifier '/missing' was not found."]);
    expect(log).toContainEqual(['import-missing', 'IMPORT_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to import: [Missing].']);
    expect(Object.keys(await resourcesOf(cfn, 'import-missing'))).toEqual(['Kept']);
  });
});
