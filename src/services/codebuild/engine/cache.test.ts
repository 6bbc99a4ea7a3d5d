/**
 * restoreCache/saveCache against a real server: one build saves its cache paths (S3 or the local
 * custom cache), the next build in a fresh work directory gets them back; InvalidateProjectCache
 * (through the SDK) empties the S3 cache.
 */

import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Project } from '@aws-sdk/client-codebuild';
import { CodeBuildClient, CreateProjectCommand, InvalidateProjectCacheCommand } from '@aws-sdk/client-codebuild';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/helpers.js';
import { type BuildRun, createContext } from '../common.js';
import { localCacheDir } from '../names.js';
import { restoreCache, saveCache } from './cache.js';

const SCOPE = { account: '000000000000', region: 'us-east-1' };

describe('CodeBuild cache', () => {
  let server: TestServer;
  let s3: S3Client;
  const roots: string[] = [];

  function run(project: Partial<Project>): BuildRun & { lines: string[] } {
    const workRoot = mkdtempSync(join(tmpdir(), 'cb-cache-'));
    roots.push(workRoot);
    const srcDir = join(workRoot, 'src');
    mkdirSync(srcDir);
    const lines: string[] = [];
    return { scope: SCOPE, build: { id: 'cached:1' }, project: { name: 'cached', ...project }, workRoot, srcDir, secondarySrcDirs: {}, log: (l) => lines.push(l), stopping: false, lines };
  }

  /** What a build leaves behind: dependencies with a link and an executable, and a build output. */
  function populate(r: BuildRun): void {
    mkdirSync(join(r.srcDir, 'node_modules/.bin'), { recursive: true });
    mkdirSync(join(r.srcDir, 'node_modules/left-pad'), { recursive: true });
    writeFileSync(join(r.srcDir, 'node_modules/left-pad/index.js'), 'pad');
    writeFileSync(join(r.srcDir, 'node_modules/left-pad/cli.js'), '#!/usr/bin/env node\n');
    chmodSync(join(r.srcDir, 'node_modules/left-pad/cli.js'), 0o755);
    symlinkSync('../left-pad/cli.js', join(r.srcDir, 'node_modules/.bin/left-pad'));
    mkdirSync(join(r.srcDir, '.gradle'), { recursive: true });
    writeFileSync(join(r.srcDir, '.gradle/state.bin'), 'gradle');
    writeFileSync(join(r.srcDir, 'dist.txt'), 'not cached');
  }

  function expectRestored(r: BuildRun): void {
    expect(readFileSync(join(r.srcDir, 'node_modules/left-pad/index.js'), 'utf8')).toBe('pad');
    expect(statSync(join(r.srcDir, 'node_modules/left-pad/cli.js')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(r.srcDir, 'node_modules/.bin/left-pad'))).toBe('../left-pad/cli.js');
    expect(readFileSync(join(r.srcDir, '.gradle/state.bin'), 'utf8')).toBe('gradle');
    expect(existsSync(join(r.srcDir, 'dist.txt'))).toBe(false);
  }

  const PATHS = ['node_modules/**/*', '.gradle', '/root/.m2/**/*'];

  beforeAll(async () => {
    server = await startTestServer();
    s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'cache-bucket' }));
  });
  afterAll(async () => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
    await server?.stop();
  });
  const c = () => createContext(server.runtime);

  it('saves the cache paths to S3 and restores them into the next build without replacing checked-out files', async () => {
    const cache = { type: 'S3' as const, location: 'cache-bucket/team' };
    const first = run({ cache });
    await restoreCache(c(), first, PATHS);
    expect(first.lines).toContain('[Container] No cache found at s3://cache-bucket/team/cached/cache.zip');
    populate(first);
    await saveCache(c(), first, PATHS);
    expect(first.lines).toContain("[Container] Cache path /root/.m2/**/* is outside the build's work directory and is not cached by Drydock");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'cache-bucket' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['team/cached/cache.zip']);

    const second = run({ cache });
    mkdirSync(join(second.srcDir, '.gradle'));
    writeFileSync(join(second.srcDir, '.gradle/state.bin'), 'from source');
    await restoreCache(c(), second, PATHS);
    expect(readFileSync(join(second.srcDir, '.gradle/state.bin'), 'utf8')).toBe('from source');
    rmSync(join(second.srcDir, '.gradle'), { recursive: true });
    await restoreCache(c(), second, PATHS);
    expectRestored(second);
  });

  it('is emptied by InvalidateProjectCache', async () => {
    const iam = new IAMClient(server.clientConfig);
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: 'cb-role',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    const cb = new CodeBuildClient(server.clientConfig);
    await cb.send(
      new CreateProjectCommand({
        name: 'cached',
        source: { type: 'NO_SOURCE', buildspec: 'version: 0.2' },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
        serviceRole: role.Role!.Arn,
        cache: { type: 'S3', location: 'cache-bucket/team' },
      }),
    );
    await cb.send(new InvalidateProjectCacheCommand({ projectName: 'cached' }));
    const after = run({ cache: { type: 'S3', location: 'cache-bucket/team' } });
    await restoreCache(c(), after, PATHS);
    expect(existsSync(join(after.srcDir, 'node_modules'))).toBe(false);
  });

  it('keeps a LOCAL_CUSTOM_CACHE in the project cache directory', async () => {
    const cache = { type: 'LOCAL' as const, modes: ['LOCAL_CUSTOM_CACHE' as const] };
    const first = run({ name: 'local', cache });
    populate(first);
    await saveCache(c(), first, PATHS);
    expect(existsSync(join(localCacheDir(server.runtime.dataDir, SCOPE, 'local'), 'custom', 'cache.zip'))).toBe(true);
    const second = run({ name: 'local', cache });
    await restoreCache(c(), second, PATHS);
    expectRestored(second);
    expect(lstatSync(join(second.srcDir, 'node_modules/.bin/left-pad')).isSymbolicLink()).toBe(true);
  });

  it('does nothing for NO_CACHE or the source/Docker local modes, and a missing bucket only logs', async () => {
    for (const cache of [{ type: 'NO_CACHE' as const }, { type: 'LOCAL' as const, modes: ['LOCAL_SOURCE_CACHE' as const, 'LOCAL_DOCKER_LAYER_CACHE' as const] }]) {
      const r = run({ name: 'none', cache });
      populate(r);
      await saveCache(c(), r, PATHS);
      expect(r.lines).toEqual([]);
    }
    expect(existsSync(join(localCacheDir(server.runtime.dataDir, SCOPE, 'none'), 'custom'))).toBe(false);
    const missing = run({ cache: { type: 'S3', location: 'no-such-cache-bucket' } });
    populate(missing);
    await saveCache(c(), missing, PATHS);
    await restoreCache(c(), missing, PATHS);
    expect(missing.lines.filter((l) => l.startsWith('[Container] Unable to'))).toEqual([
      expect.stringMatching(/^\[Container\] Unable to upload cache: /),
      expect.stringMatching(/^\[Container\] Unable to download cache: /),
    ]);
  });

  it('keeps one never-updated cache per key, falls back by key prefix, and honours action', async () => {
    const cache = { type: 'S3' as const, location: 'cache-bucket/keyed', cacheNamespace: 'shared' };
    const withFile = (content: string, env: Record<string, string>) => {
      const r = run({ name: 'keyed', cache });
      r.env = env;
      writeFileSync(join(r.srcDir, 'lock.txt'), content);
      return r;
    };
    const a = withFile('a', { LOCK: 'aaa' });
    await saveCache(c(), a, ['lock.txt'], { key: 'deps-$LOCK' });
    const again = withFile('changed', { LOCK: 'aaa' });
    await saveCache(c(), again, ['lock.txt'], { key: 'deps-${LOCK}' });
    expect(again.lines).toEqual(['[Container] Cache s3://cache-bucket/keyed/shared/keys/deps-aaa.zip already exists: not updated']);
    // S3 keeps whole seconds: the next key's cache must be visibly newer.
    await new Promise((r) => setTimeout(r, 1100));
    await saveCache(c(), withFile('b', { LOCK: 'bbb' }), ['lock.txt'], { key: 'deps-$LOCK' });
    const keys = await s3.send(new ListObjectsV2Command({ Bucket: 'cache-bucket', Prefix: 'keyed/' }));
    expect(keys.Contents?.map((o) => o.Key).sort()).toEqual(['keyed/shared/keys/deps-aaa.zip', 'keyed/shared/keys/deps-bbb.zip']);

    // Another project in the same namespace: exact key, then the newest cache a fallback prefix matches.
    const exact = run({ name: 'other', cache });
    exact.env = { LOCK: 'aaa' };
    await restoreCache(c(), exact, ['lock.txt'], { key: 'deps-$LOCK' });
    expect(readFileSync(join(exact.srcDir, 'lock.txt'), 'utf8')).toBe('a');
    const fallback = run({ name: 'other', cache });
    await restoreCache(c(), fallback, ['lock.txt'], { key: 'deps-zzz', fallbackKeys: ['nothing-', 'deps-'] });
    expect(readFileSync(join(fallback.srcDir, 'lock.txt'), 'utf8')).toBe('b');
    const miss = run({ name: 'other', cache });
    await restoreCache(c(), miss, ['lock.txt'], { key: 'deps-zzz' });
    expect(existsSync(join(miss.srcDir, 'lock.txt'))).toBe(false);

    const saveOnly = run({ name: 'other', cache });
    await restoreCache(c(), saveOnly, ['lock.txt'], { key: 'deps-aaa', action: 'save' });
    expect(existsSync(join(saveOnly.srcDir, 'lock.txt'))).toBe(false);
    const restoreOnly = withFile('r', {});
    await saveCache(c(), restoreOnly, ['lock.txt'], { key: 'restore-only', action: 'restore' });
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'cache-bucket', Prefix: 'keyed/shared/keys/restore' }))).KeyCount).toBe(0);
  });

  it('caches only directories in a LOCAL_CUSTOM_CACHE, as AWS does', async () => {
    const r = run({ name: 'files', cache: { type: 'LOCAL', modes: ['LOCAL_CUSTOM_CACHE'] } });
    populate(r);
    await saveCache(c(), r, ['dist.txt', 'node_modules']);
    expect(r.lines[0]).toBe('[Container] Unable to initialize cache download: only directories can be cached locally: dist.txt');
    const next = run({ name: 'files', cache: { type: 'LOCAL', modes: ['LOCAL_CUSTOM_CACHE'] } });
    await restoreCache(c(), next, ['dist.txt', 'node_modules']);
    expect(existsSync(join(next.srcDir, 'node_modules/left-pad/index.js'))).toBe(true);
    expect(existsSync(join(next.srcDir, 'dist.txt'))).toBe(false);
  });

  it('refuses a cache zip whose entries would leave the work directory', async () => {
    const { createZip } = await import('./zip.js');
    const dir = join(localCacheDir(server.runtime.dataDir, SCOPE, 'evil'), 'custom');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cache.zip'), createZip([{ name: '../outside.txt', data: Buffer.from('x'), mode: 0o100644 }]));
    const r = run({ name: 'evil', cache: { type: 'LOCAL', modes: ['LOCAL_CUSTOM_CACHE'] } });
    await restoreCache(c(), r, PATHS);
    expect(existsSync(join(r.workRoot, '..', 'outside.txt'))).toBe(false);
    expect(r.lines).toEqual(['[Container] Unable to download cache: zip: insecure file path: ../outside.txt']);
  });
});
