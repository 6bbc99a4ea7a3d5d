/**
 * Who may use Git over HTTP, with the real git binary: HTTPS Git credentials from IAM, the aws
 * CLI's own `aws codecommit credential-helper` (run for real), IAM policies for GitPull/GitPush,
 * branch protection with `codecommit:References`, and what git prints for each refusal.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CodeCommitClient, CreateRepositoryCommand, GetBranchCommand, PutFileCommand } from '@aws-sdk/client-codecommit';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateServiceSpecificCredentialCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, useServer } from '../helpers.js';
import { GitRunner, helperPassword, loginUrl, referenceEvents, rootUrl } from './codecommit-git-helpers.js';

const ACCOUNT = '000000000000';
const policy = (...statements: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const ALLOW_ALL = { Effect: 'Allow', Action: 'codecommit:*', Resource: '*' };
const PROTECT_MAIN = {
  Effect: 'Deny',
  Action: ['codecommit:GitPush', 'codecommit:DeleteBranch', 'codecommit:PutFile'],
  Resource: `arn:aws:codecommit:*:${ACCOUNT}:guarded`,
  Condition: { StringEqualsIfExists: { 'codecommit:References': ['refs/heads/main'] }, Null: { 'codecommit:References': false } },
};

describe('CodeCommit Git over HTTP: authentication and authorization', () => {
  const server = useServer();
  let cc: CodeCommitClient;
  let iam: IAMClient;
  let git: GitRunner;
  let mainCommit: string;

  /** An IAM user with an inline policy (if any) and HTTPS Git credentials. */
  async function gitUser(name: string, document?: string): Promise<{ username: string; password: string; arn: string }> {
    const user = (await iam.send(new CreateUserCommand({ UserName: name }))).User!;
    if (document) await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'codecommit', PolicyDocument: document }));
    const credential = (await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: name, ServiceName: 'codecommit.amazonaws.com' }))).ServiceSpecificCredential!;
    return { username: credential.ServiceUserName!, password: credential.ServicePassword!, arn: user.Arn! };
  }

  beforeAll(async () => {
    cc = new CodeCommitClient(server.clientConfig);
    iam = new IAMClient(server.clientConfig);
    git = new GitRunner();
    for (const name of ['shared', 'guarded']) await cc.send(new CreateRepositoryCommand({ repositoryName: name }));
    for (const name of ['shared', 'guarded']) {
      const put = await cc.send(new PutFileCommand({ repositoryName: name, branchName: 'main', filePath: 'README.md', fileContent: Buffer.from('hello\n'), commitMessage: 'first' }));
      mainCommit = put.commitId!;
    }
  });

  async function commitIn(work: string, file: string): Promise<void> {
    writeFileSync(join(work, file), `${file} ${Math.random()}\n`);
    await git.ok(['add', file], { cwd: work });
    await git.ok(['commit', '--quiet', '-m', `add ${file}`], { cwd: work });
  }

  it('asks for credentials with 401 and WWW-Authenticate; git without a credential helper says it could not read a username', async () => {
    const response = await fetch(`${server.url}/v1/repos/shared/info/refs?service=git-upload-pack`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="AWS CodeCommit"');
    const cloned = await git.run(['clone', `${server.url}/v1/repos/shared`, git.dir('anonymous')]);
    expect(cloned.code).not.toBe(0);
    expect(cloned.stderr).toContain(`fatal: could not read Username for '${server.url}': terminal prompts disabled`);
  });

  it('logs in with HTTPS Git credentials from CreateServiceSpecificCredential; wrong or inactive ones get 403 with a message', async () => {
    const alice = await gitUser('alice', policy(ALLOW_ALL));
    expect(alice.username).toBe(`alice-at-${ACCOUNT}`);
    const work = git.dir('alice');
    await git.ok(['clone', '--quiet', loginUrl(server, 'shared', alice.username, alice.password), work]);
    await commitIn(work, 'alice.txt');
    const { events, stop } = referenceEvents(server);
    await git.ok(['push', '--quiet', 'origin', 'main'], { cwd: work });
    stop();
    expect(events.map((e) => e.detail)).toEqual([expect.objectContaining({ event: 'referenceUpdated', referenceFullName: 'refs/heads/main', callerUserArn: alice.arn })]);

    const wrong = await git.run(['ls-remote', loginUrl(server, 'shared', alice.username, `${alice.password}x`)]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(`remote: Invalid HTTPS Git credentials for '${alice.username}'`);
    expect(wrong.stderr).toContain('The requested URL returned error: 403');

    const credentials = await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'alice', ServiceName: 'codecommit.amazonaws.com' }));
    const second = credentials.ServiceSpecificCredential!;
    await iam.send(new UpdateServiceSpecificCredentialCommand({ UserName: 'alice', ServiceSpecificCredentialId: second.ServiceSpecificCredentialId, Status: 'Inactive' }));
    const inactive = await git.run(['ls-remote', loginUrl(server, 'shared', second.ServiceUserName!, second.ServicePassword!)]);
    expect(inactive.stderr).toContain('The requested URL returned error: 403');

    // An access key id and secret key are no Git login on AWS, so not here either.
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
    const raw = await git.run(['ls-remote', loginUrl(server, 'shared', key.AccessKeyId!, key.SecretAccessKey!)]);
    expect(raw.stderr).toContain('The requested URL returned error: 403');
  });

  it('checks credential-helper signatures: unknown key, wrong secret, expired time', async () => {
    const unknown = new URL(rootUrl(server, 'shared'));
    unknown.username = 'AKIAUNKNOWNUNKNOWN00';
    const rejected = await git.run(['ls-remote', unknown.toString()]);
    expect(rejected.stderr).toContain(`remote: The security token included in the request is invalid: access key 'AKIAUNKNOWNUNKNOWN00' is not known`);
    expect(rejected.stderr).toContain('The requested URL returned error: 403');

    const wrongSecret = new URL(`${server.url}/v1/repos/shared`);
    wrongSecret.username = 'test';
    wrongSecret.password = helperPassword({ secretAccessKey: 'not-test', region: 'us-east-1', host: wrongSecret.host, path: wrongSecret.pathname });
    expect((await git.run(['ls-remote', wrongSecret.toString()])).stderr).toContain('remote: The request signature we calculated does not match');

    const stale = await git.run(['ls-remote', rootUrl(server, 'shared', { at: new Date(Date.now() - 20 * 60 * 1000) })]);
    expect(stale.stderr).toContain('remote: Signature expired');
    // Signed for another repository's path: no.
    const otherPath = new URL(rootUrl(server, 'guarded'));
    const moved = new URL(`${server.url}/v1/repos/shared`);
    moved.username = otherPath.username;
    moved.password = otherPath.password;
    expect((await git.run(['ls-remote', moved.toString()])).stderr).toContain('signature we calculated does not match');
  });

  it('authorizes GitPull and GitPush with IAM: no policy, pull-only', async () => {
    const nobody = await gitUser('nobody');
    const denied = await git.run(['clone', loginUrl(server, 'shared', nobody.username, nobody.password), git.dir('nobody')]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(
      `remote: User: ${nobody.arn} is not authorized to perform: codecommit:GitPull on resource: arn:aws:codecommit:us-east-1:${ACCOUNT}:shared because no identity-based policy allows the codecommit:GitPull action`,
    );
    expect(denied.stderr).toContain('The requested URL returned error: 403');
    // Denied before the lookup: a missing repository looks the same to this caller.
    const missing = await git.run(['ls-remote', loginUrl(server, 'missing', nobody.username, nobody.password)]);
    expect(missing.stderr).toContain('is not authorized to perform: codecommit:GitPull');

    const reader = await gitUser('reader', policy({ Effect: 'Allow', Action: 'codecommit:GitPull', Resource: `arn:aws:codecommit:us-east-1:${ACCOUNT}:shared` }));
    const work = git.dir('reader');
    await git.ok(['clone', '--quiet', loginUrl(server, 'shared', reader.username, reader.password), work]);
    await commitIn(work, 'reader.txt');
    const push = await git.run(['push', 'origin', 'main'], { cwd: work });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain(`remote: User: ${reader.arn} is not authorized to perform: codecommit:GitPush`);
  });

  it('enforces branch protection on git push: main is refused with the IAM message, other branches go through', async () => {
    const dev = await gitUser('dev', policy(ALLOW_ALL, PROTECT_MAIN));
    const work = git.dir('dev');
    await git.ok(['clone', '--quiet', loginUrl(server, 'guarded', dev.username, dev.password), work]);
    await commitIn(work, 'dev.txt');

    const { events, stop } = referenceEvents(server);
    const toMain = await git.run(['push', 'origin', 'main'], { cwd: work });
    expect(toMain.code).not.toBe(0);
    expect(toMain.stderr).toContain(
      `remote: error: User: ${dev.arn} is not authorized to perform: codecommit:GitPush on resource: arn:aws:codecommit:us-east-1:${ACCOUNT}:guarded with an explicit deny`,
    );
    expect(toMain.stderr).toContain('! [remote rejected] main -> main (access denied: codecommit:GitPush is not allowed on refs/heads/main)');
    expect(toMain.stderr).toContain('failed to push some refs');
    expect((await cc.send(new GetBranchCommand({ repositoryName: 'guarded', branchName: 'main' }))).branch?.commitId).toBe(mainCommit);

    const toFeature = await git.run(['push', 'origin', 'main:feature'], { cwd: work });
    expect(toFeature.code, toFeature.stderr).toBe(0);
    const tip = (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).trim();
    expect((await cc.send(new GetBranchCommand({ repositoryName: 'guarded', branchName: 'feature' }))).branch?.commitId).toBe(tip);

    // Both at once: refused whole; deleting main: refused.
    await commitIn(work, 'dev2.txt');
    const both = await git.run(['push', 'origin', 'main:feature', 'main'], { cwd: work });
    expect(both.stderr).toContain('! [remote rejected] main -> feature (push refused: another reference in this push was denied)');
    expect(both.stderr).toContain('! [remote rejected] main -> main (access denied');
    expect((await cc.send(new GetBranchCommand({ repositoryName: 'guarded', branchName: 'feature' }))).branch?.commitId).toBe(tip);
    const deleting = await git.run(['push', 'origin', '--delete', 'main'], { cwd: work });
    expect(deleting.stderr).toContain('[remote rejected] main (access denied');
    stop();
    expect(events.map((e) => e.detail.referenceFullName)).toEqual(['refs/heads/feature']);
  });

  describe('the aws CLI credential helper, run for real', () => {
    const awsEnv = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const helperConfig = (helper: string) => ['-c', 'credential.helper=', '-c', `credential.helper=${helper}`, '-c', 'credential.UseHttpPath=true'];
    /**
     * The same helper with git's `store` and `erase` calls skipped: they do nothing, and each start
     * of the aws CLI costs seconds on a slow machine.
     */
    const getOnly = (flags = '') => helperConfig(`!f() { test "$1" = get && aws codecommit credential-helper ${flags} "$@"; }; f`);

    it('works unchanged on a CodeCommit-style host name (git-codecommit.<region>.amazonaws.com.localhost)', async () => {
      const url = `http://git-codecommit.us-east-1.amazonaws.com.localhost:${server.port}/v1/repos/shared`;
      const work = git.dir('cli');
      const helper = helperConfig('!aws codecommit credential-helper $@');
      await git.ok([...helper, 'clone', '--quiet', url, work], { env: awsEnv });
      await commitIn(work, 'cli.txt');
      const { events, stop } = referenceEvents(server);
      await git.ok([...getOnly(), 'push', '--quiet', 'origin', 'main'], { cwd: work, env: awsEnv });
      stop();
      expect(events.map((e) => e.detail.callerUserArn)).toEqual([`arn:aws:iam::${ACCOUNT}:root`]);
    });

    it('on http://localhost it needs --ignore-host-check: unchanged, the CLI prints no credentials for a non-AWS host', async () => {
      const url = `${server.url}/v1/repos/shared`;
      const unchanged = await git.run([...helperConfig('!aws codecommit credential-helper $@'), 'ls-remote', url], { env: awsEnv });
      expect(unchanged.code).not.toBe(0);
      expect(unchanged.stderr).toContain('could not read Username');
      const listed = await git.ok([...getOnly('--ignore-host-check'), 'ls-remote', url], { env: awsEnv });
      expect(listed).toMatch(/^[0-9a-f]{40}\trefs\/heads\/main$/m);
    });

    it('signs with an assumed role session (username carries the session token) in the region the CLI is configured for', async () => {
      await new CodeCommitClient({ ...server.clientConfig, region: 'eu-west-1' }).send(new CreateRepositoryCommand({ repositoryName: 'west' }));
      await iam.send(
        new CreateRoleCommand({ RoleName: 'builder', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }) }),
      );
      await iam.send(new PutRolePolicyCommand({ RoleName: 'builder', PolicyName: 'pull', PolicyDocument: policy({ Effect: 'Allow', Action: 'codecommit:GitPull', Resource: '*' }) }));
      // AWS refuses AssumeRole to root credentials: an IAM user allowed sts:AssumeRole assumes it.
      const { credentials } = await createIamUser(server.clientConfig, 'builder-assumer');
      const sts = new STSClient({ ...server.clientConfig, credentials });
      const session = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/builder`, RoleSessionName: 'ci' }))).Credentials!;
      const env = {
        ...awsEnv,
        AWS_DEFAULT_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: session.AccessKeyId!,
        AWS_SECRET_ACCESS_KEY: session.SecretAccessKey!,
        AWS_SESSION_TOKEN: session.SessionToken!,
      };
      const helper = getOnly('--ignore-host-check');
      const listed = await git.run([...helper, 'ls-remote', `${server.url}/v1/repos/west`], { env });
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toBe('');

      // The same keys with another session's token are refused.
      const forged = await git.run([...helper, 'ls-remote', `${server.url}/v1/repos/west`], { env: { ...env, AWS_SESSION_TOKEN: `${session.SessionToken!}x` } });
      expect(forged.stderr).toContain('remote: The security token included in the request is invalid: the session token does not match');
    });
  });
});
