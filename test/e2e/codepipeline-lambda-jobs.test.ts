/**
 * Invoke Lambda jobs. The event carries the artifact store's KMS key as AWS's does. The action's
 * timeouts run on Drydock's clock: a function that never answers its job
 * fails the action after 20 minutes with AWS's message (and its late result is refused), a
 * continuation token starts a new 20 minutes, and the deadline holds across a restart because it
 * counts from the job's stored creation. The function here only records its job id in S3; the test
 * answers for it when it needs to. No job worker can take the function's job: PollForJobs refuses
 * AWS-owned action types as AWS does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodePipelineClient, GetPipelineStateCommand, PollForJobsCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, startTestServer, type TestServer } from '../helpers.js';
import { actionExecution, createInvokeLambdaPipeline, firstEndedExecution, setUpInvokeLambda } from './codepipeline-helpers.js';

const MINUTE_MS = 60_000;
const NO_RESULT = (name: string) =>
  `The AWS Lambda function ${name} failed to return a result. Check the function to verify that it has permission to call the PutJobSuccessResult action and that it made a call to PutJobSuccessResult.`;

/**
 * Records the job's data (its credentials left out) under events/<UserParameters>, then its id
 * under jobs/<UserParameters>, and answers nothing (bundled with the SDK, as the runtime has none).
 */
const SILENT_HANDLER = `
const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
const s3 = new S3Client({ forcePathStyle: true });
exports.handler = async (event) => {
  const job = event['CodePipeline.job'];
  const name = job.data.actionConfiguration.configuration.UserParameters;
  const { artifactCredentials, ...data } = job.data;
  await s3.send(new PutObjectCommand({ Bucket: 'silent-source', Key: 'events/' + name, Body: JSON.stringify(data) }));
  await s3.send(new PutObjectCommand({ Bucket: 'silent-source', Key: 'jobs/' + name, Body: job.id }));
};`;

const dataDir = mkdtempSync(join(tmpdir(), 'drydock-codepipeline-lambda-jobs-'));
let server: TestServer;

/** How far the tests have moved the clock: a restarted server's clock starts from real time again, so the restart test moves it this far back to where it was. */
let advancedMs = 0;

async function advance(ms: number): Promise<void> {
  await server.advanceClock(ms);
  advancedMs += ms;
}

const createPipeline = (name: string, encryptionKey?: { id: string; type: 'KMS' }) =>
  createInvokeLambdaPipeline(server.clientConfig, 'silent', { name, functionName: 'silent-check', userParameters: name, encryptionKey });

