/**
 * PollForSourceChanges with the real clients: without any EventBridge rule, a `git push` to a
 * CodeCommit branch and a new version of an S3 object start the pipelines that poll (the key absent,
 * AWS's default, or "true") once Drydock's clock passes the poll interval, with trigger
 * PollForSourceChanges, and not those with "false"; an unchanged source starts nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CodeCommitClient, CreateRepositoryCommand } from '@aws-sdk/client-codecommit';
import { CodePipelineClient, CreatePipelineCommand, GetPipelineExecutionCommand, type PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { GitRunner, rootUrl } from './codecommit-git-helpers.js';
import { ACCOUNT, createAdminRoles, createVersionedBuckets, executionEnded, executionsOf, moreExecutionsThan, putSourceZip } from './codepipeline-helpers.js';

const server = useServer();
const cp = () => new CodePipelineClient(server.clientConfig);
const ROLE = `arn:aws:iam::${ACCOUNT}:role/polling-role`;
const ARTIFACTS = 'polling-artifacts';
const POLL_INTERVAL_MS = 60_000;
const git = new GitRunner();

/** A source action, then a Deploy S3 stage extracting its artifact. */
function pipeline(name: string, source: { provider: 'CodeCommit' | 'S3'; configuration: Record<string, string> }): PipelineDeclaration {
  return {
    name,
    roleArn: ROLE,
    artifactStore: { type: 'S3', location: ARTIFACTS },
    stages: [
      {
        name: 'Source',
        actions: [
          {
            name: 'Source',
            actionTypeId: { category: 'Source', owner: 'AWS', provider: source.provider, version: '1' },
            configuration: source.configuration,
            outputArtifacts: [{ name: 'Src' }],
          },
        ],
      },
      {
        name: 'Deploy',
        actions: [
          {
            name: 'Extract',
            actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
            configuration: { BucketName: 'polling-site', Extract: 'true' },
            inputArtifacts: [{ name: 'Src' }],
          },
        ],
      },
    ],
  };
}

const executions = (name: string) => executionsOf(server.clientConfig, name);

/** Waits for every execution of the pipelines to end; answers how many each has. */
async function settled(...names: string[]): Promise<number[]> {
  const counts = [];
  for (const name of names) {
    const all = await executions(name);
    for (const execution of all) expect(await executionEnded(server.clientConfig, name, execution.pipelineExecutionId!, 30_000, 25)).toBe('Succeeded');
    counts.push(all.length);
  }
  return counts;
}

const moreThan = (name: string, count: number) => moreExecutionsThan(server.clientConfig, name, count);

beforeAll(async () => {
  await createAdminRoles(server.clientConfig, { 'polling-role': 'codepipeline.amazonaws.com' });
  await createVersionedBuckets(server.clientConfig, [ARTIFACTS, 'polling-site', 'polling-objects']);
});

describe('PollForSourceChanges', () => {
  it('starts a polling CodeCommit pipeline after a push once the clock passes the poll interval, and not one with polling off', async () => {
    await new CodeCommitClient(server.clientConfig).send(new CreateRepositoryCommand({ repositoryName: 'polling-app' }));
    const work = git.dir('polling-app');
    await git.ok(['clone', '-q', rootUrl(server, 'polling-app'), '.'], { cwd: work });
    const push = async (text: string) => {
      writeFileSync(join(work, 'app.txt'), text);
      await git.ok(['add', '.'], { cwd: work });
      await git.ok(['commit', '-q', '-m', text], { cwd: work });
      await git.ok(['push', '-q', 'origin', 'HEAD:main'], { cwd: work });
      return (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).trim();
    };
    await push('one');
    const repository = { RepositoryName: 'polling-app', BranchName: 'main' };
    // "poll-a…" sorts before "poll-b…": the pass that starts poll-b has already looked at poll-a.
    await cp().send(new CreatePipelineCommand({ pipeline: pipeline('poll-a-off', { provider: 'CodeCommit', configuration: { ...repository, PollForSourceChanges: 'false' } }) }));
    await cp().send(new CreatePipelineCommand({ pipeline: pipeline('poll-b-default', { provider: 'CodeCommit', configuration: repository }) }));
    expect(await settled('poll-a-off', 'poll-b-default')).toEqual([1, 1]);

    // Whenever a poll looks (the clock's real-time minute may also pass), the change is since the revision the last execution built.
    const second = await push('two');
    await server.advanceClock(POLL_INTERVAL_MS + 1_000);
    const [started] = await moreThan('poll-b-default', 1);
    expect(started.trigger).toEqual({ triggerType: 'PollForSourceChanges', triggerDetail: 'Source' });
    expect(await executionEnded(server.clientConfig, 'poll-b-default', started.pipelineExecutionId!, 30_000, 25)).toBe('Succeeded');
    const { pipelineExecution } = await cp().send(new GetPipelineExecutionCommand({ pipelineName: 'poll-b-default', pipelineExecutionId: started.pipelineExecutionId }));
    expect(pipelineExecution?.artifactRevisions?.[0]?.revisionId).toBe(second);
    expect(await executions('poll-a-off')).toHaveLength(1);

    // The branch did not move again: the next poll starts nothing.
    await server.advanceClock(POLL_INTERVAL_MS + 1_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await settled('poll-a-off', 'poll-b-default')).toEqual([1, 2]);
  });

  it('starts a polling S3 pipeline when its object gets a new version', async () => {
    const upload = (text: string) => putSourceZip(server.clientConfig, 'polling-objects', { 'app.txt': text });
    await upload('one');
    const object = { S3Bucket: 'polling-objects', S3ObjectKey: 'app.zip' };
    await cp().send(new CreatePipelineCommand({ pipeline: pipeline('poll-s3-a-off', { provider: 'S3', configuration: { ...object, PollForSourceChanges: 'false' } }) }));
    await cp().send(new CreatePipelineCommand({ pipeline: pipeline('poll-s3-b-on', { provider: 'S3', configuration: { ...object, PollForSourceChanges: 'true' } }) }));
    expect(await settled('poll-s3-a-off', 'poll-s3-b-on')).toEqual([1, 1]);

    const version = await upload('two');
    await server.advanceClock(POLL_INTERVAL_MS + 1_000);
    const [started] = await moreThan('poll-s3-b-on', 1);
    expect(started.trigger?.triggerType).toBe('PollForSourceChanges');
    expect(await executionEnded(server.clientConfig, 'poll-s3-b-on', started.pipelineExecutionId!, 30_000, 25)).toBe('Succeeded');
    const { pipelineExecution } = await cp().send(new GetPipelineExecutionCommand({ pipelineName: 'poll-s3-b-on', pipelineExecutionId: started.pipelineExecutionId }));
    expect(pipelineExecution?.artifactRevisions?.[0]?.revisionId).toBe(version);
    expect(await executions('poll-s3-a-off')).toHaveLength(1);
  });
});
