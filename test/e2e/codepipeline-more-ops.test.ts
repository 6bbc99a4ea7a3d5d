/**
 * CodePipeline's remaining operations with the SDK client: PutActionRevision (a new revision
 * starts an execution, a known one does not), ListDeployActionExecutionTargets, the custom action
 * timeout on the clock (also across a restart), keyset pages of ListPipelineExecutions, and the reasons of the operations
 * left 501.
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
  ListActionExecutionsCommand,
  ListDeployActionExecutionTargetsCommand,
  ListPipelineExecutionsCommand,
  PollForJobsCommand,
  PutActionRevisionCommand,
  PutJobSuccessResultCommand,
  RegisterWebhookWithThirdPartyCommand,
  StartPipelineExecutionCommand,
  UpdateActionTypeCommand,
} from '@aws-sdk/client-codepipeline';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, startTestServer, useServer } from '../helpers.js';
import { ACCOUNT, actionExecution, createAdminRoles, createSourceThenStage, createVersionedBuckets, executionEnded, firstEndedExecution, putSourceZip } from './codepipeline-helpers.js';

const server = useServer();
const cp = () => new CodePipelineClient(server.clientConfig);
const ROLE = `arn:aws:iam::${ACCOUNT}:role/more-ops-role`;
const ARTIFACTS = 'more-ops-artifacts';
const SOURCES = 'more-ops-sources';
const WORK: ActionTypeId = { category: 'Build', owner: 'Custom', provider: 'MoreOpsWork', version: '1' };
const ONE_DAY_MS = 24 * 60 * 60 * 1000;

/** A pipeline: an S3 source (no polling), then one custom action of `type`. */
function createPipeline(name: string, type: ActionTypeId) {
  return createSourceThenStage(server.clientConfig, {
    name,
    roleArn: ROLE,
    artifactBucket: ARTIFACTS,
    source: { bucket: SOURCES, key: `${name}.zip`, artifact: 'Src' },
    stage: { name: 'Work', actions: [{ name: 'Work', actionTypeId: type, inputArtifacts: [{ name: 'Src' }] }] },
  });
}

const putSource = (name: string, text: string) => putSourceZip(server.clientConfig, SOURCES, { 'app.txt': text }, `${name}.zip`);

