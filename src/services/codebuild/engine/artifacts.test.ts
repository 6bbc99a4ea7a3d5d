/**
 * uploadArtifacts against a real server: files in a build's source directory, uploaded into a
 * bucket made with the S3 SDK and read back with it, in AWS's key layout.
 */

import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Project } from '@aws-sdk/client-codebuild';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection, startTestServer, type TestServer } from '../../../../test/helpers.js';
import { BuildPhaseError, type BuildRun, type Buildspec, type BuildspecArtifactSet, createContext } from '../common.js';
import { expandVariables, uploadArtifacts } from './artifacts.js';
import { readZip } from './zip.js';

const SCOPE = { account: '000000000000', region: 'us-east-1' };
const BUILD_UUID = '6f1c2a4e-0d55-4a11-8a1e-3c5b9a7d2e10';

function set(fields: Partial<BuildspecArtifactSet>): BuildspecArtifactSet {
  return { files: [], discardPaths: false, excludePaths: [], enableSymlinks: false, ...fields };
}
function spec(primary: Partial<BuildspecArtifactSet>, secondary: Record<string, Partial<BuildspecArtifactSet>> = {}): Buildspec['artifacts'] {
  return { ...set(primary), secondaryArtifacts: Object.fromEntries(Object.entries(secondary).map(([k, v]) => [k, set(v)])) };
}

