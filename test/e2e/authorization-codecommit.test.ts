/**
 * CodeCommit condition keys on the authorization step: `codecommit:References` for DeleteFile and
 * CreateBranch (beside the writes codecommit-authorization.test.ts covers), `aws:RequestTag` and
 * `aws:TagKeys` where tags are written, `aws:ResourceTag` of the repository an operation names, and
 * comments authorized on their repository.
 */

import {
  CodeCommitClient,
  CreateBranchCommand,
  CreateRepositoryCommand,
  DeleteFileCommand,
  GetBranchCommand,
  GetCommentCommand,
  GetRepositoryCommand,
  PostCommentForComparedCommitCommand,
  PutFileCommand,
  TagResourceCommand,
} from '@aws-sdk/client-codecommit';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const ACCOUNT = '000000000000';
const repoArn = (name: string): string => `arn:aws:codecommit:us-east-1:${ACCOUNT}:${name}`;
const policy = (...statements: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const ALLOW_ALL = { Effect: 'Allow', Action: 'codecommit:*', Resource: '*' };

let root: CodeCommitClient;
let iam: IAMClient;
let first: string;

async function user(name: string, ...statements: object[]): Promise<CodeCommitClient> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'codecommit', PolicyDocument: policy(...statements) }));
  return new CodeCommitClient({ ...server.clientConfig, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } });
}

beforeAll(async () => {
  root = new CodeCommitClient(server.clientConfig);
  iam = new IAMClient(server.clientConfig);
  await root.send(new CreateRepositoryCommand({ repositoryName: 'guarded', tags: { team: 'web' } }));
  await root.send(new CreateRepositoryCommand({ repositoryName: 'ops-repo', tags: { team: 'ops' } }));
  first = (await root.send(new PutFileCommand({ repositoryName: 'guarded', branchName: 'main', filePath: 'a.txt', fileContent: Buffer.from('a'), commitMessage: 'first' }))).commitId!;
});

describe('codecommit:References', () => {
  const protectMain = {
    Effect: 'Deny',
    Action: ['codecommit:DeleteFile', 'codecommit:CreateBranch'],
    Resource: repoArn('guarded'),
    Condition: { StringEqualsIfExists: { 'codecommit:References': ['refs/heads/main'] }, Null: { 'codecommit:References': 'false' } },
  };

  it('DeleteFile: denied on main, allowed on another branch', async () => {
    const client = await user('file-deleter', ALLOW_ALL, protectMain);
    const del = (branchName: string, parentCommitId: string) => client.send(new DeleteFileCommand({ repositoryName: 'guarded', branchName, filePath: 'a.txt', parentCommitId }));
    await expectAwsError(del('main', first), { code: 'AccessDeniedException', status: 400, message: /codecommit:DeleteFile .* with an explicit deny/ });
    expect((await root.send(new GetBranchCommand({ repositoryName: 'guarded', branchName: 'main' }))).branch?.commitId).toBe(first);
    await root.send(new CreateBranchCommand({ repositoryName: 'guarded', branchName: 'work', commitId: first }));
    expect((await del('work', first)).commitId).toMatch(/^[0-9a-f]{40}$/);
  });

  it('CreateBranch: the branch created is the reference', async () => {
    const client = await user('brancher', ALLOW_ALL, {
      ...protectMain,
      Resource: '*',
      Action: 'codecommit:CreateBranch',
      Condition: { StringLike: { 'codecommit:References': 'refs/heads/release/*' } },
    });
    await expectAwsError(client.send(new CreateBranchCommand({ repositoryName: 'guarded', branchName: 'release/1', commitId: first })), { code: 'AccessDeniedException', status: 400 });
    await client.send(new CreateBranchCommand({ repositoryName: 'guarded', branchName: 'feature/1', commitId: first }));
    expect((await root.send(new GetBranchCommand({ repositoryName: 'guarded', branchName: 'feature/1' }))).branch?.commitId).toBe(first);
  });
});

describe('tags', () => {
  it('aws:ResourceTag is the tags of the repository the operation names', async () => {
    const client = await user('web-reader', { Effect: 'Allow', Action: 'codecommit:GetRepository', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'web' } } });
    expect((await client.send(new GetRepositoryCommand({ repositoryName: 'guarded' }))).repositoryMetadata?.repositoryName).toBe('guarded');
    await expectAwsError(client.send(new GetRepositoryCommand({ repositoryName: 'ops-repo' })), { code: 'AccessDeniedException', status: 400 });
  });

  it('aws:RequestTag and aws:TagKeys are the tags a request writes', async () => {
    const client = await user(
      'tagger',
      { Effect: 'Allow', Action: ['codecommit:CreateRepository', 'codecommit:TagResource'], Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/team': 'web' } } },
      { Effect: 'Deny', Action: 'codecommit:TagResource', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'owner' } } },
    );
    await expectAwsError(client.send(new CreateRepositoryCommand({ repositoryName: 'untagged' })), { code: 'AccessDeniedException', status: 400 });
    await expectAwsError(client.send(new CreateRepositoryCommand({ repositoryName: 'ops-tagged', tags: { team: 'ops' } })), { code: 'AccessDeniedException', status: 400 });
    expect((await client.send(new CreateRepositoryCommand({ repositoryName: 'web-tagged', tags: { team: 'web' } }))).repositoryMetadata?.repositoryName).toBe('web-tagged');
    await expectAwsError(client.send(new TagResourceCommand({ resourceArn: repoArn('web-tagged'), tags: { team: 'web', owner: 'me' } })), {
      code: 'AccessDeniedException',
      status: 400,
      message: /explicit deny/,
    });
  });
});

describe('comments', () => {
  it('are authorized on the repository they are on', async () => {
    await root.send(new PutFileCommand({ repositoryName: 'ops-repo', branchName: 'main', filePath: 'b.txt', fileContent: Buffer.from('b'), commitMessage: 'b' }));
    const commitId = (await root.send(new GetBranchCommand({ repositoryName: 'ops-repo', branchName: 'main' }))).branch!.commitId!;
    const posted = await root.send(new PostCommentForComparedCommitCommand({ repositoryName: 'ops-repo', afterCommitId: commitId, content: 'looks good' }));
    const commentId = posted.comment!.commentId!;
    const guardedOnly = await user('guarded-only', { Effect: 'Allow', Action: 'codecommit:GetComment', Resource: repoArn('guarded') });
    await expectAwsError(guardedOnly.send(new GetCommentCommand({ commentId })), { code: 'AccessDeniedException', status: 400, message: new RegExp(`on resource: ${repoArn('ops-repo')} `) });
    const opsOnly = await user('ops-only', { Effect: 'Allow', Action: 'codecommit:GetComment', Resource: repoArn('ops-repo') });
    expect((await opsOnly.send(new GetCommentCommand({ commentId }))).comment?.content).toBe('looks good');
  });
});
