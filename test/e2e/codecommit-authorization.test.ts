/**
 * CodeCommit under IAM: IAM users (and an assumed role) created through the IAM API call CodeCommit
 * with their own keys, over the API and over Git; identity policies decide, as on AWS.
 */

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CodeCommitClient,
  CreateBranchCommand,
  CreateCommitCommand,
  CreatePullRequestCommand,
  CreateRepositoryCommand,
  DeleteBranchCommand,
  GetBranchCommand,
  GetPullRequestCommand,
  GetRepositoryCommand,
  ListRepositoriesCommand,
  MergeBranchesByFastForwardCommand,
  MergeBranchesBySquashCommand,
  MergeBranchesByThreeWayCommand,
  MergePullRequestByFastForwardCommand,
  PutFileCommand,
} from '@aws-sdk/client-codecommit';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, expectAwsError, failure, startTestServer, type TestServer } from '../helpers.js';

const ACCOUNT = '000000000000';
const repoArn = (name: string): string => `arn:aws:codecommit:us-east-1:${ACCOUNT}:${name}`;
const policy = (...statements: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const ALLOW_ALL = { Effect: 'Allow', Action: 'codecommit:*', Resource: '*' };
/** The branch-protection statement from the CodeCommit User Guide ("Limit pushes and merges to branches"). */
const PROTECT_MAIN = {
  Effect: 'Deny',
  Action: [
    'codecommit:GitPush',
    'codecommit:DeleteBranch',
    'codecommit:PutFile',
    'codecommit:CreateCommit',
    'codecommit:MergeBranchesByFastForward',
    'codecommit:MergeBranchesBySquash',
    'codecommit:MergeBranchesByThreeWay',
    'codecommit:MergePullRequestByFastForward',
  ],
  Resource: repoArn('protected'),
  Condition: { StringEqualsIfExists: { 'codecommit:References': ['refs/heads/main'] }, Null: { 'codecommit:References': false } },
};

const run = promisify(execFile);

describe('CodeCommit authorization by IAM identity policies', () => {
  let server: TestServer;
  let root: CodeCommitClient;
  let iam: IAMClient;
  let work: string;
  let mainCommit: string;

  /** An IAM user with an access key and (optionally) an inline policy; its own CodeCommit client. */
  async function user(name: string, document?: string, tags?: Record<string, string>): Promise<CodeCommitClient> {
    await iam.send(new CreateUserCommand({ UserName: name, Tags: tags && Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    if (document) await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'codecommit', PolicyDocument: document }));
    return new CodeCommitClient({ ...server.clientConfig, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } });
  }

  async function git(args: string[], cwd = work): Promise<{ stdout: string; stderr: string }> {
    return run('git', args, {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: work,
        GIT_TERMINAL_PROMPT: '0',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
      },
    });
  }

  async function denied(promise: Promise<unknown>, action: string, explicit: boolean): Promise<void> {
    const error = await expectAwsError(promise, { code: 'AccessDeniedException', status: 400 });
    expect(error.message).toContain(`is not authorized to perform: codecommit:${action}`);
    expect(error.message).toContain(explicit ? 'explicit deny' : 'no identity-based policy allows');
  }

  beforeAll(async () => {
    server = await startTestServer();
    root = new CodeCommitClient(server.clientConfig);
    iam = new IAMClient(server.clientConfig);
    work = mkdtempSync(join(tmpdir(), 'drydock-cc-auth-'));
    for (const name of ['protected', 'other', 'alice-work', 'bob-work']) await root.send(new CreateRepositoryCommand({ repositoryName: name }));
    const first = await root.send(new PutFileCommand({ repositoryName: 'protected', branchName: 'main', filePath: 'README.md', fileContent: Buffer.from('hello\n'), commitMessage: 'first' }));
    mainCommit = first.commitId!;
    await root.send(new CreateBranchCommand({ repositoryName: 'protected', branchName: 'feature', commitId: mainCommit }));
    await root.send(new CreateBranchCommand({ repositoryName: 'protected', branchName: 'scratch', commitId: mainCommit }));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('root credentials (the default test keys) are always allowed', async () => {
    expect((await root.send(new GetRepositoryCommand({ repositoryName: 'protected' }))).repositoryMetadata?.repositoryName).toBe('protected');
  });

  it('an IAM user with no policy is denied everything, before any lookup', async () => {
    const nobody = await user('nobody');
    await denied(nobody.send(new GetRepositoryCommand({ repositoryName: 'protected' })), 'GetRepository', false);
    await denied(nobody.send(new ListRepositoriesCommand({})), 'ListRepositories', false);
    // A denied caller cannot tell a missing repository from an existing one.
    await denied(nobody.send(new GetRepositoryCommand({ repositoryName: 'no-such-repo' })), 'GetRepository', false);
    await denied(nobody.send(new CreateRepositoryCommand({ repositoryName: 'nobody-repo' })), 'CreateRepository', false);
    expect((await root.send(new ListRepositoriesCommand({}))).repositories!.map((r) => r.repositoryName)).not.toContain('nobody-repo');
  });

  it('Allow codecommit:* lets the user work', async () => {
    const dev = await user('dev', policy(ALLOW_ALL));
    expect((await dev.send(new GetRepositoryCommand({ repositoryName: 'other' }))).repositoryMetadata?.Arn).toBe(repoArn('other'));
    expect((await dev.send(new ListRepositoriesCommand({}))).repositories!.map((r) => r.repositoryName)).toContain('protected');
    // Allowed but missing: now the lookup answers.
    expect((await failure(dev.send(new GetRepositoryCommand({ repositoryName: 'no-such-repo' })))).name).toBe('RepositoryDoesNotExistException');
  });

  it('an explicit Deny beats an Allow, only where it applies', async () => {
    const limited = await user('limited', policy(ALLOW_ALL, { Effect: 'Deny', Action: 'codecommit:GetRepository', Resource: repoArn('protected') }));
    await denied(limited.send(new GetRepositoryCommand({ repositoryName: 'protected' })), 'GetRepository', true);
    expect((await limited.send(new GetRepositoryCommand({ repositoryName: 'other' }))).repositoryMetadata?.repositoryName).toBe('other');
    expect((await limited.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'main' }))).branch?.commitId).toBe(mainCommit);
  });

  it('policies reach users through groups and managed policies', async () => {
    const member = await user('member');
    await iam.send(new CreateGroupCommand({ GroupName: 'readers' }));
    const managed = await iam.send(new CreatePolicyCommand({ PolicyName: 'cc-read', PolicyDocument: policy({ Effect: 'Allow', Action: ['codecommit:Get*', 'codecommit:List*'], Resource: '*' }) }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'readers', PolicyArn: managed.Policy!.Arn }));
    await denied(member.send(new GetRepositoryCommand({ repositoryName: 'other' })), 'GetRepository', false);
    await iam.send(new AddUserToGroupCommand({ GroupName: 'readers', UserName: 'member' }));
    expect((await member.send(new GetRepositoryCommand({ repositoryName: 'other' }))).repositoryMetadata?.repositoryName).toBe('other');
    await denied(member.send(new CreateRepositoryCommand({ repositoryName: 'member-repo' })), 'CreateRepository', false);
  });

  it('an assumed role is authorized by the role policies', async () => {
    const trust = policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' });
    await iam.send(new CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: trust }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'ci',
        PolicyName: 'cc',
        PolicyDocument: policy({
          Effect: 'Allow',
          Action: 'codecommit:GetRepository',
          Resource: repoArn('other'),
          Condition: { StringEquals: { 'aws:PrincipalType': 'AssumedRole' }, ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/ci` } },
        }),
      }),
    );
    // AWS refuses AssumeRole to root credentials: an IAM user allowed sts:AssumeRole assumes it.
    const sts = new STSClient({ ...server.clientConfig, credentials: (await createIamUser(server.clientConfig, 'ci-assumer')).credentials });
    const session = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/ci`, RoleSessionName: 'build' }))).Credentials!;
    const ci = new CodeCommitClient({ ...server.clientConfig, credentials: { accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken } });
    expect((await ci.send(new GetRepositoryCommand({ repositoryName: 'other' }))).repositoryMetadata?.repositoryName).toBe('other');
    await denied(ci.send(new GetRepositoryCommand({ repositoryName: 'protected' })), 'GetRepository', false);
    await denied(ci.send(new ListRepositoriesCommand({})), 'ListRepositories', false);
  });

  it('${aws:username} in a Resource scopes each user to their own repositories', async () => {
    const scoped = policy({ Effect: 'Allow', Action: 'codecommit:*', Resource: 'arn:aws:codecommit:*:*:${aws:username}-*' });
    const alice = await user('alice', scoped);
    const bob = await user('bob', scoped);
    expect((await alice.send(new GetRepositoryCommand({ repositoryName: 'alice-work' }))).repositoryMetadata?.repositoryName).toBe('alice-work');
    await denied(alice.send(new GetRepositoryCommand({ repositoryName: 'bob-work' })), 'GetRepository', false);
    expect((await bob.send(new GetRepositoryCommand({ repositoryName: 'bob-work' }))).repositoryMetadata?.repositoryName).toBe('bob-work');
    await denied(bob.send(new GetRepositoryCommand({ repositoryName: 'alice-work' })), 'GetRepository', false);
    expect((await alice.send(new CreateRepositoryCommand({ repositoryName: 'alice-scratch' }))).repositoryMetadata?.repositoryName).toBe('alice-scratch');
    await denied(alice.send(new CreateRepositoryCommand({ repositoryName: 'bob-scratch' })), 'CreateRepository', false);
  });

  it('conditions on principal tags', async () => {
    const byTeam = policy({ Effect: 'Allow', Action: 'codecommit:GetRepository', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'web' } } });
    const web = await user('web-dev', byTeam, { team: 'web' });
    const ops = await user('ops-dev', byTeam, { team: 'ops' });
    expect((await web.send(new GetRepositoryCommand({ repositoryName: 'other' }))).repositoryMetadata?.repositoryName).toBe('other');
    await denied(ops.send(new GetRepositoryCommand({ repositoryName: 'other' })), 'GetRepository', false);
  });

  describe('branch protection (Deny with StringEqualsIfExists codecommit:References + Null false)', () => {
    let guarded: CodeCommitClient;
    beforeAll(async () => {
      guarded = await user('guarded', policy(ALLOW_ALL, PROTECT_MAIN));
    });

    it('PutFile: denied on main, allowed on another branch', async () => {
      const put = (branchName: string, parentCommitId: string) =>
        guarded.send(
          new PutFileCommand({
            repositoryName: 'protected',
            branchName,
            parentCommitId,
            filePath: `${branchName}.txt`,
            fileContent: Buffer.from(branchName),
            commitMessage: `on ${branchName}`,
          }),
        );
      await denied(put('main', mainCommit), 'PutFile', true);
      expect((await root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'main' }))).branch?.commitId).toBe(mainCommit);
      const feature = await put('feature', mainCommit);
      expect((await root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'feature' }))).branch?.commitId).toBe(feature.commitId);
      // Reads on main carry no reference and are not denied.
      expect((await guarded.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'main' }))).branch?.commitId).toBe(mainCommit);
    });

    it('CreateCommit: denied on main, allowed on another branch', async () => {
      const commit = (branchName: string, parentCommitId: string) =>
        guarded.send(
          new CreateCommitCommand({
            repositoryName: 'protected',
            branchName,
            parentCommitId,
            putFiles: [{ filePath: `cc-${branchName}.txt`, fileContent: Buffer.from('x') }],
          }),
        );
      await denied(commit('main', mainCommit), 'CreateCommit', true);
      expect((await root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'main' }))).branch?.commitId).toBe(mainCommit);
      const scratch = (await root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'scratch' }))).branch!.commitId!;
      expect((await commit('scratch', scratch)).commitId).toMatch(/^[0-9a-f]{40}$/);
    });

    it('merges: fast-forward, squash and three-way denied into main; fast-forward allowed into another branch', async () => {
      await denied(
        guarded.send(
          new MergeBranchesByFastForwardCommand({
            repositoryName: 'protected',
            sourceCommitSpecifier: 'feature',
            destinationCommitSpecifier: 'main',
            targetBranch: 'main',
          }),
        ),
        'MergeBranchesByFastForward',
        true,
      );
      const into = { repositoryName: 'protected', sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', targetBranch: 'main' };
      await denied(guarded.send(new MergeBranchesBySquashCommand(into)), 'MergeBranchesBySquash', true);
      await denied(guarded.send(new MergeBranchesByThreeWayCommand(into)), 'MergeBranchesByThreeWay', true);
      expect((await root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'main' }))).branch?.commitId).toBe(mainCommit);
      await root.send(new CreateBranchCommand({ repositoryName: 'protected', branchName: 'ff-target', commitId: mainCommit }));
      const merged = await guarded.send(
        new MergeBranchesByFastForwardCommand({
          repositoryName: 'protected',
          sourceCommitSpecifier: 'feature',
          destinationCommitSpecifier: 'ff-target',
          targetBranch: 'ff-target',
        }),
      );
      const feature = (await root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'feature' }))).branch!.commitId;
      expect(merged.commitId).toBe(feature);
      expect((await root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'ff-target' }))).branch?.commitId).toBe(feature);
    });

    it('MergePullRequestByFastForward: denied into main', async () => {
      const created = await root.send(new CreatePullRequestCommand({ title: 'feature', targets: [{ repositoryName: 'protected', sourceReference: 'feature', destinationReference: 'main' }] }));
      const pullRequestId = created.pullRequest!.pullRequestId!;
      await denied(guarded.send(new MergePullRequestByFastForwardCommand({ pullRequestId, repositoryName: 'protected' })), 'MergePullRequestByFastForward', true);
      expect((await root.send(new GetPullRequestCommand({ pullRequestId }))).pullRequest?.pullRequestStatus).toBe('OPEN');
      expect((await root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'main' }))).branch?.commitId).toBe(mainCommit);
    });

    it('DeleteBranch: denied for main, allowed for another branch', async () => {
      await denied(guarded.send(new DeleteBranchCommand({ repositoryName: 'protected', branchName: 'main' })), 'DeleteBranch', true);
      expect((await root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'main' }))).branch?.commitId).toBe(mainCommit);
      await root.send(new CreateBranchCommand({ repositoryName: 'protected', branchName: 'doomed', commitId: mainCommit }));
      const deleted = await guarded.send(new DeleteBranchCommand({ repositoryName: 'protected', branchName: 'doomed' }));
      expect(deleted.deletedBranch?.branchName).toBe('doomed');
      expect((await failure(root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'doomed' })))).name).toBe('BranchDoesNotExistException');
    });

    it('git push: update or delete of main denied with the AWS message, other branches allowed', async () => {
      await iam.send(new CreateUserCommand({ UserName: 'pusher' }));
      await iam.send(new PutUserPolicyCommand({ UserName: 'pusher', PolicyName: 'codecommit', PolicyDocument: policy(ALLOW_ALL, PROTECT_MAIN) }));
      const credential = (await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'pusher', ServiceName: 'codecommit.amazonaws.com' }))).ServiceSpecificCredential!;
      const url = new URL(`${server.url}/v1/repos/protected`);
      url.username = encodeURIComponent(credential.ServiceUserName!);
      url.password = encodeURIComponent(credential.ServicePassword!);
      const clone = join(work, 'clone');
      await git(['clone', '--quiet', url.toString(), clone]);
      writeFileSync(join(clone, 'pushed.txt'), 'pushed\n');
      await git(['add', 'pushed.txt'], clone);
      await git(['commit', '--quiet', '-m', 'push attempt'], clone);

      const rejected = await git(['push', 'origin', 'HEAD:refs/heads/main'], clone).then(
        () => undefined,
        (err: { stderr: string }) => err,
      );
      expect(rejected, 'the push to main must fail').toBeDefined();
      expect(rejected!.stderr).toContain('is not authorized to perform: codecommit:GitPush');
      expect((await root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'main' }))).branch?.commitId).toBe(mainCommit);

      const deletion = await git(['push', 'origin', '--delete', 'main'], clone).then(
        () => undefined,
        (err: { stderr: string }) => err,
      );
      expect(deletion, 'deleting main by push must fail').toBeDefined();
      expect(deletion!.stderr).toContain('is not authorized to perform: codecommit:GitPush');
      expect((await root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'main' }))).branch?.commitId).toBe(mainCommit);

      await git(['push', '--quiet', 'origin', 'HEAD:refs/heads/pushed'], clone);
      const head = (await git(['rev-parse', 'HEAD'], clone)).stdout.trim();
      expect((await root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'pushed' }))).branch?.commitId).toBe(head);

      // A push that updates main together with another branch is denied as a whole.
      writeFileSync(join(clone, 'pushed.txt'), 'again\n');
      await git(['commit', '--quiet', '-am', 'second attempt'], clone);
      const both = await git(['push', 'origin', 'HEAD:refs/heads/pushed', 'HEAD:refs/heads/main'], clone).then(
        () => undefined,
        (err: { stderr: string }) => err,
      );
      expect(both, 'the push touching main must fail').toBeDefined();
      expect((await root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'pushed' }))).branch?.commitId).toBe(head);
      expect((await root.send(new GetBranchCommand({ repositoryName: 'protected', branchName: 'main' }))).branch?.commitId).toBe(mainCommit);
    });
  });
});
