/**
 * Git in one step: the account's root access key and secret (`test`/`test`) as the HTTP Basic login
 * (Drydock's convenience), with the real git binary. Every other access key stays refused as AWS
 * refuses it, and the SSH clone URL says SSH is not served.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CodeCommitClient, CreateRepositoryCommand, GetBranchCommand, GetRepositoryCommand } from '@aws-sdk/client-codecommit';
import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, useServer } from '../helpers.js';
import { GitRunner, loginUrl, referenceEvents } from './codecommit-git-helpers.js';

const ALLOW_ALL_CODECOMMIT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'codecommit:*', Resource: '*' }] });

describe('CodeCommit Git with the root access key as the Basic login', () => {
  const server = useServer();
  let cc: CodeCommitClient;
  let git: GitRunner;

  beforeAll(() => {
    cc = new CodeCommitClient(server.clientConfig);
    git = new GitRunner();
  });

  /** A clone URL with a Basic login written into it, as a user would type it. */
  function withLogin(cloneUrl: string, username: string, password: string): string {
    const url = new URL(cloneUrl);
    url.username = encodeURIComponent(username);
    url.password = encodeURIComponent(password);
    return url.toString();
  }

  it('clones with test:test right after CreateRepository, and a pushed commit is what GetBranch reads back', async () => {
    const created = (await cc.send(new CreateRepositoryCommand({ repositoryName: 'demo' }))).repositoryMetadata!;
    expect(created.cloneUrlHttp).toBe(`${server.url}/v1/repos/demo`);
    const work = git.dir('demo');
    const cloned = await git.run(['clone', withLogin(created.cloneUrlHttp!, 'test', 'test'), work]);
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(cloned.stderr).toContain('You appear to have cloned an empty repository.');

    writeFileSync(join(work, 'README.md'), 'one step\n');
    await git.ok(['add', 'README.md'], { cwd: work });
    await git.ok(['commit', '--quiet', '-m', 'first'], { cwd: work });
    const { events, stop } = referenceEvents(server);
    const pushed = await git.run(['push', 'origin', 'main'], { cwd: work });
    stop();
    expect(pushed.code, pushed.stderr).toBe(0);
    const tip = (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).trim();
    const branch = (await cc.send(new GetBranchCommand({ repositoryName: 'demo', branchName: 'main' }))).branch!;
    expect(branch.commitId).toBe(tip);
    expect(events.map((event) => event.detail)).toEqual([
      expect.objectContaining({ event: 'referenceCreated', referenceFullName: 'refs/heads/main', commitId: tip, callerUserArn: 'arn:aws:iam::000000000000:root' }),
    ]);

    // Another clone with the same login sees the commit.
    const again = git.dir('demo-again');
    await git.ok(['clone', '--quiet', withLogin(created.cloneUrlHttp!, 'test', 'test'), again]);
    expect((await git.ok(['rev-parse', 'HEAD'], { cwd: again })).trim()).toBe(tip);
  });

  it("accepts another account's root key (twelve-digit key id with test) on that account's repositories only", async () => {
    const other = new CodeCommitClient({ ...server.clientConfig, credentials: { accessKeyId: '123456789012', secretAccessKey: 'test' } });
    await other.send(new CreateRepositoryCommand({ repositoryName: 'theirs' }));
    const listed = await git.run(['ls-remote', loginUrl(server, 'theirs', '123456789012', 'test')]);
    expect(listed.code, listed.stderr).toBe(0);
    // The default account's root reaches its own account, where no such repository exists.
    const elsewhere = await git.run(['ls-remote', loginUrl(server, 'theirs', 'test', 'test')]);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain("remote: Repository 'theirs' does not exist in account 000000000000, region us-east-1.");
    expect(elsewhere.stderr).toContain(`fatal: repository '${server.url}/v1/repos/theirs/' not found`);
  });

  it('refuses a wrong secret for a root key with 403', async () => {
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'locked' }));
    for (const [username, password] of [
      ['test', 'wrong'],
      ['test', ''],
      ['123456789012', 'not-test'],
    ]) {
      const refused = await git.run(['ls-remote', loginUrl(server, 'locked', username, password)]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`remote: Invalid Git credentials for root access key '${username}': the secret access key is wrong.`);
      expect(refused.stderr).toContain('The requested URL returned error: 403');
    }
    const response = await fetch(`${server.url}/v1/repos/locked/info/refs?service=git-upload-pack`, { headers: { authorization: `Basic ${Buffer.from('test:wrong').toString('base64')}` } });
    expect(response.status).toBe(403);
  });

  it("refuses an IAM user's access key and secret, and an STS session's, as AWS does (403), even with codecommit:* allowed", async () => {
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'team' }));
    const { credentials } = await createIamUser(server.clientConfig, 'developer', [ALLOW_ALL_CODECOMMIT]);
    const session = (await new STSClient({ ...server.clientConfig, credentials }).send(new GetSessionTokenCommand({}))).Credentials!;
    for (const [accessKeyId, secretAccessKey] of [
      [credentials.accessKeyId, credentials.secretAccessKey],
      [session.AccessKeyId!, session.SecretAccessKey!],
    ]) {
      const refused = await git.run(['ls-remote', loginUrl(server, 'team', accessKeyId, secretAccessKey)]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`remote: Access key '${accessKeyId}' is not an account's root access key`);
      expect(refused.stderr).toContain('The requested URL returned error: 403');
    }
    // The same user's keys do reach the API: only the Git login is refused.
    const viaApi = new CodeCommitClient({ ...server.clientConfig, credentials });
    expect((await viaApi.send(new GetRepositoryCommand({ repositoryName: 'team' }))).repositoryMetadata?.repositoryName).toBe('team');
  });

  it('answers a cloneUrlSsh naming an unresolvable host, since Drydock serves no SSH', async () => {
    const created = (await cc.send(new CreateRepositoryCommand({ repositoryName: 'no-ssh' }))).repositoryMetadata!;
    expect(created.cloneUrlSsh).toBe('ssh://ssh-unavailable.drydock.invalid/v1/repos/no-ssh');
    const read = (await cc.send(new GetRepositoryCommand({ repositoryName: 'no-ssh' }))).repositoryMetadata!;
    expect(read.cloneUrlSsh).toBe('ssh://ssh-unavailable.drydock.invalid/v1/repos/no-ssh');
    expect(read.cloneUrlHttp).toBe(`${server.url}/v1/repos/no-ssh`);
  });
});
