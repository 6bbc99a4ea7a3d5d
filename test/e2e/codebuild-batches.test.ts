/**
 * CodeBuild batch builds through the real SDK client: build lists, graphs and matrices whose builds
 * really run (BatchGetBuilds shows them with the batch's ARN), dependency order and failure
 * propagation, fast-fail, the project's batch restrictions, StopBuildBatch, RetryBuildBatch,
 * listing, deletion, a restart in the middle of a batch, and bad input for every operation.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetBuildBatchesCommand,
  BatchGetBuildsCommand,
  type Build,
  type BuildBatch,
  CodeBuildClient,
  CreateProjectCommand,
  type CreateProjectCommandInput,
  DeleteBuildBatchCommand,
  ListBuildBatchesCommand,
  ListBuildBatchesForProjectCommand,
  RetryBuildBatchCommand,
  StartBuildBatchCommand,
  StopBuildBatchCommand,
} from '@aws-sdk/client-codebuild';
import { CodeCommitClient, CreateCommitCommand, CreateRepositoryCommand } from '@aws-sdk/client-codecommit';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, startTestServer, type TestServer } from '../helpers.js';
import { CODEBUILD_TRUST } from './codebuild-helpers.js';

let server: TestServer;
let cb: CodeBuildClient;
let roleArn: string;

/** A buildspec whose build phase runs `commands`, with a batch section given as YAML lines. */
function spec(commands: string[], batch: string[] = []): string {
  return ['version: 0.2', ...(batch.length ? ['batch:', ...batch.map((l) => `  ${l}`)] : []), 'phases:', '  build:', '    commands:', ...commands.map((c) => `      - ${JSON.stringify(c)}`), ''].join(
    '\n',
  );
}

