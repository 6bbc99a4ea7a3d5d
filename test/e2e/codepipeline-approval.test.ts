/**
 * CodePipeline's Approval Manual action end to end: the execution waits at the action, AWS's
 * approval notification reaches an SQS queue subscribed to the NotificationArn topic, and the
 * approval is answered through PutApprovalResult (approve, reject, a stale token, twice), the
 * `drydock pipelines approve` command, or not at all (failed after 7 days of Drydock's clock,
 * skipped with the time warp).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodePipelineClient, GetPipelineStateCommand, ListPipelineExecutionsCommand, PutApprovalResultCommand } from '@aws-sdk/client-codepipeline';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, startTestServer, type TestServer, useServer } from '../helpers.js';
import { drydock } from './cli-helpers.js';
import { ACCOUNT, actionExecution, createSourceThenStage, executionEnded, manualApprovalStage, setUpS3Source } from './codepipeline-helpers.js';

const server = useServer();
const client = <T>(Client: new (config: typeof server.clientConfig) => T) => new Client(server.clientConfig);
const PIPELINE_ROLE = `arn:aws:iam::${ACCOUNT}:role/approval-pipeline-role`;
const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;
let topicArn = '';
let queueUrl = '';

/** The pipeline of these tests: the S3 source, then the Review stage's manual approval with `configuration`. */
function createApprovalPipeline(config: TestServer['clientConfig'], name: string, configuration?: Record<string, string>) {
  return createSourceThenStage(config, {
    name,
    roleArn: PIPELINE_ROLE,
    pipelineType: 'V2',
    artifactBucket: 'approval-artifacts',
    source: { bucket: 'approval-source', artifact: 'SourceOutput' },
    stage: manualApprovalStage('Review', { configuration }),
  });
}

const createPipeline = (name: string) =>
  createApprovalPipeline(server.clientConfig, name, { NotificationArn: topicArn, CustomData: 'Check the beta site first', ExternalEntityLink: 'https://beta.example.com' });

/** Creates the roles, buckets and source object the pipeline needs on `config`'s server. */
async function setUpSource(config: TestServer['clientConfig']) {
  await setUpS3Source(config, { roles: { 'approval-pipeline-role': 'codepipeline.amazonaws.com' }, source: 'approval-source', artifacts: 'approval-artifacts', files: { 'a.txt': 'a' } });
}

