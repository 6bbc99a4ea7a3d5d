/**
 * CodePipeline across a Drydock restart: an execution whose custom action's job is out with a
 * worker resumes after the restart and waits for that same job (its checkpoint), and the worker's
 * result, sent to the new server, finishes the execution. Nothing stays InProgress.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AcknowledgeJobCommand,
  type ActionTypeId,
  CodePipelineClient,
  CreateCustomActionTypeCommand,
  CreatePipelineCommand,
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  type Job,
  ListPipelineExecutionsCommand,
  PollForJobsCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers.js';

const ROLE = 'arn:aws:iam::000000000000:role/durable-pipeline-role';
const STEP: ActionTypeId = { category: 'Source', owner: 'Custom', provider: 'DurableStep', version: '1' };
const CHECK: ActionTypeId = { category: 'Test', owner: 'Custom', provider: 'DurableCheck', version: '1' };
const dataDir = mkdtempSync(join(tmpdir(), 'drydock-codepipeline-durable-'));
let server: TestServer | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function takeJob(cp: CodePipelineClient, type: ActionTypeId): Promise<Job> {
  for (let i = 0; i < 400; i++) {
    const { jobs } = await cp.send(new PollForJobsCommand({ actionTypeId: type }));
    if (jobs?.length) {
      await cp.send(new AcknowledgeJobCommand({ jobId: jobs[0]!.id, nonce: jobs[0]!.nonce }));
      return jobs[0]!;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no job of ${type.provider}`);
}

describe('CodePipeline across a restart', () => {
  it('resumes an execution waiting on a worker and finishes it with the same job', async () => {
    server = await startTestServer({ dataDir });
    const iam = new IAMClient(server.clientConfig);
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codepipeline.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    await iam.send(new CreateRoleCommand({ RoleName: 'durable-pipeline-role', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'durable-pipeline-role',
        PolicyName: 's3',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
      }),
    );
    const s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'durable-artifacts' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'durable-artifacts', VersioningConfiguration: { Status: 'Enabled' } }));
    let cp = new CodePipelineClient(server.clientConfig);
    for (const type of [STEP, CHECK]) {
      await cp.send(
        new CreateCustomActionTypeCommand({
          ...type,
          category: type.category,
          inputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
          outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
        }),
      );
    }
    await cp.send(
      new CreatePipelineCommand({
        pipeline: {
          name: 'durable',
          roleArn: ROLE,
          artifactStore: { type: 'S3', location: 'durable-artifacts' },
          stages: [
            { name: 'One', actions: [{ name: 'Step', actionTypeId: STEP, namespace: 'StepVars' }] },
            { name: 'Two', actions: [{ name: 'Check', actionTypeId: CHECK, configuration: {} }] },
          ],
        },
      }),
    );
    const executionId = (await cp.send(new ListPipelineExecutionsCommand({ pipelineName: 'durable' }))).pipelineExecutionSummaries![0]!.pipelineExecutionId!;
    const job = await takeJob(cp, STEP);
    await server.stop();

    server = await startTestServer({ dataDir });
    cp = new CodePipelineClient(server.clientConfig);
    const during = await cp.send(new GetPipelineStateCommand({ name: 'durable' }));
    expect(during.stageStates![0]!.actionStates![0]!.latestExecution!.status).toBe('InProgress');
    // The worker's answer reaches the new server; the resumed action takes it (no second job is queued).
    await cp.send(new PutJobSuccessResultCommand({ jobId: job.id, outputVariables: { Done: 'yes' } }));
    const check = await takeJob(cp, CHECK);
    expect(check.data!.pipelineContext!.pipelineExecutionId).toBe(executionId);
    await cp.send(new PutJobSuccessResultCommand({ jobId: check.id }));
    for (let i = 0; i < 400; i++) {
      const { pipelineExecution } = await cp.send(new GetPipelineExecutionCommand({ pipelineName: 'durable', pipelineExecutionId: executionId }));
      if (pipelineExecution!.status !== 'InProgress') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const { pipelineExecution } = await cp.send(new GetPipelineExecutionCommand({ pipelineName: 'durable', pipelineExecutionId: executionId }));
    expect(pipelineExecution!.status).toBe('Succeeded');
    const { jobs } = await cp.send(new PollForJobsCommand({ actionTypeId: STEP }));
    expect(jobs).toEqual([]);
  });
});
