/**
 * CodeCommit repositories, branches and tags through the real SDK client and the aws CLI, with the
 * bare repositories checked with real git; the initial-code path (a zip in S3, CloudFormation's
 * `Code`) through the service's api.
 */

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchGetRepositoriesCommand,
  CodeCommitClient,
  CreateBranchCommand,
  CreateRepositoryCommand,
  DeleteBranchCommand,
  DeleteRepositoryCommand,
  GetBranchCommand,
  GetRepositoryCommand,
  ListBranchesCommand,
  ListRepositoriesCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDefaultBranchCommand,
  UpdateRepositoryDescriptionCommand,
  UpdateRepositoryEncryptionKeyCommand,
  UpdateRepositoryNameCommand,
} from '@aws-sdk/client-codecommit';
import { CreateKeyCommand, DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { strToU8, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsEvent } from '../../src/core/events.js';
import { publishReferenceChange } from '../../src/services/codecommit/common.js';
import { repositoriesApi } from '../../src/services/codecommit/repositories.js';
import { CodeCommitStore } from '../../src/services/codecommit/store.js';
import { failure, useServer } from '../helpers.js';

const server = useServer();
let cc: CodeCommitClient;
const events: AwsEvent[] = [];

const gitDir = (id: string) => join(server.dataDir, 'codecommit', `${id}.git`);
const git = (id: string, args: string[], input?: string) =>
  execFileSync('git', ['--git-dir', gitDir(id), ...args], { input, env: { PATH: process.env.PATH, HOME: '/nonexistent', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } })
    .toString('utf8')
    .trim();

/** A commit object (on no branch) in the repository, made with plumbing so branch tests need no other area. */
function makeCommit(id: string, message: string, parent?: string): string {
  const blob = git(id, ['hash-object', '-w', '--stdin'], message);
  const tree = git(id, ['mktree'], `100644 blob ${blob}\tfile.txt\n`);
  const env = ['-c', 'user.name=t', '-c', 'user.email=t@example.com'];
  return git(id, [...env, 'commit-tree', tree, '-m', message, ...(parent ? ['-p', parent] : [])]);
}

async function create(name: string, extra: Record<string, unknown> = {}) {
  const out = await cc.send(new CreateRepositoryCommand({ repositoryName: name, ...extra }));
  return out.repositoryMetadata!;
}

beforeAll(async () => {
  cc = new CodeCommitClient(server.clientConfig);
  server.runtime.events.subscribe((event) => {
    if (event.source === 'aws.codecommit') events.push(event);
  });
});

describe('CreateRepository / GetRepository', () => {
  it('creates a real bare repository and describes it as AWS does', async () => {
    const meta = await create('alpha', { repositoryDescription: 'first', tags: { team: 'core' } });
    expect(meta).toMatchObject({
      accountId: '000000000000',
      repositoryName: 'alpha',
      repositoryDescription: 'first',
      cloneUrlHttp: `${server.url}/v1/repos/alpha`,
      cloneUrlSsh: 'ssh://ssh-unavailable.drydock.invalid/v1/repos/alpha',
      Arn: 'arn:aws:codecommit:us-east-1:000000000000:alpha',
    });
    expect(meta.repositoryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(meta.kmsKeyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(meta.defaultBranch).toBeUndefined();
    expect(meta.creationDate).toBeInstanceOf(Date);
    expect(git(meta.repositoryId!, ['rev-parse', '--is-bare-repository'])).toBe('true');

    const got = (await cc.send(new GetRepositoryCommand({ repositoryName: 'alpha' }))).repositoryMetadata!;
    expect(got.repositoryId).toBe(meta.repositoryId);
    expect(got.kmsKeyId).toBe(meta.kmsKeyId);
    const tags = await cc.send(new ListTagsForResourceCommand({ resourceArn: meta.Arn }));
    expect(tags.tags).toEqual({ team: 'core' });
  });

  it('encrypts with a customer key named by ARN, and refuses unusable keys', async () => {
    const kms = new KMSClient(server.clientConfig);
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const meta = await create('with-key', { kmsKeyId: key.Arn });
    expect(meta.kmsKeyId).toBe(key.KeyId);

    const other = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const updated = await cc.send(new UpdateRepositoryEncryptionKeyCommand({ repositoryName: 'with-key', kmsKeyId: other.KeyId }));
    expect(updated).toMatchObject({ repositoryId: meta.repositoryId, kmsKeyId: other.KeyId, originalKmsKeyId: key.KeyId });

    await kms.send(new DisableKeyCommand({ KeyId: other.KeyId }));
    const disabled = await failure(create('disabled-key', { kmsKeyId: other.KeyId }));
    expect(disabled.name).toBe('EncryptionKeyDisabledException');
    const signing = (await kms.send(new CreateKeyCommand({ KeyUsage: 'SIGN_VERIFY', KeySpec: 'ECC_NIST_P256' }))).KeyMetadata!;
    expect((await failure(create('signing-key', { kmsKeyId: signing.KeyId }))).name).toBe('EncryptionKeyInvalidUsageException');
    expect((await failure(create('missing-key', { kmsKeyId: '11111111-2222-3333-4444-555555555555' }))).name).toBe('EncryptionKeyNotFoundException');
    expect((await failure(create('bad-key', { kmsKeyId: 'not a key!' }))).name).toBe('EncryptionKeyInvalidIdException');
    const noKey = await failure(cc.send(new UpdateRepositoryEncryptionKeyCommand({ repositoryName: 'with-key', kmsKeyId: '' })));
    expect(noKey.name).toBe('EncryptionKeyRequiredException');
    for (const name of ['disabled-key', 'signing-key', 'missing-key', 'bad-key']) {
      expect((await failure(cc.send(new GetRepositoryCommand({ repositoryName: name })))).name).toBe('RepositoryDoesNotExistException');
    }
  });

  it('answers bad input with CodeCommit exceptions and writes nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ repositoryName: '' }, 'RepositoryNameRequiredException'],
      [{ repositoryName: 'bad name' }, 'InvalidRepositoryNameException'],
      [{ repositoryName: 'ends.git' }, 'InvalidRepositoryNameException'],
      [{ repositoryName: 'x'.repeat(101) }, 'InvalidRepositoryNameException'],
      [{ repositoryName: 'alpha' }, 'RepositoryNameExistsException'],
      [{ repositoryName: 'ALPHA' }, 'RepositoryNameExistsException'],
      [{ repositoryName: 'desc', repositoryDescription: 'd'.repeat(1001) }, 'InvalidRepositoryDescriptionException'],
      [{ repositoryName: 'systag', tags: { 'aws:owner': 'x' } }, 'InvalidSystemTagUsageException'],
      [{ repositoryName: 'longtag', tags: { ['k'.repeat(129)]: 'v' } }, 'InvalidTagsMapException'],
      [{ repositoryName: 'manytags', tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, 'TooManyTagsException'],
    ];
    for (const [input, code] of cases) {
      const err = await failure(cc.send(new CreateRepositoryCommand(input as never)));
      expect(err.name, JSON.stringify(input).slice(0, 80)).toBe(code);
      expect(err.$metadata.httpStatusCode).toBe(400);
    }
    const names = (await cc.send(new ListRepositoriesCommand({}))).repositories!.map((r) => r.repositoryName);
    for (const name of ['desc', 'systag', 'longtag', 'manytags']) expect(names).not.toContain(name);
    expect((await failure(cc.send(new GetRepositoryCommand({ repositoryName: 'nope' })))).name).toBe('RepositoryDoesNotExistException');
    expect((await failure(cc.send(new GetRepositoryCommand({ repositoryName: 'bad/name' })))).name).toBe('InvalidRepositoryNameException');
    expect((await failure(cc.send(new GetRepositoryCommand({} as never)))).name).toBe('RepositoryNameRequiredException');
  });

  it('works from the aws CLI', async () => {
    const { stdout } = await server.aws(['codecommit', 'create-repository', '--repository-name', 'cli-repo', '--repository-description', 'from the CLI', '--tags', 'env=test']);
    const meta = JSON.parse(stdout).repositoryMetadata;
    expect(meta.repositoryName).toBe('cli-repo');
    expect(meta.cloneUrlHttp).toBe(`${server.url}/v1/repos/cli-repo`);
    const listed = JSON.parse((await server.aws(['codecommit', 'list-repositories'])).stdout).repositories;
    expect(listed).toContainEqual({ repositoryName: 'cli-repo', repositoryId: meta.repositoryId });
    const err = await server.aws(['codecommit', 'get-repository', '--repository-name', 'no-such-repo']).then(
      () => '',
      (e: { stderr: string }) => e.stderr,
    );
    expect(err).toContain('RepositoryDoesNotExistException');
  });
});

describe('BatchGetRepositories / ListRepositories', () => {
  it('reports found and missing repositories', async () => {
    await create('beta');
    const out = await cc.send(new BatchGetRepositoriesCommand({ repositoryNames: ['alpha', 'missing-one', 'beta'] }));
    expect(out.repositories!.map((r) => r.repositoryName)).toEqual(['alpha', 'beta']);
    expect(out.repositoriesNotFound).toEqual(['missing-one']);
    expect(out.errors).toEqual([{ repositoryName: 'missing-one', errorCode: 'RepositoryDoesNotExistException', errorMessage: 'missing-one does not exist' }]);
    expect((await failure(cc.send(new BatchGetRepositoriesCommand({ repositoryNames: [] })))).name).toBe('RepositoryNamesRequiredException');
    const many = Array.from({ length: 26 }, (_, i) => `r${i}`);
    expect((await failure(cc.send(new BatchGetRepositoriesCommand({ repositoryNames: many })))).name).toBe('MaximumRepositoryNamesExceededException');
    expect((await failure(cc.send(new BatchGetRepositoriesCommand({ repositoryNames: ['ok', 'not ok'] })))).name).toBe('InvalidRepositoryNameException');
  });

  it('sorts by name or last modification, in either order', async () => {
    await create('gamma');
    await cc.send(new UpdateRepositoryDescriptionCommand({ repositoryName: 'alpha', repositoryDescription: 'touched' }));
    const names = async (input: Record<string, string>) => (await cc.send(new ListRepositoriesCommand(input))).repositories!.map((r) => r.repositoryName!);
    const ascending = await names({});
    expect(ascending).toEqual([...ascending].sort());
    expect(await names({ order: 'descending' })).toEqual([...ascending].reverse());
    const byDate = await names({ sortBy: 'lastModifiedDate' });
    expect(byDate.at(-1)).toBe('alpha');
    expect((await names({ sortBy: 'lastModifiedDate', order: 'descending' }))[0]).toBe('alpha');
    expect((await failure(cc.send(new ListRepositoriesCommand({ sortBy: 'size' as never })))).name).toBe('InvalidSortByException');
    expect((await failure(cc.send(new ListRepositoriesCommand({ order: 'up' as never })))).name).toBe('InvalidOrderException');
    expect((await failure(cc.send(new ListRepositoriesCommand({ nextToken: 'garbage' })))).name).toBe('InvalidContinuationTokenException');
  });

  it('pages 1,000 repositories at a time with an opaque token bound to the sort', async () => {
    // 1,050 rows seeded straight into the table (in a Region of their own) keep the test fast; listing reads rows only.
    const store = new CodeCommitStore(server.runtime.store);
    store.tx(() => {
      for (let i = 0; i < 1050; i++) {
        store.insertRepository({
          account: '000000000000',
          region: 'eu-west-1',
          name: `seed-${String(i).padStart(4, '0')}`,
          id: `seed-${i}`,
          description: null,
          default_branch: null,
          kms_key_id: 'k',
          created_at: 1000 + i,
          modified_at: 5000 - i,
        });
      }
    });
    const eu = new CodeCommitClient({ ...server.clientConfig, region: 'eu-west-1' });
    const first = await eu.send(new ListRepositoriesCommand({}));
    expect(first.repositories).toHaveLength(1000);
    expect(first.nextToken).toBeTruthy();
    const second = await eu.send(new ListRepositoriesCommand({ nextToken: first.nextToken }));
    expect(second.repositories!.map((r) => r.repositoryName)).toEqual(Array.from({ length: 50 }, (_, i) => `seed-${1000 + i}`));
    expect(second.nextToken).toBeUndefined();
    const byDate = await eu.send(new ListRepositoriesCommand({ sortBy: 'lastModifiedDate' }));
    expect(byDate.repositories![0].repositoryName).toBe('seed-1049');
    const mixed = await failure(eu.send(new ListRepositoriesCommand({ nextToken: first.nextToken, order: 'descending' })));
    expect(mixed.name).toBe('InvalidContinuationTokenException');
  });
});

describe('UpdateRepositoryName / UpdateRepositoryDescription / DeleteRepository', () => {
  it('renames in place, keeping id, tags and Git data', async () => {
    const meta = await create('old-name', { tags: { a: '1' } });
    await cc.send(new UpdateRepositoryNameCommand({ oldName: 'old-name', newName: 'new-name' }));
    expect((await failure(cc.send(new GetRepositoryCommand({ repositoryName: 'old-name' })))).name).toBe('RepositoryDoesNotExistException');
    const renamed = (await cc.send(new GetRepositoryCommand({ repositoryName: 'new-name' }))).repositoryMetadata!;
    expect(renamed.repositoryId).toBe(meta.repositoryId);
    expect(renamed.cloneUrlHttp).toBe(`${server.url}/v1/repos/new-name`);
    expect((await cc.send(new ListTagsForResourceCommand({ resourceArn: renamed.Arn }))).tags).toEqual({ a: '1' });
    expect(existsSync(gitDir(meta.repositoryId!))).toBe(true);

    expect((await failure(cc.send(new UpdateRepositoryNameCommand({ oldName: 'new-name', newName: 'alpha' })))).name).toBe('RepositoryNameExistsException');
    expect((await failure(cc.send(new UpdateRepositoryNameCommand({ oldName: 'ghost', newName: 'other' })))).name).toBe('RepositoryDoesNotExistException');
    expect((await failure(cc.send(new UpdateRepositoryNameCommand({ oldName: 'new-name', newName: 'bad name' })))).name).toBe('InvalidRepositoryNameException');
    expect((await failure(cc.send(new UpdateRepositoryNameCommand({ oldName: 'new-name', newName: '' })))).name).toBe('RepositoryNameRequiredException');
    expect((await cc.send(new GetRepositoryCommand({ repositoryName: 'new-name' }))).repositoryMetadata!.repositoryId).toBe(meta.repositoryId);
  });

  it('updates and clears the description', async () => {
    await cc.send(new UpdateRepositoryDescriptionCommand({ repositoryName: 'beta', repositoryDescription: 'hello' }));
    expect((await cc.send(new GetRepositoryCommand({ repositoryName: 'beta' }))).repositoryMetadata!.repositoryDescription).toBe('hello');
    const err = await failure(cc.send(new UpdateRepositoryDescriptionCommand({ repositoryName: 'beta', repositoryDescription: 'x'.repeat(1001) })));
    expect(err.name).toBe('InvalidRepositoryDescriptionException');
    expect((await cc.send(new GetRepositoryCommand({ repositoryName: 'beta' }))).repositoryMetadata!.repositoryDescription).toBe('hello');
    await cc.send(new UpdateRepositoryDescriptionCommand({ repositoryName: 'beta' }));
    expect((await cc.send(new GetRepositoryCommand({ repositoryName: 'beta' }))).repositoryMetadata!.repositoryDescription).toBeUndefined();
    expect((await failure(cc.send(new UpdateRepositoryDescriptionCommand({ repositoryName: 'ghost', repositoryDescription: 'x' })))).name).toBe('RepositoryDoesNotExistException');
  });

  it('deletes the repository and its Git data; a second delete returns no id', async () => {
    const meta = await create('doomed', { tags: { k: 'v' } });
    const out = await cc.send(new DeleteRepositoryCommand({ repositoryName: 'doomed' }));
    expect(out.repositoryId).toBe(meta.repositoryId);
    expect(existsSync(gitDir(meta.repositoryId!))).toBe(false);
    expect((await failure(cc.send(new GetRepositoryCommand({ repositoryName: 'doomed' })))).name).toBe('RepositoryDoesNotExistException');
    expect((await cc.send(new DeleteRepositoryCommand({ repositoryName: 'doomed' }))).repositoryId).toBeUndefined();
    expect((await failure(cc.send(new DeleteRepositoryCommand({ repositoryName: 'bad name' })))).name).toBe('InvalidRepositoryNameException');
    // Re-created under the same name, it is a new, empty repository without the old tags.
    const again = await create('doomed');
    expect(again.repositoryId).not.toBe(meta.repositoryId);
    expect((await cc.send(new ListTagsForResourceCommand({ resourceArn: again.Arn }))).tags).toEqual({});
  });
});

describe('branches', () => {
  let repoId: string;
  let first: string;
  let second: string;

  beforeAll(async () => {
    repoId = (await create('branchy')).repositoryId!;
    first = makeCommit(repoId, 'one');
    second = makeCommit(repoId, 'two', first);
  });

  it('the first branch created becomes the default, also for git clone (HEAD)', async () => {
    events.length = 0;
    await cc.send(new CreateBranchCommand({ repositoryName: 'branchy', branchName: 'trunk', commitId: first }));
    expect((await cc.send(new GetRepositoryCommand({ repositoryName: 'branchy' }))).repositoryMetadata!.defaultBranch).toBe('trunk');
    expect(git(repoId, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/trunk');
    expect(events.map((e) => e.detail)).toContainEqual(
      expect.objectContaining({
        event: 'referenceCreated',
        referenceType: 'branch',
        referenceName: 'trunk',
        referenceFullName: 'refs/heads/trunk',
        commitId: first,
        repositoryName: 'branchy',
        repositoryId: repoId,
      }),
    );
    await cc.send(new CreateBranchCommand({ repositoryName: 'branchy', branchName: 'feature/x', commitId: second.toUpperCase() }));
    expect(git(repoId, ['rev-parse', 'refs/heads/feature/x'])).toBe(second);
    expect((await cc.send(new GetRepositoryCommand({ repositoryName: 'branchy' }))).repositoryMetadata!.defaultBranch).toBe('trunk');
    expect((await cc.send(new GetBranchCommand({ repositoryName: 'branchy', branchName: 'feature/x' }))).branch).toEqual({ branchName: 'feature/x', commitId: second });
  });

  it('refuses bad branch input with the exact exceptions', async () => {
    const create = (input: Record<string, unknown>) => failure(cc.send(new CreateBranchCommand({ repositoryName: 'branchy', commitId: first, ...input } as never)));
    expect((await create({ branchName: '' })).name).toBe('BranchNameRequiredException');
    for (const bad of ['a..b', 'has space', 'x:y', '/lead', 'trail/', 'end.', 'x.lock', '.hidden', '@', 'a@{b', 'f'.repeat(40), 'b'.repeat(257), 'q?', 'a//b']) {
      expect((await create({ branchName: bad })).name, bad).toBe('InvalidBranchNameException');
    }
    expect((await create({ branchName: 'ok', commitId: '' })).name).toBe('CommitIdRequiredException');
    expect((await create({ branchName: 'ok', commitId: 'abc' })).name).toBe('InvalidCommitIdException');
    expect((await create({ branchName: 'ok', commitId: '1'.repeat(40) })).name).toBe('CommitDoesNotExistException');
    expect((await create({ branchName: 'trunk', commitId: second })).name).toBe('BranchNameExistsException');
    expect(git(repoId, ['rev-parse', 'refs/heads/trunk'])).toBe(first);
    expect((await failure(cc.send(new CreateBranchCommand({ repositoryName: 'ghost', branchName: 'x', commitId: first })))).name).toBe('RepositoryDoesNotExistException');
    expect(git(repoId, ['for-each-ref', '--format=%(refname)', 'refs/heads/ok'])).toBe('');

    expect((await failure(cc.send(new GetBranchCommand({ repositoryName: 'branchy', branchName: 'nope' })))).name).toBe('BranchDoesNotExistException');
    expect((await failure(cc.send(new GetBranchCommand({ repositoryName: 'branchy' })))).name).toBe('BranchNameRequiredException');
    expect((await failure(cc.send(new GetBranchCommand({ branchName: 'trunk' })))).name).toBe('RepositoryNameRequiredException');
  });

  it('changes the default branch only to a branch that exists', async () => {
    await cc.send(new UpdateDefaultBranchCommand({ repositoryName: 'branchy', defaultBranchName: 'feature/x' }));
    expect((await cc.send(new GetRepositoryCommand({ repositoryName: 'branchy' }))).repositoryMetadata!.defaultBranch).toBe('feature/x');
    expect(git(repoId, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/feature/x');
    expect((await failure(cc.send(new UpdateDefaultBranchCommand({ repositoryName: 'branchy', defaultBranchName: 'ghost' })))).name).toBe('BranchDoesNotExistException');
    expect((await failure(cc.send(new UpdateDefaultBranchCommand({ repositoryName: 'branchy', defaultBranchName: '' })))).name).toBe('BranchNameRequiredException');
    expect((await failure(cc.send(new UpdateDefaultBranchCommand({ repositoryName: 'branchy', defaultBranchName: 'a b' })))).name).toBe('InvalidBranchNameException');
    expect((await cc.send(new GetRepositoryCommand({ repositoryName: 'branchy' }))).repositoryMetadata!.defaultBranch).toBe('feature/x');
    await cc.send(new UpdateDefaultBranchCommand({ repositoryName: 'branchy', defaultBranchName: 'trunk' }));
  });

  it('deletes branches but never the default one', async () => {
    const refused = await failure(cc.send(new DeleteBranchCommand({ repositoryName: 'branchy', branchName: 'trunk' })));
    expect(refused.name).toBe('DefaultBranchCannotBeDeletedException');
    expect(git(repoId, ['rev-parse', 'refs/heads/trunk'])).toBe(first);
    events.length = 0;
    const out = await cc.send(new DeleteBranchCommand({ repositoryName: 'branchy', branchName: 'feature/x' }));
    expect(out.deletedBranch).toEqual({ branchName: 'feature/x', commitId: second });
    expect(git(repoId, ['for-each-ref', '--format=%(refname)', 'refs/heads/feature'])).toBe('');
    expect(events.map((e) => e.detail)).toContainEqual(expect.objectContaining({ event: 'referenceDeleted', referenceName: 'feature/x', oldCommitId: second }));
    expect((await cc.send(new DeleteBranchCommand({ repositoryName: 'branchy', branchName: 'feature/x' }))).deletedBranch).toBeUndefined();
    expect((await failure(cc.send(new DeleteBranchCommand({ repositoryName: 'branchy', branchName: 'bad name' })))).name).toBe('InvalidBranchNameException');
  });

  it('when a push deletes the default branch, another branch takes over; with none left there is no default', async () => {
    const id = (await create('pushed')).repositoryId!;
    const commit = makeCommit(id, 'base');
    for (const branchName of ['zeta', 'main', 'dev']) await cc.send(new CreateBranchCommand({ repositoryName: 'pushed', branchName, commitId: commit }));
    const defaultBranch = async () => (await cc.send(new GetRepositoryCommand({ repositoryName: 'pushed' }))).repositoryMetadata!.defaultBranch;
    expect(await defaultBranch()).toBe('zeta');
    // What the Git push path does for `git push --delete`: move the ref, then publish the change.
    const c = { rt: server.runtime, store: new CodeCommitStore(server.runtime.store) };
    const pushDelete = (branch: string) => {
      git(id, ['update-ref', '-d', `refs/heads/${branch}`]);
      publishReferenceChange(c, c.store.repositoryById(id)!, { event: 'referenceDeleted', refName: `refs/heads/${branch}`, oldCommitId: commit, callerUserArn: 'arn:aws:iam::000000000000:root' });
    };
    const settled = async (expected: string | undefined) => {
      for (let i = 0; i < 50 && (await defaultBranch()) !== expected; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await defaultBranch()).toBe(expected);
    };
    pushDelete('zeta');
    await settled('main');
    expect(git(id, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/main');
    pushDelete('main');
    await settled('dev');
    pushDelete('dev');
    await settled(undefined);
    await cc.send(new CreateBranchCommand({ repositoryName: 'pushed', branchName: 'fresh', commitId: commit }));
    expect(await defaultBranch()).toBe('fresh');
  });

  it('lists branches 100 a page', async () => {
    const updates = Array.from({ length: 130 }, (_, i) => `create refs/heads/many-${String(i).padStart(3, '0')} ${first}\n`).join('');
    git(repoId, ['update-ref', '--stdin'], updates);
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const out = await cc.send(new ListBranchesCommand({ repositoryName: 'branchy', nextToken }));
      seen.push(...out.branches!);
      nextToken = out.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBe(2);
    expect(seen).toHaveLength(131);
    expect(seen).toContain('trunk');
    expect(new Set(seen).size).toBe(131);
    expect((await failure(cc.send(new ListBranchesCommand({ repositoryName: 'branchy', nextToken: '!!' })))).name).toBe('InvalidContinuationTokenException');
    expect((await failure(cc.send(new ListBranchesCommand({ repositoryName: 'ghost' })))).name).toBe('RepositoryDoesNotExistException');
  });
});

describe('tags', () => {
  it('tags, untags and lists by repository ARN', async () => {
    const arn = 'arn:aws:codecommit:us-east-1:000000000000:beta';
    await cc.send(new TagResourceCommand({ resourceArn: arn, tags: { a: '1', b: '2' } }));
    await cc.send(new TagResourceCommand({ resourceArn: arn, tags: { b: 'two', c: '' } }));
    expect((await cc.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ a: '1', b: 'two', c: '' });
    await cc.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a', 'never-there'] }));
    expect((await cc.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ b: 'two', c: '' });
  });

  it('refuses bad tagging input and leaves tags unchanged', async () => {
    const arn = 'arn:aws:codecommit:us-east-1:000000000000:beta';
    const tag = (input: Record<string, unknown>) => failure(cc.send(new TagResourceCommand({ resourceArn: arn, tags: { z: '1' }, ...input } as never)));
    expect((await tag({ resourceArn: '' })).name).toBe('ResourceArnRequiredException');
    expect((await tag({ resourceArn: 'not-an-arn' })).name).toBe('InvalidResourceArnException');
    expect((await tag({ resourceArn: 'arn:aws:s3:::bucket' })).name).toBe('InvalidResourceArnException');
    expect((await tag({ resourceArn: 'arn:aws:codecommit:us-east-1:000000000000:ghost' })).name).toBe('RepositoryDoesNotExistException');
    expect((await tag({ resourceArn: 'arn:aws:codecommit:us-east-1:000000000000:bad name' })).name).toBe('InvalidRepositoryNameException');
    expect((await tag({ tags: undefined })).name).toBe('TagsMapRequiredException');
    expect((await tag({ tags: { 'aws:x': '1' } })).name).toBe('InvalidSystemTagUsageException');
    expect((await tag({ tags: { ok: 'v'.repeat(257) } })).name).toBe('InvalidTagsMapException');
    expect((await tag({ tags: Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`n${i}`, 'v'])) })).name).toBe('TooManyTagsException');
    const untag = (input: Record<string, unknown>) => failure(cc.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['b'], ...input } as never)));
    expect((await untag({ tagKeys: undefined })).name).toBe('TagKeysListRequiredException');
    expect((await untag({ tagKeys: ['k'.repeat(129)] })).name).toBe('InvalidTagKeysListException');
    expect((await untag({ tagKeys: ['aws:cloudformation:stack-name'] })).name).toBe('InvalidSystemTagUsageException');
    expect((await failure(cc.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:codecommit:us-east-1:000000000000:ghost' })))).name).toBe('RepositoryDoesNotExistException');
    expect((await cc.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ b: 'two', c: '' });
  });
});

describe('initial code from an S3 zip (CloudFormation Code)', () => {
  const api = () => repositoriesApi({ rt: server.runtime, store: new CodeCommitStore(server.runtime.store) });
  const scope = { account: '000000000000', region: 'us-east-1' };
  const caller = 'arn:aws:iam::000000000000:root';

  beforeAll(async () => {
    const s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'seed-code' }));
    const put = (Key: string, Body: Uint8Array) => s3.send(new PutObjectCommand({ Bucket: 'seed-code', Key, Body }));
    await put('app.zip', zipSync({ 'README.md': strToU8('# hello\n'), 'src/': new Uint8Array(0), 'src/main.py': strToU8('print(1)\n'), 'src/lib/util.py': strToU8('X = 1\n') }));
    await put('evil.zip', zipSync({ 'ok.txt': strToU8('fine'), '../escape.txt': strToU8('nope') }));
    await put('dotgit.zip', zipSync({ '.git/config': strToU8('[core]') }));
    await put('conflict.zip', zipSync({ a: strToU8('file'), 'a/b': strToU8('nested') }));
    await put('not-a-zip.zip', strToU8('plain text'));
  });

  it('makes the first commit on the named branch, which becomes the default', async () => {
    events.length = 0;
    const meta = await api().createRepository(scope, caller, { repositoryName: 'seeded', code: { s3: { bucket: 'seed-code', key: 'app.zip' }, branchName: 'develop' } });
    expect(meta.defaultBranch).toBe('develop');
    const id = meta.repositoryId!;
    expect(git(id, ['ls-tree', '-r', '--name-only', 'develop']).split('\n')).toEqual(['README.md', 'src/lib/util.py', 'src/main.py']);
    expect(git(id, ['show', 'develop:src/main.py'])).toBe('print(1)');
    expect(git(id, ['log', '--format=%s|%an', 'develop'])).toBe('Initial commit|root');
    expect(git(id, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/develop');
    const head = git(id, ['rev-parse', 'develop']);
    expect(events.map((e) => e.detail)).toContainEqual(expect.objectContaining({ event: 'referenceCreated', referenceName: 'develop', commitId: head, repositoryId: id }));
    expect((await cc.send(new GetRepositoryCommand({ repositoryName: 'seeded' }))).repositoryMetadata!.defaultBranch).toBe('develop');
    expect((await cc.send(new GetBranchCommand({ repositoryName: 'seeded', branchName: 'develop' }))).branch!.commitId).toBe(head);

    const main = await api().createRepository(scope, caller, { repositoryName: 'seeded-main', code: { s3: { bucket: 'seed-code', key: 'app.zip' } } });
    expect(main.defaultBranch).toBe('main');
  });

  it('refuses archives that would escape the repository, and leaves nothing behind', async () => {
    const attempt = async (name: string, key: string, bucket = 'seed-code') => {
      const err = await api()
        .createRepository(scope, caller, { repositoryName: name, code: { s3: { bucket, key } } })
        .then(
          () => undefined,
          (e: { code: string }) => e.code,
        );
      expect((await failure(cc.send(new GetRepositoryCommand({ repositoryName: name })))).name).toBe('RepositoryDoesNotExistException');
      return err;
    };
    expect(await attempt('evil', 'evil.zip')).toBe('InvalidPathException');
    expect(await attempt('dotgit', 'dotgit.zip')).toBe('InvalidPathException');
    expect(await attempt('conflict', 'conflict.zip')).toBe('FileNameConflictsWithDirectoryNameException');
    expect(await attempt('notzip', 'not-a-zip.zip')).toBe('InvalidZipFileException');
    expect(await attempt('nokey', 'missing.zip')).toBe('NoSuchKey');
    expect(await attempt('nobucket', 'app.zip', 'no-such-bucket')).toBe('NoSuchBucket');
    expect(
      execFileSync('ls', [join(server.dataDir, 'codecommit')])
        .toString()
        .split('\n')
        .filter(Boolean).length,
    ).toBe((await cc.send(new ListRepositoriesCommand({}))).repositories!.length);
  });
});