/** Polls the pipeline's state until the approval waits, and answers its token. */
async function waitingToken(name: string): Promise<string> {
  const until = Date.now() + 20_000;
  for (;;) {
    const { stageStates } = await client(CodePipelineClient).send(new GetPipelineStateCommand({ name }));
    const latest = stageStates?.find((s) => s.stageName === 'Review')?.actionStates?.[0]?.latestExecution;
    if (latest?.status === 'InProgress' && latest.token) return latest.token;
    if (Date.now() > until) throw new Error(`${name} never waited for its approval: ${JSON.stringify(stageStates)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ended = (name: string, pipelineExecutionId: string) => executionEnded(server.clientConfig, name, pipelineExecutionId, 20_000, 50);

/** Creates the pipeline, which starts its first execution as AWS's CreatePipeline does; answers that execution's id. */
async function start(name: string): Promise<string> {
  await createPipeline(name);
  const until = Date.now() + 10_000;
  for (;;) {
    const { pipelineExecutionSummaries } = await client(CodePipelineClient).send(new ListPipelineExecutionsCommand({ pipelineName: name }));
    if (pipelineExecutionSummaries?.length) return pipelineExecutionSummaries[0].pipelineExecutionId!;
    if (Date.now() > until) throw new Error(`${name} started no execution`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const approvalAction = (pipelineName: string, pipelineExecutionId: string) => actionExecution(server.clientConfig, pipelineName, pipelineExecutionId, 'Approve');

beforeAll(async () => {
  await setUpSource(server.clientConfig);
  topicArn = (await client(SNSClient).send(new CreateTopicCommand({ Name: 'approvals' }))).TopicArn!;
  const sqs = client(SQSClient);
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'approvals' }))).QueueUrl!;
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const allowTopic = {
    Effect: 'Allow',
    Principal: { Service: 'sns.amazonaws.com' },
    Action: 'sqs:SendMessage',
    Resource: Attributes!.QueueArn,
    Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
  };
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { Policy: JSON.stringify({ Version: '2012-10-17', Statement: [allowTopic] }) } }));
  await client(SNSClient).send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
});

describe('Approval/AWS/Manual/1', () => {
  it('notifies the topic with AWS approval JSON, waits, and succeeds once approved; a second answer is refused', async () => {
    const executionId = await start('approve-ok');
    const token = await waitingToken('approve-ok');

    const { Messages } = await client(SQSClient).send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5 }));
    const envelope = JSON.parse(Messages![0].Body!) as { Subject: string; Message: string };
    expect(envelope.Subject).toBe('APPROVAL NEEDED: AWS CodePipeline approve-ok for action Approve');
    const notification = JSON.parse(envelope.Message);
    expect(notification).toEqual({
      region: 'us-east-1',
      consoleLink: 'https://console.aws.amazon.com/codepipeline/home?region=us-east-1#/view/approve-ok',
      approval: {
        pipelineName: 'approve-ok',
        stageName: 'Review',
        actionName: 'Approve',
        token,
        expires: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/),
        externalEntityLink: 'https://beta.example.com',
        approvalReviewLink: `https://console.aws.amazon.com/codepipeline/home?region=us-east-1#/view/approve-ok/Review/Approve/approve/${token}`,
        customData: 'Check the beta site first',
      },
    });
    const expires = Date.parse(notification.approval.expires);
    expect(Math.abs(expires - (Date.now() + SEVEN_DAYS_MS))).toBeLessThan(2 * 60_000);

    const codepipeline = client(CodePipelineClient);
    const answer = { pipelineName: 'approve-ok', stageName: 'Review', actionName: 'Approve', token, result: { status: 'Approved' as const, summary: 'Looks good' } };
    await codepipeline.send(new PutApprovalResultCommand(answer));
    expect(await ended('approve-ok', executionId)).toBe('Succeeded');
    const action = await approvalAction('approve-ok', executionId);
    expect(action.status).toBe('Succeeded');
    expect(action.output?.executionResult?.externalExecutionSummary).toBe('Looks good');
    await expectAwsError(codepipeline.send(new PutApprovalResultCommand(answer)), { code: 'ApprovalAlreadyCompletedException', status: 400 });
  });

  it('fails the execution when rejected, and refuses a token that is not the action’s', async () => {
    const executionId = await start('approve-reject');
    const token = await waitingToken('approve-reject');
    const codepipeline = client(CodePipelineClient);
    const answer = { pipelineName: 'approve-reject', stageName: 'Review', actionName: 'Approve', result: { status: 'Rejected' as const, summary: 'Not today' } };
    await expectAwsError(codepipeline.send(new PutApprovalResultCommand({ ...answer, token: '00000000-0000-0000-0000-000000000000' })), {
      code: 'InvalidApprovalTokenException',
      status: 400,
    });
    await codepipeline.send(new PutApprovalResultCommand({ ...answer, token }));
    expect(await ended('approve-reject', executionId)).toBe('Failed');
    expect((await approvalAction('approve-reject', executionId)).status).toBe('Failed');
  });

  it('fails after 7 days of Drydock time without an answer', async () => {
    const executionId = await start('approve-timeout');
    await waitingToken('approve-timeout');
    await server.advanceClock(SEVEN_DAYS_MS - 60_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await approvalAction('approve-timeout', executionId)).status).toBe('InProgress');
    await server.advanceClock(2 * 60_000);
    expect(await ended('approve-timeout', executionId)).toBe('Failed');
    const action = await approvalAction('approve-timeout', executionId);
    expect(JSON.stringify(action.output?.executionResult)).toContain('expired');
  });

  it('drydock pipelines approve answers the waiting approval with its current token', async () => {
    const env = { AWS_ENDPOINT_URL: server.url };
    const executionId = await start('approve-cli');
    await waitingToken('approve-cli');
    const run = await drydock(['pipelines', 'approve', 'approve-cli', 'Review', 'Approve', '--summary', 'ship it', '--json'], env);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({ pipelineName: 'approve-cli', stageName: 'Review', actionName: 'Approve', status: 'Approved', summary: 'ship it' });
    expect(await ended('approve-cli', executionId)).toBe('Succeeded');
    const again = await drydock(['pipelines', 'approve', 'approve-cli', 'Review', 'Approve'], env);
    expect(again).toEqual({ code: 1, stdout: '', stderr: 'drydock: approve-cli/Review/Approve is not waiting for an approval\n' });
  });
});

describe('Approval/AWS/Manual/1 across a restart', () => {
  it('waits on with the same token and expiry, and takes the answer given after the restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drydock-pipeline-approval-'));
    let running = await startTestServer({ dataDir });
    try {
      await setUpSource(running.clientConfig);
      await createApprovalPipeline(running.clientConfig, 'approve-restart');
      const tokenOn = async (codepipeline: CodePipelineClient) => {
        const until = Date.now() + 20_000;
        for (;;) {
          const { stageStates } = await codepipeline.send(new GetPipelineStateCommand({ name: 'approve-restart' }));
          const latest = stageStates?.find((s) => s.stageName === 'Review')?.actionStates?.[0]?.latestExecution;
          if (latest?.status === 'InProgress' && latest.token) return latest.token;
          if (Date.now() > until) throw new Error(`never waited: ${JSON.stringify(stageStates)}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      const token = await tokenOn(new CodePipelineClient(running.clientConfig));
      await running.stop();
      running = await startTestServer({ dataDir });

      const codepipeline = new CodePipelineClient(running.clientConfig);
      expect(await tokenOn(codepipeline)).toBe(token);
      await codepipeline.send(
        new PutApprovalResultCommand({ pipelineName: 'approve-restart', stageName: 'Review', actionName: 'Approve', token, result: { status: 'Approved', summary: 'after restart' } }),
      );
      const until = Date.now() + 20_000;
      let summary = (await codepipeline.send(new ListPipelineExecutionsCommand({ pipelineName: 'approve-restart' }))).pipelineExecutionSummaries![0];
      while (summary.status === 'InProgress' && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        summary = (await codepipeline.send(new ListPipelineExecutionsCommand({ pipelineName: 'approve-restart' }))).pipelineExecutionSummaries![0];
      }
      expect(summary.status).toBe('Succeeded');
    } finally {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
