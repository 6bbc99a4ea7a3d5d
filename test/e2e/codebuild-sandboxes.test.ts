/**
 * CodeBuild sandboxes and command executions through the real SDK client: NO_SOURCE and CodeCommit
 * sandboxes provisioned as builds are (role credentials, sources, environment with a masked secret)
 * and RUNNING; commands run in order in one session (directory and exports carry over) with their
 * exit codes, standard output and error and their log; StopSandbox killing a running command and
 * refusing later ones; the timeout; the project's concurrency limit and a fleet's capacity shared
 * with builds; idempotency tokens; reset and a restart ending a running sandbox; unknown ids, pages
 * and bad input for every operation.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  BatchGetCommandExecutionsCommand,
  BatchGetSandboxesCommand,
  CodeBuildClient,
  CreateFleetCommand,
  CreateProjectCommand,
  type CreateProjectCommandInput,
  ListCommandExecutionsForSandboxCommand,
  ListSandboxesCommand,
  ListSandboxesForProjectCommand,
  type Sandbox,
  StartBuildCommand,
  StartCommandExecutionCommand,
  StartSandboxCommand,
  StartSandboxConnectionCommand,
  StopSandboxCommand,
} from '@aws-sdk/client-codebuild';
import { CodeCommitClient, CreateCommitCommand, CreateRepositoryCommand } from '@aws-sdk/client-codecommit';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, startTestServer, type TestServer } from '../helpers.js';
import { CODEBUILD_TRUST, fetchBuild, fetchSandbox, runProcesses, waitForBuild, waitForCommand, waitForSandbox } from './codebuild-helpers.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const ENVIRONMENT = { type: 'LINUX_CONTAINER' as const, image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' as const };

let server: TestServer;
let cb: CodeBuildClient;
let roleArn: string;

async function setup(s: TestServer): Promise<{ cb: CodeBuildClient; roleArn: string }> {
  const iam = new IAMClient(s.clientConfig);
  const role = await iam.send(new CreateRoleCommand({ RoleName: 'codebuild-sandboxes', AssumeRolePolicyDocument: CODEBUILD_TRUST }));
  // Sandboxes read Secrets Manager variables as the project's service role, which needs the permission.
  const readSecrets = { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:*:*:secret:*' };
  await iam.send(new PutRolePolicyCommand({ RoleName: 'codebuild-sandboxes', PolicyName: 'secrets', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [readSecrets] }) }));
  return { cb: new CodeBuildClient(s.clientConfig), roleArn: role.Role!.Arn! };
}

async function project(client: CodeBuildClient, role: string, input: Partial<CreateProjectCommandInput> & { name: string }): Promise<void> {
  await client.send(
    new CreateProjectCommand({
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: ENVIRONMENT,
      serviceRole: role,
      source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo unused\n' },
      ...input,
    }),
  );
}

async function start(projectName: string, client = cb): Promise<Sandbox> {
  return (await client.send(new StartSandboxCommand({ projectName }))).sandbox!;
}

const isRunning = (s: Sandbox) => s.status === 'RUNNING';
const isEnded = (s: Sandbox) => s.currentSession?.currentPhase === 'COMPLETED';

async function run(sandboxId: string, command: string) {
  const submitted = (await cb.send(new StartCommandExecutionCommand({ sandboxId, command }))).commandExecution!;
  return waitForCommand(cb, sandboxId, submitted.id!);
}

async function logLines(client: CloudWatchLogsClient, group: string, stream: string): Promise<string[]> {
  const out = await client.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }));
  return out.events!.map((e) => e.message!);
}

describe('CodeBuild sandboxes', () => {
  beforeAll(async () => {
    server = await startTestServer();
    ({ cb, roleArn } = await setup(server));
  });

  afterAll(async () => {
    await server.stop();
  });

  it('runs commands in order in one session of a NO_SOURCE sandbox, masks its secrets, and StopSandbox kills what runs', async () => {
    const secrets = new SecretsManagerClient(server.clientConfig);
    await secrets.send(new CreateSecretCommand({ Name: 'sandbox/token', SecretString: 's3cr3t-v4lue' }));
    await project(cb, roleArn, {
      name: 'debugging',
      environment: {
        ...ENVIRONMENT,
        environmentVariables: [
          { name: 'GREETING', value: 'hello', type: 'PLAINTEXT' },
          { name: 'TOKEN', value: 'sandbox/token', type: 'SECRETS_MANAGER' },
        ],
      },
    });
    const started = await start('debugging');
    expect(started.id).toMatch(/^debugging:[0-9a-f-]{36}$/);
    expect(started.arn).toBe(`arn:aws:codebuild:${REGION}:${ACCOUNT}:sandbox/${started.id}`);
    expect(started.status).toBe('QUEUED');
    expect(started.requestTime).toBeInstanceOf(Date);
    expect(started.timeoutInMinutes).toBe(60);
    expect(started.queuedTimeoutInMinutes).toBe(480);
    expect(started.serviceRole).toBe(roleArn);
    expect(started.logConfig).toMatchObject({ cloudWatchLogs: { status: 'ENABLED' }, s3Logs: { status: 'DISABLED' } });
    const session = started.currentSession!;
    expect(session.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(session.status).toBe('QUEUED');
    expect(session.currentPhase).toBe('QUEUED');
    expect(session.phases!.map((p) => p.phaseType)).toEqual(['SUBMITTED', 'QUEUED']);
    expect(session.logs!.groupName).toBe('/aws/codebuild/debugging');
    expect(session.logs!.streamName).toBe(session.id);

    // A command submitted while the sandbox starts waits for its session.
    const early = (await cb.send(new StartCommandExecutionCommand({ sandboxId: started.id!, command: 'cd /tmp && mkdir -p state && cd state && export LEVEL=one' }))).commandExecution!;
    expect(early).toMatchObject({ sandboxId: started.id, sandboxArn: started.arn, status: 'SUBMITTED', type: 'SHELL' });
    expect(early.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(early.logs!.streamName).toBe(session.id);

    const running = await waitForSandbox(cb, started.id!, isRunning);
    expect(running.currentSession!.status).toBe('RUNNING');
    expect(running.currentSession!.currentPhase).toBe('RUN_SANDBOX');
    expect(running.startTime).toBeInstanceOf(Date);
    const phases = running.currentSession!.phases!;
    expect(phases.map((p) => [p.phaseType, p.phaseStatus])).toEqual([
      ['SUBMITTED', 'SUCCEEDED'],
      ['QUEUED', 'SUCCEEDED'],
      ['PROVISIONING', 'SUCCEEDED'],
      ['DOWNLOAD_SOURCE', 'SUCCEEDED'],
      ['RUN_SANDBOX', undefined],
    ]);

    const first = await waitForCommand(cb, started.id!, early.id!);
    expect(first.status).toBe('SUCCEEDED');
    expect(first.exitCode).toBe('0');
    expect(first.startTime!.getTime()).toBeGreaterThanOrEqual(first.submitTime!.getTime());
    expect(first.endTime!.getTime()).toBeGreaterThanOrEqual(first.startTime!.getTime());

    // The directory and the exports of the first command carry over; stdout and stderr are apart.
    const second = await run(started.id!, 'echo "$LEVEL in $(pwd) says $GREETING"; echo oops >&2; echo "token=$TOKEN"; echo "$CODEBUILD_BUILD_ID"');
    expect(second.status).toBe('SUCCEEDED');
    expect(second.standardOutputContent).toBe(`one in /tmp/state says hello\ntoken=***\n${started.id}\n`);
    expect(second.standardErrContent).toBe('oops\n');

    // The service role's credentials are in the environment, as in a build.
    const credentials = await run(started.id!, 'test -n "$AWS_ACCESS_KEY_ID" && test -n "$AWS_SESSION_TOKEN" && echo "$AWS_REGION"');
    expect(credentials.standardOutputContent).toBe(`${REGION}\n`);

    const failing = await run(started.id!, 'no-such-command-here; exit 3');
    expect(failing.status).toBe('FAILED');
    expect(failing.exitCode).toBe('3');
    expect(failing.standardOutputContent).toBeUndefined();
    expect(failing.standardErrContent).toMatch(/no-such-command-here: (command )?not found/);

    // The log has every command, its output with the secret masked, and its standard error.
    const logs = new CloudWatchLogsClient(server.clientConfig);
    let lines: string[] = [];
    for (let i = 0; i < 500 && !lines.some((l) => l.includes('exit status 3')); i++) {
      lines = await logLines(logs, session.logs!.groupName!, session.logs!.streamName!);
      await new Promise((r) => setTimeout(r, 40));
    }
    expect(lines).toContain('token=***');
    expect(lines).toContain('oops');
    expect(lines.join('\n')).not.toContain('s3cr3t-v4lue');
    expect(lines.some((l) => /Running command echo "\$LEVEL/.test(l))).toBe(true);
    expect(lines.some((l) => l.endsWith('Command did not exit successfully no-such-command-here; exit 3 exit status 3'))).toBe(true);

    // Newest first by default; ASCENDING pages oldest first.
    const listed = await cb.send(new ListCommandExecutionsForSandboxCommand({ sandboxId: started.arn! }));
    expect(listed.commandExecutions!.map((e) => e.id)).toEqual([failing.id, credentials.id, second.id, first.id]);
    const page1 = await cb.send(new ListCommandExecutionsForSandboxCommand({ sandboxId: started.id!, sortOrder: 'ASCENDING', maxResults: 3 }));
    expect(page1.commandExecutions!.map((e) => e.id)).toEqual([first.id, second.id, credentials.id]);
    const page2 = await cb.send(new ListCommandExecutionsForSandboxCommand({ sandboxId: started.id!, sortOrder: 'ASCENDING', maxResults: 3, nextToken: page1.nextToken }));
    expect(page2.commandExecutions!.map((e) => e.id)).toEqual([failing.id]);
    expect(page2.nextToken).toBeUndefined();
    await expectAwsError(cb.send(new ListCommandExecutionsForSandboxCommand({ sandboxId: started.id!, sortOrder: 'DESCENDING', nextToken: page1.nextToken })), {
      code: 'InvalidInputException',
      status: 400,
      message: 'Invalid next token',
    });

    const got = await cb.send(new BatchGetCommandExecutionsCommand({ sandboxId: started.arn!, commandExecutionIds: [second.id!, 'not-a-command'] }));
    expect(got.commandExecutions!.map((e) => e.id)).toEqual([second.id]);
    expect(got.commandExecutionsNotFound).toEqual(['not-a-command']);

    // StopSandbox kills a running command with its whole process tree; a command waiting behind it never runs.
    const sleeper = (await cb.send(new StartCommandExecutionCommand({ sandboxId: started.id!, command: 'sleep 41.375 & sleep 41.625' }))).commandExecution!;
    await waitForCommand(cb, started.id!, sleeper.id!, (e) => e.status === 'IN_PROGRESS');
    const behind = (await cb.send(new StartCommandExecutionCommand({ sandboxId: started.id!, command: 'echo never' }))).commandExecution!;
    for (let i = 0; i < 500 && runProcesses(started.id!, 'sleep 41.625').length === 0; i++) await new Promise((r) => setTimeout(r, 40));
    expect(runProcesses(started.id!, 'sleep 41.625')).not.toEqual([]);
    const stopped = (await cb.send(new StopSandboxCommand({ id: started.id! }))).sandbox!;
    expect(['STOPPING', 'STOPPED']).toContain(stopped.status);
    const ended = await waitForSandbox(cb, started.id!, isEnded);
    expect(ended.status).toBe('STOPPED');
    expect(ended.currentSession!.status).toBe('STOPPED');
    expect(ended.endTime).toBeInstanceOf(Date);
    expect(ended.currentSession!.phases!.slice(-2).map((p) => [p.phaseType, p.phaseStatus])).toEqual([
      ['RUN_SANDBOX', 'STOPPED'],
      ['COMPLETED', undefined],
    ]);
    expect(runProcesses(started.id!, 'sleep 41.375')).toEqual([]);
    expect(runProcesses(started.id!, 'sleep 41.625')).toEqual([]);
    const [killed, never] = (await cb.send(new BatchGetCommandExecutionsCommand({ sandboxId: started.id!, commandExecutionIds: [sleeper.id!, behind.id!] }))).commandExecutions!;
    expect(killed.status).toBe('STOPPED');
    expect(killed.exitCode).toBeUndefined();
    expect(never.status).toBe('STOPPED');
    expect(never.startTime).toBeUndefined();

    // An ended sandbox takes no more commands, and cannot be stopped again; nothing is written.
    await expectAwsError(cb.send(new StartCommandExecutionCommand({ sandboxId: started.id!, command: 'echo late' })), { code: 'InvalidInputException', status: 400, message: 'is not running' });
    await expectAwsError(cb.send(new StopSandboxCommand({ id: started.arn! })), { code: 'InvalidInputException', status: 400, message: 'has already completed' });
    expect((await cb.send(new ListCommandExecutionsForSandboxCommand({ sandboxId: started.id! }))).commandExecutions).toHaveLength(6);
  });

  it('checks out a CodeCommit source into the sandbox and reports its commit', async () => {
    const codecommit = new CodeCommitClient(server.clientConfig);
    const repo = (await codecommit.send(new CreateRepositoryCommand({ repositoryName: 'sandboxed' }))).repositoryMetadata!;
    const commit = await codecommit.send(
      new CreateCommitCommand({
        repositoryName: 'sandboxed',
        branchName: 'main',
        putFiles: [{ filePath: 'notes/readme.txt', fileContent: Buffer.from('from the repository\n') }],
      }),
    );
    await project(cb, roleArn, { name: 'sourced', source: { type: 'CODECOMMIT', location: repo.cloneUrlHttp! }, sourceVersion: 'refs/heads/main' });
    const sandbox = await start('sourced');
    const running = await waitForSandbox(cb, sandbox.id!, isRunning);
    expect(running.currentSession!.resolvedSourceVersion).toBe(commit.commitId);
    const cat = await run(sandbox.id!, 'cat notes/readme.txt && test "$CODEBUILD_SRC_DIR" = "$(pwd)" && echo "$CODEBUILD_RESOLVED_SOURCE_VERSION"');
    expect(cat.status).toBe('SUCCEEDED');
    expect(cat.standardOutputContent).toBe(`from the repository\n${commit.commitId}\n`);
    await cb.send(new StopSandboxCommand({ id: sandbox.id! }));
    expect((await waitForSandbox(cb, sandbox.id!, isEnded)).status).toBe('STOPPED');
  });

  it('fails a sandbox whose source cannot be fetched, with its phase context', async () => {
    await project(cb, roleArn, { name: 'no-repo', source: { type: 'CODECOMMIT', location: `https://git-codecommit.${REGION}.amazonaws.com/v1/repos/missing` } });
    const sandbox = await start('no-repo');
    const failed = await waitForSandbox(cb, sandbox.id!, isEnded);
    expect(failed.status).toBe('FAILED');
    const download = failed.currentSession!.phases!.find((p) => p.phaseType === 'DOWNLOAD_SOURCE')!;
    expect(download.phaseStatus).toBe('FAILED');
    expect(download.contexts![0].statusCode).toBe('CLIENT_ERROR');
    expect(failed.currentSession!.phases!.some((p) => p.phaseType === 'RUN_SANDBOX')).toBe(false);
    await expectAwsError(cb.send(new StartCommandExecutionCommand({ sandboxId: sandbox.id!, command: 'echo hi' })), { code: 'InvalidInputException', status: 400, message: 'its status is FAILED' });
  });

  it('ends a sandbox at its timeout, as AWS does: STOPPED, RUN_SANDBOX TIMED_OUT', async () => {
    await project(cb, roleArn, { name: 'short-lived', timeoutInMinutes: 5 });
    const sandbox = await start('short-lived');
    await waitForSandbox(cb, sandbox.id!, isRunning);
    const sleeper = (await cb.send(new StartCommandExecutionCommand({ sandboxId: sandbox.id!, command: 'sleep 42.125' }))).commandExecution!;
    await waitForCommand(cb, sandbox.id!, sleeper.id!, (e) => e.status === 'IN_PROGRESS');
    await server.advanceClock(5 * 60_000);
    const ended = await waitForSandbox(cb, sandbox.id!, isEnded);
    expect(ended.status).toBe('STOPPED');
    const runPhase = ended.currentSession!.phases!.find((p) => p.phaseType === 'RUN_SANDBOX')!;
    expect(runPhase.phaseStatus).toBe('TIMED_OUT');
    expect(runPhase.contexts).toEqual([{ statusCode: 'BUILD_TIMED_OUT', message: 'Build has timed out. ' }]);
    expect((await waitForCommand(cb, sandbox.id!, sleeper.id!)).status).toBe('TIMED_OUT');
    expect(runProcesses(sandbox.id!, 'sleep 42.125')).toEqual([]);
  });

  it("queues sandboxes behind the project's concurrentBuildLimit, lists them in pages, and stops queued ones", async () => {
    await project(cb, roleArn, { name: 'limited', concurrentBuildLimit: 1 });
    const a = await start('limited');
    await waitForSandbox(cb, a.id!, isRunning);
    const b = await start('limited');
    const c = await start('limited');
    // A running sandbox holds the project's only slot: the others wait.
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetchSandbox(cb, b.id!)).status).toBe('QUEUED');
    // A command for a queued sandbox waits for it.
    const waiting = (await cb.send(new StartCommandExecutionCommand({ sandboxId: b.id!, command: 'echo finally' }))).commandExecution!;

    const newest = await cb.send(new ListSandboxesForProjectCommand({ projectName: 'limited' }));
    expect(newest.ids).toEqual([c.id, b.id, a.id]);
    const p1 = await cb.send(new ListSandboxesForProjectCommand({ projectName: 'limited', sortOrder: 'ASCENDING', maxResults: 2 }));
    expect(p1.ids).toEqual([a.id, b.id]);
    const p2 = await cb.send(new ListSandboxesForProjectCommand({ projectName: 'limited', sortOrder: 'ASCENDING', maxResults: 2, nextToken: p1.nextToken }));
    expect(p2.ids).toEqual([c.id]);
    expect(p2.nextToken).toBeUndefined();
    const all = await cb.send(new ListSandboxesCommand({}));
    expect(all.ids!.slice(0, 3)).toEqual([c.id, b.id, a.id]);
    expect(all.ids!.length).toBeGreaterThan(3);
    const got = await cb.send(new BatchGetSandboxesCommand({ ids: [a.arn!, 'limited:00000000-0000-0000-0000-000000000000'] }));
    expect(got.sandboxes!.map((s) => s.id)).toEqual([a.id]);
    expect(got.sandboxesNotFound).toEqual(['limited:00000000-0000-0000-0000-000000000000']);
    // A sandbox ARN of another account is another account's resource: without its policy, IAM denies the call.
    await expectAwsError(cb.send(new BatchGetSandboxesCommand({ ids: [`arn:aws:codebuild:${REGION}:111111111111:sandbox/${a.id}`] })), {
      code: 'AccessDeniedException',
      status: 400,
      message: /because no resource-based policy allows the codebuild:BatchGetSandboxes action$/,
    });

    // Stopping a queued sandbox ends it in QUEUED; stopping the running one lets the next run its command.
    await cb.send(new StopSandboxCommand({ id: c.id! }));
    const cEnded = await waitForSandbox(cb, c.id!, isEnded);
    expect(cEnded.status).toBe('STOPPED');
    expect(cEnded.currentSession!.phases!.map((p) => [p.phaseType, p.phaseStatus])).toEqual([
      ['SUBMITTED', 'SUCCEEDED'],
      ['QUEUED', 'STOPPED'],
      ['COMPLETED', undefined],
    ]);
    await cb.send(new StopSandboxCommand({ id: a.id! }));
    const ran = await waitForCommand(cb, b.id!, waiting.id!);
    expect(ran.standardOutputContent).toBe('finally\n');
    await cb.send(new StopSandboxCommand({ id: b.id! }));
    expect((await waitForSandbox(cb, b.id!, isEnded)).status).toBe('STOPPED');
  });

  it("holds one of its fleet's slots while it runs, as a build does: a build on the fleet waits for it", async () => {
    const fleet = (await cb.send(new CreateFleetCommand({ name: 'sandbox-fleet', baseCapacity: 1, environmentType: 'LINUX_CONTAINER', computeType: 'BUILD_GENERAL1_SMALL' }))).fleet!;
    await project(cb, roleArn, {
      name: 'on-fleet',
      environment: { ...ENVIRONMENT, fleet: { fleetArn: fleet.arn! } },
      source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo built\n' },
    });
    const sandbox = await start('on-fleet');
    await waitForSandbox(cb, sandbox.id!, isRunning);
    const build = (await cb.send(new StartBuildCommand({ projectName: 'on-fleet' }))).build!;
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetchBuild(cb, build.id!)).currentPhase).toBe('QUEUED');
    await cb.send(new StopSandboxCommand({ id: sandbox.id! }));
    expect((await waitForBuild(cb, build.id!)).buildStatus).toBe('SUCCEEDED');
  });

  it('honours StartSandbox idempotency tokens', async () => {
    await project(cb, roleArn, { name: 'idempotent' });
    const first = (await cb.send(new StartSandboxCommand({ projectName: 'idempotent', idempotencyToken: 'once' }))).sandbox!;
    const again = (await cb.send(new StartSandboxCommand({ projectName: 'idempotent', idempotencyToken: 'once' }))).sandbox!;
    expect(again.id).toBe(first.id);
    expect((await cb.send(new ListSandboxesForProjectCommand({ projectName: 'idempotent' }))).ids).toEqual([first.id]);
    const other = (await cb.send(new StartSandboxCommand({ projectName: 'idempotent', idempotencyToken: 'twice' }))).sandbox!;
    expect(other.id).not.toBe(first.id);
    for (const id of [first.id!, other.id!]) {
      await cb.send(new StopSandboxCommand({ id }));
      expect((await waitForSandbox(cb, id, isEnded)).status).toBe('STOPPED');
    }
  });

  it('answers unknown ids and bad input with AWS errors and writes nothing', async () => {
    await expectAwsError(cb.send(new StartSandboxCommand({ projectName: 'no-such-project' })), { code: 'ResourceNotFoundException', status: 400, message: 'no-such-project' });
    await expectAwsError(cb.send(new StartSandboxCommand({})), { code: 'InvalidInputException', status: 400, message: 'projectName' });
    await expectAwsError(cb.send(new StartSandboxCommand({ projectName: '' })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new StopSandboxCommand({ id: 'debugging:00000000-0000-0000-0000-000000000000' })), {
      code: 'ResourceNotFoundException',
      status: 400,
      message: 'Sandbox cannot be found',
    });
    await expectAwsError(cb.send(new StopSandboxCommand({ id: '' })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new StartCommandExecutionCommand({ sandboxId: 'nope:1', command: 'echo' })), { code: 'ResourceNotFoundException', status: 400, message: 'nope:1' });
    await expectAwsError(cb.send(new StartCommandExecutionCommand({ sandboxId: 'nope:1', command: '' })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new StartCommandExecutionCommand({ sandboxId: 'nope:1', command: 'echo', type: 'BASH' as 'SHELL' })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new ListCommandExecutionsForSandboxCommand({ sandboxId: 'nope:1' })), { code: 'ResourceNotFoundException', status: 400 });
    await expectAwsError(cb.send(new ListSandboxesForProjectCommand({ projectName: 'no-such-project' })), { code: 'ResourceNotFoundException', status: 400, message: 'no-such-project' });
    await expectAwsError(cb.send(new ListSandboxesCommand({ maxResults: 0 })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new ListSandboxesCommand({ maxResults: 101 })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new ListSandboxesCommand({ sortOrder: 'SIDEWAYS' as 'ASCENDING' })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new ListSandboxesCommand({ nextToken: 'garbage' })), { code: 'InvalidInputException', status: 400, message: 'Invalid next token' });
    await expectAwsError(cb.send(new ListSandboxesForProjectCommand({ projectName: 'debugging', nextToken: 'garbage' })), {
      code: 'InvalidInputException',
      status: 400,
      message: 'Invalid next token',
    });
    await expectAwsError(cb.send(new BatchGetCommandExecutionsCommand({ sandboxId: 'nope:1', commandExecutionIds: [] })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new BatchGetCommandExecutionsCommand({ sandboxId: 'nope:1', commandExecutionIds: Array.from({ length: 101 }, (_, i) => `c${i}`) })), {
      code: 'InvalidInputException',
      status: 400,
    });
    const unknown = await cb.send(new BatchGetCommandExecutionsCommand({ sandboxId: 'nope:1', commandExecutionIds: ['x'] }));
    expect(unknown).toMatchObject({ commandExecutions: [], commandExecutionsNotFound: ['x'] });
    expect(await cb.send(new BatchGetSandboxesCommand({ ids: [] }))).toMatchObject({ sandboxes: [], sandboxesNotFound: [] });
    // Drydock has no Session Manager: StartSandboxConnection is not implemented rather than faked.
    await expectAwsError(cb.send(new StartSandboxConnectionCommand({ sandboxId: 'debugging:1' })), { code: 'NotImplemented', status: 501 });

    // None of the refused StartSandbox calls created a sandbox.
    const before = (await cb.send(new ListSandboxesCommand({}))).ids!.length;
    await expectAwsError(cb.send(new StartSandboxCommand({ projectName: 'no-such-project' })), { code: 'ResourceNotFoundException', status: 400 });
    expect((await cb.send(new ListSandboxesCommand({}))).ids).toHaveLength(before);
  });
});

describe('POST /_drydock/reset', () => {
  it('stops running sandboxes, killing their commands, before it wipes them', async () => {
    const resettable = await startTestServer();
    try {
      const { cb: client, roleArn: role } = await setup(resettable);
      await project(client, role, { name: 'wiped' });
      const sandbox = await start('wiped', client);
      await waitForSandbox(client, sandbox.id!, isRunning);
      const sleeper = (await client.send(new StartCommandExecutionCommand({ sandboxId: sandbox.id!, command: 'sleep 44.625' }))).commandExecution!;
      await waitForCommand(client, sandbox.id!, sleeper.id!, (e) => e.status === 'IN_PROGRESS');
      for (let i = 0; i < 500 && runProcesses(sandbox.id!, 'sleep 44.625').length === 0; i++) await new Promise((r) => setTimeout(r, 40));
      expect(runProcesses(sandbox.id!, 'sleep 44.625')).not.toEqual([]);
      const res = await fetch(`${resettable.url}/_drydock/reset`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(runProcesses(sandbox.id!, 'sleep 44.625')).toEqual([]);
      expect((await client.send(new ListSandboxesCommand({}))).ids).toEqual([]);
      expect((await client.send(new BatchGetSandboxesCommand({ ids: [sandbox.id!] }))).sandboxesNotFound).toEqual([sandbox.id]);
    } finally {
      await resettable.stop();
    }
  });
});

describe('a server restart under a running sandbox', () => {
  it('fails the sandbox and its running command explicitly, and kills what it left', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drydock-sandbox-restart-'));
    try {
      let restarted = await startTestServer({ dataDir });
      let { cb: client, roleArn: role } = await setup(restarted);
      await project(client, role, { name: 'interrupted' });
      const sandbox = await start('interrupted', client);
      await waitForSandbox(client, sandbox.id!, isRunning);
      const sleeper = (await client.send(new StartCommandExecutionCommand({ sandboxId: sandbox.id!, command: 'sleep 43.375' }))).commandExecution!;
      await waitForCommand(client, sandbox.id!, sleeper.id!, (e) => e.status === 'IN_PROGRESS');
      await restarted.close();
      expect(runProcesses(sandbox.id!, 'sleep 43.375')).toEqual([]);

      restarted = await startTestServer({ dataDir });
      client = new CodeBuildClient(restarted.clientConfig);
      try {
        const failed = await waitForSandbox(client, sandbox.id!, isEnded);
        expect(failed.status).toBe('FAILED');
        const runPhase = failed.currentSession!.phases!.find((p) => p.phaseType === 'RUN_SANDBOX')!;
        expect(runPhase.phaseStatus).toBe('FAILED');
        expect(runPhase.contexts).toEqual([{ statusCode: 'BUILD_INTERRUPTED', message: 'Drydock restarted while the sandbox was running' }]);
        expect((await waitForCommand(client, sandbox.id!, sleeper.id!)).status).toBe('FAILED');
      } finally {
        await restarted.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
