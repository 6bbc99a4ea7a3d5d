/**
 * CodeBuild builds through the real SDK client: builds that really run their commands, with AWS's
 * phases, contexts and statuses, live records, logs in CloudWatch Logs, the built-in environment
 * with the service role's credentials and Drydock's endpoint, StopBuild, RetryBuild, listing,
 * deletion, events, and bad input for every operation.
 */

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  BatchDeleteBuildsCommand,
  BatchGetBuildsCommand,
  type Build,
  CodeBuildClient,
  CreateProjectCommand,
  type CreateProjectCommandInput,
  ListBuildsCommand,
  ListBuildsForProjectCommand,
  RetryBuildCommand,
  StartBuildCommand,
  StopBuildCommand,
} from '@aws-sdk/client-codebuild';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsEvent } from '../../src/core/events.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { loadModel } from '../../src/protocol/model.js';
import { expectAwsError, useServer } from '../helpers.js';
import { Sampler } from '../model-samples.js';
import { CODEBUILD_TRUST, runProcesses, waitForBuild } from './codebuild-helpers.js';

const server = useServer();
let cb: CodeBuildClient;
let logs: CloudWatchLogsClient;
let roleArn: string;
const events: AwsEvent[] = [];
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

function buildspec(phases: Record<string, string[]>, extra = ''): string {
  const lines = ['version: 0.2', extra, 'phases:'].filter(Boolean);
  for (const [phase, commands] of Object.entries(phases)) {
    lines.push(`  ${phase}:`, '    commands:');
    for (const command of commands) lines.push(`      - ${JSON.stringify(command)}`);
  }
  return `${lines.join('\n')}\n`;
}

async function project(name: string, spec: string, extra: Partial<CreateProjectCommandInput> = {}): Promise<void> {
  await cb.send(
    new CreateProjectCommand({
      name,
      source: { type: 'NO_SOURCE', buildspec: spec },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
      serviceRole: roleArn,
      ...extra,
    }),
  );
}

const waitFor = (id: string, done?: (b: Build) => boolean, timeoutMs?: number) => waitForBuild(cb, id, done, timeoutMs);

async function logLines(build: Build): Promise<string[]> {
  const out = await logs.send(new GetLogEventsCommand({ logGroupName: build.logs!.groupName!, logStreamName: build.logs!.streamName!, startFromHead: true }));
  return out.events!.map((e) => e.message!);
}

const phaseList = (b: Build) => b.phases!.map((p) => `${p.phaseType}:${p.phaseStatus ?? '-'}`);

beforeAll(async () => {
  cb = new CodeBuildClient(server.clientConfig);
  logs = new CloudWatchLogsClient(server.clientConfig);
  const iam = new IAMClient(server.clientConfig);
  roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'codebuild-builds', Path: '/service-role/', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
  // The build reads parameter-store variables as its service role, which needs the permission
  // (AWS's guide grants ssm:GetParameters; Drydock reads each with GetParameter).
  const readParameters = { Effect: 'Allow', Action: ['ssm:GetParameters', 'ssm:GetParameter'], Resource: 'arn:aws:ssm:*:*:parameter/*' };
  await iam.send(new PutRolePolicyCommand({ RoleName: 'codebuild-builds', PolicyName: 'parameters', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [readParameters] }) }));
  server.runtime.events.subscribe((event) => {
    if (event.source === 'aws.codebuild') events.push(event);
  });
});