async function pollJob(type: ActionTypeId) {
  for (let i = 0; i < 500; i++) {
    const { jobs } = await cp().send(new PollForJobsCommand({ actionTypeId: type }));
    if (jobs?.length) return jobs[0]!;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no job of ${type.provider}`);
}

beforeAll(async () => {
  await createAdminRoles(server.clientConfig, { 'more-ops-role': 'codepipeline.amazonaws.com' });
  await createVersionedBuckets(server.clientConfig, [ARTIFACTS, SOURCES]);
  for (const type of [WORK]) {
    await cp().send(new CreateCustomActionTypeCommand({ ...type, inputArtifactDetails: { minimumCount: 0, maximumCount: 1 }, outputArtifactDetails: { minimumCount: 0, maximumCount: 0 } }));
  }
});

describe('PutActionRevision', () => {
  it('starts an execution for a new revision, fetching exactly it, and none for a revision already seen', async () => {
    const first = await putSource('revisions', 'one');
    await createPipeline('revisions', WORK);
    const created = await pollJob(WORK);
    await cp().send(new PutJobSuccessResultCommand({ jobId: created.id }));
    expect((await firstEndedExecution(server.clientConfig, 'revisions')).status).toBe('Succeeded');

    const second = await putSource('revisions', 'two');
    await putSource('revisions', 'three');
    const revision = { revisionId: second, revisionChangeId: second, created: new Date() };
    const answer = await cp().send(new PutActionRevisionCommand({ pipelineName: 'revisions', stageName: 'Source', actionName: 'Source', actionRevision: revision }));
    expect(answer.newRevision).toBe(true);
    const job = await pollJob(WORK);
    await cp().send(new PutJobSuccessResultCommand({ jobId: job.id }));
    expect(await executionEnded(server.clientConfig, 'revisions', answer.pipelineExecutionId!, 20_000, 50)).toBe('Succeeded');
    const { pipelineExecution } = await cp().send(new GetPipelineExecutionCommand({ pipelineName: 'revisions', pipelineExecutionId: answer.pipelineExecutionId }));
    expect(pipelineExecution?.trigger).toEqual({ triggerType: 'PutActionRevision', triggerDetail: expect.stringContaining(':root') });
    // The named version, not the newest one.
    expect(pipelineExecution?.artifactRevisions?.[0]?.revisionId).toBe(second);

    const again = await cp().send(new PutActionRevisionCommand({ pipelineName: 'revisions', stageName: 'Source', actionName: 'Source', actionRevision: revision }));
    expect(again).toMatchObject({ newRevision: false, pipelineExecutionId: answer.pipelineExecutionId });
    const old = await cp().send(
      new PutActionRevisionCommand({ pipelineName: 'revisions', stageName: 'Source', actionName: 'Source', actionRevision: { ...revision, revisionId: first, revisionChangeId: first } }),
    );
    expect(old.newRevision).toBe(false);
  });

  it('refuses unknown pipelines, stages and actions, and actions that are not sources', async () => {
    const revision = { revisionId: 'r1', revisionChangeId: 'r1', created: new Date() };
    await expectAwsError(cp().send(new PutActionRevisionCommand({ pipelineName: 'nope', stageName: 'Source', actionName: 'Source', actionRevision: revision })), {
      code: 'PipelineNotFoundException',
      status: 400,
    });
    await expectAwsError(cp().send(new PutActionRevisionCommand({ pipelineName: 'revisions', stageName: 'Nope', actionName: 'Source', actionRevision: revision })), {
      code: 'StageNotFoundException',
      status: 400,
    });
    await expectAwsError(cp().send(new PutActionRevisionCommand({ pipelineName: 'revisions', stageName: 'Source', actionName: 'Nope', actionRevision: revision })), {
      code: 'ActionNotFoundException',
      status: 400,
    });
    await expectAwsError(cp().send(new PutActionRevisionCommand({ pipelineName: 'revisions', stageName: 'Work', actionName: 'Work', actionRevision: revision })), {
      code: 'ValidationException',
      status: 400,
      message: /not a source action/,
    });
  });
});

describe('ListDeployActionExecutionTargets', () => {
  it('answers no targets for an action execution Drydock ran, and AWS errors for unknown ones', async () => {
    const { pipelineExecutionSummaries } = await cp().send(new ListPipelineExecutionsCommand({ pipelineName: 'revisions' }));
    const source = await actionExecution(server.clientConfig, 'revisions', pipelineExecutionSummaries![0].pipelineExecutionId!, 'Source');
    const answer = await cp().send(new ListDeployActionExecutionTargetsCommand({ pipelineName: 'revisions', actionExecutionId: source.actionExecutionId }));
    expect(answer.targets).toEqual([]);
    expect((await cp().send(new ListDeployActionExecutionTargetsCommand({ actionExecutionId: source.actionExecutionId }))).targets).toEqual([]);
    await expectAwsError(cp().send(new ListDeployActionExecutionTargetsCommand({ pipelineName: 'nope', actionExecutionId: source.actionExecutionId })), {
      code: 'PipelineNotFoundException',
      status: 400,
    });
    await expectAwsError(cp().send(new ListDeployActionExecutionTargetsCommand({ actionExecutionId: '00000000-0000-0000-0000-000000000000' })), {
      code: 'ActionExecutionNotFoundException',
      status: 400,
    });
  });
});

describe('custom action timeouts', () => {
  it('fails a custom action nobody finishes within 24 hours of Drydock time; its job ends TimedOut and a late result is refused', async () => {
    await putSource('unanswered', 'x');
    await createPipeline('unanswered', WORK);
    const job = await pollJob(WORK);
    await server.advanceClock(ONE_DAY_MS - 60_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { pipelineExecutionSummaries } = await cp().send(new ListPipelineExecutionsCommand({ pipelineName: 'unanswered' }));
    expect(pipelineExecutionSummaries?.[0]?.status).toBe('InProgress');
    await server.advanceClock(2 * 60_000);
    const run = await firstEndedExecution(server.clientConfig, 'unanswered');
    expect(run.status).toBe('Failed');
    expect((await actionExecution(server.clientConfig, 'unanswered', run.id, 'Work')).output?.executionResult?.errorDetails?.message).toMatch(/within 24 hours/);
    expect((await cp().send(new AcknowledgeJobCommand({ jobId: job.id, nonce: job.nonce }))).status).toBe('TimedOut');
    await expectAwsError(cp().send(new PutJobSuccessResultCommand({ jobId: job.id })), { code: 'InvalidJobStateException', status: 400 });
  });
});

describe('custom action timeout across a restart', () => {
  it('still fails the action 24 hours after it started, counted from its stored start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drydock-codepipeline-timeout-'));
    let restarted = await startTestServer({ dataDir });
    try {
      await createAdminRoles(restarted.clientConfig, { 'timeout-role': 'codepipeline.amazonaws.com' });
      await createVersionedBuckets(restarted.clientConfig, ['timeout-artifacts']);
      let client = new CodePipelineClient(restarted.clientConfig);
      const type: ActionTypeId = { category: 'Test', owner: 'Custom', provider: 'TimeoutWork', version: '1' };
      await client.send(new CreateCustomActionTypeCommand({ ...type, inputArtifactDetails: { minimumCount: 0, maximumCount: 0 }, outputArtifactDetails: { minimumCount: 0, maximumCount: 0 } }));
      const source: ActionTypeId = { ...type, category: 'Source', provider: 'TimeoutSource' };
      await client.send(new CreateCustomActionTypeCommand({ ...source, inputArtifactDetails: { minimumCount: 0, maximumCount: 0 }, outputArtifactDetails: { minimumCount: 0, maximumCount: 0 } }));
      await client.send(
        new CreatePipelineCommand({
          pipeline: {
            name: 'timeout',
            roleArn: `arn:aws:iam::${ACCOUNT}:role/timeout-role`,
            artifactStore: { type: 'S3', location: 'timeout-artifacts' },
            stages: [
              { name: 'One', actions: [{ name: 'Wait', actionTypeId: source }] },
              { name: 'Two', actions: [{ name: 'Never', actionTypeId: type }] },
            ],
          },
        }),
      );
      const { jobs } = await client.send(new PollForJobsCommand({ actionTypeId: source }));
      expect(jobs).toHaveLength(1);
      await restarted.stop();

      restarted = await startTestServer({ dataDir });
      client = new CodePipelineClient(restarted.clientConfig);
      await restarted.advanceClock(ONE_DAY_MS + 60_000);
      const run = await firstEndedExecution(restarted.clientConfig, 'timeout');
      expect(run.status).toBe('Failed');
      expect((await actionExecution(restarted.clientConfig, 'timeout', run.id, 'Wait')).output?.executionResult?.errorDetails?.message).toMatch(/within 24 hours/);
    } finally {
      await restarted.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('ListPipelineExecutions and ListActionExecutions pages', () => {
  it('pages newest first with its tokens and refuses a token it did not issue', async () => {
    for (let i = 0; i < 3; i++) await cp().send(new StartPipelineExecutionCommand({ name: 'revisions' }));
    const all = (await cp().send(new ListPipelineExecutionsCommand({ pipelineName: 'revisions' }))).pipelineExecutionSummaries!.map((s) => s.pipelineExecutionId);
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await cp().send(new ListPipelineExecutionsCommand({ pipelineName: 'revisions', maxResults: 2, nextToken }));
      seen.push(...page.pipelineExecutionSummaries!.map((s) => s.pipelineExecutionId!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen).toEqual(all);
    await expectAwsError(cp().send(new ListPipelineExecutionsCommand({ pipelineName: 'revisions', nextToken: 'bogus' })), { code: 'InvalidNextTokenException', status: 400 });
  });

  it('pages ListActionExecutions across executions, newest first, with or without an execution filter', async () => {
    const pages = async (filter?: { pipelineExecutionId: string }) => {
      const ids: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await cp().send(new ListActionExecutionsCommand({ pipelineName: 'revisions', maxResults: 1, nextToken, filter }));
        ids.push(...page.actionExecutionDetails!.map((d) => d.actionExecutionId!));
        nextToken = page.nextToken;
      } while (nextToken);
      return ids;
    };
    const all = (await cp().send(new ListActionExecutionsCommand({ pipelineName: 'revisions' }))).actionExecutionDetails!;
    expect(all.length).toBeGreaterThan(3);
    expect(await pages()).toEqual(all.map((d) => d.actionExecutionId));
    const execution = all.find((d) => d.actionName === 'Work')!.pipelineExecutionId!;
    const ofExecution = all.filter((d) => d.pipelineExecutionId === execution).map((d) => d.actionExecutionId);
    expect(await pages({ pipelineExecutionId: execution })).toEqual(ofExecution);
    await expectAwsError(cp().send(new ListActionExecutionsCommand({ pipelineName: 'revisions', nextToken: 'bogus' })), { code: 'InvalidNextTokenException', status: 400 });
  });
});

describe('operations left unimplemented', () => {
  it('answer 501 with the reason', async () => {
    const err = await expectAwsError(cp().send(new RegisterWebhookWithThirdPartyCommand({ webhookName: 'hook' })), { code: 'NotImplemented', status: 501 });
    expect(err.message).toContain('GitHub');
    const declaration = {
      id: { category: 'Build' as const, owner: 'ThirdParty', provider: 'Partner', version: '1' },
      executor: { type: 'JobWorker' as const, configuration: { jobWorkerExecutorConfiguration: {} } },
      inputArtifactDetails: { minimumCount: 0, maximumCount: 1 },
      outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
    };
    const update = await expectAwsError(cp().send(new UpdateActionTypeCommand({ actionType: declaration })), { code: 'NotImplemented', status: 501 });
    expect(update.message).toContain('Drydock has none');
  });
});
