/**
 * CodeBuild sources, artifacts and cache through StartBuild: a shallow CodeCommit checkout at a
 * commit override with a secondary S3 zip source (read by the build's own commands), an S3 zip
 * source at the version StartBuild names, ZIP and folder artifacts in AWS's key layout with a name
 * the build's shell computes, S3 and LOCAL caches carried from one build to the next, and the
 * CLIENT_ERROR contexts of a missing source and of artifacts that match nothing.
 */

import { createHash } from 'node:crypto';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { type Build, CodeBuildClient, CreateProjectCommand, type CreateProjectCommandInput, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { CodeCommitClient, CreateCommitCommand, CreateRepositoryCommand, PutFileCommand } from '@aws-sdk/client-codecommit';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { CODEBUILD_TRUST, waitForBuild } from './codebuild-helpers.js';

const ENVIRONMENT = { type: 'LINUX_CONTAINER' as const, image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' as const };

const server = useServer();
let cb: CodeBuildClient;
let s3: S3Client;
let roleArn: string;

const waitFor = (id: string) => waitForBuild(cb, id);

async function logLines(build: Build): Promise<string> {
  const logs = new CloudWatchLogsClient(server.clientConfig);
  const out = await logs.send(new GetLogEventsCommand({ logGroupName: build.logs!.groupName!, logStreamName: build.logs!.streamName!, startFromHead: true }));
  return out.events!.map((e) => e.message!).join('\n');
}

async function build(name: string, project: Partial<CreateProjectCommandInput>, start: Record<string, unknown> = {}): Promise<Build> {
  await cb.send(
    new CreateProjectCommand({
      name,
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: ENVIRONMENT,
      serviceRole: roleArn,
      source: { type: 'NO_SOURCE', buildspec: 'version: 0.2' },
      ...project,
    }),
  );
  return waitFor((await cb.send(new StartBuildCommand({ projectName: name, ...start }))).build!.id!);
}

async function object(bucket: string, key: string): Promise<Buffer> {
  return Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
}

const phase = (b: Build, type: string) => b.phases!.find((p) => p.phaseType === type);

beforeAll(async () => {
  cb = new CodeBuildClient(server.clientConfig);
  s3 = new S3Client(server.clientConfig);
  roleArn = (await new IAMClient(server.clientConfig).send(new CreateRoleCommand({ RoleName: 'codebuild-src', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
  for (const bucket of ['inputs', 'outputs', 'caches']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

describe('sources and artifacts through StartBuild', () => {
  it('checks out a tag shallowly with a secondary S3 source and uploads ZIP and folder artifacts', async () => {
    const cc = new CodeCommitClient(server.clientConfig);
    const repo = (await cc.send(new CreateRepositoryCommand({ repositoryName: 'shop' }))).repositoryMetadata!;
    const first = await cc.send(new CreateCommitCommand({ repositoryName: 'shop', branchName: 'main', putFiles: [{ filePath: 'app.txt', fileContent: Buffer.from('v1\n') }] }));
    const second = await cc.send(new PutFileCommand({ repositoryName: 'shop', branchName: 'main', filePath: 'app.txt', fileContent: Buffer.from('v2\n'), parentCommitId: first.commitId }));
    await s3.send(new PutObjectCommand({ Bucket: 'inputs', Key: 'assets.zip', Body: zipSync({ 'logo.svg': strToU8('<svg/>') }) }));
    const buildspec = [
      'version: 0.2',
      'phases:',
      '  build:',
      '    commands:',
      '      - test "$(git rev-parse HEAD)" = "$CODEBUILD_RESOLVED_SOURCE_VERSION"',
      '      - test "$(git rev-list --count HEAD)" = 1',
      '      - mkdir -p dist/site && cp app.txt dist/ && cp "$CODEBUILD_SRC_DIR_assets/logo.svg" dist/site/',
      '      - export RELEASE=r42',
      'artifacts:',
      '  files: ["**/*"]',
      '  base-directory: dist',
      '  name: shop-$RELEASE-$(echo built).zip',
      '  secondary-artifacts:',
      '    site:',
      '      files: ["site/*"]',
      '      base-directory: dist',
      '      discard-paths: yes',
      '',
    ].join('\n');
    const b = await build(
      'shop',
      {
        source: { type: 'CODECOMMIT', location: repo.cloneUrlHttp!, gitCloneDepth: 1, buildspec },
        secondarySources: [{ type: 'S3', location: 'inputs/assets.zip', sourceIdentifier: 'assets' }],
        artifacts: { type: 'S3', location: 'outputs', path: 'releases', namespaceType: 'BUILD_ID', name: 'fixed.zip', packaging: 'ZIP', overrideArtifactName: true },
        secondaryArtifacts: [{ type: 'S3', location: 'outputs', artifactIdentifier: 'site', name: 'www', packaging: 'NONE' }],
      },
      { sourceVersion: second.commitId },
    );
    expect(b.buildStatus, await logLines(b)).toBe('SUCCEEDED');
    expect(b.resolvedSourceVersion).toBe(second.commitId);
    const uuid = b.id!.split(':')[1];
    const key = `releases/${uuid}/shop-r42-built.zip`;
    const zip = await object('outputs', key);
    expect(b.artifacts).toEqual({
      location: `arn:aws:s3:::outputs/${key}`,
      sha256sum: createHash('sha256').update(zip).digest('hex'),
      md5sum: createHash('md5').update(zip).digest('hex'),
      overrideArtifactName: true,
      encryptionDisabled: false,
    });
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual(['app.txt', 'site/logo.svg']);
    expect(Buffer.from(files['app.txt']).toString()).toBe('v2\n');
    expect(b.secondaryArtifacts).toEqual([expect.objectContaining({ location: 'arn:aws:s3:::outputs/www', artifactIdentifier: 'site' })]);
    expect((await object('outputs', 'www/logo.svg')).toString()).toBe('<svg/>');
  });

  it('fails DOWNLOAD_SOURCE with CLIENT_ERROR for a repository that does not exist', async () => {
    const b = await build('lost', {
      source: { type: 'CODECOMMIT', location: 'https://git-codecommit.us-east-1.amazonaws.com/v1/repos/missing', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo never\n' },
      sourceVersion: 'main',
    });
    expect(b.buildStatus).toBe('FAILED');
    expect(phase(b, 'DOWNLOAD_SOURCE')).toMatchObject({
      phaseStatus: 'FAILED',
      contexts: [{ statusCode: 'CLIENT_ERROR', message: 'repository not found for primary source and source version main' }],
    });
    expect(phase(b, 'BUILD')).toBeUndefined();
  });

  it('fails UPLOAD_ARTIFACTS with CLIENT_ERROR when the artifact files match nothing', async () => {
    const b = await build('nothing', {
      source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo built\nartifacts:\n  files:\n    - "out/**/*"\n' },
      artifacts: { type: 'S3', location: 'outputs', name: 'nothing.zip', packaging: 'ZIP' },
    });
    expect(b.buildStatus).toBe('FAILED');
    expect(phase(b, 'BUILD')?.phaseStatus).toBe('SUCCEEDED');
    expect(phase(b, 'UPLOAD_ARTIFACTS')).toMatchObject({ phaseStatus: 'FAILED', contexts: [{ statusCode: 'CLIENT_ERROR', message: 'no matching artifact paths found' }] });
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'outputs', Prefix: 'nothing' }))).KeyCount).toBe(0);
  });
});

describe('S3 sources and the local cache through StartBuild', () => {
  it('builds the S3 zip version StartBuild names, and a LOCAL custom cache carries a directory to the next build', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'versioned' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Enabled' } }));
    const spec = (v: string) =>
      `version: 0.2\nphases:\n  build:\n    commands:\n      - test "$(cat version.txt)" = ${v}\n      - mkdir -p .deps && echo "$CODEBUILD_BUILD_NUMBER" >> .deps/builds\n      - cat .deps/builds\ncache:\n  paths:\n    - .deps\n`;
    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'src.zip', Body: zipSync({ 'version.txt': strToU8('one'), 'buildspec.yml': strToU8(spec('one')) }) }));
    await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'src.zip', Body: zipSync({ 'version.txt': strToU8('two'), 'buildspec.yml': strToU8(spec('two')) }) }));
    const first = await build(
      'from-s3',
      {
        source: { type: 'S3', location: 'versioned/src.zip' },
        cache: { type: 'LOCAL', modes: ['LOCAL_CUSTOM_CACHE', 'LOCAL_SOURCE_CACHE'] },
      },
      { sourceVersion: v1.VersionId },
    );
    expect(first.buildStatus, await logLines(first)).toBe('SUCCEEDED');
    expect(first.sourceVersion).toBe(v1.VersionId);
    const second = await waitFor((await cb.send(new StartBuildCommand({ projectName: 'from-s3' }))).build!.id!);
    const lines = await logLines(second);
    expect(second.buildStatus, lines).toBe('SUCCEEDED');
    // The second build ran the latest zip and found the first build's cached directory.
    expect(lines).toMatch(/^1\n2$/m);
  });
});

