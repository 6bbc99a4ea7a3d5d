/**
 * Lambda with the rest of Drydock: code from S3, layers at /opt, asynchronous invocation with
 * retries on the clock and destinations in SQS, recursive loop detection through the trace header
 * the AWS SDK forwards, and function URLs (AuthType NONE behind the resource policy, AWS_IAM behind
 * a SigV4 signature).
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  AddPermissionCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  PublishLayerVersionCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeSha256 } from '../../src/protocol/sigv4.js';
import { expectAwsError, useServer } from '../helpers.js';
import { createActiveFunction, decode, executionRole, NODE_RUNTIME, withSdk, zipOf } from './lambda-helpers.js';

const server = useServer();
let lambda: LambdaClient;
let sqs: SQSClient;
let role: string;

beforeAll(async () => {
  lambda = new LambdaClient(server.clientConfig);
  sqs = new SQSClient(server.clientConfig);
  role = await executionRole(server.server, 'integration-tests');
});
afterAll(() => {
  lambda.destroy();
  sqs.destroy();
});

/** Receives one message from the queue (long polling wakes on arrival). */
async function receiveOne(queueUrl: string): Promise<Record<string, unknown>> {
  const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 20 }));
  if (!Messages?.length) throw new Error(`no message arrived in ${queueUrl}`);
  await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: Messages[0].ReceiptHandle }));
  return JSON.parse(Messages[0].Body!) as Record<string, unknown>;
}

/** Waits until the log group holds `count` REPORT lines: that many invocations have ended. */
async function reported(group: string, count: number): Promise<void> {
  const logs = new CloudWatchLogsClient(server.clientConfig);
  try {
    for (let attempt = 0; attempt < 400; attempt++) {
      const found = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: '"REPORT RequestId"' })).catch(() => ({ events: [] }));
      if ((found.events?.length ?? 0) >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`${group} never logged ${count} REPORT lines`);
  } finally {
    logs.destroy();
  }
}

describe('code and layers', () => {
  it('creates a function from a package in S3, and answers S3 errors in Lambda words', async () => {
    const s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'deployments' }));
    await s3.send(new PutObjectCommand({ Bucket: 'deployments', Key: 'fn.zip', Body: zipOf({ 'index.js': "exports.handler = async () => 'from s3';" }) }));
    s3.destroy();
    await createActiveFunction(lambda, { FunctionName: 's3-code', Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Code: { S3Bucket: 'deployments', S3Key: 'fn.zip' } });
    expect(decode((await lambda.send(new InvokeCommand({ FunctionName: 's3-code' }))).Payload)).toBe('from s3');
    await expectAwsError(
      lambda.send(new CreateFunctionCommand({ FunctionName: 's3-missing', Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Code: { S3Bucket: 'deployments', S3Key: 'nope.zip' } })),
      { code: 'InvalidParameterValueException', status: 400, message: 'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.' },
    );
  });

  it('unpacks layers in order at /opt, where the runtime finds their modules', async () => {
    const first = await lambda.send(
      new PublishLayerVersionCommand({
        LayerName: 'greeting',
        CompatibleRuntimes: [NODE_RUNTIME],
        Content: { ZipFile: zipOf({ 'nodejs/node_modules/greet/index.js': "module.exports = (name) => 'hello ' + name;", 'shared.txt': 'first' }) },
      }),
    );
    expect(first).toMatchObject({ Version: 1, LayerVersionArn: 'arn:aws:lambda:us-east-1:000000000000:layer:greeting:1' });
    const second = await lambda.send(
      new PublishLayerVersionCommand({ LayerName: 'overrides', Content: { ZipFile: zipOf({ 'shared.txt': 'second', 'bin/tool': { text: '#!/bin/sh\necho tool', mode: 0o755 } }) } }),
    );
    await createActiveFunction(lambda, {
      FunctionName: 'layered',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.handler',
      Layers: [first.LayerVersionArn!, second.LayerVersionArn!],
      Code: {
        ZipFile: zipOf({
          'index.js':
            "const fs = require('fs'); const greet = require('greet'); exports.handler = async () => ({ greeting: greet('layers'), shared: fs.readFileSync('/opt/shared.txt', 'utf8'), tool: require('child_process').execSync('tool').toString().trim() });",
        }),
      },
    });
    expect(decode((await lambda.send(new InvokeCommand({ FunctionName: 'layered' }))).Payload)).toEqual({ greeting: 'hello layers', shared: 'second', tool: 'tool' });
    await expectAwsError(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'bad-layer',
          Runtime: NODE_RUNTIME,
          Role: role,
          Handler: 'index.handler',
          Layers: ['arn:aws:lambda:us-east-1:000000000000:layer:greeting:9'],
          Code: { ZipFile: zipOf({ 'index.js': '' }) },
        }),
      ),
      { code: 'InvalidParameterValueException', status: 400, message: 'Layer version arn:aws:lambda:us-east-1:000000000000:layer:greeting:9 does not exist.' },
    );
  });
});