describe('a build that succeeds', () => {
  let build: Build;
  let started: Build;

  beforeAll(async () => {
    await project(
      'ok',
      buildspec(
        { install: ['echo installing'], pre_build: ['cd /tmp', 'export GREETING=hello'], build: ['echo "$GREETING from $(pwd)"'], post_build: ['echo done'] },
        'env:\n  exported-variables:\n    - GREETING\n',
      ),
    );
    started = (await cb.send(new StartBuildCommand({ projectName: 'ok' }))).build!;
    build = await waitFor(started.id!);
  });

  it('answers StartBuild with the queued build', () => {
    expect(started.id).toMatch(/^ok:[0-9a-f-]{36}$/);
    expect(started.arn).toBe(`arn:aws:codebuild:${REGION}:${ACCOUNT}:build/${started.id}`);
    expect(started.buildNumber).toBe(1);
    expect(started.buildStatus).toBe('IN_PROGRESS');
    expect(started.buildComplete).toBe(false);
    expect(started.currentPhase).toBe('QUEUED');
    expect(phaseList(started)).toEqual(['SUBMITTED:SUCCEEDED', 'QUEUED:-']);
    expect(started.initiator).toBe('root');
    expect(started.projectName).toBe('ok');
    expect(started.timeoutInMinutes).toBe(60);
    expect(started.queuedTimeoutInMinutes).toBe(480);
    expect(started.encryptionKey).toBe(`arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/s3`);
  });

  it('goes through every phase and succeeds', () => {
    expect(build.buildStatus).toBe('SUCCEEDED');
    expect(build.currentPhase).toBe('COMPLETED');
    expect(phaseList(build)).toEqual([
      'SUBMITTED:SUCCEEDED',
      'QUEUED:SUCCEEDED',
      'PROVISIONING:SUCCEEDED',
      'DOWNLOAD_SOURCE:SUCCEEDED',
      'INSTALL:SUCCEEDED',
      'PRE_BUILD:SUCCEEDED',
      'BUILD:SUCCEEDED',
      'POST_BUILD:SUCCEEDED',
      'UPLOAD_ARTIFACTS:SUCCEEDED',
      'FINALIZING:SUCCEEDED',
      'COMPLETED:-',
    ]);
    for (const phase of build.phases!.slice(0, -1)) {
      expect(phase.startTime).toBeInstanceOf(Date);
      expect(phase.endTime!.getTime()).toBeGreaterThanOrEqual(phase.startTime!.getTime());
      expect(phase.durationInSeconds).toBeGreaterThanOrEqual(0);
      // As on AWS, SUBMITTED and QUEUED carry no context, the other phases one empty context.
      if (phase.phaseType === 'SUBMITTED' || phase.phaseType === 'QUEUED') expect(phase.contexts).toBeUndefined();
      else expect(phase.contexts).toEqual([{ statusCode: '', message: '' }]);
    }
    expect(build.phases!.at(-1)).toEqual({ phaseType: 'COMPLETED', startTime: build.endTime });
    expect(build.endTime!.getTime()).toBeGreaterThanOrEqual(build.startTime!.getTime());
    expect(build.exportedEnvironmentVariables).toEqual([{ name: 'GREETING', value: 'hello' }]);
  });

  it('writes the log to CloudWatch Logs under /aws/codebuild/<project>, stream = the id suffix', async () => {
    const uuid = build.id!.split(':')[1];
    expect(build.logs).toMatchObject({
      groupName: '/aws/codebuild/ok',
      streamName: uuid,
      cloudWatchLogsArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/codebuild/ok:log-stream:${uuid}`,
      cloudWatchLogs: { status: 'ENABLED' },
    });
    // Where AWS links its console, Drydock links the build's own page (codebuild-run-pages.test.ts).
    expect(build.logs!.deepLink).toBe(`${server.url}/_drydock/codebuild/builds/${encodeURIComponent(build.id!)}#logs`);
    const lines = await logLines(build);
    // cd and export carry over between commands and phases: one shell session per build.
    expect(lines).toContain('hello from /tmp');
    expect(lines.some((l) => /^\[Container\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6} Running command echo installing$/.test(l))).toBe(true);
    expect(lines.some((l) => l.endsWith('Entering phase BUILD'))).toBe(true);
  });

  it('numbers builds per project', async () => {
    const second = (await cb.send(new StartBuildCommand({ projectName: 'ok' }))).build!;
    expect(second.buildNumber).toBe(2);
    await waitFor(second.id!);
  });

  it('publishes state and phase change events with AWS detail shapes', () => {
    const mine = events.filter((e) => (e.detail['build-id'] as string) === build.arn);
    const states = mine.filter((e) => e['detail-type'] === 'CodeBuild Build State Change');
    expect(states.map((e) => e.detail['build-status'])).toEqual(['IN_PROGRESS', 'SUCCEEDED']);
    const final = states[1];
    expect(final.resources).toEqual([build.arn]);
    expect(final.detail).toMatchObject({ 'project-name': 'ok', 'current-phase': 'COMPLETED', 'current-phase-context': '[]', version: '1' });
    const info = final.detail['additional-information'] as Record<string, unknown>;
    expect(info['build-complete']).toBe(true);
    expect(info).toMatchObject({
      'build-number': 1,
      'timeout-in-minutes': 60,
      'queued-timeout-in-minutes': 480,
      initiator: 'root',
      cache: { type: 'NO_CACHE' },
      source: { type: 'NO_SOURCE' },
      environment: { image: 'aws/codebuild/standard:7.0', 'compute-type': 'BUILD_GENERAL1_SMALL', type: 'LINUX_CONTAINER', 'privileged-mode': false, 'environment-variables': [] },
    });
    expect(info['build-start-time']).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d\d:\d\d (AM|PM)$/);
    expect(info.logs).toEqual({ 'group-name': '/aws/codebuild/ok', 'stream-name': build.logs!.streamName, 'deep-link': build.logs!.deepLink });
    expect((info.phases as unknown[]).length).toBe(11);
    const completed = mine.filter((e) => e['detail-type'] === 'CodeBuild Build Phase Change').map((e) => e.detail['completed-phase']);
    expect(completed).toEqual(['SUBMITTED', 'QUEUED', 'PROVISIONING', 'DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD', 'UPLOAD_ARTIFACTS', 'FINALIZING']);
    const buildPhase = mine.find((e) => e.detail['completed-phase'] === 'BUILD')!;
    expect(buildPhase.detail).toMatchObject({ 'completed-phase-status': 'SUCCEEDED', 'completed-phase-context': '[: ]', 'project-name': 'ok' });
    expect(typeof buildPhase.detail['completed-phase-duration-seconds']).toBe('number');
    expect(buildPhase.detail['completed-phase-start']).toMatch(/ (AM|PM)$/);
  });
});

describe('a build that fails', () => {
  it('fails the phase with COMMAND_EXECUTION_ERROR, skips the rest of it, still runs post_build', async () => {
    await project(
      'failing',
      buildspec({
        build: ['echo before', 'sh -c "exit 3"', 'echo never printed'],
        post_build: ['echo "post ran, succeeding=$CODEBUILD_BUILD_SUCCEEDING"'],
      }),
    );
    const { build: started } = await cb.send(new StartBuildCommand({ projectName: 'failing' }));
    const build = await waitFor(started!.id!);
    expect(build.buildStatus).toBe('FAILED');
    const buildPhase = build.phases!.find((p) => p.phaseType === 'BUILD')!;
    expect(buildPhase.phaseStatus).toBe('FAILED');
    expect(buildPhase.contexts).toEqual([{ statusCode: 'COMMAND_EXECUTION_ERROR', message: 'Error while executing command: sh -c "exit 3". Reason: exit status 3' }]);
    expect(build.phases!.find((p) => p.phaseType === 'POST_BUILD')!.phaseStatus).toBe('SUCCEEDED');
    const lines = await logLines(build);
    expect(lines).toContain('before');
    expect(lines).toContain('post ran, succeeding=0');
    expect(lines).not.toContain('never printed');
  });

  it('is retried automatically up to autoRetryLimit, each retry linked to the previous one', async () => {
    await project('auto-retry', buildspec({ build: ['echo "attempt $CODEBUILD_BUILD_NUMBER"', 'false'] }), { autoRetryLimit: 2 });
    const first = await waitFor((await cb.send(new StartBuildCommand({ projectName: 'auto-retry' }))).build!.id!, (b) => b.autoRetryConfig?.nextAutoRetry !== undefined);
    expect(first.buildStatus).toBe('FAILED');
    expect(first.autoRetryConfig).toMatchObject({ autoRetryLimit: 2, autoRetryNumber: 0 });
    const second = await waitFor(first.autoRetryConfig!.nextAutoRetry!, (b) => b.autoRetryConfig?.nextAutoRetry !== undefined);
    expect(second.autoRetryConfig).toMatchObject({ autoRetryLimit: 2, autoRetryNumber: 1, previousAutoRetry: first.id });
    const third = await waitFor(second.autoRetryConfig!.nextAutoRetry!);
    expect(third.buildStatus).toBe('FAILED');
    expect(third.buildNumber).toBe(3);
    expect(third.autoRetryConfig).toEqual({ autoRetryLimit: 2, autoRetryNumber: 2, previousAutoRetry: second.id });
    // The limit is reached: no fourth build.
    await new Promise((r) => setTimeout(r, 300));
    expect((await cb.send(new ListBuildsForProjectCommand({ projectName: 'auto-retry' }))).ids).toEqual([third.id, second.id, first.id]);
    expect(await logLines(third)).toContain('attempt 3');
  });

  it('fails in DOWNLOAD_SOURCE with YAML_FILE_ERROR for a buildspec that does not parse, running nothing', async () => {
    await project('bad-yaml', 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo one\n     - echo two\n');
    const { build: started } = await cb.send(new StartBuildCommand({ projectName: 'bad-yaml' }));
    const build = await waitFor(started!.id!);
    expect(build.buildStatus).toBe('FAILED');
    expect(phaseList(build)).toEqual(['SUBMITTED:SUCCEEDED', 'QUEUED:SUCCEEDED', 'PROVISIONING:SUCCEEDED', 'DOWNLOAD_SOURCE:FAILED', 'FINALIZING:SUCCEEDED', 'COMPLETED:-']);
    const context = build.phases!.find((p) => p.phaseType === 'DOWNLOAD_SOURCE')!.contexts![0];
    expect(context.statusCode).toBe('YAML_FILE_ERROR');
    expect(context.message).toMatch(/line \d+/);
  });

  it('fails in DOWNLOAD_SOURCE when a parameter-store variable does not exist', async () => {
    await project('missing-param', buildspec({ build: ['echo hi'] }, 'env:\n  parameter-store:\n    TOKEN: /no/such/parameter\n'));
    const { build: started } = await cb.send(new StartBuildCommand({ projectName: 'missing-param' }));
    const build = await waitFor(started!.id!);
    expect(build.buildStatus).toBe('FAILED');
    expect(build.phases!.find((p) => p.phaseType === 'DOWNLOAD_SOURCE')!.contexts).toEqual([{ statusCode: 'Decrypted Variables Error', message: 'parameter does not exist: /no/such/parameter' }]);
  });
});

describe('the build environment', () => {
  it('has the built-in variables, the service role credentials and Drydock as endpoint', async () => {
    await project(
      'env',
      buildspec({
        build: [
          'echo "ID=$CODEBUILD_BUILD_ID"',
          'echo "ARN=$CODEBUILD_BUILD_ARN"',
          'echo "NUMBER=$CODEBUILD_BUILD_NUMBER"',
          'echo "SUCCEEDING=$CODEBUILD_BUILD_SUCCEEDING"',
          'echo "INITIATOR=$CODEBUILD_INITIATOR"',
          'echo "SRC=$CODEBUILD_SRC_DIR PWD=$(pwd)"',
          'echo "SOURCE_VERSION=$CODEBUILD_SOURCE_VERSION"',
          'echo "START=$CODEBUILD_START_TIME"',
          'echo "KMS=$CODEBUILD_KMS_KEY_ID"',
          'echo "LOG_PATH=$CODEBUILD_LOG_PATH"',
          'echo "REGION=$AWS_REGION/$AWS_DEFAULT_REGION"',
          'echo "ENDPOINT=$AWS_ENDPOINT_URL"',
          'echo "PLAIN=$PLAIN"',
          'aws --endpoint-url "$AWS_ENDPOINT_URL" sts get-caller-identity --output text --query Arn',
        ],
      }),
      { environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL', environmentVariables: [{ name: 'PLAIN', value: 'from-project' }] } },
    );
    const { build: started } = await cb.send(new StartBuildCommand({ projectName: 'env', sourceVersion: 'v1', environmentVariablesOverride: [{ name: 'PLAIN', value: 'overridden' }] }));
    const build = await waitFor(started!.id!, undefined, 30_000);
    const lines = await logLines(build);
    expect(build.buildStatus, lines.join('\n')).toBe('SUCCEEDED');
    const uuid = build.id!.split(':')[1];
    const value = (name: string) => lines.find((l) => l.startsWith(`${name}=`))?.slice(name.length + 1);
    expect(value('ID')).toBe(build.id);
    expect(value('ARN')).toBe(build.arn);
    expect(value('NUMBER')).toBe('1');
    expect(value('SUCCEEDING')).toBe('1');
    expect(value('INITIATOR')).toBe('root');
    const [src, pwd] = value('SRC')!.split(' PWD=');
    expect(src).toBe(pwd);
    expect(src.startsWith(server.dataDir)).toBe(false);
    expect(value('SOURCE_VERSION')).toBe('v1');
    expect(Number(value('START'))).toBe(build.startTime!.getTime());
    expect(value('KMS')).toBe(build.encryptionKey);
    expect(value('LOG_PATH')).toBe(uuid);
    expect(value('REGION')).toBe(`${REGION}/${REGION}`);
    expect(value('ENDPOINT')).toBe(server.url);
    expect(value('PLAIN')).toBe('overridden');
    expect(lines).toContain(`arn:aws:sts::${ACCOUNT}:assumed-role/codebuild-builds/AWSCodeBuild-${uuid}`);
  });

  it('applies StartBuild overrides to that build only', async () => {
    await project('overridden', buildspec({ build: ['echo "image=$CODEBUILD_BUILD_IMAGE"'] }));
    const { build: started } = await cb.send(
      new StartBuildCommand({
        projectName: 'overridden',
        imageOverride: 'aws/codebuild/amazonlinux2-x86_64-standard:5.0',
        computeTypeOverride: 'BUILD_GENERAL1_LARGE',
        privilegedModeOverride: true,
        timeoutInMinutesOverride: 15,
        queuedTimeoutInMinutesOverride: 30,
        encryptionKeyOverride: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/builds`,
        logsConfigOverride: { cloudWatchLogs: { status: 'ENABLED', groupName: 'custom-builds', streamName: 'runs' } },
        buildspecOverride: buildspec({ build: ['echo "image=$CODEBUILD_BUILD_IMAGE"', 'echo overridden buildspec'] }),
      }),
    );
    const build = await waitFor(started!.id!);
    expect(build.buildStatus).toBe('SUCCEEDED');
    expect(build.environment).toMatchObject({ image: 'aws/codebuild/amazonlinux2-x86_64-standard:5.0', computeType: 'BUILD_GENERAL1_LARGE', privilegedMode: true });
    expect(build.timeoutInMinutes).toBe(15);
    expect(build.queuedTimeoutInMinutes).toBe(30);
    expect(build.encryptionKey).toBe(`arn:aws:kms:${REGION}:${ACCOUNT}:alias/builds`);
    const uuid = build.id!.split(':')[1];
    expect(build.logs).toMatchObject({ groupName: 'custom-builds', streamName: `runs/${uuid}` });
    const lines = await logLines(build);
    expect(lines).toContain('image=aws/codebuild/amazonlinux2-x86_64-standard:5.0');
    expect(lines).toContain('overridden buildspec');
    // The project itself is unchanged: the next build without overrides uses its settings.
    const plain = await waitFor((await cb.send(new StartBuildCommand({ projectName: 'overridden' }))).build!.id!);
    expect(plain.environment!.image).toBe('aws/codebuild/standard:7.0');
    expect(plain.logs!.groupName).toBe('/aws/codebuild/overridden');
    expect(await logLines(plain)).not.toContain('overridden buildspec');
  });

  it('writes the log to S3 as <location>/<uuid>.gz when S3 logs are enabled', async () => {
    const s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'build-logs' }));
    await project('s3-logs', buildspec({ build: ['echo into s3'] }), { logsConfig: { s3Logs: { status: 'ENABLED', location: 'build-logs/prefix' } } });
    const { build: started } = await cb.send(new StartBuildCommand({ projectName: 's3-logs' }));
    const build = await waitFor(started!.id!);
    const uuid = build.id!.split(':')[1];
    expect(build.logs!.s3LogsArn).toBe(`arn:aws:s3:::build-logs/prefix/${uuid}.gz`);
    const object = await s3.send(new GetObjectCommand({ Bucket: 'build-logs', Key: `prefix/${uuid}.gz` }));
    const text = gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString('utf8');
    expect(text.split('\n')).toContain('into s3');
  });
});

describe('StopBuild', () => {
  it('stops a running build, killing its commands', async () => {
    await project('stoppable', buildspec({ build: ['echo started', 'sleep 37.25'], post_build: ['echo post must not run'] }));
    const { build: started } = await cb.send(new StartBuildCommand({ projectName: 'stoppable' }));
    await waitFor(started!.id!, (b) => b.currentPhase === 'BUILD');
    // Let the sleep start.
    const running = await waitFor(started!.id!, () => true);
    expect(running.buildStatus).toBe('IN_PROGRESS');
    expect(running.buildComplete).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const { build: answered } = await cb.send(new StopBuildCommand({ id: started!.id! }));
    const build = await waitFor(started!.id!);
    // The sleep is 37 s: the stop ended it. StopBuild latency itself is measured in bench/codebuild.ts.
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(answered!.id).toBe(started!.id);
    expect(build.buildStatus).toBe('STOPPED');
    expect(build.phases!.find((p) => p.phaseType === 'BUILD')!.phaseStatus).toBe('STOPPED');
    expect(build.phases!.some((p) => p.phaseType === 'POST_BUILD')).toBe(false);
    expect(phaseList(build).slice(-2)).toEqual(['FINALIZING:SUCCEEDED', 'COMPLETED:-']);
    expect(runProcesses(started!.id!, 'sleep 37.25')).toEqual([]);
    // A completed build cannot be stopped.
    await expectAwsError(cb.send(new StopBuildCommand({ id: build.arn! })), { code: 'InvalidInputException', status: 400 });
  });
});

describe('RetryBuild, listing and deletion', () => {
  let first: Build;
  let retried: Build;

  beforeAll(async () => {
    await project('listed', buildspec({ build: ['echo $PLAIN'] }));
    first = (await cb.send(new StartBuildCommand({ projectName: 'listed', environmentVariablesOverride: [{ name: 'PLAIN', value: 'kept-on-retry' }], idempotencyToken: 'tok-1' }))).build!;
    await waitFor(first.id!);
    retried = (await cb.send(new RetryBuildCommand({ id: first.id!, idempotencyToken: 'retry-1' }))).build!;
    retried = await waitFor(retried.id!);
  });

  it('StartBuild with the same idempotency token answers the same build', async () => {
    const again = (await cb.send(new StartBuildCommand({ projectName: 'listed', idempotencyToken: 'tok-1' }))).build!;
    expect(again.id).toBe(first.id);
  });

  it('RetryBuild starts a new build with the same settings', async () => {
    expect(retried.id).not.toBe(first.id);
    expect(retried.buildNumber).toBe(2);
    expect(retried.environment!.environmentVariables).toEqual([{ name: 'PLAIN', value: 'kept-on-retry', type: 'PLAINTEXT' }]);
    expect(await logLines(retried)).toContain('kept-on-retry');
    const again = (await cb.send(new RetryBuildCommand({ idempotencyToken: 'retry-1' }))).build!;
    expect(again.id).toBe(retried.id);
  });

  it('lists builds newest first by default, oldest first on request', async () => {
    const forProject = await cb.send(new ListBuildsForProjectCommand({ projectName: 'listed' }));
    expect(forProject.ids).toEqual([retried.id, first.id]);
    const ascending = await cb.send(new ListBuildsForProjectCommand({ projectName: 'listed', sortOrder: 'ASCENDING' }));
    expect(ascending.ids).toEqual([first.id, retried.id]);
    const all = await cb.send(new ListBuildsCommand({}));
    expect(all.ids!.slice(0, 2)).toEqual([retried.id, first.id]);
    expect(all.ids!.length).toBeGreaterThan(2);
  });

  it('BatchGetBuilds reports the ids it does not know', async () => {
    const out = await cb.send(new BatchGetBuildsCommand({ ids: [first.id!, 'listed:00000000-0000-0000-0000-000000000000', first.arn!] }));
    expect(out.builds!.map((b) => b.id)).toEqual([first.id, first.id]);
    expect(out.buildsNotFound).toEqual(['listed:00000000-0000-0000-0000-000000000000']);
  });

  it('BatchDeleteBuilds deletes completed builds and refuses running ones', async () => {
    await project('deleting', buildspec({ build: ['sleep 20'] }));
    const running = (await cb.send(new StartBuildCommand({ projectName: 'deleting' }))).build!;
    const out = await cb.send(new BatchDeleteBuildsCommand({ ids: [first.id!, running.id!, 'listed:nope'] }));
    expect(out.buildsDeleted).toEqual([first.arn]);
    expect(out.buildsNotDeleted).toEqual([
      { id: running.arn, statusCode: 'BUILD_IN_PROGRESS' },
      { id: 'listed:nope', statusCode: 'BUILD_NOT_FOUND' },
    ]);
    expect((await cb.send(new BatchGetBuildsCommand({ ids: [first.id!] }))).buildsNotFound).toEqual([first.id]);
    expect((await cb.send(new ListBuildsForProjectCommand({ projectName: 'listed' }))).ids).toEqual([retried.id]);
    await cb.send(new StopBuildCommand({ id: running.id! }));
  });
});

describe('bad input', () => {
  it('StartBuild', async () => {
    const before = (await cb.send(new ListBuildsCommand({}))).ids!.length;
    await expectAwsError(cb.send(new StartBuildCommand({ projectName: 'no-such-project' })), { code: 'ResourceNotFoundException', status: 400, message: 'no-such-project' });
    await expectAwsError(cb.send(new StartBuildCommand({ projectName: 'ok', timeoutInMinutesOverride: 1 })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new StartBuildCommand({ projectName: 'ok', queuedTimeoutInMinutesOverride: 481 })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new StartBuildCommand({ projectName: 'ok', buildspecOverride: '', sourceTypeOverride: 'NO_SOURCE' })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new StartBuildCommand({ projectName: 'ok', sourceTypeOverride: 'S3', sourceLocationOverride: 'no-slash' })), {
      code: 'InvalidInputException',
      status: 400,
      message: /source location/,
    });
    await expectAwsError(cb.send(new StartBuildCommand({ projectName: 'ok', environmentVariablesOverride: [{ name: 'CODEBUILD_X', value: 'y' }] })), {
      code: 'InvalidInputException',
      status: 400,
      message: /CODEBUILD_/,
    });
    await expectAwsError(cb.send(new StartBuildCommand({ projectName: 'ok', artifactsOverride: { type: 'S3' } })), { code: 'InvalidInputException', status: 400, message: /location/ });
    await expectAwsError(cb.send(new StartBuildCommand({ projectName: 'ok', serviceRoleOverride: 'not-a-role' })), { code: 'InvalidInputException', status: 400, message: /service role/ });
    await expectAwsError(cb.send(new StartBuildCommand({ projectName: 'ok', reportBuildStatusOverride: true })), { code: 'InvalidInputException', status: 400, message: /reportBuildStatus/ });
    expect((await cb.send(new ListBuildsCommand({}))).ids!.length).toBe(before);
  });

  it('the other operations', async () => {
    await expectAwsError(cb.send(new StopBuildCommand({ id: 'ok:00000000-0000-0000-0000-000000000000' })), { code: 'ResourceNotFoundException', status: 400 });
    await expectAwsError(cb.send(new RetryBuildCommand({})), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new RetryBuildCommand({ id: 'ok:missing' })), { code: 'ResourceNotFoundException', status: 400 });
    await expectAwsError(cb.send(new BatchGetBuildsCommand({ ids: [] })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new ListBuildsCommand({ nextToken: 'garbage' })), { code: 'InvalidInputException', status: 400, message: /nextToken/ });
    await expectAwsError(cb.send(new ListBuildsCommand({ sortOrder: 'SIDEWAYS' as 'ASCENDING' })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new ListBuildsForProjectCommand({ projectName: 'no-such-project' })), { code: 'ResourceNotFoundException', status: 400 });
    await expectAwsError(cb.send(new BatchDeleteBuildsCommand({ ids: [] })), { code: 'InvalidInputException', status: 400 });
  });
});

describe('generated requests to the build operations', () => {
  it('get AWS answers, never a server fault', async () => {
    const model = loadModel('codebuild');
    const client = new CodeBuildClient({ ...server.clientConfig, maxAttempts: 1 }) as unknown as { send(command: unknown): Promise<unknown>; destroy(): void };
    const completed = (await cb.send(new ListBuildsForProjectCommand({ projectName: 'ok' }))).ids![0];
    const existing: Record<string, unknown> = { projectName: 'ok', id: completed, ids: [completed] };
    const commands: Record<string, new (input: never) => unknown> = {
      StartBuild: StartBuildCommand,
      StopBuild: StopBuildCommand,
      RetryBuild: RetryBuildCommand,
      BatchGetBuilds: BatchGetBuildsCommand,
      ListBuilds: ListBuildsCommand,
      ListBuildsForProject: ListBuildsForProjectCommand,
      BatchDeleteBuilds: BatchDeleteBuildsCommand,
    };
    const faults: string[] = [];
    for (const options of [{}, { empty: true }, { withinBounds: true }]) {
      const sampler = new Sampler(model, options);
      for (const [name, Command] of Object.entries(commands)) {
        const op = model.operations.get(name)!;
        const input = sampler.value(op.input!, 0, 'body') as Record<string, unknown>;
        if ('withinBounds' in options) for (const [member, value] of Object.entries(existing)) if (op.input!.members?.[member]) input[member] = value;
        try {
          await client.send(new Command(input as never));
        } catch (err) {
          const { $metadata, name: code, message } = err as Error & { $metadata?: { httpStatusCode?: number } };
          const status = $metadata?.httpStatusCode;
          if (status === undefined || status >= 500) faults.push(`${name} ${JSON.stringify(options)}: ${status} ${code} ${message.slice(0, 200)}`);
        }
      }
    }
    client.destroy();
    expect(faults).toEqual([]);
  });
});

describe('drydock builds logs', () => {
  const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
      execFile(process.execPath, [CLI, 'builds', 'logs', ...args, '--endpoint', server.url], { env }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });

  it('follows a running build: its lines as they come, each phase, the final status', async () => {
    await project('tailed', buildspec({ build: ['echo first line', 'sleep 0.6', 'echo second line'], post_build: ['echo post'] }));
    const { build } = await cb.send(new StartBuildCommand({ projectName: 'tailed' }));
    const followed = await cli([build!.id!, '--follow']);
    expect(followed.code).toBe(0);
    const lines = followed.stdout.split('\n');
    expect(lines.indexOf('first line')).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf('second line')).toBeGreaterThan(lines.indexOf('first line'));
    expect(lines).toContain('post');
    expect(followed.stderr).toContain('==> phase BUILD\n');
    expect(followed.stderr).toContain('==> phase POST_BUILD\n');
    expect(followed.stderr.trim().split('\n').at(-1)).toBe('==> build SUCCEEDED');

    // Without --follow: the log as it is, once.
    const once = await cli([build!.id!]);
    expect(once.code).toBe(0);
    expect(once.stdout).toBe(followed.stdout);
  });

  it('exits 1 on a failed build and on an unknown build', async () => {
    const { build } = await cb.send(new StartBuildCommand({ projectName: 'failing' }));
    const followed = await cli([build!.id!, '-f']);
    expect(followed.code).toBe(1);
    expect(followed.stderr.trim().split('\n').at(-1)).toBe('==> build FAILED');
    const unknown = await cli(['failing:00000000-0000-0000-0000-000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('was not found');
  });
});