/** The id of the job the function was last invoked with for `pipeline`, once it differs from `previous`. */
async function invokedJob(pipeline: string, previous?: string): Promise<string> {
  const s3 = new S3Client(server.clientConfig);
  const until = Date.now() + 30_000;
  for (;;) {
    const body = await s3
      .send(new GetObjectCommand({ Bucket: 'silent-source', Key: `jobs/${pipeline}` }))
      .then((object) => object.Body!.transformToString())
      .catch(() => undefined);
    if (body && body !== previous) return body;
    if (Date.now() > until) throw new Error(`the function was not invoked for ${pipeline}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function checkStatus(pipeline: string): Promise<string | undefined> {
  const { stageStates } = await new CodePipelineClient(server.clientConfig).send(new GetPipelineStateCommand({ name: pipeline }));
  return stageStates?.find((stage) => stage.stageName === 'Validate')?.actionStates?.[0]?.latestExecution?.status;
}

beforeAll(async () => {
  server = await startTestServer({ dataDir });
  await setUpInvokeLambda(server.clientConfig, 'silent', 'silent-check', SILENT_HANDLER);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Invoke Lambda job event', () => {
  it("gives the function the artifact store's KMS key, as AWS's event does", async () => {
    const { KeyMetadata } = await new KMSClient(server.clientConfig).send(new CreateKeyCommand({}));
    await createPipeline('encrypted', { id: KeyMetadata!.Arn!, type: 'KMS' });
    await invokedJob('encrypted');
    const body = await (await new S3Client(server.clientConfig).send(new GetObjectCommand({ Bucket: 'silent-source', Key: 'events/encrypted' }))).Body!.transformToString();
    expect(JSON.parse(body)).toMatchObject({
      actionConfiguration: { configuration: { FunctionName: 'silent-check', UserParameters: 'encrypted' } },
      inputArtifacts: [{ name: 'SourceOutput', revision: null, location: { type: 'S3', s3Location: { bucketName: 'silent-artifacts' } } }],
      outputArtifacts: [],
      encryptionKey: { id: KeyMetadata!.Arn, type: 'KMS' },
    });
  }, 60_000);
});

describe('Invoke Lambda action timeouts', () => {
  it('fails the action with AWS message when the function has not answered within 20 minutes, and refuses its late result', async () => {
    await createPipeline('silent');
    const jobId = await invokedJob('silent');
    await advance(19 * MINUTE_MS);
    expect(await checkStatus('silent')).toBe('InProgress');
    await advance(2 * MINUTE_MS);
    const run = await firstEndedExecution(server.clientConfig, 'silent');
    expect(run.status).toBe('Failed');
    const action = await actionExecution(server.clientConfig, 'silent', run.id, 'Check');
    expect(action.output?.executionResult?.errorDetails).toEqual({ code: 'JobFailed', message: NO_RESULT('silent-check') });
    await expectAwsError(new CodePipelineClient(server.clientConfig).send(new PutJobSuccessResultCommand({ jobId })), {
      code: 'InvalidJobStateException',
      status: 400,
    });
  }, 60_000);

  it('keeps the job from job workers: PollForJobs refuses AWS-owned action types, and names a custom one that does not exist as AWS does', async () => {
    await createPipeline('unpolled');
    await invokedJob('unpolled');
    const codepipeline = new CodePipelineClient(server.clientConfig);
    await expectAwsError(codepipeline.send(new PollForJobsCommand({ actionTypeId: { category: 'Invoke', owner: 'AWS', provider: 'Lambda', version: '1' } })), {
      code: 'ValidationException',
      status: 400,
      message: "ActionType with owner 'AWS' is not supported",
    });
    await expectAwsError(codepipeline.send(new PollForJobsCommand({ actionTypeId: { category: 'Build', owner: 'Custom', provider: 'Nobody', version: '1' } })), {
      code: 'ActionTypeNotFoundException',
      status: 400,
      message: "ActionType (Category: 'Build', Owner: 'Custom', Provider: 'Nobody', Version: '1') is not available",
    });
  }, 60_000);

  it('gives the job of each continuation token its own 20 minutes', async () => {
    await createPipeline('continued');
    const first = await invokedJob('continued');
    await advance(15 * MINUTE_MS);
    await new CodePipelineClient(server.clientConfig).send(new PutJobSuccessResultCommand({ jobId: first, continuationToken: 'still-working' }));
    await invokedJob('continued', first);
    await advance(15 * MINUTE_MS);
    expect(await checkStatus('continued')).toBe('InProgress');
    await advance(6 * MINUTE_MS);
    expect((await firstEndedExecution(server.clientConfig, 'continued')).status).toBe('Failed');
  }, 60_000);

  it('keeps the 20 minutes across a restart, counted from the stored job', async () => {
    await createPipeline('restarted');
    await invokedJob('restarted');
    await server.stop();
    server = await startTestServer({ dataDir });
    await server.advanceClock(advancedMs);
    await advance(19 * MINUTE_MS);
    expect(await checkStatus('restarted')).toBe('InProgress');
    await advance(2 * MINUTE_MS);
    const run = await firstEndedExecution(server.clientConfig, 'restarted');
    expect(run.status).toBe('Failed');
    expect((await actionExecution(server.clientConfig, 'restarted', run.id, 'Check')).output?.executionResult?.errorDetails?.message).toBe(NO_RESULT('silent-check'));
  }, 60_000);
});