describe('CodeBuild artifacts', () => {
  let server: TestServer;
  let s3: S3Client;
  const roots: string[] = [];

  /** A build whose source directory holds dist/ (with a link and an executable), docs/ and a log. */
  function run(project: Partial<Project>, extra: Partial<BuildRun> = {}): BuildRun {
    const workRoot = mkdtempSync(join(tmpdir(), 'cb-artifacts-'));
    roots.push(workRoot);
    const srcDir = join(workRoot, 'src');
    mkdirSync(join(srcDir, 'dist/lib'), { recursive: true });
    mkdirSync(join(srcDir, 'docs'), { recursive: true });
    writeFileSync(join(srcDir, 'dist/app.js'), 'app');
    writeFileSync(join(srcDir, 'dist/lib/util.js'), 'util');
    writeFileSync(join(srcDir, 'dist/run.sh'), '#!/bin/sh\n');
    chmodSync(join(srcDir, 'dist/run.sh'), 0o755);
    writeFileSync(join(srcDir, 'dist/debug.map'), 'map');
    symlinkSync('app.js', join(srcDir, 'dist/current.js'));
    writeFileSync(join(srcDir, 'docs/readme.md'), 'docs');
    writeFileSync(join(srcDir, 'build.log'), 'log');
    return {
      scope: SCOPE,
      build: { id: `app:${BUILD_UUID}` },
      project: { name: 'app', ...project },
      workRoot,
      srcDir,
      secondarySrcDirs: {},
      log: () => {},
      stopping: false,
      ...extra,
    };
  }

  async function object(bucket: string, key: string): Promise<Buffer> {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  }
  async function keys(bucket: string, prefix = ''): Promise<string[]> {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key!).sort();
  }
  beforeAll(async () => {
    server = await startTestServer();
    s3 = new S3Client(server.clientConfig);
    for (const bucket of ['out-zip', 'out-folder', 'out-second', 'out-pipe']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
    await server?.stop();
  });
  const c = () => createContext(server.runtime);

  it('uploads a ZIP to <path>/<build id>/<name> with its checksums, modes and followed links', async () => {
    const r = run({ artifacts: { type: 'S3', location: 'out-zip', path: 'releases', namespaceType: 'BUILD_ID', name: 'app.zip', packaging: 'ZIP', encryptionDisabled: false } });
    const result = await uploadArtifacts(c(), r, spec({ files: ['**/*'], baseDirectory: 'dist', excludePaths: ['*.map'] }));
    const body = await object('out-zip', `releases/${BUILD_UUID}/app.zip`);
    expect(result).toEqual({
      artifacts: {
        location: `arn:aws:s3:::out-zip/releases/${BUILD_UUID}/app.zip`,
        sha256sum: createHash('sha256').update(body).digest('hex'),
        md5sum: createHash('md5').update(body).digest('hex'),
        encryptionDisabled: false,
      },
      secondaryArtifacts: [],
    });
    const entries = Object.fromEntries(readZip(body).map((e) => [e.name, e]));
    expect(Object.keys(entries).sort()).toEqual(['app.js', 'current.js', 'lib/util.js', 'run.sh']);
    expect(Buffer.from(entries['current.js'].data).toString()).toBe('app');
    expect(entries['run.sh'].mode & 0o777).toBe(0o755);
  });

  it('keeps links in a ZIP with enable-symlinks, and flattens with discard-paths', async () => {
    const r = run({ artifacts: { type: 'S3', location: 'out-zip', namespaceType: 'NONE', name: 'flat.zip', packaging: 'ZIP' } });
    await uploadArtifacts(c(), r, spec({ files: ['dist/**/*.js', 'docs/*'], discardPaths: true, enableSymlinks: true }));
    const entries = readZip(await object('out-zip', 'flat.zip'));
    expect(entries.map((e) => e.name).sort()).toEqual(['app.js', 'current.js', 'readme.md', 'util.js']);
    const link = entries.find((e) => e.name === 'current.js')!;
    expect(link.mode & 0o170000).toBe(0o120000);
    expect(Buffer.from(link.data).toString()).toBe('app.js');
  });

  it('uploads packaging NONE as a folder <path>/<name>/…, and name "/" at the path itself', async () => {
    const r = run({ artifacts: { type: 'S3', location: 'out-folder', path: 'site', namespaceType: 'NONE', name: 'www', packaging: 'NONE' } });
    const result = await uploadArtifacts(c(), r, spec({ files: ['docs/**/*', 'build.log'] }));
    expect(result.artifacts).toEqual({ location: 'arn:aws:s3:::out-folder/site/www' });
    expect(await keys('out-folder', 'site/')).toEqual(['site/www/build.log', 'site/www/docs/readme.md']);
    const root = run({ artifacts: { type: 'S3', location: 'out-folder', namespaceType: 'NONE', name: '/', packaging: 'NONE' } });
    expect((await uploadArtifacts(c(), root, spec({ files: ['build.log'] }))).artifacts?.location).toBe('arn:aws:s3:::out-folder');
    expect(await object('out-folder', 'build.log')).toEqual(Buffer.from('log'));
  });

  it('merges every top-level directory a base-directory pattern matches', async () => {
    const r = run({ artifacts: { type: 'S3', location: 'out-zip', namespaceType: 'NONE', name: 'merged.zip', packaging: 'ZIP' } });
    mkdirSync(join(r.srcDir, 'my-build1'));
    mkdirSync(join(r.srcDir, 'my-build2/my-subdirectory'), { recursive: true });
    writeFileSync(join(r.srcDir, 'my-build1/my-file1.txt'), '1');
    writeFileSync(join(r.srcDir, 'my-build2/my-file2.txt'), '2');
    writeFileSync(join(r.srcDir, 'my-build2/my-subdirectory/my-file3.txt'), '3');
    await uploadArtifacts(c(), r, spec({ files: ['**/*'], baseDirectory: 'my-build*', discardPaths: true }));
    expect(
      readZip(await object('out-zip', 'merged.zip'))
        .map((e) => e.name)
        .sort(),
    ).toEqual(['my-file1.txt', 'my-file2.txt', 'my-file3.txt']);
    await uploadArtifacts(c(), r, spec({ files: ['*/my-file3.txt'], baseDirectory: 'my-build2' }));
    expect(readZip(await object('out-zip', 'merged.zip')).map((e) => e.name)).toEqual(['my-subdirectory/my-file3.txt']);
  });

  it('names the artifact from the buildspec only with overrideArtifactName, expanded from the build', async () => {
    const env = { VERSION: '1.2.3', BRANCH: 'main' };
    const overridden = run({ artifacts: { type: 'S3', location: 'out-zip', namespaceType: 'BUILD_ID', name: 'fixed.zip', packaging: 'ZIP', overrideArtifactName: true } }, { env });
    const result = await uploadArtifacts(c(), overridden, spec({ files: ['build.log'], name: 'app-$VERSION-${BRANCH}.zip', s3Prefix: 'prefixed' }));
    expect(result.artifacts?.location).toBe(`arn:aws:s3:::out-zip/prefixed/${BUILD_UUID}/app-1.2.3-main.zip`);
    expect(result.artifacts?.overrideArtifactName).toBe(true);
    // The runner's shell expansion wins over plain variables (it can run `$(date)`).
    const shell = run(
      { artifacts: { type: 'S3', location: 'out-zip', namespaceType: 'NONE', name: 'fixed.zip', packaging: 'ZIP', overrideArtifactName: true } },
      { env, expand: async (text) => text.replace('$(echo x)', 'x') },
    );
    expect((await uploadArtifacts(c(), shell, spec({ files: ['build.log'], name: 'shell-$(echo x).zip' }))).artifacts?.location).toBe('arn:aws:s3:::out-zip/shell-x.zip');
    const plain = run({ artifacts: { type: 'S3', location: 'out-zip', namespaceType: 'NONE', name: 'fixed.zip', packaging: 'ZIP' } }, { env });
    expect((await uploadArtifacts(c(), plain, spec({ files: ['build.log'], name: 'ignored.zip' }))).artifacts?.location).toBe('arn:aws:s3:::out-zip/fixed.zip');
    expect(expandVariables('a-$UNSET-${VERSION}-$', env)).toBe('a--1.2.3-$');
  });

  it('uploads secondary artifacts by identifier, and NO_ARTIFACTS records an empty location', async () => {
    const r = run({
      artifacts: { type: 'NO_ARTIFACTS' },
      secondaryArtifacts: [
        { type: 'S3', location: 'out-second', artifactIdentifier: 'web', name: 'web.zip', packaging: 'ZIP', namespaceType: 'NONE' },
        { type: 'S3', location: 'out-second', artifactIdentifier: 'docs', packaging: 'NONE', namespaceType: 'NONE' },
      ],
    });
    const result = await uploadArtifacts(c(), r, spec({}, { web: { files: ['dist/app.js'] }, docs: { files: ['**/*'], baseDirectory: 'docs' } }));
    expect(result.artifacts).toEqual({ location: '' });
    expect(result.secondaryArtifacts.map((a) => [a.artifactIdentifier, a.location])).toEqual([
      ['web', 'arn:aws:s3:::out-second/web.zip'],
      ['docs', 'arn:aws:s3:::out-second/docs'],
    ]);
    expect(await keys('out-second')).toEqual(['docs/readme.md', 'web.zip']);
    const missing = run({ artifacts: { type: 'NO_ARTIFACTS' }, secondaryArtifacts: [{ type: 'S3', location: 'out-second', artifactIdentifier: 'other', packaging: 'ZIP', name: 'o.zip' }] });
    expect((await rejection(uploadArtifacts(c(), missing, spec({}, { web: { files: ['x'] } })), BuildPhaseError)).message).toBe('no definition for secondary artifact other in buildspec');
  });

  it('zips CODEPIPELINE output to the location the pipeline gives', async () => {
    const r = run({ artifacts: { type: 'CODEPIPELINE', location: 'out-pipe/pipeline/BuildArtif/abc.zip' } });
    const result = await uploadArtifacts(c(), r, spec({ files: ['build.log'] }));
    expect(result.artifacts?.location).toBe('arn:aws:s3:::out-pipe/pipeline/BuildArtif/abc.zip');
    expect(readZip(await object('out-pipe', 'pipeline/BuildArtif/abc.zip')).map((e) => e.name)).toEqual(['build.log']);
  });

  it('fails UPLOAD_ARTIFACTS with CLIENT_ERROR when nothing matches or the bucket is missing, uploading nothing', async () => {
    const project = { artifacts: { type: 'S3' as const, location: 'out-zip', namespaceType: 'NONE' as const, name: 'never.zip', packaging: 'ZIP' as const } };
    for (const artifacts of [spec({ files: ['*.nothing'] }), spec({ files: ['**/*'], baseDirectory: 'no-such-dir' }), spec({}), undefined]) {
      const err = await rejection(uploadArtifacts(c(), run(project), artifacts), BuildPhaseError);
      expect(err.statusCode).toBe('CLIENT_ERROR');
      expect(err.message).toMatch(/^no matching (artifact|base directory) paths? found/);
    }
    expect(await keys('out-zip', 'never')).toEqual([]);
    const err = await rejection(uploadArtifacts(c(), run({ artifacts: { ...project.artifacts, location: 'no-such-bucket-z' } }), spec({ files: ['build.log'] })), BuildPhaseError);
    expect(err.message).toMatch(/^error while uploading primary artifact to s3:\/\/no-such-bucket-z\/never\.zip: NoSuchBucket: /);
    const outside = await rejection(uploadArtifacts(c(), run(project), spec({ files: ['*'], baseDirectory: '/etc' })), BuildPhaseError);
    expect(outside.message).toBe("base directory /etc is outside the build's work directory");
  });
});
