/**
 * `POST /_drydock/reset` wipes every service's state, including what lives outside the database:
 * CodeCommit's bare repositories are deleted and CodeBuild's running builds are stopped first, and
 * the server keeps serving (new repositories take pushes again).
 */

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BatchGetBuildsCommand, CodeBuildClient, CreateProjectCommand, ListBuildsCommand, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { CodeCommitClient, CreateRepositoryCommand, GetBranchCommand, ListRepositoriesCommand, PutFileCommand } from '@aws-sdk/client-codecommit';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { CODEBUILD_TRUST, runProcesses } from './codebuild-helpers.js';

const server = useServer();
let cc: CodeCommitClient;
let cb: CodeBuildClient;
let iam: IAMClient;

beforeAll(async () => {
  cc = new CodeCommitClient(server.clientConfig);
  cb = new CodeBuildClient(server.clientConfig);
  iam = new IAMClient(server.clientConfig);
});

const gitDirs = () => readdirSync(join(server.dataDir, 'codecommit')).filter((name) => name.endsWith('.git'));

async function reset(): Promise<void> {
  const res = await fetch(`${server.url}/_drydock/reset`, { method: 'POST' });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ reset: true });
}

describe('POST /_drydock/reset', () => {
  it('deletes bare repositories and stops running builds before wiping their records', async () => {
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'doomed' }));
    await cc.send(new PutFileCommand({ repositoryName: 'doomed', branchName: 'main', filePath: 'a.txt', fileContent: Buffer.from('a') }));
    expect(gitDirs()).toHaveLength(1);
    const role = (await iam.send(new CreateRoleCommand({ RoleName: 'reset-build', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
    const marker = 'sleep 47.123';
    await cb.send(
      new CreateProjectCommand({
        name: 'long',
        serviceRole: role,
        artifacts: { type: 'NO_ARTIFACTS' },
        source: { type: 'NO_SOURCE', buildspec: `version: 0.2\nphases:\n  build:\n    commands:\n      - ${marker}\n` },
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
      }),
    );
    const id = (await cb.send(new StartBuildCommand({ projectName: 'long' }))).build!.id!;
    for (let i = 0; i < 200 && runProcesses(id, marker).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(runProcesses(id, marker)).not.toEqual([]);
    expect((await cb.send(new BatchGetBuildsCommand({ ids: [id] }))).builds![0].currentPhase).toBe('BUILD');

    await reset();

    expect(gitDirs()).toEqual([]);
    expect(runProcesses(id, marker)).toEqual([]);
    expect((await cc.send(new ListRepositoriesCommand({}))).repositories).toEqual([]);
    expect((await cb.send(new ListBuildsCommand({}))).ids).toEqual([]);
  });

  it('keeps serving: a repository created after the reset takes commits again', async () => {
    await reset();
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'reborn' }));
    const { commitId } = await cc.send(new PutFileCommand({ repositoryName: 'reborn', branchName: 'main', filePath: 'b.txt', fileContent: Buffer.from('b') }));
    expect((await cc.send(new GetBranchCommand({ repositoryName: 'reborn', branchName: 'main' }))).branch!.commitId).toBe(commitId);
    expect(gitDirs()).toHaveLength(1);
  });
});
