/**
 * Custom resources against real Node.js Lambda functions (invoked directly, or through an SNS
 * topic) that answer in cfn-response's shape with a fetch PUT to the ResponseURL: the request AWS sends (Create, Update with
 * OldResourceProperties, Delete; properties as strings), Data read by GetAtt, a FAILED response
 * rolling the stack back with AWS's reason, a failed update rolled back by an Update with the old
 * properties, an update answered with a new PhysicalResourceId
 * replacing the resource (the old one gets a Delete in the cleanup), and the response timeout
 * passed with the time warp.
 */
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, DescribeStacksCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { AddPermissionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { eventLog, resourcesOf, settled } from './cloudformation-helpers.js';
import { createActiveFunction, executionRole, NODE_RUNTIME, zipOf } from './lambda-helpers.js';

const server = useServer();
let cfn: CloudFormationClient;
let functionArn: string;

/** A custom resource handler as users write one: logs the request, answers SUCCESS or FAILED with fetch. */
const HANDLER = `
exports.handler = async (event) => {
  console.log('REQUEST ' + JSON.stringify(event));
  const props = event.ResourceProperties;
  if (props.Silent === 'always' || (props.Silent === 'yes' && event.RequestType !== 'Delete')) return;
  const old = event.OldResourceProperties || {};
  const renamed = event.RequestType === 'Create' || (event.RequestType === 'Update' && props.Name !== old.Name);
  const body = {
    Status: props.Fail === 'yes' && event.RequestType !== 'Delete' ? 'FAILED' : 'SUCCESS',
    Reason: props.Fail === 'yes' ? 'the widget broke' : 'ok',
    PhysicalResourceId: renamed ? 'widget-' + props.Name : event.PhysicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: { Greeting: 'hello ' + props.Name, Count: props.Count },
  };
  const response = await fetch(event.ResponseURL, { method: 'PUT', headers: { 'content-type': '' }, body: JSON.stringify(body) });
  console.log('RESPONSE ' + response.status);
};
`;

beforeAll(async () => {
  cfn = new CloudFormationClient(server.clientConfig);
  const role = await executionRole(server, 'custom-resource-role');
  const created = await createActiveFunction(new LambdaClient(server.clientConfig), {
    FunctionName: 'widget-provider',
    Runtime: NODE_RUNTIME,
    Handler: 'index.handler',
    Role: role,
    Code: { ZipFile: zipOf({ 'index.js': HANDLER }) },
  });
  functionArn = created.FunctionArn!;
});

type Request = Record<string, unknown> & { RequestType: string; ResourceProperties: Record<string, unknown> };

/** The requests the function logged, oldest first. */
async function requests(): Promise<Request[]> {
  const logs = new CloudWatchLogsClient(server.clientConfig);
  const out = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/widget-provider', filterPattern: '"REQUEST"' }));
  return (out.events ?? []).map((e) => JSON.parse(e.message!.slice(e.message!.indexOf('REQUEST ') + 8)) as Request);
}

async function waitForRequests(match: (all: Request[]) => boolean): Promise<Request[]> {
  const until = Date.now() + 15_000;
  for (;;) {
    const all = await requests().catch(() => []);
    if (match(all)) return all;
    if (Date.now() > until) throw new Error(`requests never matched: ${JSON.stringify(all)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Advances Drydock's clock a minute at a time (past a 60 s ServiceTimeout) until the stack settles; answers its status. */
async function settledPastTimeouts(stackName: string): Promise<string> {
  const until = Date.now() + 20_000;
  for (;;) {
    const status = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!.StackStatus!;
    if (!status.endsWith('_IN_PROGRESS')) return status;
    if (Date.now() > until) throw new Error(`the silent custom resource of ${stackName} never timed out`);
    await server.advanceClock(61000);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const widgetTemplate = (props: Record<string, unknown>, type = 'Custom::Widget') =>
  JSON.stringify({
    Resources: { Widget: { Type: type, Properties: { ServiceToken: functionArn, ...props } } },
    Outputs: { Greeting: { Value: { 'Fn::GetAtt': ['Widget', 'Greeting'] } }, Id: { Value: { Ref: 'Widget' } } },
  });

function outputsOf(stack: { Outputs?: { OutputKey?: string; OutputValue?: string }[] }): Record<string, string> {
  return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
}

describe('custom resources backed by Lambda or SNS', () => {
  it('creates, updates in place, replaces on a new physical id (Delete in the cleanup) and deletes, with the request AWS sends', async () => {
    const { StackId } = await cfn.send(new CreateStackCommand({ StackName: 'widgets', TemplateBody: widgetTemplate({ Name: 'a', Count: 3, Enabled: true }) }));
    const created = await settled(cfn, 'widgets', 30_000);
    expect(created.StackStatus).toBe('CREATE_COMPLETE');
    expect(outputsOf(created)).toEqual({ Greeting: 'hello a', Id: 'widget-a' });
    const [create] = await requests();
    expect(create).toMatchObject({
      RequestType: 'Create',
      ServiceToken: functionArn,
      StackId,
      LogicalResourceId: 'Widget',
      ResourceType: 'Custom::Widget',
      // CloudFormation hands every scalar to a custom resource as a string.
      ResourceProperties: { ServiceToken: functionArn, Name: 'a', Count: '3', Enabled: 'true' },
    });
    expect(create).not.toHaveProperty('PhysicalResourceId');
    expect(create!.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(create!.ResponseURL).toMatch(
      new RegExp(
        `^${server.url}/cloudformation-custom-resource-response-useast1/arn%3Aaws%3Acloudformation%3Aus-east-1%3A000000000000%3Astack%2Fwidgets%2F.+%7CWidget%7C.+\\?X-Amz-Algorithm=AWS4-HMAC-SHA256&`,
      ),
    );

    await cfn.send(new UpdateStackCommand({ StackName: 'widgets', TemplateBody: widgetTemplate({ Name: 'a', Count: 4, Enabled: true }) }));
    expect((await settled(cfn, 'widgets', 30_000)).StackStatus).toBe('UPDATE_COMPLETE');
    await cfn.send(new UpdateStackCommand({ StackName: 'widgets', TemplateBody: widgetTemplate({ Name: 'b', Count: 4, Enabled: true }) }));
    const replaced = await settled(cfn, 'widgets', 30_000);
    expect(replaced.StackStatus).toBe('UPDATE_COMPLETE');
    expect(outputsOf(replaced)).toEqual({ Greeting: 'hello b', Id: 'widget-b' });
    expect((await resourcesOf(cfn, 'widgets')).Widget!.PhysicalResourceId).toBe('widget-b');

    await cfn.send(new DeleteStackCommand({ StackName: 'widgets' }));
    expect((await settled(cfn, StackId!, 30_000)).StackStatus).toBe('DELETE_COMPLETE');
    const all = await waitForRequests((found) => found.length >= 5);
    expect(all.map((r) => [r.RequestType, r.PhysicalResourceId ?? null, r.ResourceProperties.Name, (r.OldResourceProperties as { Count?: string } | undefined)?.Count ?? null])).toEqual([
      ['Create', null, 'a', null],
      ['Update', 'widget-a', 'a', '3'],
      ['Update', 'widget-a', 'b', '4'],
      // The replaced resource gets its Delete in the update's cleanup, with its own properties.
      ['Delete', 'widget-a', 'a', null],
      ['Delete', 'widget-b', 'b', null],
    ]);
    expect(all[1]!.OldResourceProperties).toEqual({ ServiceToken: functionArn, Name: 'a', Count: '3', Enabled: 'true' });
  });

  it('fails the resource with the FAILED response reason and rolls the stack back, sending the failed resource a Delete', async () => {
    const { StackId } = await cfn.send(new CreateStackCommand({ StackName: 'widgets-failed', TemplateBody: widgetTemplate({ Name: 'c', Fail: 'yes' }, 'AWS::CloudFormation::CustomResource') }));
    const stack = await settled(cfn, 'widgets-failed', 30_000);
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    const failed = (await eventLog(cfn, 'widgets-failed')).find(([id, status]) => id === 'Widget' && status === 'CREATE_FAILED');
    expect(failed?.[2]).toMatch(/^Received response status \[FAILED\] from custom resource\. Message returned: the widget broke \(RequestId: [0-9a-f-]{36}\)$/);
    // The FAILED response named widget-c: the rollback asks the provider to delete it.
    const ours = (await waitForRequests((all) => all.filter((r) => r.StackId === StackId).length >= 2)).filter((r) => r.StackId === StackId);
    expect(ours.map((r) => [r.RequestType, r.PhysicalResourceId ?? null])).toEqual([
      ['Create', null],
      ['Delete', 'widget-c'],
    ]);
  });

  it('retries a create that failed under DisableRollback: the id the FAILED response named gets a Delete, then a new Create', async () => {
    const { StackId } = await cfn.send(new CreateStackCommand({ StackName: 'widgets-kept', DisableRollback: true, TemplateBody: widgetTemplate({ Name: 'k', Fail: 'yes' }) }));
    expect((await settled(cfn, 'widgets-kept', 30_000)).StackStatus).toBe('CREATE_FAILED');
    await cfn.send(new UpdateStackCommand({ StackName: 'widgets-kept', DisableRollback: true, TemplateBody: widgetTemplate({ Name: 'k2' }) }));
    const stack = await settled(cfn, 'widgets-kept', 30_000);
    expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
    expect(stack.Outputs?.find((o) => o.OutputKey === 'Id')?.OutputValue).toBe('widget-k2');
    const ours = (await waitForRequests((all) => all.filter((r) => r.StackId === StackId).length >= 3)).filter((r) => r.StackId === StackId);
    expect(ours.map((r) => [r.RequestType, r.PhysicalResourceId ?? null, r.ResourceProperties.Name])).toEqual([
      ['Create', null, 'k'],
      ['Delete', 'widget-k', 'k'],
      ['Create', null, 'k2'],
    ]);
  });

  it('rolls a failed update back with an Update carrying the old properties (OldResourceProperties: the failed ones)', async () => {
    const { StackId } = await cfn.send(new CreateStackCommand({ StackName: 'widgets-update-failed', TemplateBody: widgetTemplate({ Name: 'e', Count: 1 }) }));
    expect((await settled(cfn, 'widgets-update-failed', 30_000)).StackStatus).toBe('CREATE_COMPLETE');
    await cfn.send(new UpdateStackCommand({ StackName: 'widgets-update-failed', TemplateBody: widgetTemplate({ Name: 'e', Count: 2, Fail: 'yes' }) }));
    expect((await settled(cfn, 'widgets-update-failed', 30_000)).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const ours = (await waitForRequests((all) => all.filter((r) => r.StackId === StackId).length >= 3)).filter((r) => r.StackId === StackId);
    expect(ours.map((r) => [r.RequestType, r.PhysicalResourceId ?? null, r.ResourceProperties, r.OldResourceProperties ?? null])).toEqual([
      ['Create', null, { ServiceToken: functionArn, Name: 'e', Count: '1' }, null],
      ['Update', 'widget-e', { ServiceToken: functionArn, Name: 'e', Count: '2', Fail: 'yes' }, { ServiceToken: functionArn, Name: 'e', Count: '1' }],
      ['Update', 'widget-e', { ServiceToken: functionArn, Name: 'e', Count: '1' }, { ServiceToken: functionArn, Name: 'e', Count: '2', Fail: 'yes' }],
    ]);
    const log = await eventLog(cfn, 'widgets-update-failed');
    expect(log.filter(([id]) => id === 'Widget').slice(-2)).toEqual([
      ['Widget', 'UPDATE_IN_PROGRESS', undefined],
      ['Widget', 'UPDATE_COMPLETE', undefined],
    ]);
  });

  it('fails the resource when no response arrives within ServiceTimeout, on the Drydock clock, and the rollback sends it a Delete', async () => {
    const { StackId } = await cfn.send(new CreateStackCommand({ StackName: 'widgets-silent', TemplateBody: widgetTemplate({ Name: 'd', Silent: 'yes', ServiceTimeout: 60 }) }));
    expect(await settledPastTimeouts('widgets-silent')).toBe('ROLLBACK_COMPLETE');
    const failed = (await eventLog(cfn, 'widgets-silent')).find(([id, status]) => id === 'Widget' && status === 'CREATE_FAILED');
    expect(failed?.[2]).toMatch(
      /^CloudFormation did not receive a response from your Custom Resource\. Please check your logs for requestId \[[0-9a-f-]{36}\]\. If you are using the Python cfn-response module, you may need to update your Lambda function code so that CloudFormation can attach the updated version\.$/,
    );
    // The unanswered create got a generated physical id, which the rollback's Delete names.
    const ours = (await waitForRequests((all) => all.filter((r) => r.StackId === StackId).length >= 2)).filter((r) => r.StackId === StackId);
    expect(ours.map((r) => r.RequestType)).toEqual(['Create', 'Delete']);
    expect(ours[1]!.PhysicalResourceId).toMatch(/^widgets-silent-Widget-[A-Za-z0-9]+$/);
    const widget = (await eventLog(cfn, 'widgets-silent')).filter(([id]) => id === 'Widget');
    expect(widget.map(([, status]) => status)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_FAILED', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
  });

  it('fails the rollback when the provider answers neither the create nor its Delete (ROLLBACK_FAILED), as on AWS', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'widgets-mute', TemplateBody: widgetTemplate({ Name: 'm', Silent: 'always', ServiceTimeout: 60 }) }));
    expect(await settledPastTimeouts('widgets-mute')).toBe('ROLLBACK_FAILED');
    const widget = (await eventLog(cfn, 'widgets-mute')).filter(([id]) => id === 'Widget');
    expect(widget.map(([, status]) => status)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_FAILED', 'DELETE_IN_PROGRESS', 'DELETE_FAILED']);
    expect(widget.at(-1)?.[2]).toMatch(/^CloudFormation did not receive a response from your Custom Resource\./);
  });

  it('sends the request to an SNS topic as its message, and the subscribed function answers it', async () => {
    const lambda = new LambdaClient(server.clientConfig);
    const sns = new SNSClient(server.clientConfig);
    const role = await executionRole(server, 'custom-resource-sns-role');
    const code = `
exports.handler = async (notification) => {
  const event = JSON.parse(notification.Records[0].Sns.Message);
  const body = { Status: 'SUCCESS', PhysicalResourceId: 'topic-widget', StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId, Data: { Type: event.RequestType } };
  await fetch(event.ResponseURL, { method: 'PUT', body: JSON.stringify(body) });
};`;
    const fn = await createActiveFunction(lambda, {
      FunctionName: 'widget-topic-handler',
      Runtime: NODE_RUNTIME,
      Handler: 'index.handler',
      Role: role,
      Code: { ZipFile: zipOf({ 'index.js': code }) },
    });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'widget-requests' }));
    await lambda.send(new AddPermissionCommand({ FunctionName: 'widget-topic-handler', StatementId: 'sns', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceArn: TopicArn }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'lambda', Endpoint: fn.FunctionArn }));

    const template = JSON.stringify({
      Resources: { Widget: { Type: 'Custom::TopicWidget', Properties: { ServiceToken: TopicArn } } },
      Outputs: { Type: { Value: { 'Fn::GetAtt': ['Widget', 'Type'] } }, Id: { Value: { Ref: 'Widget' } } },
    });
    await cfn.send(new CreateStackCommand({ StackName: 'widgets-topic', TemplateBody: template }));
    const stack = await settled(cfn, 'widgets-topic', 30_000);
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(outputsOf(stack)).toEqual({ Type: 'Create', Id: 'topic-widget' });
    await cfn.send(new DeleteStackCommand({ StackName: stack.StackId }));
    expect((await settled(cfn, stack.StackId!, 30_000)).StackStatus).toBe('DELETE_COMPLETE');
  });

  it('fails a resource whose ServiceToken is neither a function nor a topic', async () => {
    const template = JSON.stringify({ Resources: { Widget: { Type: 'Custom::Widget', Properties: { ServiceToken: 'arn:aws:sqs:us-east-1:000000000000:queue' } } } });
    await cfn.send(new CreateStackCommand({ StackName: 'widgets-bad-token', TemplateBody: template }));
    expect((await settled(cfn, 'widgets-bad-token')).StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(await eventLog(cfn, 'widgets-bad-token')).toContainEqual(['Widget', 'CREATE_FAILED', 'Invalid service token: arn:aws:sqs:us-east-1:000000000000:queue']);
  });
});
