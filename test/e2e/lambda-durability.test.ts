/**
 * What Lambda keeps across a restart: functions (their code re-extracted from the stored package),
 * and accepted asynchronous events, whose pending retry runs on the new server.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient, PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { expect, it } from 'vitest';
import { startTestServer } from '../helpers.js';
import { tempDirs } from '../temp-dirs.js';
import { createActiveFunction, decode, executionRole, NODE_RUNTIME, zipOf } from './lambda-helpers.js';

const tempDir = tempDirs('drydock-lambda-durability-');

it('runs functions and the pending retry of an accepted event after a restart', async () => {
  const dataDir = tempDir();
  const first = await startTestServer({ dataDir });
  let lambda = new LambdaClient(first.clientConfig);
  try {
    const role = await executionRole(first, 'durable-role');
    const code = "exports.handler = async (event) => { if (event.fail) throw new Error('not yet'); return 'alive'; };";
    await createActiveFunction(lambda, { FunctionName: 'durable', Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': code }) } });
    const sqs = new SQSClient(first.clientConfig);
    await sqs.send(new CreateQueueCommand({ QueueName: 'durable-failures' }));
    sqs.destroy();
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'durable',
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:durable-failures' } },
      }),
    );
    await lambda.send(new InvokeCommand({ FunctionName: 'durable', InvocationType: 'Event', Payload: Buffer.from('{"fail":true}') }));
    // The first attempt has failed once its REPORT is in the log; its retry is a job a minute away.
    const logs = new CloudWatchLogsClient(first.clientConfig);
    for (let attempt = 0; attempt < 400; attempt++) {
      const found = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/durable', filterPattern: '"REPORT RequestId"' })).catch(() => ({ events: [] }));
      if (found.events?.length) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    logs.destroy();
  } finally {
    lambda.destroy();
    await first.stop();
  }

  const second = await startTestServer({ dataDir });
  lambda = new LambdaClient(second.clientConfig);
  const sqs = new SQSClient(second.clientConfig);
  try {
    expect(decode((await lambda.send(new InvokeCommand({ FunctionName: 'durable' }))).Payload)).toBe('alive');
    await second.advanceClock(60000);
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: `${second.url}/000000000000/durable-failures`, WaitTimeSeconds: 20 }));
    expect(JSON.parse(Messages![0].Body!)).toMatchObject({ requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2 }, requestPayload: { fail: true } });
  } finally {
    lambda.destroy();
    sqs.destroy();
    await second.stop();
  }
});
