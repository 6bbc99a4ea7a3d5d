/**
 * CodePipeline's Invoke Lambda action end to end: a real Node.js function receives AWS's
 * CodePipeline.job event, reads its input artifact and writes its output artifact with the job's
 * temporary artifact credentials, and answers with PutJobSuccessResult (a continuation token
 * first, which invokes it again, then output variables) or PutJobFailureResult.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { readZip } from '../../src/core/zip.js';
import { useServer } from '../helpers.js';
import { ACCOUNT, actionExecution, createInvokeLambdaPipeline, firstEndedExecution, setUpInvokeLambda } from './codepipeline-helpers.js';

const server = useServer();
const client = <T>(Client: new (config: typeof server.clientConfig) => T) => new Client(server.clientConfig);

/**
 * The validating function: the first invocation asks to be called again (a continuation token),
 * the second reads the input artifact and writes the output artifact with the job's artifact
 * credentials, and reports what it saw as output variables. UserParameters "fail" fails the job.
 */
const HANDLER = `
const { CodePipelineClient, PutJobSuccessResultCommand, PutJobFailureResultCommand } = require('@aws-sdk/client-codepipeline');
const { S3Client, GetObjectCommand, PutObjectCommand } = require('@aws-sdk/client-s3');
const { unzipSync, zipSync, strToU8, strFromU8 } = require('fflate');
const codepipeline = new CodePipelineClient({});
exports.handler = async (event) => {
  const job = event['CodePipeline.job'];
  const { configuration } = job.data.actionConfiguration;
  if (configuration.UserParameters === 'fail') {
    await codepipeline.send(new PutJobFailureResultCommand({ jobId: job.id, failureDetails: { type: 'JobFailed', message: 'validation failed: ' + job.accountId } }));
    return;
  }
  if (!job.data.continuationToken) {
    await codepipeline.send(new PutJobSuccessResultCommand({ jobId: job.id, continuationToken: 'round-2' }));
    return;
  }
  const { accessKeyId, secretAccessKey, sessionToken } = job.data.artifactCredentials;
  const s3 = new S3Client({ credentials: { accessKeyId, secretAccessKey, sessionToken }, forcePathStyle: true });
  const input = job.data.inputArtifacts[0].location.s3Location;
  const zip = await (await s3.send(new GetObjectCommand({ Bucket: input.bucketName, Key: input.objectKey }))).Body.transformToByteArray();
  const text = strFromU8(unzipSync(zip)['app.txt']);
  const output = job.data.outputArtifacts[0].location.s3Location;
  await s3.send(new PutObjectCommand({ Bucket: output.bucketName, Key: output.objectKey, Body: zipSync({ 'checked.txt': strToU8('checked ' + text) }) }));
  await codepipeline.send(new PutJobSuccessResultCommand({
    jobId: job.id,
    outputVariables: { Seen: text, Params: configuration.UserParameters, Token: job.data.continuationToken, Key: String(!!sessionToken) },
    executionDetails: { summary: 'validated', externalExecutionId: 'check-1' },
  }));
};`;

const createPipeline = (name: string, userParameters: string, functionName = 'pipeline-check') =>
  createInvokeLambdaPipeline(server.clientConfig, 'invoke', {
    name,
    functionName,
    userParameters,
    action: { namespace: 'CheckVariables', outputArtifacts: [{ name: 'CheckedOutput' }] },
  });

const run = (name: string) => firstEndedExecution(server.clientConfig, name);
const checkAction = (pipelineName: string, pipelineExecutionId: string) => actionExecution(server.clientConfig, pipelineName, pipelineExecutionId, 'Check');

beforeAll(() => setUpInvokeLambda(server.clientConfig, 'invoke', 'pipeline-check', HANDLER), 60_000);

describe('Invoke/AWS/Lambda/1', () => {
  it('invokes the function with the job, again for its continuation token, and takes its output artifact and variables', async () => {
    await createPipeline('invoke-ok', 'check-v1');
    const { id, status } = await run('invoke-ok');
    const action = await checkAction('invoke-ok', id);
    expect({ status, action: action.status, result: action.output?.executionResult }).toMatchObject({
      status: 'Succeeded',
      action: 'Succeeded',
      result: { externalExecutionId: 'check-1', externalExecutionSummary: 'validated' },
    });
    expect(action.output?.outputVariables).toEqual({ Seen: 'v1', Params: 'check-v1', Token: 'round-2', Key: 'true' });
    const output = action.output!.outputArtifacts![0].s3location!;
    const zip = await (await client(S3Client).send(new GetObjectCommand({ Bucket: output.bucket, Key: output.key }))).Body!.transformToByteArray();
    expect(Buffer.from(readZip(zip).find((e) => e.name === 'checked.txt')!.data).toString()).toBe('checked v1');
  }, 60_000);

  it('fails the action with the message of PutJobFailureResult', async () => {
    await createPipeline('invoke-fail', 'fail');
    const { id, status } = await run('invoke-fail');
    expect(status).toBe('Failed');
    const action = await checkAction('invoke-fail', id);
    expect(action.status).toBe('Failed');
    expect(JSON.stringify(action.output?.executionResult)).toContain(`validation failed: ${ACCOUNT}`);
  }, 60_000);

  it('fails the action as a configuration error when the function does not exist', async () => {
    await createPipeline('invoke-missing', 'x', 'no-such-function');
    const { id, status } = await run('invoke-missing');
    expect(status).toBe('Failed');
    const action = await checkAction('invoke-missing', id);
    expect(action.output?.executionResult?.errorDetails).toMatchObject({
      code: 'ConfigurationError',
      message: expect.stringMatching(/^Failed to invoke the Lambda function no-such-function: ResourceNotFoundException: /),
    });
  }, 60_000);
});
