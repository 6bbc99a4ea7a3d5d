/**
 * Stage conditions across a Drydock restart: an execution waiting on a DeploymentWindow entry rule
 * resumes that same rule execution after the restart and enters the stage once the window opens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodePipelineClient, GetPipelineStateCommand, ListRuleExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers.js';
import { ACCOUNT, createAdminRoles, createSourceThenStage, createVersionedBuckets, executionEnded } from './codepipeline-helpers.js';

const HOUR = 3_600_000;
const dataDir = mkdtempSync(join(tmpdir(), 'drydock-codepipeline-conditions-'));
let server: TestServer | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function waitingRule(cp: CodePipelineClient) {
  for (let i = 0; i < 500; i++) {
    const { ruleExecutionDetails } = await cp.send(new ListRuleExecutionsCommand({ pipelineName: 'durable-window' }));
    if (ruleExecutionDetails?.[0]?.status === 'InProgress') return ruleExecutionDetails[0];
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the DeploymentWindow rule never started');
}

describe('stage conditions across a restart', () => {
  it('resumes a DeploymentWindow rule that was waiting and lets the execution in when the window opens', async () => {
    server = await startTestServer({ dataDir });
    await createAdminRoles(server.clientConfig, { 'durable-conditions-role': 'codepipeline.amazonaws.com' });
    await createVersionedBuckets(server.clientConfig, ['durable-conditions-source', 'durable-conditions-artifacts']);
    await new S3Client(server.clientConfig).send(new PutObjectCommand({ Bucket: 'durable-conditions-source', Key: 'app.zip', Body: 'v1' }));
    const windowHour = (new Date(await server!.advanceClock(0)).getUTCHours() + 3) % 24;
    let cp = new CodePipelineClient(server.clientConfig);
    await createSourceThenStage(server.clientConfig, {
      name: 'durable-window',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/durable-conditions-role`,
      pipelineType: 'V2',
      artifactBucket: 'durable-conditions-artifacts',
      source: { bucket: 'durable-conditions-source', artifact: 'Code' },
      stage: {
        name: 'Release',
        beforeEntry: {
          conditions: [
            {
              result: 'FAIL',
              rules: [{ name: 'Window', ruleTypeId: { category: 'Rule', owner: 'AWS', provider: 'DeploymentWindow', version: '1' }, configuration: { Cron: `* * ${windowHour} ? * * *` } }],
            },
          ],
        },
        actions: [
          {
            name: 'Deploy',
            actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
            configuration: { BucketName: 'durable-conditions-artifacts', Extract: 'false', ObjectKey: 'deployed/app.zip' },
            inputArtifacts: [{ name: 'Code' }],
          },
        ],
      },
    });
    const before = await waitingRule(cp);
    await server.stop();

    server = await startTestServer({ dataDir });
    cp = new CodePipelineClient(server.clientConfig);
    const release = (await cp.send(new GetPipelineStateCommand({ name: 'durable-window' }))).stageStates!.find((s) => s.stageName === 'Release')!;
    expect(release.beforeEntryConditionState?.latestExecution?.status).toBe('InProgress');
    const now = await server!.advanceClock(0);
    const opening = Math.floor(now / HOUR) * HOUR + (((windowHour - new Date(now).getUTCHours() + 24) % 24) * HOUR || 24 * HOUR);
    await server!.advanceClock(opening + 60_000 - now);
    expect(await executionEnded(server.clientConfig, 'durable-window', before.pipelineExecutionId!, 30_000, 20)).toBe('Succeeded');
    const { ruleExecutionDetails } = await cp.send(new ListRuleExecutionsCommand({ pipelineName: 'durable-window' }));
    expect(ruleExecutionDetails!.map((r) => [r.ruleExecutionId, r.status])).toEqual([[before.ruleExecutionId, 'Succeeded']]);
  }, 60_000);
});
