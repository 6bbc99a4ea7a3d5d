/**
 * fetchSources against a real server: CodeCommit repositories made with the SDK (and real git for
 * submodules and tags), S3 zips and folders made with the S3 SDK; the checked-out files, the git
 * state and the phase errors are what a build sees.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Build, Project } from '@aws-sdk/client-codebuild';
import { CodeCommitClient, CreateBranchCommand, CreateRepositoryCommand, PutFileCommand } from '@aws-sdk/client-codecommit';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection, startTestServer, type TestServer } from '../../../../test/helpers.js';
import { BuildPhaseError, type BuildRun, createContext } from '../common.js';
import { localCacheDir } from '../names.js';
import { fetchSources } from './source.js';
import { createZip } from './zip.js';

const SCOPE = { account: '000000000000', region: 'us-east-1' };
const AWS_URL = (name: string) => `https://git-codecommit.us-east-1.amazonaws.com/v1/repos/${name}`;

describe('CodeBuild sources', () => {
  let server: TestServer;
  let cc: CodeCommitClient;
  let s3: S3Client;
  const roots: string[] = [];
  const commits: Record<string, string> = {};

  function run(project: Partial<Project>, build: Partial<Build> = {}): BuildRun & { lines: string[] } {
    const workRoot = mkdtempSync(join(tmpdir(), 'cb-source-'));
    roots.push(workRoot);
    const lines: string[] = [];
    return {
      scope: SCOPE,
      build: { id: 'app:2b0e4bf8-5c1e-4d0c-9c34-7f1d4f0c1a11', ...build },
      project: { name: 'app', ...project },
      workRoot,
      srcDir: join(workRoot, 'src'),
      secondarySrcDirs: {},
      log: (line) => lines.push(line),
      stopping: false,
      lines,
    };
  }

  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' },
    }).trim();

  beforeAll(async () => {
    server = await startTestServer();
    cc = new CodeCommitClient(server.clientConfig);
    s3 = new S3Client(server.clientConfig);
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
    const first = await cc.send(new PutFileCommand({ repositoryName: 'app', branchName: 'main', filePath: 'README.md', fileContent: Buffer.from('one\n') }));
    commits.first = first.commitId!;
    const second = await cc.send(
      new PutFileCommand({ repositoryName: 'app', branchName: 'main', filePath: 'run.sh', fileContent: Buffer.from('#!/bin/sh\necho hi\n'), fileMode: 'EXECUTABLE', parentCommitId: first.commitId }),
    );
    commits.second = second.commitId!;
    await cc.send(new CreateBranchCommand({ repositoryName: 'app', branchName: 'feature', commitId: first.commitId }));
    const feature = await cc.send(new PutFileCommand({ repositoryName: 'app', branchName: 'feature', filePath: 'feature.txt', fileContent: Buffer.from('f\n'), parentCommitId: first.commitId }));
    commits.feature = feature.commitId!;
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'empty' }));
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'lib' }));
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'super' }));
    const lib = await cc.send(new PutFileCommand({ repositoryName: 'lib', branchName: 'main', filePath: 'lib.txt', fileContent: Buffer.from('lib\n') }));
    commits.lib = lib.commitId!;

    // A superproject with a CodeCommit submodule (relative URL) and a tag, made with real git in the
    // repository's own Git data (the API cannot write gitlinks); git runs on the file transport
    // because a synchronous HTTP push would block this process's own server.
    await cc.send(new PutFileCommand({ repositoryName: 'super', branchName: 'main', filePath: 'top.txt', fileContent: Buffer.from('top\n') }));
    const superRepo = (await server.runtime.api('codecommit').checkout(SCOPE, 'super'))!;
    const work = mkdtempSync(join(tmpdir(), 'cb-super-'));
    roots.push(work);
    git(work, 'clone', '-q', `file://${superRepo.gitDir}`, '.');
    git(work, 'update-index', '--add', '--cacheinfo', `160000,${commits.lib},vendor/lib`);
    writeFileSync(join(work, '.gitmodules'), '[submodule "lib"]\n\tpath = vendor/lib\n\turl = ../lib\n');
    git(work, 'add', '.gitmodules');
    git(work, 'commit', '-q', '-m', 'super');
    git(work, 'tag', 'v1');
    commits.super = git(work, 'rev-parse', 'HEAD');
    git(work, 'push', '-q', 'origin', 'main', 'v1');

    await s3.send(new CreateBucketCommand({ Bucket: 'src-bucket' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'src-bucket', VersioningConfiguration: { Status: 'Enabled' } }));
  });

  afterAll(async () => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
    await server?.stop();
  });

  const c = () => createContext(server.runtime);

  it('clones a CodeCommit branch with full history, HEAD detached at its tip, origin the clone URL', async () => {
    const r = run({ source: { type: 'CODECOMMIT', location: AWS_URL('app') } }, { sourceVersion: 'main' });
    const result = await fetchSources(c(), r);
    expect(result).toEqual({ resolvedSourceVersion: commits.second, secondarySourceVersions: [] });
    expect(readFileSync(join(r.srcDir, 'README.md'), 'utf8')).toBe('one\n');
    expect(statSync(join(r.srcDir, 'run.sh')).mode & 0o111).not.toBe(0);
    expect(git(r.srcDir, 'rev-parse', 'HEAD')).toBe(commits.second);
    expect(() => git(r.srcDir, 'symbolic-ref', '-q', 'HEAD')).toThrow();
    expect(git(r.srcDir, 'rev-list', '--count', 'HEAD')).toBe('2');
    expect(git(r.srcDir, 'remote', 'get-url', 'origin')).toBe(AWS_URL('app'));
    expect(
      git(r.srcDir, 'branch', '-r')
        .split('\n')
        .map((l) => l.trim())
        .sort(),
    ).toEqual(['origin/feature', 'origin/main']);
    // Objects were copied, never hard-linked to the repository's own files.
    const objects = readdirSync(join(r.srcDir, '.git/objects'), { recursive: true })
      .map(String)
      .filter((f) => statSync(join(r.srcDir, '.git/objects', f)).isFile());
    expect(objects.length).toBeGreaterThan(0);
    for (const file of objects) expect(statSync(join(r.srcDir, '.git/objects', file)).nlink).toBe(1);
  });

  it('uses the default branch without a version, and the project version under the build one', async () => {
    const r = run({ source: { type: 'CODECOMMIT', location: `${server.url}/v1/repos/app` }, sourceVersion: 'feature' });
    expect((await fetchSources(c(), r)).resolvedSourceVersion).toBe(commits.feature);
    expect(existsSync(join(r.srcDir, 'feature.txt'))).toBe(true);
    const d = run({ source: { type: 'CODECOMMIT', location: AWS_URL('app') } });
    expect((await fetchSources(c(), d)).resolvedSourceVersion).toBe(commits.second);
  });

  it('checks out a commit id, refs/heads/…, a tag and <ref>^{commit}', async () => {
    for (const [version, expected] of [
      [commits.first, commits.first],
      ['refs/heads/feature', commits.feature],
      ['v1', commits.super],
      [`refs/heads/main^{${commits.first}}`, commits.first],
    ] as const) {
      const repo = version === 'v1' ? 'super' : 'app';
      const r = run({ source: { type: 'CODECOMMIT', location: AWS_URL(repo) } }, { sourceVersion: version });
      expect((await fetchSources(c(), r)).resolvedSourceVersion).toBe(expected);
      expect(git(r.srcDir, 'rev-parse', 'HEAD')).toBe(expected);
    }
  });

  it('honours gitCloneDepth', async () => {
    const r = run({ source: { type: 'CODECOMMIT', location: AWS_URL('app'), gitCloneDepth: 1 } }, { sourceVersion: 'main' });
    await fetchSources(c(), r);
    expect(git(r.srcDir, 'rev-list', '--count', 'HEAD')).toBe('1');
    expect(git(r.srcDir, 'rev-parse', '--is-shallow-repository')).toBe('true');
    expect(git(r.srcDir, 'rev-parse', 'origin/main')).toBe(commits.second);
  });

  it('fetches CodeCommit submodules only when asked', async () => {
    const without = run({ source: { type: 'CODECOMMIT', location: AWS_URL('super') } });
    await fetchSources(c(), without);
    expect(existsSync(join(without.srcDir, 'vendor/lib/lib.txt'))).toBe(false);
    const withSubs = run({ source: { type: 'CODECOMMIT', location: AWS_URL('super'), gitSubmodulesConfig: { fetchSubmodules: true } } });
    await fetchSources(c(), withSubs);
    expect(readFileSync(join(withSubs.srcDir, 'vendor/lib/lib.txt'), 'utf8')).toBe('lib\n');
    expect(git(join(withSubs.srcDir, 'vendor/lib'), 'rev-parse', 'HEAD')).toBe(commits.lib);
    expect(git(withSubs.srcDir, 'config', 'submodule.lib.url')).toBe(AWS_URL('lib'));
    expect(git(join(withSubs.srcDir, 'vendor/lib'), 'remote', 'get-url', 'origin')).toBe(AWS_URL('lib'));
  });

  it('reports a missing repository, reference or commit as CLIENT_ERROR', async () => {
    let err = await rejection(fetchSources(c(), run({ source: { type: 'CODECOMMIT', location: AWS_URL('nope') } }, { sourceVersion: 'main' })), BuildPhaseError);
    expect(err.statusCode).toBe('CLIENT_ERROR');
    expect(err.message).toBe('repository not found for primary source and source version main');
    err = await rejection(fetchSources(c(), run({ source: { type: 'CODECOMMIT', location: AWS_URL('app') } }, { sourceVersion: 'no-such-branch' })), BuildPhaseError);
    expect(err.message).toBe('reference not found for primary source and source version no-such-branch');
    err = await rejection(fetchSources(c(), run({ source: { type: 'CODECOMMIT', location: AWS_URL('app') } }, { sourceVersion: 'a'.repeat(40) })), BuildPhaseError);
    expect(err.message).toBe(`reference not found for primary source and source version ${'a'.repeat(40)}`);
    // The pinned commit must be in the reference's history.
    err = await rejection(fetchSources(c(), run({ source: { type: 'CODECOMMIT', location: AWS_URL('app') } }, { sourceVersion: `refs/heads/feature^{${commits.second}}` })), BuildPhaseError);
    expect(err.message).toMatch(/^reference not found/);
    err = await rejection(fetchSources(c(), run({ source: { type: 'CODECOMMIT', location: AWS_URL('empty') } })), BuildPhaseError);
    expect(err.message).toBe('reference not found for primary source');
  });

  it('unzips an S3 source (by version id), keeping modes and refusing paths outside the source directory', async () => {
    const zipV1 = createZip([
      { name: 'app/build.sh', data: strToU8('#!/bin/sh\n'), mode: 0o100755 },
      { name: 'link', data: strToU8('app/build.sh'), mode: 0o120777 },
    ]);
    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'src-bucket', Key: 'code/src.zip', Body: zipV1 }));
    await s3.send(new PutObjectCommand({ Bucket: 'src-bucket', Key: 'code/src.zip', Body: zipSync({ 'v2.txt': strToU8('2') }) }));
    const latest = run({ source: { type: 'S3', location: 'src-bucket/code/src.zip' } });
    expect(await fetchSources(c(), latest)).toEqual({ secondarySourceVersions: [] });
    expect(readFileSync(join(latest.srcDir, 'v2.txt'), 'utf8')).toBe('2');
    const old = run({ source: { type: 'S3', location: 'src-bucket/code/src.zip' } }, { sourceVersion: v1.VersionId });
    await fetchSources(c(), old);
    expect(statSync(join(old.srcDir, 'app/build.sh')).mode & 0o777).toBe(0o755);
    expect(lstatSync(join(old.srcDir, 'link')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(old.srcDir, 'link'))).toBe('app/build.sh');

    await s3.send(new PutObjectCommand({ Bucket: 'src-bucket', Key: 'evil.zip', Body: zipSync({ '../escape.txt': strToU8('x') }) }));
    const evil = run({ source: { type: 'S3', location: 'src-bucket/evil.zip' } });
    const err = await rejection(fetchSources(c(), evil), BuildPhaseError);
    expect(err.message).toBe('zip: insecure file path: ../escape.txt for primary source');
    expect(existsSync(join(evil.workRoot, 'escape.txt'))).toBe(false);

    await s3.send(new PutObjectCommand({ Bucket: 'src-bucket', Key: 'notzip.zip', Body: 'plain text' }));
    expect((await rejection(fetchSources(c(), run({ source: { type: 'S3', location: 'src-bucket/notzip.zip' } })), BuildPhaseError)).message).toMatch(/^zip: not a valid zip file/);
  });

  it('downloads an S3 folder source and names missing keys and buckets', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'src-bucket', Key: 'tree/a.txt', Body: 'a' }));
    await s3.send(new PutObjectCommand({ Bucket: 'src-bucket', Key: 'tree/sub/b.txt', Body: 'b' }));
    const r = run({ source: { type: 'S3', location: 'src-bucket/tree/' } });
    await fetchSources(c(), r);
    expect(readFileSync(join(r.srcDir, 'a.txt'), 'utf8')).toBe('a');
    expect(readFileSync(join(r.srcDir, 'sub/b.txt'), 'utf8')).toBe('b');

    let err = await rejection(fetchSources(c(), run({ source: { type: 'S3', location: 'src-bucket/missing.zip' } })), BuildPhaseError);
    expect(err.message).toMatch(/^error while downloading key missing\.zip, error: NoSuchKey: .* for primary source$/);
    err = await rejection(fetchSources(c(), run({ source: { type: 'S3', location: 'no-such-bucket-x/src.zip' } })), BuildPhaseError);
    expect(err.message).toMatch(/^error while downloading key src\.zip, error: NoSuchBucket: /);
  });

  it('fetches secondary sources into their directories and reports their versions', async () => {
    const r = run({
      source: { type: 'NO_SOURCE', buildspec: 'version: 0.2' },
      secondarySources: [
        { type: 'CODECOMMIT', location: AWS_URL('app'), sourceIdentifier: 'code' },
        { type: 'S3', location: 'src-bucket/tree/', sourceIdentifier: 'assets' },
      ],
      secondarySourceVersions: [{ sourceIdentifier: 'code', sourceVersion: 'feature' }],
    });
    r.secondarySrcDirs.code = join(r.workRoot, 'src2', 'code');
    const result = await fetchSources(c(), r);
    expect(result).toEqual({ secondarySourceVersions: [{ sourceIdentifier: 'code', sourceVersion: commits.feature }] });
    expect(existsSync(join(r.workRoot, 'src2/code/feature.txt'))).toBe(true);
    expect(r.secondarySrcDirs.assets).toBe(join(r.workRoot, 'secondary', 'assets'));
    expect(readFileSync(join(r.secondarySrcDirs.assets, 'a.txt'), 'utf8')).toBe('a');
    const err = await rejection(
      fetchSources(c(), run({ source: { type: 'NO_SOURCE' }, secondarySources: [{ type: 'CODECOMMIT', location: AWS_URL('gone'), sourceIdentifier: 'x' }] })),
      BuildPhaseError,
    );
    expect(err.message).toBe('repository not found for secondary source x');
  });

  it('reads a CODEPIPELINE input artifact zip, and refuses online providers honestly', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'src-bucket', Key: 'pipeline/in.zip', Body: zipSync({ 'from-pipeline.txt': strToU8('p') }) }));
    const r = run({ source: { type: 'CODEPIPELINE', location: 'src-bucket/pipeline/in.zip' } });
    await fetchSources(c(), r);
    expect(readFileSync(join(r.srcDir, 'from-pipeline.txt'), 'utf8')).toBe('p');
    const err = await rejection(fetchSources(c(), run({ source: { type: 'GITHUB', location: 'https://github.com/o/r.git' } })), BuildPhaseError);
    expect(err.message).toBe('Drydock runs offline: GITHUB primary source https://github.com/o/r.git cannot be reached');
    const none = run({ source: { type: 'NO_SOURCE' } });
    expect(await fetchSources(c(), none)).toEqual({ secondarySourceVersions: [] });
    expect(readdirSync(none.srcDir)).toEqual([]);
  });

  it('keeps the .git between builds with LOCAL_SOURCE_CACHE and fetches only what changed', async () => {
    const project = { name: 'cached', source: { type: 'CODECOMMIT' as const, location: AWS_URL('app') }, cache: { type: 'LOCAL' as const, modes: ['LOCAL_SOURCE_CACHE' as const] } };
    const first = run(project, { sourceVersion: 'main' });
    await fetchSources(c(), first);
    const cached = join(localCacheDir(server.runtime.dataDir, SCOPE, 'cached'), 'source', 'primary', 'git');
    expect(existsSync(join(cached, 'HEAD'))).toBe(true);
    // A marker in the cached .git shows the next build starts from the cache, not from nothing.
    writeFileSync(join(cached, 'drydock-marker'), 'cached');
    const next = await cc.send(new PutFileCommand({ repositoryName: 'app', branchName: 'main', filePath: 'new.txt', fileContent: Buffer.from('new\n'), parentCommitId: commits.second }));
    const second = run(project, { sourceVersion: 'main' });
    expect((await fetchSources(c(), second)).resolvedSourceVersion).toBe(next.commitId);
    expect(readFileSync(join(second.srcDir, 'new.txt'), 'utf8')).toBe('new\n');
    expect(readFileSync(join(second.srcDir, '.git/drydock-marker'), 'utf8')).toBe('cached');
    expect(git(second.srcDir, 'status', '--porcelain')).toBe('');
    // The cache now holds the second build's state.
    expect(git(second.srcDir, '--git-dir', cached, 'rev-parse', 'HEAD')).toBe(next.commitId);
    commits.second = next.commitId!;
  });
});
