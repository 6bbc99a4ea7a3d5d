/**
 * Inactive pipelines stop polling, as AWS's pipeline structure reference says: 30 days of Drydock's
 * clock without an execution started, and GetPipeline's metadata.pollingDisabledAt shows when
 * (the last start plus 30 days); a new version of the S3 source then starts nothing. An execution
 * started by hand makes the pipeline active again: the field goes and polling starts executions
 * again. A pipeline without polling sources never shows the field.
 */
import { CodePipelineClient, CreatePipelineCommand, GetPipelineCommand, ListActionExecutionsCommand, type PipelineDeclaration, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { ACCOUNT, createAdminRoles, createVersionedBuckets, executionsOf, manualApprovalStage, moreExecutionsThan, putSourceZip, sourceThenStage } from './codepipeline-helpers.js';

const server = useServer();
const cp = () => new CodePipelineClient(server.clientConfig);
const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60_000;

/** An S3 source (polling unless `poll` is "false"), then a manual approval nobody answers: executions only need to start. */
function pipeline(name: string, poll: 'true' | 'false'): PipelineDeclaration {
  return sourceThenStage({
    name,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/inactive-role`,
    artifactBucket: 'inactive-artifacts',
    source: { bucket: 'inactive-source', artifact: 'Src', poll },
    stage: manualApprovalStage('Approve'),
  });
}

const executions = (name: string) => executionsOf(server.clientConfig, name);

const metadata = async (name: string) => (await cp().send(new GetPipelineCommand({ name }))).metadata!;

const newSourceVersion = (text: string) => putSourceZip(server.clientConfig, 'inactive-source', { 'app.txt': text });

const moreThan = (name: string, count: number) => moreExecutionsThan(server.clientConfig, name, count);

/** Waits until the execution's Source action has succeeded (what it fetched is then known to polling). */
async function sourceSucceeded(name: string, pipelineExecutionId: string): Promise<void> {
  const until = Date.now() + 15_000;
  for (;;) {
    const { actionExecutionDetails } = await cp().send(new ListActionExecutionsCommand({ pipelineName: name, filter: { pipelineExecutionId } }));
    if (actionExecutionDetails?.some((detail) => detail.actionName === 'Source' && detail.status === 'Succeeded')) return;
    if (Date.now() > until) throw new Error(`the Source action of ${name} ${pipelineExecutionId} did not succeed: ${JSON.stringify(actionExecutionDetails)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  await createAdminRoles(server.clientConfig, { 'inactive-role': 'codepipeline.amazonaws.com' });
  await createVersionedBuckets(server.clientConfig, ['inactive-source', 'inactive-artifacts']);
  await newSourceVersion('v1');
});

describe('polling of inactive pipelines', () => {
  it('is disabled 30 days after the last execution started, shown by GetPipeline, and resumes once an execution starts', async () => {
    await cp().send(new CreatePipelineCommand({ pipeline: pipeline('inactive', 'true') }));
    await cp().send(new CreatePipelineCommand({ pipeline: pipeline('event-based', 'false') }));
    const [first] = await executions('inactive');
    await server.advanceClock(29 * DAY_MS);
    expect((await metadata('inactive')).pollingDisabledAt).toBeUndefined();

    await server.advanceClock(DAY_MS + MINUTE_MS);
    expect((await metadata('inactive')).pollingDisabledAt).toEqual(new Date(first.startTime!.getTime() + 30 * DAY_MS));
    expect((await metadata('event-based')).pollingDisabledAt).toBeUndefined();

    // An active pipeline polled after it in the same round (pipelines are polled by name) shows that round has passed.
    await cp().send(new CreatePipelineCommand({ pipeline: pipeline('zz-active', 'true') }));
    await sourceSucceeded('zz-active', (await executions('zz-active'))[0].pipelineExecutionId!);
    await newSourceVersion('v2');
    await server.advanceClock(2 * MINUTE_MS);
    await moreThan('zz-active', 1);
    expect(await executions('inactive')).toHaveLength(1);

    const { pipelineExecutionId } = await cp().send(new StartPipelineExecutionCommand({ name: 'inactive' }));
    expect((await metadata('inactive')).pollingDisabledAt).toBeUndefined();
    await sourceSucceeded('inactive', pipelineExecutionId!);
    await newSourceVersion('v3');
    await server.advanceClock(2 * MINUTE_MS);
    const all = await moreThan('inactive', 2);
    expect(all[0].trigger?.triggerType).toBe('PollForSourceChanges');
  }, 60_000);
});