describe('asynchronous invocation', () => {
  it('delivers the success record to the on-success destination', async () => {
    const queue = (await sqs.send(new CreateQueueCommand({ QueueName: 'on-success' }))).QueueUrl!;
    await createActiveFunction(lambda, {
      FunctionName: 'async-ok',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.handler',
      Code: { ZipFile: zipOf({ 'index.js': 'exports.handler = async (e) => ({ doubled: e.n * 2 });' }) },
    });
    await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'async-ok', DestinationConfig: { OnSuccess: { Destination: 'arn:aws:sqs:us-east-1:000000000000:on-success' } } }));
    const accepted = await lambda.send(new InvokeCommand({ FunctionName: 'async-ok', InvocationType: 'Event', Payload: Buffer.from('{"n":21}') }));
    expect(accepted.StatusCode).toBe(202);
    expect(await receiveOne(queue)).toMatchObject({
      version: '1.0',
      requestContext: { requestId: accepted.$metadata.requestId, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:async-ok:$LATEST', condition: 'Success', approximateInvokeCount: 1 },
      requestPayload: { n: 21 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { doubled: 42 },
    });
  });

  it('retries a failing event on the clock, then sends the failure record with the retries counted', async () => {
    const queue = (await sqs.send(new CreateQueueCommand({ QueueName: 'on-failure' }))).QueueUrl!;
    await createActiveFunction(lambda, {
      FunctionName: 'async-fails',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.handler',
      Code: { ZipFile: zipOf({ 'index.js': "exports.handler = async () => { throw new Error('always'); };" }) },
    });
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'async-fails',
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:on-failure' } },
      }),
    );
    await lambda.send(new InvokeCommand({ FunctionName: 'async-fails', InvocationType: 'Event', Payload: Buffer.from('{"order":7}') }));
    // Once the first attempt has failed (its REPORT is logged), the retry waits a minute of Drydock time: advancing the clock runs it now.
    await reported('/aws/lambda/async-fails', 1);
    await server.advanceClock(60000);
    expect(await receiveOne(queue)).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2 },
      requestPayload: { order: 7 },
      responseContext: { functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'always' },
    });
  });

  it('stops a function that invokes itself in a loop after 16 invocations', async () => {
    const queue = (await sqs.send(new CreateQueueCommand({ QueueName: 'loop-stopped' }))).QueueUrl!;
    const code = await withSdk(`
      const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
      const client = new LambdaClient({});
      exports.handler = async (event) => {
        await client.send(new InvokeCommand({ FunctionName: process.env.AWS_LAMBDA_FUNCTION_NAME, InvocationType: 'Event', Payload: JSON.stringify({ depth: event.depth + 1 }) }));
        return event.depth;
      };`);
    await createActiveFunction(lambda, { FunctionName: 'loops', Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Timeout: 30, Code: { ZipFile: zipOf({ 'index.js': code }) } });
    await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'loops', DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:loop-stopped' } } }));
    await lambda.send(new InvokeCommand({ FunctionName: 'loops', InvocationType: 'Event', Payload: Buffer.from('{"depth":1}') }));
    const record = await receiveOne(queue);
    expect(record).toMatchObject({ requestContext: { condition: 'RecursiveInvocationException', approximateInvokeCount: 0 }, requestPayload: { depth: 17 } });
    // The server keeps serving, and the function still answers a direct call.
    const direct = await lambda.send(new InvokeCommand({ FunctionName: 'loops', Payload: Buffer.from('{"depth":100}') }));
    expect(decode(direct.Payload)).toBe(100);
  }, 60_000);
});