describe('the S3 cache through StartBuild', () => {
  it('restores in the next build what the previous build saved', async () => {
    const buildspec = [
      'version: 0.2',
      'phases:',
      '  install:',
      '    commands:',
      '      - if [ -f deps/lib.txt ]; then echo "cache hit $(cat deps/lib.txt)"; else mkdir -p deps && echo "$CODEBUILD_BUILD_NUMBER" > deps/lib.txt && echo "cache miss"; fi',
      'cache:',
      '  paths:',
      '    - deps/**/*',
      '',
    ].join('\n');
    await cb.send(
      new CreateProjectCommand({
        name: 'cached',
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: ENVIRONMENT,
        serviceRole: roleArn,
        source: { type: 'NO_SOURCE', buildspec },
        cache: { type: 'S3', location: 'caches/ci' },
      }),
    );
    const first = await waitFor((await cb.send(new StartBuildCommand({ projectName: 'cached' }))).build!.id!);
    expect(first.buildStatus).toBe('SUCCEEDED');
    expect(await logLines(first)).toContain('cache miss');
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'caches' }))).Contents?.map((o) => o.Key)).toEqual(['ci/cached/cache.zip']);
    const second = await waitFor((await cb.send(new StartBuildCommand({ projectName: 'cached' }))).build!.id!);
    expect(second.buildStatus).toBe('SUCCEEDED');
    expect(await logLines(second)).toContain('cache hit 1');
  });
});
