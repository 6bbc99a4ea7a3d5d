/**
 * Git over HTTP against Drydock's CodeCommit with the real git binary: clone (empty and not),
 * push, fetch, ls-remote, protocol v2, shallow clones, a streamed multi-megabyte push, concurrent
 * pushes, reference events, and what git shows for a repository that does not exist.
 */

import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CodeCommitClient, CreateRepositoryCommand, GetBranchCommand, GetRepositoryCommand } from '@aws-sdk/client-codecommit';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { GitRunner, referenceEvents, rootUrl } from './codecommit-git-helpers.js';

describe('CodeCommit Git smart HTTP', () => {
  const server = useServer();
  let cc: CodeCommitClient;
  let git: GitRunner;

  beforeAll(async () => {
    cc = new CodeCommitClient(server.clientConfig);
    git = new GitRunner();
  });

  async function repository(name: string): Promise<string> {
    const created = await cc.send(new CreateRepositoryCommand({ repositoryName: name }));
    return created.repositoryMetadata!.repositoryId!;
  }

  /** A clone with one commit per entry of `files`, on `main`. */
  async function cloneWithCommits(name: string, files: Record<string, string | Buffer>[]): Promise<string> {
    const work = git.dir(name);
    await git.ok(['clone', '--quiet', rootUrl(server, name), work]);
    for (const [index, tree] of files.entries()) {
      for (const [path, content] of Object.entries(tree)) writeFileSync(join(work, path), content);
      await git.ok(['add', '-A'], { cwd: work });
      await git.ok(['commit', '--quiet', '-m', `commit ${index}`], { cwd: work });
    }
    return work;
  }

  async function head(cwd: string, rev = 'HEAD'): Promise<string> {
    return (await git.ok(['rev-parse', rev], { cwd })).trim();
  }

  it('clones an empty repository, pushes the first branch (which becomes the default) and publishes its event', async () => {
    const repositoryId = await repository('first');
    const { events, stop } = referenceEvents(server);
    const work = git.dir('first');
    const cloned = await git.run(['clone', rootUrl(server, 'first'), work]);
    expect(cloned.code).toBe(0);
    expect(cloned.stderr).toContain('You appear to have cloned an empty repository');

    writeFileSync(join(work, 'README.md'), '# first\n');
    await git.ok(['add', 'README.md'], { cwd: work });
    await git.ok(['commit', '--quiet', '-m', 'first commit'], { cwd: work });
    const pushed = await git.run(['push', 'origin', 'main'], { cwd: work });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toContain('* [new branch]      main -> main');
    stop();
    const commitId = await head(work);

    // Published before git push returned.
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      source: 'aws.codecommit',
      'detail-type': 'CodeCommit Repository State Change',
      account: '000000000000',
      region: 'us-east-1',
      resources: ['arn:aws:codecommit:us-east-1:000000000000:first'],
      detail: {
        event: 'referenceCreated',
        repositoryName: 'first',
        repositoryId,
        referenceType: 'branch',
        referenceName: 'main',
        referenceFullName: 'refs/heads/main',
        commitId,
        callerUserArn: 'arn:aws:iam::000000000000:root',
      },
    });
    expect(events[0].detail.oldCommitId).toBeUndefined();

    const described = await cc.send(new GetRepositoryCommand({ repositoryName: 'first' }));
    expect(described.repositoryMetadata?.defaultBranch).toBe('main');
    expect((await cc.send(new GetBranchCommand({ repositoryName: 'first', branchName: 'main' }))).branch?.commitId).toBe(commitId);
    const symref = await git.ok(['ls-remote', '--symref', rootUrl(server, 'first'), 'HEAD']);
    expect(symref).toContain('ref: refs/heads/main\tHEAD');
  });

  it('clones, fetches and lists a repository with history; updates, tags and deletes publish their events', async () => {
    await repository('history');
    const work = await cloneWithCommits('history', [{ 'a.txt': 'one\n' }, { 'a.txt': 'two\n' }]);
    await git.ok(['push', '--quiet', 'origin', 'main'], { cwd: work });
    const first = await head(work);

    const other = git.dir('history-clone');
    await git.ok(['clone', '--quiet', rootUrl(server, 'history'), other]);
    expect(await head(other)).toBe(first);
    expect((await git.ok(['log', '--format=%s'], { cwd: other })).trim().split('\n')).toEqual(['commit 1', 'commit 0']);

    const { events, stop } = referenceEvents(server);
    writeFileSync(join(work, 'b.txt'), 'three\n');
    await git.ok(['add', 'b.txt'], { cwd: work });
    await git.ok(['commit', '--quiet', '-m', 'commit 2'], { cwd: work });
    await git.ok(['tag', 'v1'], { cwd: work });
    await git.ok(['push', '--quiet', 'origin', 'main', 'v1', 'main:refs/heads/feature'], { cwd: work });
    const second = await head(work);

    await git.ok(['fetch', '--quiet', 'origin'], { cwd: other });
    expect(await head(other, 'origin/main')).toBe(second);
    expect(await head(other, 'origin/feature')).toBe(second);

    const listed = await git.ok(['ls-remote', rootUrl(server, 'history')]);
    expect(listed).toContain(`${second}\trefs/heads/main`);
    expect(listed).toContain(`${second}\trefs/heads/feature`);
    expect(listed).toContain(`${second}\trefs/tags/v1`);

    await git.ok(['push', '--quiet', 'origin', '--delete', 'feature'], { cwd: work });
    stop();
    const details = events.map((e) => e.detail);
    expect(details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: 'referenceUpdated', referenceFullName: 'refs/heads/main', commitId: second, oldCommitId: first }),
        expect.objectContaining({ event: 'referenceCreated', referenceFullName: 'refs/heads/feature', referenceName: 'feature', commitId: second }),
        expect.objectContaining({ event: 'referenceCreated', referenceFullName: 'refs/tags/v1', referenceName: 'v1', referenceType: 'tag', commitId: second }),
        expect.objectContaining({ event: 'referenceDeleted', referenceFullName: 'refs/heads/feature', oldCommitId: second }),
      ]),
    );
    expect(details).toHaveLength(4);
    expect((await git.ok(['ls-remote', '--heads', rootUrl(server, 'history')])).trim().split('\n')).toEqual([`${second}\trefs/heads/main`]);
    // A push that moves nothing publishes nothing.
    const again = referenceEvents(server);
    const upToDate = await git.run(['push', 'origin', 'main'], { cwd: work });
    again.stop();
    expect(upToDate.stderr).toContain('Everything up-to-date');
    expect(again.events).toHaveLength(0);
  });

  it('speaks protocol v2 and v0, and serves shallow clones that can push back', async () => {
    await repository('protocols');
    const work = await cloneWithCommits('protocols', [{ 'f.txt': '1\n' }, { 'f.txt': '2\n' }, { 'f.txt': '3\n' }]);
    await git.ok(['push', '--quiet', 'origin', 'main'], { cwd: work });
    const tip = await head(work);

    const v2 = await git.run(['-c', 'protocol.version=2', 'ls-remote', rootUrl(server, 'protocols')], { env: { GIT_TRACE_PACKET: '1' } });
    expect(v2.code).toBe(0);
    expect(v2.stderr).toContain('version 2');
    expect(v2.stderr).toContain('ls-refs');
    expect(v2.stdout).toContain(`${tip}\trefs/heads/main`);

    const v0 = git.dir('protocols-v0');
    const cloned = await git.run(['-c', 'protocol.version=0', 'clone', rootUrl(server, 'protocols'), v0], { env: { GIT_TRACE_PACKET: '1' } });
    expect(cloned.code).toBe(0);
    expect(cloned.stderr).not.toContain('version 2');
    expect(await head(v0)).toBe(tip);

    const shallow = git.dir('protocols-shallow');
    await git.ok(['-c', 'protocol.version=2', 'clone', '--quiet', '--depth', '1', rootUrl(server, 'protocols'), shallow]);
    expect((await git.ok(['rev-list', '--count', 'HEAD'], { cwd: shallow })).trim()).toBe('1');
    expect(existsSync(join(shallow, '.git', 'shallow'))).toBe(true);
    await git.ok(['fetch', '--quiet', '--deepen', '1'], { cwd: shallow });
    expect((await git.ok(['rev-list', '--count', 'HEAD'], { cwd: shallow })).trim()).toBe('2');

    writeFileSync(join(shallow, 'f.txt'), '4\n');
    await git.ok(['commit', '--quiet', '-am', 'from a shallow clone'], { cwd: shallow });
    await git.ok(['push', '--quiet', 'origin', 'main'], { cwd: shallow });
    await git.ok(['pull', '--quiet', '--ff-only'], { cwd: work });
    expect(await head(work)).toBe(await head(shallow));
    expect((await git.ok(['rev-list', '--count', 'HEAD'], { cwd: work })).trim()).toBe('4');
  });

  it('streams a push of several megabytes and clones it back intact', async () => {
    const repositoryId = await repository('large');
    const content = randomBytes(6 * 1024 * 1024);
    const work = await cloneWithCommits('large', [{ 'big.bin': content, 'small.txt': 'x\n' }]);
    // A small postBuffer makes git send the pack chunked, as it does for any push larger than 1 MiB.
    const pushed = await git.run(['-c', 'http.postBuffer=65536', 'push', 'origin', 'main'], { cwd: work });
    expect(pushed.code, pushed.stderr).toBe(0);

    const back = git.dir('large-back');
    await git.ok(['clone', '--quiet', rootUrl(server, 'large'), back]);
    expect(await head(back)).toBe(await head(work));
    expect((await git.ok(['hash-object', 'big.bin'], { cwd: back })).trim()).toBe((await git.ok(['hash-object', 'big.bin'], { cwd: work })).trim());
    const bare = join(server.dataDir, 'codecommit', `${repositoryId}.git`);
    await git.ok(['--git-dir', bare, 'fsck', '--full', '--no-progress']);
  });

  it('keeps one repository consistent under two concurrent pushes to one branch: one wins, the other is rejected', async () => {
    const repositoryId = await repository('race');
    const base = await cloneWithCommits('race', [{ 'base.txt': 'base\n' }]);
    await git.ok(['push', '--quiet', 'origin', 'main'], { cwd: base });
    const clones = await Promise.all(
      ['race-a', 'race-b'].map(async (dir, index) => {
        const work = git.dir(dir);
        await git.ok(['clone', '--quiet', rootUrl(server, 'race'), work]);
        writeFileSync(join(work, `${index}.bin`), randomBytes(512 * 1024));
        await git.ok(['add', '-A'], { cwd: work });
        await git.ok(['commit', '--quiet', '-m', `writer ${index}`], { cwd: work });
        return work;
      }),
    );
    const results = await Promise.all(clones.map((work) => git.run(['push', 'origin', 'main'], { cwd: work })));
    const winners = results.flatMap((result, index) => (result.code === 0 ? [index] : []));
    expect(winners, results.map((r) => r.stderr).join('\n---\n')).toHaveLength(1);
    const loser = results[1 - winners[0]];
    // Lost at the lock (receive-pack's compare-and-swap) or at the fast-forward check: either way, rejected.
    expect(loser.stderr).toMatch(/\[remote rejected\]|\[rejected\]/);
    expect(loser.stderr).toContain('failed to push some refs');

    const bare = join(server.dataDir, 'codecommit', `${repositoryId}.git`);
    await git.ok(['--git-dir', bare, 'fsck', '--full', '--no-progress']);
    expect((await git.ok(['--git-dir', bare, 'rev-parse', 'refs/heads/main'])).trim()).toBe(await head(clones[winners[0]]));
    expect(readdirSync(join(bare, 'refs', 'heads'))).toEqual(['main']);

    // The loser fetches, rebases and gets in.
    const work = clones[1 - winners[0]];
    await git.ok(['pull', '--quiet', '--rebase'], { cwd: work });
    await git.ok(['push', '--quiet', 'origin', 'main'], { cwd: work });
    expect((await git.ok(['--git-dir', bare, 'rev-list', '--count', 'refs/heads/main'])).trim()).toBe('3');
  });

  it('answers an unknown repository with 404, which git reports as "repository not found"', async () => {
    const cloned = await git.run(['clone', rootUrl(server, 'nowhere'), git.dir('nowhere')]);
    expect(cloned.code).not.toBe(0);
    expect(cloned.stderr).toContain(`remote: Repository 'nowhere' does not exist`);
    expect(cloned.stderr).toContain(`fatal: repository '${server.url}/v1/repos/nowhere/' not found`);
    // A repository of the same name in another region is another repository.
    const elsewhere = new CodeCommitClient({ ...server.clientConfig, region: 'eu-west-1' });
    await elsewhere.send(new CreateRepositoryCommand({ repositoryName: 'regional' }));
    const wrongRegion = await git.run(['ls-remote', rootUrl(server, 'regional')]);
    expect(wrongRegion.stderr).toContain('not found');
    const rightRegion = await git.run(['ls-remote', rootUrl(server, 'regional', { region: 'eu-west-1' })]);
    expect(rightRegion.code, rightRegion.stderr).toBe(0);
  });
});