describe('function URLs', () => {
  it('serves AuthType NONE once the resource policy allows everyone, as AWS requires', async () => {
    const code =
      "exports.handler = async (event) => ({ statusCode: 201, headers: { 'x-seen': event.rawPath }, body: JSON.stringify({ method: event.requestContext.http.method, query: event.queryStringParameters, body: event.body }) });";
    await createActiveFunction(lambda, { FunctionName: 'web', Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': code }) } });
    const { FunctionUrl } = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' }));
    expect(FunctionUrl).toMatch(new RegExp(`^${server.url}/_lambda/url/[a-z2-7]{32}/$`));
    expect((await fetch(`${FunctionUrl}orders?id=3`, { method: 'POST', body: 'hi' })).status).toBe(403);
    await lambda.send(new AddPermissionCommand({ FunctionName: 'web', StatementId: 'public', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }));
    const answer = await fetch(`${FunctionUrl}orders?id=3`, { method: 'POST', body: 'hi', headers: { 'content-type': 'text/plain' } });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-seen')).toBe('/orders');
    expect(await answer.json()).toEqual({ method: 'POST', query: { id: '3' }, body: 'hi' });
  });

  it('serves AuthType AWS_IAM to signed requests only', async () => {
    await createActiveFunction(lambda, {
      FunctionName: 'private-web',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.handler',
      Code: { ZipFile: zipOf({ 'index.js': "exports.handler = async () => 'secret';" }) },
    });
    const { FunctionUrl } = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'private-web', AuthType: 'AWS_IAM' }));
    expect((await fetch(FunctionUrl!)).status).toBe(403);
    const url = new URL(FunctionUrl!);
    const signer = new SignatureV4({ service: 'lambda', region: 'us-east-1', credentials: server.clientConfig.credentials, sha256: NodeSha256 });
    const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, headers: { host: url.host } });
    const answer = await fetch(FunctionUrl!, { headers: signed.headers });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('secret');
  });
});

describe('event source mappings', () => {
  it('feeds SQS messages to the function in batches and deletes what it processed, keeping the batch item failures', async () => {
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '30' } }))).QueueUrl!;
    const results = (await sqs.send(new CreateQueueCommand({ QueueName: 'order-results' }))).QueueUrl!;
    const code = await withSdk(`
      const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
      const sqs = new SQSClient({});
      exports.handler = async (event) => {
        const failures = event.Records.filter((r) => r.body.includes('bad')).map((r) => ({ itemIdentifier: r.messageId }));
        await sqs.send(new SendMessageCommand({ QueueUrl: ${JSON.stringify(results)}, MessageBody: JSON.stringify({ bodies: event.Records.map((r) => r.body), source: event.Records[0].eventSource, arn: event.Records[0].eventSourceARN }) }));
        return { batchItemFailures: failures };
      };`);
    await createActiveFunction(lambda, { FunctionName: 'consumer', Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Timeout: 30, Code: { ZipFile: zipOf({ 'index.js': code }) } });
    await expectAwsError(
      lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'consumer', EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks', StartingPosition: 'LATEST' })),
      { code: 'NotImplemented', status: 501 },
    );
    await expectAwsError(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'consumer', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:orders', BatchSize: 50 })), {
      code: 'InvalidParameterValueException',
      status: 400,
      message: 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    });
    for (const body of ['one', 'two', 'bad three']) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    const mapping = await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'consumer', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:orders', BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] }),
    );
    expect(mapping).toMatchObject({ State: 'Creating', BatchSize: 10, FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer' });
    const batch = await receiveOne(results);
    expect(batch).toMatchObject({ source: 'aws:sqs', arn: 'arn:aws:sqs:us-east-1:000000000000:orders' });
    expect((batch.bodies as string[]).sort()).toEqual(['bad three', 'one', 'two']);
    expect((await lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.UUID }))).State).toBe('Enabled');
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping.UUID, Enabled: false }));
    // Once the poller has deleted what succeeded (just after the function answered), only the
    // reported failure is left, invisible until its visibility timeout ends.
    let counts: Record<string, string> | undefined;
    for (let attempt = 0; attempt < 200 && counts?.ApproximateNumberOfMessagesNotVisible !== '1'; attempt++) {
      if (attempt) await new Promise((resolve) => setTimeout(resolve, 25));
      counts = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes;
    }
    expect(counts).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });
    expect((await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'consumer' }))).EventSourceMappings).toHaveLength(1);
    await lambda.send(new DeleteEventSourceMappingCommand({ UUID: mapping.UUID }));
    await expectAwsError(lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.UUID })), { code: 'ResourceNotFoundException', status: 404 });
  });
});
