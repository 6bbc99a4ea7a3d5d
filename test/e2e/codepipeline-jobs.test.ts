/**
 * The job-worker API's refusals and its ThirdParty variants: unknown jobs and action types, a
 * wrong nonce, a wrong client token, results after the job ended, and the job's data.
 */
import {
  AcknowledgeJobCommand,
  AcknowledgeThirdPartyJobCommand,
  type ActionTypeId,
  CodePipelineClient,
  CreateCustomActionTypeCommand,
  CreatePipelineCommand,
  GetJobDetailsCommand,
  GetThirdPartyJobDetailsCommand,
  type Job,
  PollForJobsCommand,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
  PutThirdPartyJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const cp = () => new CodePipelineClient(server.clientConfig);
const WORK: ActionTypeId = { category: 'Source', owner: 'Custom', provider: 'JobsWork', version: '1' };
const CHECK: ActionTypeId = { category: 'Test', owner: 'Custom', provider: 'JobsCheck', version: '1' };
const MISSING_JOB = '00000000-0000-0000-0000-000000000000';

beforeAll(async () => {
  const iam = new IAMClient(server.clientConfig);
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codepipeline.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  await iam.send(new CreateRoleCommand({ RoleName: 'jobs-role', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await iam.send(
    new PutRolePolicyCommand({ RoleName: 'jobs-role', PolicyName: 's3', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) }),
  );
  const s3 = new S3Client(server.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: 'jobs-artifacts' }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'jobs-artifacts', VersioningConfiguration: { Status: 'Enabled' } }));
  for (const type of [WORK, CHECK]) {
    await cp().send(
      new CreateCustomActionTypeCommand({
        ...type,
        category: type.category,
        configurationProperties: [{ name: 'Secret', required: false, key: false, secret: true }],
        inputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
        outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
      }),
    );
  }
  await cp().send(
    new CreatePipelineCommand({
      pipeline: {
        name: 'jobs',
        roleArn: 'arn:aws:iam::000000000000:role/jobs-role',
        artifactStore: { type: 'S3', location: 'jobs-artifacts' },
        stages: [
          { name: 'One', actions: [{ name: 'Work', actionTypeId: WORK, configuration: { Secret: 's3cr3t' } }] },
          { name: 'Two', actions: [{ name: 'Check', actionTypeId: CHECK }] },
        ],
      },
    }),
  );
});

async function poll(type: ActionTypeId): Promise<Job> {
  for (let i = 0; i < 400; i++) {
    const { jobs } = await cp().send(new PollForJobsCommand({ actionTypeId: type }));
    if (jobs?.length) return jobs[0]!;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no job of ${type.provider}`);
}

describe('CodePipeline job workers', () => {
  it('refuses unknown jobs and types, a wrong nonce and a second result', async () => {
    await expectAwsError(cp().send(new PollForJobsCommand({ actionTypeId: { ...WORK, provider: 'Nobody' } })), { code: 'ActionTypeNotFoundException', status: 400 });
    await expectAwsError(cp().send(new GetJobDetailsCommand({ jobId: MISSING_JOB })), { code: 'JobNotFoundException', status: 400 });
    await expectAwsError(cp().send(new PutJobSuccessResultCommand({ jobId: MISSING_JOB })), { code: 'JobNotFoundException', status: 400 });
    const job = await poll(WORK);
    expect(job.data!.actionConfiguration!.configuration).toEqual({ Secret: 's3cr3t' });
    expect(job.data!.artifactCredentials!.sessionToken).toBeTruthy();
    // A job taken by one worker is not handed to another.
    expect((await cp().send(new PollForJobsCommand({ actionTypeId: WORK }))).jobs).toEqual([]);
    await expectAwsError(cp().send(new AcknowledgeJobCommand({ jobId: job.id, nonce: 'wrong' })), { code: 'InvalidNonceException', status: 400 });
    expect((await cp().send(new AcknowledgeJobCommand({ jobId: job.id, nonce: job.nonce }))).status).toBe('InProgress');
    await cp().send(new PutJobSuccessResultCommand({ jobId: job.id }));
    await expectAwsError(cp().send(new PutJobFailureResultCommand({ jobId: job.id, failureDetails: { type: 'JobFailed', message: 'late' } })), { code: 'InvalidJobStateException', status: 400 });
  });

  it('serves the ThirdParty variants with a client token', async () => {
    const job = await poll(CHECK);
    expect((await cp().send(new AcknowledgeThirdPartyJobCommand({ jobId: job.id, nonce: job.nonce, clientToken: 'partner' }))).status).toBe('InProgress');
    await expectAwsError(cp().send(new GetThirdPartyJobDetailsCommand({ jobId: job.id, clientToken: 'other' })), { code: 'InvalidClientTokenException', status: 400 });
    const details = await cp().send(new GetThirdPartyJobDetailsCommand({ jobId: job.id, clientToken: 'partner' }));
    expect(details.jobDetails!.data!.pipelineContext!.action!.name).toBe('Check');
    await cp().send(new PutThirdPartyJobSuccessResultCommand({ jobId: job.id, clientToken: 'partner' }));
    await expectAwsError(cp().send(new PutThirdPartyJobSuccessResultCommand({ jobId: job.id, clientToken: 'partner' })), { code: 'InvalidJobStateException', status: 400 });
  });
});