async function setup(s: TestServer): Promise<void> {
  const iam = new IAMClient(s.clientConfig);
  roleArn = (await iam.send(new CreateRoleCommand({ RoleName: `codebuild-batches-${Math.random().toString(36).slice(2, 8)}`, AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
  cb = new CodeBuildClient(s.clientConfig);
}

async function project(name: string, buildspec: string, extra: Partial<CreateProjectCommandInput> = {}): Promise<void> {
  await cb.send(
    new CreateProjectCommand({
      name,
      source: { type: 'NO_SOURCE', buildspec },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
      serviceRole: roleArn,
      buildBatchConfig: { serviceRole: roleArn },
      ...extra,
    }),
  );
}

async function getBatch(id: string): Promise<BuildBatch> {
  return (await cb.send(new BatchGetBuildBatchesCommand({ ids: [id] }))).buildBatches![0];
}

async function waitBatch(id: string, done: (b: BuildBatch) => boolean = (b) => b.complete === true, timeoutMs = 30_000): Promise<BuildBatch> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const batch = await getBatch(id);
    if (done(batch)) return batch;
    if (Date.now() > until) throw new Error(`batch ${id} did not get there: ${JSON.stringify({ phases: batch.phases, groups: batch.buildGroups })}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function builds(arns: string[]): Promise<Build[]> {
  return (await cb.send(new BatchGetBuildsCommand({ ids: arns }))).builds!;
}

const group = (b: BuildBatch, id: string) => b.buildGroups!.find((g) => g.identifier === id)!;
const statusOf = (b: BuildBatch) => Object.fromEntries(b.buildGroups!.map((g) => [g.identifier, g.currentBuildSummary?.buildStatus]));
const envOf = (b: Build) => Object.fromEntries((b.environment?.environmentVariables ?? []).map((v) => [v.name, v.value]));

beforeAll(async () => {
  server = await startTestServer();
  await setup(server);
});

afterAll(async () => {
  await server?.stop();
});

describe('build-list', () => {
  it('runs every build of the list for real, with its own variables, and ignores an allowed failure', async () => {
    await project(
      'list',
      spec(
        ['echo "I am $WHO"', '[ "$WHO" != fails ]'],
        [
          'build-list:',
          '  - identifier: first',
          '    env:',
          '      variables:',
          '        WHO: first',
          '  - identifier: second',
          '    ignore-failure: true',
          '    env:',
          '      image: aws/codebuild/amazonlinux2-x86_64-standard:5.0',
          '      variables:',
          '        WHO: fails',
        ],
      ),
    );
    const started = (await cb.send(new StartBuildBatchCommand({ projectName: 'list' }))).buildBatch!;
    expect(started.id).toMatch(/^list:[0-9a-f-]{36}$/);
    expect(started.arn).toBe(`arn:aws:codebuild:us-east-1:000000000000:build-batch/${started.id}`);
    expect(started.buildBatchStatus).toBe('IN_PROGRESS');
    expect(started.buildBatchNumber).toBe(1);
    expect(started.buildBatchConfig?.serviceRole).toBe(roleArn);

    const done = await waitBatch(started.id!);
    expect(done.buildBatchStatus).toBe('SUCCEEDED');
    expect(done.phases!.map((p) => `${p.phaseType}:${p.phaseStatus ?? '-'}`)).toEqual(['SUBMITTED:SUCCEEDED', 'DOWNLOAD_BATCHSPEC:SUCCEEDED', 'IN_PROGRESS:SUCCEEDED', 'SUCCEEDED:-']);
    expect(done.currentPhase).toBe('SUCCEEDED');
    expect(done.endTime).toBeInstanceOf(Date);
    expect(statusOf(done)).toEqual({ first: 'SUCCEEDED', second: 'FAILED' });
    expect(group(done, 'second').ignoreFailure).toBe(true);

    const children = await builds(done.buildGroups!.map((g) => g.currentBuildSummary!.arn!));
    expect(children.map((b) => b.buildBatchArn)).toEqual([done.arn, done.arn]);
    const [first, second] = children;
    expect(envOf(first).WHO).toBe('first');
    expect(envOf(second).WHO).toBe('fails');
    expect(second.environment?.image).toBe('aws/codebuild/amazonlinux2-x86_64-standard:5.0');
    expect(second.phases!.find((p) => p.phaseType === 'BUILD')!.contexts![0].message).toContain('[ "$WHO" != fails ]');
  });

  it('fails the batch when a build that may not fail fails, and fast-fail stops the others', async () => {
    await project(
      'fastfail',
      spec(
        ['if [ "$WHO" = bad ]; then exit 3; fi', 'sleep 30'],
        ['fast-fail: true', 'build-list:', '  - identifier: slow', '    env: { variables: { WHO: good } }', '  - identifier: bad', '    env: { variables: { WHO: bad } }'],
      ),
    );
    const started = (await cb.send(new StartBuildBatchCommand({ projectName: 'fastfail' }))).buildBatch!;
    const done = await waitBatch(started.id!);
    expect(done.buildBatchStatus).toBe('FAILED');
    expect(statusOf(done)).toEqual({ slow: 'STOPPED', bad: 'FAILED' });
    expect(done.phases!.at(-1)!.phaseType).toBe('FAILED');
    // The slow build was stopped long before its 30 seconds.
    expect(done.endTime!.getTime() - done.startTime!.getTime()).toBeLessThan(15_000);
  });
});

describe('batchspecs from the source and from S3', () => {
  it('reads the batch section from a CodeCommit checkout, resolves the commit, and gives a build its own buildspec file', async () => {
    const codecommit = new CodeCommitClient(server.clientConfig);
    const repo = (await codecommit.send(new CreateRepositoryCommand({ repositoryName: 'batched' }))).repositoryMetadata!;
    const commit = await codecommit.send(
      new CreateCommitCommand({
        repositoryName: 'batched',
        branchName: 'main',
        putFiles: [
          {
            filePath: 'buildspec.yml',
            fileContent: Buffer.from(
              spec(['[ "$CODEBUILD_BATCH_BUILD_IDENTIFIER" = main ]', 'test -f app.txt'], ['build-list:', '  - identifier: main', '  - identifier: other', '    buildspec: ci/other.yml']),
            ),
          },
          { filePath: 'ci/other.yml', fileContent: Buffer.from(spec(['[ "$CODEBUILD_BATCH_BUILD_IDENTIFIER" = other ]'])) },
          { filePath: 'app.txt', fileContent: Buffer.from('app\n') },
        ],
      }),
    );
    await project('from-source', '', { source: { type: 'CODECOMMIT', location: repo.cloneUrlHttp! }, sourceVersion: 'refs/heads/main' });
    const done = await waitBatch((await cb.send(new StartBuildBatchCommand({ projectName: 'from-source' }))).buildBatch!.id!);
    expect(done.buildBatchStatus).toBe('SUCCEEDED');
    expect(done.resolvedSourceVersion).toBe(commit.commitId);
    const [main, other] = await builds(done.buildGroups!.map((g) => g.currentBuildSummary!.arn!));
    expect([main.resolvedSourceVersion, other.resolvedSourceVersion]).toEqual([commit.commitId, commit.commitId]);
    expect(other.source?.buildspec).toBe('ci/other.yml');
    expect([main.buildStatus, other.buildStatus]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  });

  it('reads an S3 buildspec, and fails in DOWNLOAD_BATCHSPEC when the object is missing', async () => {
    const s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'batch-specs' }));
    await s3.send(new PutObjectCommand({ Bucket: 'batch-specs', Key: 'batch.yml', Body: spec(['true'], ['build-list:', '  - identifier: from_s3']) }));
    await project('s3-spec', 'arn:aws:s3:::batch-specs/batch.yml');
    const done = await waitBatch((await cb.send(new StartBuildBatchCommand({ projectName: 's3-spec' }))).buildBatch!.id!);
    expect(statusOf(done)).toEqual({ from_s3: 'SUCCEEDED' });
    const missing = await waitBatch((await cb.send(new StartBuildBatchCommand({ projectName: 's3-spec', buildspecOverride: 'arn:aws:s3:::batch-specs/none.yml' }))).buildBatch!.id!);
    expect(missing.buildBatchStatus).toBe('FAILED');
    expect(missing.phases!.find((p) => p.phaseType === 'DOWNLOAD_BATCHSPEC')!.contexts![0]).toEqual({ statusCode: 'YAML_FILE_ERROR', message: expect.stringContaining('NoSuchKey') });
  });
});

describe('build-graph', () => {
  it('starts a build only after its dependencies, and fails the dependents of a failed build', async () => {
    // Each build knows its identifier in the batch (the graph names the steps after them).
    await project(
      'graph',
      spec(
        ['echo "step $STEP"', '[ "$CODEBUILD_BATCH_BUILD_IDENTIFIER" = "$STEP" ]', 'if [ "$STEP" = broken ]; then exit 1; fi'],
        [
          'build-graph:',
          '  - identifier: base',
          '    env: { variables: { STEP: base } }',
          '  - identifier: next',
          '    depend-on: [base]',
          '    env: { variables: { STEP: next } }',
          '  - identifier: broken',
          '    env: { variables: { STEP: broken } }',
          '  - identifier: after_broken',
          '    depend-on: [broken]',
          '    env: { variables: { STEP: never } }',
        ],
      ),
    );
    const started = (await cb.send(new StartBuildBatchCommand({ projectName: 'graph' }))).buildBatch!;
    const done = await waitBatch(started.id!);
    expect(done.buildBatchStatus).toBe('FAILED');
    expect(statusOf(done)).toEqual({ base: 'SUCCEEDED', next: 'SUCCEEDED', broken: 'FAILED', after_broken: 'FAILED' });
    expect(group(done, 'next').dependsOn).toEqual(['base']);
    expect(group(done, 'after_broken').currentBuildSummary!.arn).toBeUndefined();
    const [base, next] = await builds([group(done, 'base').currentBuildSummary!.arn!, group(done, 'next').currentBuildSummary!.arn!]);
    expect(next.startTime!.getTime()).toBeGreaterThanOrEqual(base.endTime!.getTime());
  });

  it('runs the dependents of a failed build that may fail (ignore-failure)', async () => {
    await project(
      'graph-ignore',
      spec(
        ['[ "$STEP" != first ]'],
        [
          'build-graph:',
          '  - identifier: first',
          '    ignore-failure: true',
          '    env: { variables: { STEP: first } }',
          '  - identifier: then',
          '    depend-on: [first]',
          '    env: { variables: { STEP: then } }',
        ],
      ),
    );
    const done = await waitBatch((await cb.send(new StartBuildBatchCommand({ projectName: 'graph-ignore' }))).buildBatch!.id!);
    // biome-ignore lint/suspicious/noThenProperty: `then` is the build identifier the batchspec above names.
    expect(statusOf(done)).toEqual({ first: 'FAILED', then: 'SUCCEEDED' });
    expect(done.buildBatchStatus).toBe('SUCCEEDED');
  });
});

describe('build-matrix', () => {
  it('runs the cartesian product of the dynamic values with the static settings', async () => {
    await project(
      'matrix',
      spec(
        ['echo "$OS-$ARCH"'],
        [
          'build-matrix:',
          '  static:',
          '    ignore-failure: false',
          '    env:',
          '      privileged-mode: true',
          '  dynamic:',
          '    env:',
          '      variables:',
          '        OS: [linux, windows]',
          '        ARCH: [x86, arm]',
        ],
      ),
    );
    const done = await waitBatch((await cb.send(new StartBuildBatchCommand({ projectName: 'matrix' }))).buildBatch!.id!);
    expect(done.buildBatchStatus).toBe('SUCCEEDED');
    expect(done.buildGroups!.map((g) => g.identifier)).toEqual(['build1', 'build2', 'build3', 'build4']);
    const children = await builds(done.buildGroups!.map((g) => g.currentBuildSummary!.arn!));
    expect(children.map((b) => `${envOf(b).OS}-${envOf(b).ARCH}`)).toEqual(['linux-x86', 'linux-arm', 'windows-x86', 'windows-arm']);
    expect(children.every((b) => b.environment?.privilegedMode === true && b.buildStatus === 'SUCCEEDED')).toBe(true);
  });
});

describe('batch restrictions and bad batchspecs fail the batch in DOWNLOAD_BATCHSPEC', () => {
  const list = ['build-list:', '  - identifier: a', '  - identifier: b', '    env: { compute-type: BUILD_GENERAL1_LARGE }'];

  it('maximumBuildsAllowed', async () => {
    await project('restricted', spec(['true'], list), { buildBatchConfig: { serviceRole: roleArn, restrictions: { maximumBuildsAllowed: 1 } } });
    const done = await waitBatch((await cb.send(new StartBuildBatchCommand({ projectName: 'restricted' }))).buildBatch!.id!);
    expect(done.buildBatchStatus).toBe('FAILED');
    const download = done.phases!.find((p) => p.phaseType === 'DOWNLOAD_BATCHSPEC')!;
    expect(download.phaseStatus).toBe('FAILED');
    expect(download.contexts![0]).toEqual({ statusCode: 'CLIENT_ERROR', message: expect.stringContaining('maximum of 1 builds') });
    expect(done.buildGroups).toEqual([]);
    expect((await cb.send(new ListBuildBatchesForProjectCommand({ projectName: 'restricted' }))).ids).toEqual([done.id]);
  });

  it('computeTypesAllowed, through buildBatchConfigOverride', async () => {
    await project('compute', spec(['true'], list));
    const started = (
      await cb.send(
        new StartBuildBatchCommand({
          projectName: 'compute',
          buildBatchConfigOverride: { serviceRole: roleArn, restrictions: { computeTypesAllowed: ['BUILD_GENERAL1_SMALL'] } },
        }),
      )
    ).buildBatch!;
    expect(started.buildBatchConfig?.restrictions?.computeTypesAllowed).toEqual(['BUILD_GENERAL1_SMALL']);
    const done = await waitBatch(started.id!);
    expect(done.phases!.find((p) => p.phaseType === 'DOWNLOAD_BATCHSPEC')!.contexts![0].message).toContain('compute type BUILD_GENERAL1_LARGE');
    // Nothing ran.
    expect(done.buildGroups).toEqual([]);
  });

  it('a missing batch section, unknown keys, unknown dependencies, cycles, build-fanout', async () => {
    const cases: [string[], string][] = [
      [[], 'has no batch section'],
      [['build-list:', '  - identifier: a', '    colour: red'], 'unknown key colour'],
      [['build-graph:', '  - identifier: a', '    depend-on: [ghost]'], 'depends on ghost'],
      [['build-graph:', '  - identifier: a', '    depend-on: [b]', '  - identifier: b', '    depend-on: [a]'], 'dependency cycle'],
      [['build-fanout:', '  parallelism: 2'], 'build-fanout is not supported'],
    ];
    await project('badspec', spec(['true']));
    for (const [batch, message] of cases) {
      const started = (await cb.send(new StartBuildBatchCommand({ projectName: 'badspec', buildspecOverride: spec(['true'], batch) }))).buildBatch!;
      const done = await waitBatch(started.id!);
      expect(done.buildBatchStatus).toBe('FAILED');
      expect(done.phases!.find((p) => p.phaseType === 'DOWNLOAD_BATCHSPEC')!.contexts![0]).toEqual({ statusCode: 'YAML_FILE_ERROR', message: expect.stringContaining(message) });
    }
  });
});

describe('StopBuildBatch, RetryBuildBatch, listing and deletion', () => {
  it('stops the running builds and those not started yet', async () => {
    await project('stoppable', spec(['sleep 40'], ['build-graph:', '  - identifier: long', '  - identifier: later', '    depend-on: [long]']));
    const started = (await cb.send(new StartBuildBatchCommand({ projectName: 'stoppable' }))).buildBatch!;
    const running = await waitBatch(started.id!, (b) => group(b, 'long')?.currentBuildSummary?.buildStatus === 'IN_PROGRESS');
    const [child] = await builds([group(running, 'long').currentBuildSummary!.arn!]);
    expect(child.buildBatchArn).toBe(started.arn);

    const t0 = Date.now();
    const stopped = (await cb.send(new StopBuildBatchCommand({ id: started.id }))).buildBatch!;
    expect(Date.now() - t0).toBeLessThan(3500);
    const done = stopped.complete ? stopped : await waitBatch(started.id!);
    expect(done.buildBatchStatus).toBe('STOPPED');
    expect(done.currentPhase).toBe('STOPPED');
    expect(done.phases!.find((p) => p.phaseType === 'IN_PROGRESS')!.phaseStatus).toBe('STOPPED');
    expect(statusOf(done)).toEqual({ long: 'STOPPED', later: 'STOPPED' });
    expect((await builds([child.arn!]))[0].buildStatus).toBe('STOPPED');

    const again = await failure(cb.send(new StopBuildBatchCommand({ id: started.arn })));
    expect([again.name, again.$metadata.httpStatusCode]).toEqual(['InvalidInputException', 400]);
  });

  it("times the batch out after buildBatchConfig.timeoutInMins on Drydock's clock, stopping its builds", async () => {
    await project('timeout', spec(['sleep 30'], ['build-list:', '  - identifier: long']), { buildBatchConfig: { serviceRole: roleArn, timeoutInMins: 5 } });
    const started = (await cb.send(new StartBuildBatchCommand({ projectName: 'timeout' }))).buildBatch!;
    await waitBatch(started.id!, (b) => group(b, 'long')?.currentBuildSummary?.buildStatus === 'IN_PROGRESS');
    await server.advanceClock(6 * 60_000);
    const done = await waitBatch(started.id!);
    expect(done.buildBatchStatus).toBe('TIMED_OUT');
    const inProgress = done.phases!.find((p) => p.phaseType === 'IN_PROGRESS')!;
    expect(inProgress.phaseStatus).toBe('TIMED_OUT');
    expect(inProgress.contexts![0].statusCode).toBe('BUILD_BATCH_TIMED_OUT');
    expect(statusOf(done)).toEqual({ long: 'STOPPED' });
  });

  it('retries the failed builds only, keeping the earlier ones as prior summaries', async () => {
    // The flaky build fails as the project's build 2 and succeeds when retried (build 3): builds keep no state between runs.
    await project(
      'retry',
      spec(
        ['echo "build $CODEBUILD_BUILD_NUMBER of $WHO"', 'if [ "$WHO" = flaky ] && [ "$CODEBUILD_BUILD_NUMBER" -le 2 ]; then exit 1; fi'],
        ['build-list:', '  - identifier: steady', '    env: { variables: { WHO: steady } }', '  - identifier: flaky', '    env: { variables: { WHO: flaky } }'],
      ),
    );
    const first = await waitBatch((await cb.send(new StartBuildBatchCommand({ projectName: 'retry' }))).buildBatch!.id!);
    expect(first.buildBatchStatus).toBe('FAILED');
    expect(statusOf(first)).toEqual({ steady: 'SUCCEEDED', flaky: 'FAILED' });
    const steadyArn = group(first, 'steady').currentBuildSummary!.arn;
    const flakyArn = group(first, 'flaky').currentBuildSummary!.arn;

    const retried = (await cb.send(new RetryBuildBatchCommand({ id: first.id, retryType: 'RETRY_FAILED_BUILDS', idempotencyToken: 'retry-once' }))).buildBatch!;
    expect(retried.id).toBe(first.id);
    expect(retried.buildBatchStatus).toBe('IN_PROGRESS');
    const done = await waitBatch(first.id!);
    expect(done.buildBatchStatus).toBe('SUCCEEDED');
    expect(group(done, 'steady').currentBuildSummary!.arn).toBe(steadyArn);
    expect(group(done, 'steady').priorBuildSummaryList ?? []).toEqual([]);
    expect(group(done, 'flaky').currentBuildSummary!.arn).not.toBe(flakyArn);
    expect(group(done, 'flaky').priorBuildSummaryList!.map((s) => [s.arn, s.buildStatus])).toEqual([[flakyArn, 'FAILED']]);
    expect(done.phases!.map((p) => p.phaseType)).toEqual(['SUBMITTED', 'DOWNLOAD_BATCHSPEC', 'IN_PROGRESS', 'FAILED', 'IN_PROGRESS', 'SUCCEEDED']);

    // The same token again gives back the batch rather than retrying it once more.
    const sameToken = (await cb.send(new RetryBuildBatchCommand({ id: first.id, idempotencyToken: 'retry-once' }))).buildBatch!;
    expect(sameToken.buildBatchStatus).toBe('SUCCEEDED');
    expect(group(sameToken, 'flaky').priorBuildSummaryList).toHaveLength(1);
    const succeeded = await failure(cb.send(new RetryBuildBatchCommand({ id: first.id })));
    expect([succeeded.name, succeeded.$metadata.httpStatusCode]).toEqual(['InvalidInputException', 400]);
    expect(succeeded.message).toContain('Only batch builds that have failed can be retried');

    const bad = await failure(cb.send(new RetryBuildBatchCommand({ id: 'retry:00000000-0000-0000-0000-000000000000' })));
    expect([bad.name, bad.$metadata.httpStatusCode]).toEqual(['ResourceNotFoundException', 400]);
  });

  it('lists batches newest first, by project and status, page by page, and deletes a batch with its builds', async () => {
    const all = (await cb.send(new ListBuildBatchesCommand({}))).ids!;
    expect(all.length).toBeGreaterThanOrEqual(8);
    const ascending = (await cb.send(new ListBuildBatchesCommand({ sortOrder: 'ASCENDING' }))).ids!;
    expect(ascending).toEqual([...all].reverse());
    const page1 = await cb.send(new ListBuildBatchesCommand({ maxResults: 2 }));
    expect(page1.ids).toEqual(all.slice(0, 2));
    const page2 = await cb.send(new ListBuildBatchesCommand({ maxResults: 2, nextToken: page1.nextToken }));
    expect(page2.ids).toEqual(all.slice(2, 4));
    const failedOnes = (await cb.send(new ListBuildBatchesCommand({ filter: { status: 'FAILED' } }))).ids!;
    expect(failedOnes.length).toBeGreaterThan(0);
    for (const b of (await cb.send(new BatchGetBuildBatchesCommand({ ids: failedOnes }))).buildBatches!) expect(b.buildBatchStatus).toBe('FAILED');
    const [listBatch] = (await cb.send(new ListBuildBatchesForProjectCommand({ projectName: 'list' }))).ids!;
    expect(listBatch).toMatch(/^list:/);

    const batch = await getBatch(listBatch);
    const childArns = batch.buildGroups!.map((g) => g.currentBuildSummary!.arn!);
    const deleted = await cb.send(new DeleteBuildBatchCommand({ id: batch.arn }));
    expect([...deleted.buildsDeleted!].sort()).toEqual([...childArns].sort());
    expect(deleted.buildsNotDeleted).toEqual([]);
    const after = await cb.send(new BatchGetBuildBatchesCommand({ ids: [listBatch] }));
    expect(after.buildBatches).toEqual([]);
    expect(after.buildBatchesNotFound).toEqual([listBatch]);
    expect((await cb.send(new BatchGetBuildsCommand({ ids: childArns }))).buildsNotFound).toEqual(childArns);
  });
});

describe('bad input', () => {
  it('StartBuildBatch: unknown project, no batch config, bad overrides write nothing', async () => {
    const before = (await cb.send(new ListBuildBatchesCommand({}))).ids!;
    const missing = await failure(cb.send(new StartBuildBatchCommand({ projectName: 'nope' })));
    expect([missing.name, missing.$metadata.httpStatusCode, missing.message]).toEqual(['ResourceNotFoundException', 400, 'Project cannot be found: nope']);

    await project('plain', spec(['true']), { buildBatchConfig: undefined });
    const notEnabled = await failure(cb.send(new StartBuildBatchCommand({ projectName: 'plain' })));
    expect([notEnabled.name, notEnabled.$metadata.httpStatusCode]).toEqual(['InvalidInputException', 400]);
    expect(notEnabled.message).toContain('buildBatchConfig');

    const badVar = await failure(cb.send(new StartBuildBatchCommand({ projectName: 'list', environmentVariablesOverride: [{ name: 'CODEBUILD_X', value: '1' }] })));
    expect([badVar.name, badVar.message]).toEqual(['InvalidInputException', 'Invalid input: No user environment variables can start with CODEBUILD_']);
    const badTimeout = await failure(cb.send(new StartBuildBatchCommand({ projectName: 'list', buildBatchConfigOverride: { serviceRole: roleArn, timeoutInMins: 1 } })));
    expect(badTimeout.name).toBe('InvalidInputException');
    const noName = await failure(cb.send(new StartBuildBatchCommand({ projectName: '' })));
    expect([noName.name, noName.$metadata.httpStatusCode]).toEqual(['InvalidInputException', 400]);
    expect((await cb.send(new ListBuildBatchesCommand({}))).ids).toEqual(before);
  });

  it('idempotency tokens give back the same batch', async () => {
    const one = (await cb.send(new StartBuildBatchCommand({ projectName: 'matrix', idempotencyToken: 'tok-1' }))).buildBatch!;
    const two = (await cb.send(new StartBuildBatchCommand({ projectName: 'matrix', idempotencyToken: 'tok-1' }))).buildBatch!;
    expect(two.id).toBe(one.id);
    await waitBatch(one.id!);
  });

  it('the other operations', async () => {
    const ghost = 'list:00000000-0000-0000-0000-000000000000';
    const got = await cb.send(new BatchGetBuildBatchesCommand({ ids: [ghost, 'arn:aws:codebuild:us-east-1:000000000000:build/list:x'] }));
    expect(got.buildBatchesNotFound).toEqual([ghost, 'arn:aws:codebuild:us-east-1:000000000000:build/list:x']);
    const empty = await failure(cb.send(new BatchGetBuildBatchesCommand({ ids: [] })));
    expect(empty.name).toBe('InvalidInputException');
    const stop = await failure(cb.send(new StopBuildBatchCommand({ id: ghost })));
    expect([stop.name, stop.$metadata.httpStatusCode]).toEqual(['ResourceNotFoundException', 400]);
    const del = await failure(cb.send(new DeleteBuildBatchCommand({ id: ghost })));
    expect([del.name, del.$metadata.httpStatusCode]).toEqual(['InvalidInputException', 400]);
    const listProject = await failure(cb.send(new ListBuildBatchesForProjectCommand({ projectName: 'nope' })));
    expect(listProject.name).toBe('ResourceNotFoundException');
    const token = await failure(cb.send(new ListBuildBatchesCommand({ nextToken: 'garbage' })));
    expect(token.name).toBe('InvalidInputException');
    const size = await failure(cb.send(new ListBuildBatchesCommand({ maxResults: 101 })));
    expect(size.name).toBe('InvalidInputException');
    const retryType = await failure(server.aws(['codebuild', 'retry-build-batch', '--id', ghost, '--retry-type', 'RETRY_SOME']));
    expect(retryType.message).toContain('InvalidInputException');

    // A batch in progress can be neither retried nor deleted.
    await project('busy', spec(['sleep 30'], ['build-list:', '  - identifier: only']));
    const busy = (await cb.send(new StartBuildBatchCommand({ projectName: 'busy' }))).buildBatch!;
    const retry = await failure(cb.send(new RetryBuildBatchCommand({ id: busy.id })));
    expect(retry.name).toBe('InvalidInputException');
    const deleting = await failure(cb.send(new DeleteBuildBatchCommand({ id: busy.id })));
    expect(deleting.name).toBe('InvalidInputException');
    expect((await getBatch(busy.id!)).id).toBe(busy.id);
    await cb.send(new StopBuildBatchCommand({ id: busy.id }));
    expect((await waitBatch(busy.id!)).buildBatchStatus).toBe('STOPPED');
  });
});

describe('a server restart in the middle of a batch', () => {
  it('resumes the batch: the interrupted build fails explicitly and its dependents run as the graph says', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drydock-batch-restart-'));
    try {
      let restarted = await startTestServer({ dataDir });
      await setup(restarted);
      await project(
        'resumed',
        spec(
          ['if [ "$STEP" = long ]; then sleep 41.5; fi', 'echo "$STEP done"'],
          [
            'build-graph:',
            '  - identifier: long',
            '    ignore-failure: true',
            '    env: { variables: { STEP: long } }',
            '  - identifier: after',
            '    depend-on: [long]',
            '    env: { variables: { STEP: after } }',
          ],
        ),
      );
      const started = (await cb.send(new StartBuildBatchCommand({ projectName: 'resumed' }))).buildBatch!;
      await waitBatch(started.id!, (b) => group(b, 'long')?.currentBuildSummary?.buildStatus === 'IN_PROGRESS');
      await restarted.close();

      restarted = await startTestServer({ dataDir });
      cb = new CodeBuildClient(restarted.clientConfig);
      try {
        const done = await waitBatch(started.id!);
        expect(statusOf(done)).toEqual({ long: 'FAILED', after: 'SUCCEEDED' });
        expect(done.buildBatchStatus).toBe('SUCCEEDED');
        const [long] = await builds([group(done, 'long').currentBuildSummary!.arn!]);
        expect(long.phases!.find((p) => p.phaseStatus === 'FAILED')!.contexts![0].statusCode).toBe('BUILD_INTERRUPTED');
      } finally {
        await restarted.close();
      }
    } finally {
      cb = new CodeBuildClient(server.clientConfig);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
