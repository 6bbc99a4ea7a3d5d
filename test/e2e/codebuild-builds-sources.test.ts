/**
 * CodeBuild builds end to end with the runner's libraries: a CodeCommit source checked out at a
 * branch (resolvedSourceVersion, the buildspec read from the source), S3 artifacts, a JUnit report, the cache,
 * secrets masked in the log, a buildspec missing from the source, and Drydock's global limits
 * (DRYDOCK_CODEBUILD_CONCURRENCY, DRYDOCK_CODEBUILD_MAX_QUEUED_BUILDS) with a queued build stopped.
 */

import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { type Build, CodeBuildClient, CreateProjectCommand, type CreateProjectCommandInput, StartBuildCommand, StopBuildCommand } from '@aws-sdk/client-codebuild';
import { CodeCommitClient, CreateCommitCommand, CreateRepositoryCommand } from '@aws-sdk/client-codecommit';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, startTestServer, type TestServer } from '../helpers.js';
import { CODEBUILD_TRUST, fetchBuild, waitForBuild } from './codebuild-helpers.js';

const ENVIRONMENT = { type: 'LINUX_CONTAINER' as const, image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' as const };

let server: TestServer;
let cb: CodeBuildClient;
let roleArn: string;

const get = (id: string) => fetchBuild(cb, id);
const waitFor = (id: string, done?: (b: Build) => boolean) => waitForBuild(cb, id, done);

async function logLines(build: Build): Promise<string[]> {
  const logs = new CloudWatchLogsClient(server.clientConfig);
  const out = await logs.send(new GetLogEventsCommand({ logGroupName: build.logs!.groupName!, logStreamName: build.logs!.streamName!, startFromHead: true }));
  return out.events!.map((e) => e.message!);
}

async function project(input: Partial<CreateProjectCommandInput> & { name: string }): Promise<void> {
  await cb.send(
    new CreateProjectCommand({
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: ENVIRONMENT,
      serviceRole: roleArn,
      source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo hi\n' },
      ...input,
    }),
  );
}

describe('sources, artifacts, reports and secrets', () => {
  beforeAll(async () => {
    server = await startTestServer();
    cb = new CodeBuildClient(server.clientConfig);
    roleArn = (await new IAMClient(server.clientConfig).send(new CreateRoleCommand({ RoleName: 'codebuild-sources', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
  });

  afterAll(async () => {
    await server.stop();
  });

  it('builds a CodeCommit branch with the buildspec from the source, uploads S3 artifacts and a JUnit report', async () => {
    const codecommit = new CodeCommitClient(server.clientConfig);
    const repo = (await codecommit.send(new CreateRepositoryCommand({ repositoryName: 'app' }))).repositoryMetadata!;
    const buildspec = [
      'version: 0.2',
      'phases:',
      '  build:',
      '    commands:',
      '      - mkdir -p out reports',
      '      - cp app.txt out/app.txt',
      '      - echo "built at $CODEBUILD_RESOLVED_SOURCE_VERSION" > out/version.txt',
      '      - printf \'<testsuite name="s" tests="1"><testcase classname="c" name="works" time="0.1"/></testsuite>\' > reports/junit.xml',
      'artifacts:',
      '  base-directory: out',
      '  files:',
      '    - "**/*"',
      'reports:',
      '  unit:',
      '    files:',
      '      - reports/junit.xml',
      '',
    ].join('\n');
    const commit = await codecommit.send(
      new CreateCommitCommand({
        repositoryName: 'app',
        branchName: 'main',
        putFiles: [
          { filePath: 'buildspec.yml', fileContent: Buffer.from(buildspec) },
          { filePath: 'app.txt', fileContent: Buffer.from('the app\n') },
          { filePath: 'ci/alt.yml', fileContent: Buffer.from('version: 0.2\nphases:\n  build:\n    commands:\n      - echo "alternate buildspec from the source"\n') },
        ],
      }),
    );
    const s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'artifacts' }));
    await project({
      name: 'from-codecommit',
      source: { type: 'CODECOMMIT', location: repo.cloneUrlHttp! },
      sourceVersion: 'refs/heads/main',
      artifacts: { type: 'S3', location: 'artifacts', packaging: 'NONE' },
    });
    const started = (await cb.send(new StartBuildCommand({ projectName: 'from-codecommit' }))).build!;
    const build = await waitFor(started.id!);
    const lines = await logLines(build);
    expect(build.buildStatus, lines.join('\n')).toBe('SUCCEEDED');
    expect(build.resolvedSourceVersion).toBe(commit.commitId);
    expect(build.artifacts!.location).toBe('arn:aws:s3:::artifacts/from-codecommit');
    const object = await s3.send(new GetObjectCommand({ Bucket: 'artifacts', Key: 'from-codecommit/version.txt' }));
    expect(await object.Body!.transformToString()).toBe(`built at ${commit.commitId}\n`);
    expect(build.reportArns).toHaveLength(1);
    expect(build.reportArns![0]).toMatch(/^arn:aws:codebuild:us-east-1:000000000000:report\/from-codecommit-unit:/);

    // buildspecOverride as a path inside the source, and as an S3 object ARN (these buildspecs name no artifacts).
    const noArtifacts = { type: 'NO_ARTIFACTS' as const };
    const fromPath = await waitFor((await cb.send(new StartBuildCommand({ projectName: 'from-codecommit', buildspecOverride: 'ci/alt.yml', artifactsOverride: noArtifacts }))).build!.id!);
    expect(fromPath.buildStatus).toBe('SUCCEEDED');
    expect(await logLines(fromPath)).toContain('alternate buildspec from the source');
    await s3.send(new PutObjectCommand({ Bucket: 'artifacts', Key: 'specs/s3.yml', Body: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "buildspec from S3"\n' }));
    const fromS3 = await waitFor(
      (await cb.send(new StartBuildCommand({ projectName: 'from-codecommit', buildspecOverride: 'arn:aws:s3:::artifacts/specs/s3.yml', artifactsOverride: noArtifacts }))).build!.id!,
    );
    expect(fromS3.buildStatus).toBe('SUCCEEDED');
    expect(await logLines(fromS3)).toContain('buildspec from S3');
    const missing = await waitFor(
      (await cb.send(new StartBuildCommand({ projectName: 'from-codecommit', buildspecOverride: 'arn:aws:s3:::artifacts/specs/none.yml', artifactsOverride: noArtifacts }))).build!.id!,
    );
    expect(missing.buildStatus).toBe('FAILED');
    expect(missing.phases!.find((p) => p.phaseType === 'DOWNLOAD_SOURCE')!.contexts![0].statusCode).toBe('YAML_FILE_ERROR');
  });

  it('fails in DOWNLOAD_SOURCE with YAML_FILE_ERROR when the source has no buildspec file', async () => {
    const codecommit = new CodeCommitClient(server.clientConfig);
    const repo = (await codecommit.send(new CreateRepositoryCommand({ repositoryName: 'no-buildspec' }))).repositoryMetadata!;
    await codecommit.send(new CreateCommitCommand({ repositoryName: 'no-buildspec', branchName: 'main', putFiles: [{ filePath: 'README', fileContent: Buffer.from('x') }] }));
    await project({ name: 'no-buildspec', source: { type: 'CODECOMMIT', location: repo.cloneUrlHttp! }, sourceVersion: 'main' });
    const build = await waitFor((await cb.send(new StartBuildCommand({ projectName: 'no-buildspec' }))).build!.id!);
    expect(build.buildStatus).toBe('FAILED');
    const download = build.phases!.find((p) => p.phaseType === 'DOWNLOAD_SOURCE')!;
    expect(download.phaseStatus).toBe('FAILED');
    expect(download.contexts![0].statusCode).toBe('YAML_FILE_ERROR');
    expect(download.contexts![0].message).toContain('buildspec.yml');
    expect(build.phases!.some((p) => p.phaseType === 'BUILD')).toBe(false);
  });

  it('fails DOWNLOAD_SOURCE for a repository that does not exist, UPLOAD_ARTIFACTS for artifacts that match nothing', async () => {
    const codecommit = new CodeCommitClient(server.clientConfig);
    const repo = (await codecommit.send(new CreateRepositoryCommand({ repositoryName: 'short-lived' }))).repositoryMetadata!;
    await project({ name: 'gone-repo', source: { type: 'CODECOMMIT', location: repo.cloneUrlHttp!.replace('short-lived', 'never-created') } });
    const gone = await waitFor((await cb.send(new StartBuildCommand({ projectName: 'gone-repo' }))).build!.id!);
    expect(gone.buildStatus).toBe('FAILED');
    const download = gone.phases!.find((p) => p.phaseType === 'DOWNLOAD_SOURCE')!;
    expect(download.phaseStatus).toBe('FAILED');
    expect(download.contexts![0].statusCode).toBe('CLIENT_ERROR');
    expect(gone.phases!.map((p) => p.phaseType).slice(-3)).toEqual(['DOWNLOAD_SOURCE', 'FINALIZING', 'COMPLETED']);

    const s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'empty-artifacts' }));
    await project({
      name: 'no-match',
      source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo built\nartifacts:\n  files:\n    - "dist/**/*"\n' },
      artifacts: { type: 'S3', location: 'empty-artifacts' },
    });
    const noMatch = await waitFor((await cb.send(new StartBuildCommand({ projectName: 'no-match' }))).build!.id!);
    expect(noMatch.buildStatus).toBe('FAILED');
    const upload = noMatch.phases!.find((p) => p.phaseType === 'UPLOAD_ARTIFACTS')!;
    expect(upload.phaseStatus).toBe('FAILED');
    expect(upload.contexts![0].statusCode).toBe('CLIENT_ERROR');
    expect(noMatch.phases!.find((p) => p.phaseType === 'BUILD')!.phaseStatus).toBe('SUCCEEDED');
  });

  it('restores the cache saved by the previous build before INSTALL', async () => {
    const s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'build-cache' }));
    const buildspec = [
      'version: 0.2',
      'phases:',
      '  install:',
      '    commands:',
      '      - if test -f deps/marker; then echo "cache hit $(cat deps/marker)"; else mkdir -p deps && echo "$CODEBUILD_BUILD_NUMBER" > deps/marker && echo "cache miss"; fi',
      'cache:',
      '  paths:',
      '    - deps/**/*',
      '',
    ].join('\n');
    await project({ name: 'cached', source: { type: 'NO_SOURCE', buildspec }, cache: { type: 'S3', location: 'build-cache' } });
    const first = await waitFor((await cb.send(new StartBuildCommand({ projectName: 'cached' }))).build!.id!);
    expect(await logLines(first)).toContain('cache miss');
    const second = await waitFor((await cb.send(new StartBuildCommand({ projectName: 'cached' }))).build!.id!);
    expect(second.buildStatus).toBe('SUCCEEDED');
    expect(await logLines(second)).toContain('cache hit 1');
  });

  it('lets a build use Drydock with the service role: aws s3 cp inside the build', async () => {
    const s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'from-builds' }));
    await new IAMClient(server.clientConfig).send(
      new PutRolePolicyCommand({
        RoleName: 'codebuild-sources',
        PolicyName: 'write-outputs',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::from-builds/*' }] }),
      }),
    );
    await project({
      name: 'uses-s3',
      source: {
        type: 'NO_SOURCE',
        buildspec:
          'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "made by $CODEBUILD_BUILD_ID" > out.txt\n      - aws --endpoint-url "$AWS_ENDPOINT_URL" s3 cp out.txt s3://from-builds/out.txt\n',
      },
    });
    const build = await waitFor((await cb.send(new StartBuildCommand({ projectName: 'uses-s3' }))).build!.id!);
    expect(build.buildStatus, (await logLines(build)).join('\n')).toBe('SUCCEEDED');
    const object = await s3.send(new GetObjectCommand({ Bucket: 'from-builds', Key: 'out.txt' }));
    expect(await object.Body!.transformToString()).toBe(`made by ${build.id}\n`);
  });

  it('runs a buildspec with unknown keys, telling them in the log', async () => {
    await project({ name: 'unknown-keys', source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nfrobnicate: yes\nphases:\n  build:\n    commands:\n      - echo ran\n' } });
    const build = await waitFor((await cb.send(new StartBuildCommand({ projectName: 'unknown-keys' }))).build!.id!);
    expect(build.buildStatus).toBe('SUCCEEDED');
    const lines = await logLines(build);
    expect(lines).toContain('ran');
    expect(lines.some((l) => l.includes('Warning:') && l.includes('frobnicate'))).toBe(true);
  });

  it('masks Parameter Store values in the log', async () => {
    const ssm = new SSMClient(server.clientConfig);
    await ssm.send(new PutParameterCommand({ Name: '/build/token', Value: 's3cr3t-t0ken', Type: 'SecureString' }));
    // The build reads the parameter as its service role (AWS's guide grants ssm:GetParameters; Drydock reads each with GetParameter).
    await new IAMClient(server.clientConfig).send(
      new PutRolePolicyCommand({
        RoleName: 'codebuild-sources',
        PolicyName: 'parameters',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ssm:GetParameters', 'ssm:GetParameter'], Resource: 'arn:aws:ssm:*:*:parameter/build/*' }] }),
      }),
    );
    await project({
      name: 'masked',
      source: {
        type: 'NO_SOURCE',
        buildspec: 'version: 0.2\nenv:\n  parameter-store:\n    TOKEN: /build/token\nphases:\n  build:\n    commands:\n      - echo "token is $TOKEN"\n      - test "$TOKEN" = s3cr3t-t0ken\n',
      },
    });
    const build = await waitFor((await cb.send(new StartBuildCommand({ projectName: 'masked' }))).build!.id!);
    expect(build.buildStatus).toBe('SUCCEEDED');
    const lines = await logLines(build);
    expect(lines).toContain('token is ***');
    expect(lines.join('\n')).not.toContain('s3cr3t-t0ken');
  });
});

describe('Drydock-wide limits', () => {
  beforeAll(async () => {
    process.env.DRYDOCK_CODEBUILD_CONCURRENCY = '1';
    process.env.DRYDOCK_CODEBUILD_MAX_QUEUED_BUILDS = '2';
    try {
      server = await startTestServer();
    } finally {
      delete process.env.DRYDOCK_CODEBUILD_CONCURRENCY;
      delete process.env.DRYDOCK_CODEBUILD_MAX_QUEUED_BUILDS;
    }
    cb = new CodeBuildClient(server.clientConfig);
    roleArn = (await new IAMClient(server.clientConfig).send(new CreateRoleCommand({ RoleName: 'codebuild-limits', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
  });

  afterAll(async () => {
    await server.stop();
  });

  it('queues across projects at the global limit, refuses builds past the queue bound, stops a queued build', async () => {
    await project({ name: 'slow', source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 30\n' } });
    await project({ name: 'quick' });
    const slow = (await cb.send(new StartBuildCommand({ projectName: 'slow' }))).build!;
    await waitFor(slow.id!, (b) => b.currentPhase === 'BUILD');
    const queued = (await cb.send(new StartBuildCommand({ projectName: 'quick' }))).build!;
    await new Promise((r) => setTimeout(r, 200));
    expect((await get(queued.id!)).currentPhase).toBe('QUEUED');

    const refused = await expectAwsError(cb.send(new StartBuildCommand({ projectName: 'quick' })), { code: 'AccountLimitExceededException', status: 400 });
    expect(refused.message).toBe('Cannot have more than 2 builds in queue for the account');

    const stopped = await waitFor((await cb.send(new StopBuildCommand({ id: queued.id! }))).build!.id!);
    expect(stopped.buildStatus).toBe('STOPPED');
    expect(stopped.phases!.map((p) => `${p.phaseType}:${p.phaseStatus ?? '-'}`)).toEqual(['SUBMITTED:SUCCEEDED', 'QUEUED:STOPPED', 'COMPLETED:-']);

    const next = (await cb.send(new StartBuildCommand({ projectName: 'quick' }))).build!;
    await new Promise((r) => setTimeout(r, 200));
    expect((await get(next.id!)).currentPhase).toBe('QUEUED');
    await cb.send(new StopBuildCommand({ id: slow.id! }));
    expect((await waitFor(next.id!)).buildStatus).toBe('SUCCEEDED');
  });
});
