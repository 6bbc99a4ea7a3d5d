/**
 * AWS's fixed quota of 300 pipelines that poll their sources per account and Region: the 301st
 * polling pipeline is refused with AWS's LimitExceededException, on CreatePipeline as on an
 * UpdatePipeline that turns polling on, while pipelines with event-based change detection
 * (PollForSourceChanges "false") are still taken.
 */
import { CodePipelineClient, CreatePipelineCommand, type PipelineDeclaration, UpdatePipelineCommand } from '@aws-sdk/client-codepipeline';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { ACCOUNT, createAdminRoles, manualApprovalStage, sourceThenStage } from './codepipeline-helpers.js';

const server = useServer();
const cp = () => new CodePipelineClient(server.clientConfig);
const QUOTA = 300;
const LIMIT_MESSAGE =
  'Maximum number of pipelines using periodic source checks in account (300) exceeded. Switch to event-based change detection such as Amazon CloudWatch Events or webhooks to save this pipeline. Learn more: https://docs.aws.amazon.com/console/codepipeline/polling-to-events-based';

/** An S3 source (its bucket absent: the first execution fails at once), then a manual approval. */
function pipeline(name: string, poll: 'true' | 'false'): PipelineDeclaration {
  return sourceThenStage({
    name,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/quota-role`,
    artifactBucket: 'quota-artifacts',
    source: { bucket: 'quota-absent', artifact: 'Src', poll },
    stage: manualApprovalStage('Approve'),
  });
}

beforeAll(async () => {
  await createAdminRoles(server.clientConfig, { 'quota-role': 'codepipeline.amazonaws.com' });
});

describe('pipelines polling for source changes', () => {
  it('refuses the 301st polling pipeline of the Region with AWS LimitExceededException, and takes event-based ones', async () => {
    const client = cp();
    for (let batch = 0; batch < QUOTA; batch += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, i) => client.send(new CreatePipelineCommand({ pipeline: pipeline(`polling-${batch + i}`, 'true') }))));
    }
    await expectAwsError(cp().send(new CreatePipelineCommand({ pipeline: pipeline('one-too-many', 'true') })), { code: 'LimitExceededException', status: 400, message: LIMIT_MESSAGE });

    await cp().send(new CreatePipelineCommand({ pipeline: pipeline('event-based', 'false') }));
    await expectAwsError(cp().send(new UpdatePipelineCommand({ pipeline: pipeline('event-based', 'true') })), { code: 'LimitExceededException', status: 400, message: LIMIT_MESSAGE });
    // A polling pipeline's own update does not count it twice.
    expect((await cp().send(new UpdatePipelineCommand({ pipeline: pipeline('polling-0', 'true') }))).pipeline?.version).toBe(2);
  }, 120_000);
});
