/**
 * A manual approval's own timeout: the action declaration's timeoutInMinutes (5 minutes to 60 days,
 * AWS's override of the 7-day default) fails the approval nobody answered once Drydock's clock
 * passes it, and GetPipeline shows it as declared. Below AWS's minimum it is refused.
 */
import { type ActionDeclaration, CodePipelineClient, GetPipelineCommand, GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { ACCOUNT, actionExecution, createSourceThenStage, firstEndedExecution, manualApprovalStage, setUpS3Source } from './codepipeline-helpers.js';

const server = useServer();
const cp = () => new CodePipelineClient(server.clientConfig);
const MINUTE_MS = 60_000;

function createPipeline(name: string, approval: Partial<ActionDeclaration>) {
  return createSourceThenStage(server.clientConfig, {
    name,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/review-role`,
    artifactBucket: 'review-artifacts',
    source: { bucket: 'review-source', artifact: 'Src' },
    stage: manualApprovalStage('Review', approval),
  });
}

/** Waits until the approval is open (it has a token). */
async function waiting(name: string): Promise<void> {
  const until = Date.now() + 20_000;
  for (;;) {
    const { stageStates } = await cp().send(new GetPipelineStateCommand({ name }));
    const latest = stageStates?.find((s) => s.stageName === 'Review')?.actionStates?.[0]?.latestExecution;
    if (latest?.status === 'InProgress' && latest.token) return;
    if (Date.now() > until) throw new Error(`${name} never waited for its approval: ${JSON.stringify(stageStates)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function approvalStatus(name: string): Promise<string | undefined> {
  const { stageStates } = await cp().send(new GetPipelineStateCommand({ name }));
  return stageStates?.find((s) => s.stageName === 'Review')?.actionStates?.[0]?.latestExecution?.status;
}

beforeAll(async () => {
  await setUpS3Source(server.clientConfig, { roles: { 'review-role': 'codepipeline.amazonaws.com' }, source: 'review-source', artifacts: 'review-artifacts', files: { 'app.txt': 'app' } });
});

describe('Approval/AWS/Manual/1 timeoutInMinutes', () => {
  it('fails the approval nobody answered within the action’s timeoutInMinutes of Drydock time', async () => {
    await createPipeline('short-review', { timeoutInMinutes: 30 });
    expect((await cp().send(new GetPipelineCommand({ name: 'short-review' }))).pipeline?.stages?.[1].actions?.[0].timeoutInMinutes).toBe(30);
    await waiting('short-review');
    await server.advanceClock(29 * MINUTE_MS);
    expect(await approvalStatus('short-review')).toBe('InProgress');
    await server.advanceClock(2 * MINUTE_MS);
    const run = await firstEndedExecution(server.clientConfig, 'short-review');
    expect(run.status).toBe('Failed');
    expect((await actionExecution(server.clientConfig, 'short-review', run.id, 'Approve')).output?.executionResult?.errorDetails?.message).toBe(
      'The approval request expired: nobody approved or rejected it within 30 minutes',
    );
  });

  it('refuses a timeout below AWS’s 5 minutes', async () => {
    await expectAwsError(createPipeline('too-short', { timeoutInMinutes: 4 }), { code: 'ValidationException', status: 400 });
  });
});
