/**
 * CodeBuild build lifecycle under pressure: timeouts (build and queued) on Drydock's clock,
 * concurrency limits that queue builds visibly, live log streaming latency, and a server restart
 * in the middle of a build (failed explicitly, while a queued build simply runs after the restart).
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  BatchGetBuildsCommand,
  CodeBuildClient,
  CreateProjectCommand,
  type CreateProjectCommandInput,
  ListBuildsCommand,
  ListBuildsForProjectCommand,
  StartBuildCommand,
  StopBuildCommand,
} from '@aws-sdk/client-codebuild';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers.js';
import { CODEBUILD_TRUST, fetchBuild as get, runProcesses, waitForBuild as waitFor } from './codebuild-helpers.js';

function spec(commands: string[], postBuild: string[] = []): string {
  const lines = ['version: 0.2', 'phases:', '  build:', '    commands:', ...commands.map((c) => `      - ${JSON.stringify(c)}`)];
  if (postBuild.length) lines.push('  post_build:', '    commands:', ...postBuild.map((c) => `      - ${JSON.stringify(c)}`));
  return `${lines.join('\n')}\n`;
}

async function setup(server: TestServer): Promise<{ cb: CodeBuildClient; roleArn: string }> {
  const iam = new IAMClient(server.clientConfig);
  const roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'codebuild-lifecycle', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
  return { cb: new CodeBuildClient(server.clientConfig), roleArn };
}

async function project(cb: CodeBuildClient, roleArn: string, name: string, buildspec: string, extra: Partial<CreateProjectCommandInput> = {}): Promise<void> {
  await cb.send(
    new CreateProjectCommand({
      name,
      source: { type: 'NO_SOURCE', buildspec },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
      serviceRole: roleArn,
      ...extra,
    }),
  );
}

describe('timeouts, queueing and log latency', () => {
  let server: TestServer;
  let cb: CodeBuildClient;
  let roleArn: string;

  beforeAll(async () => {
    server = await startTestServer();
    ({ cb, roleArn } = await setup(server));
  });

  afterAll(async () => {
    await server.stop();
  });

  it('queues builds beyond concurrentBuildLimit (QUEUED visible), times out the queue and the build on Drydock time', async () => {
    await project(cb, roleArn, 'limited', spec(['sleep 41.5']), { concurrentBuildLimit: 1 });
    const first = (await cb.send(new StartBuildCommand({ projectName: 'limited', timeoutInMinutesOverride: 5 }))).build!;
    await waitFor(cb, first.id!, (b) => b.currentPhase === 'BUILD');
    const second = (await cb.send(new StartBuildCommand({ projectName: 'limited', queuedTimeoutInMinutesOverride: 5 }))).build!;
    // The second build waits in QUEUED while the first runs.
    await new Promise((r) => setTimeout(r, 300));
    const queued = await get(cb, second.id!);
    expect(queued.currentPhase).toBe('QUEUED');
    expect(queued.buildStatus).toBe('IN_PROGRESS');

    // Both have five minutes: the queued build's clock started later, so four and a half minutes
    // in neither has timed out; at six both have.
    await server.advanceClock(4.5 * 60_000);
    await new Promise((r) => setTimeout(r, 300));
    expect((await get(cb, first.id!)).buildComplete).toBe(false);
    await server.advanceClock(90_000);
    const timedOut = await waitFor(cb, first.id!);
    expect(timedOut.buildStatus).toBe('TIMED_OUT');
    const buildPhase = timedOut.phases!.find((p) => p.phaseType === 'BUILD')!;
    expect(buildPhase.phaseStatus).toBe('TIMED_OUT');
    expect(buildPhase.contexts).toEqual([{ statusCode: 'BUILD_TIMED_OUT', message: 'Build has timed out. ' }]);
    expect(runProcesses(first.id!, 'sleep 41.5')).toEqual([]);

    const queueTimedOut = await waitFor(cb, second.id!);
    expect(queueTimedOut.buildStatus).toBe('TIMED_OUT');
    expect(queueTimedOut.phases!.map((p) => `${p.phaseType}:${p.phaseStatus ?? '-'}`)).toEqual(['SUBMITTED:SUCCEEDED', 'QUEUED:TIMED_OUT', 'COMPLETED:-']);
  });

  it('ends a running build and a queued build TIMED_OUT right after the clock is advanced past their timeouts', async () => {
    // The project's own timeouts (no overrides); the clock, not real time, ends both.
    await project(cb, roleArn, 'clock-timeouts', spec(['sleep 600']), { timeoutInMinutes: 5, queuedTimeoutInMinutes: 5, concurrentBuildLimit: 1 });
    const runningBuild = (await cb.send(new StartBuildCommand({ projectName: 'clock-timeouts' }))).build!;
    await waitFor(cb, runningBuild.id!, (b) => b.currentPhase === 'BUILD');
    const queuedBuild = (await cb.send(new StartBuildCommand({ projectName: 'clock-timeouts' }))).build!;
    expect((await get(cb, queuedBuild.id!)).currentPhase).toBe('QUEUED');

    const advanced = Date.now();
    await server.advanceClock(360_000);
    const timedOut = await waitFor(cb, runningBuild.id!);
    const queueTimedOut = await waitFor(cb, queuedBuild.id!);
    // Far less than the real minutes either timeout stands for: the clock's timers fired at once.
    expect(Date.now() - advanced).toBeLessThan(20_000);
    expect(timedOut.buildStatus).toBe('TIMED_OUT');
    expect(timedOut.phases!.find((p) => p.phaseType === 'BUILD')!.contexts).toEqual([{ statusCode: 'BUILD_TIMED_OUT', message: 'Build has timed out. ' }]);
    expect(queueTimedOut.buildStatus).toBe('TIMED_OUT');
    expect(queueTimedOut.phases!.map((p) => `${p.phaseType}:${p.phaseStatus ?? '-'}`)).toEqual(['SUBMITTED:SUCCEEDED', 'QUEUED:TIMED_OUT', 'COMPLETED:-']);
    expect(runProcesses(runningBuild.id!, 'sleep 600')).toEqual([]);
  });

  it('runs queued builds one after another under the limit, none lost', async () => {
    await project(cb, roleArn, 'serial', spec(['echo "start $CODEBUILD_BUILD_NUMBER"', 'sleep 0.3', 'echo "end $CODEBUILD_BUILD_NUMBER"']), { concurrentBuildLimit: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await cb.send(new StartBuildCommand({ projectName: 'serial' }))).build!.id!);
    let sawQueued = false;
    let maxRunning = 0;
    for (;;) {
      const builds = (await cb.send(new BatchGetBuildsCommand({ ids }))).builds!;
      const active = builds.filter((b) => !b.buildComplete && b.currentPhase !== 'QUEUED').length;
      maxRunning = Math.max(maxRunning, active);
      if (builds.some((b) => b.currentPhase === 'QUEUED')) sawQueued = true;
      if (builds.every((b) => b.buildComplete)) {
        expect(builds.map((b) => b.buildStatus)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
        // One at a time: each build started after the previous one ended.
        const byNumber = [...builds].sort((a, b) => a.buildNumber! - b.buildNumber!);
        for (let i = 1; i < byNumber.length; i++) {
          const provisioning = byNumber[i].phases!.find((p) => p.phaseType === 'PROVISIONING')!;
          const previousBuildEnd = byNumber[i - 1].phases!.find((p) => p.phaseType === 'BUILD')!.endTime!;
          expect(provisioning.startTime!.getTime()).toBeGreaterThanOrEqual(previousBuildEnd.getTime());
        }
        break;
      }
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(sawQueued).toBe(true);
    expect(maxRunning).toBe(1);
  });

  it('pages ListBuildsForProject and ListBuilds by 100, in both orders', async () => {
    await project(cb, roleArn, 'paged', spec(['sleep 47.5']), { concurrentBuildLimit: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 101; i++) ids.push((await cb.send(new StartBuildCommand({ projectName: 'paged' }))).build!.id!);
    const first = await cb.send(new ListBuildsForProjectCommand({ projectName: 'paged' }));
    expect(first.ids).toEqual([...ids].reverse().slice(0, 100));
    const second = await cb.send(new ListBuildsForProjectCommand({ projectName: 'paged', nextToken: first.nextToken }));
    expect(second.ids).toEqual([ids[0]]);
    expect(second.nextToken).toBeUndefined();
    const ascending = await cb.send(new ListBuildsForProjectCommand({ projectName: 'paged', sortOrder: 'ASCENDING' }));
    expect(ascending.ids).toEqual(ids.slice(0, 100));
    const all: string[] = [];
    let token: string | undefined;
    do {
      const page = await cb.send(new ListBuildsCommand({ sortOrder: 'ASCENDING', nextToken: token }));
      all.push(...page.ids!);
      token = page.nextToken;
    } while (token);
    expect(all.filter((id) => id.startsWith('paged:'))).toEqual(ids);
    // All but the first wait in the queue; stopped newest first, none of them ever runs.
    const queued = (await cb.send(new BatchGetBuildsCommand({ ids: ids.slice(1, 100) }))).builds!;
    expect(queued.every((b) => b.currentPhase === 'QUEUED')).toBe(true);
    for (const id of [...ids].reverse()) await cb.send(new StopBuildCommand({ id }));
    const stopped = (await cb.send(new BatchGetBuildsCommand({ ids: ids.slice(1, 100) }))).builds!;
    expect(stopped.every((b) => b.buildStatus === 'STOPPED' && b.phases!.length === 3)).toBe(true);
  });

  it('streams log lines to CloudWatch Logs while the build runs', async () => {
    const logs = new CloudWatchLogsClient(server.clientConfig);
    await project(cb, roleArn, 'live-log', spec(['echo "marker $(date +%s%3N)"', 'sleep 30']));
    const build = (await cb.send(new StartBuildCommand({ projectName: 'live-log' }))).build!;
    const running = await waitFor(cb, build.id!, (b) => b.logs?.streamName !== undefined);
    let seen: number | undefined;
    let printed: number | undefined;
    while (seen === undefined) {
      const out = await logs.send(new GetLogEventsCommand({ logGroupName: running.logs!.groupName!, logStreamName: running.logs!.streamName!, startFromHead: true })).catch(() => undefined);
      const line = out?.events?.find((e) => e.message!.startsWith('marker '));
      if (line) {
        seen = Date.now();
        printed = Number(line.message!.slice('marker '.length));
      } else await new Promise((r) => setTimeout(r, 5));
    }
    // The build is still running: the line arrived live, not at the end.
    expect((await get(cb, build.id!)).buildComplete).toBe(false);
    expect(seen - printed!).toBeLessThan(500);
    await cb.send(new StopBuildCommand({ id: build.id! }));
  });
});

describe('a server restart in the middle of a build', () => {
  it('fails the running build explicitly and runs the queued one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drydock-restart-'));
    try {
      let server = await startTestServer({ dataDir });
      let { cb, roleArn } = await setup(server);
      await project(cb, roleArn, 'restarted', spec(['echo "build $CODEBUILD_BUILD_NUMBER"', 'sleep 43.75']), { concurrentBuildLimit: 1 });
      const first = (await cb.send(new StartBuildCommand({ projectName: 'restarted' }))).build!;
      const inBuild = await waitFor(cb, first.id!, (b) => b.currentPhase === 'BUILD');
      // The first command has run (its line is in the log) before Drydock goes down.
      const firstLogs = new CloudWatchLogsClient(server.clientConfig);
      for (;;) {
        const out = await firstLogs.send(new GetLogEventsCommand({ logGroupName: inBuild.logs!.groupName!, logStreamName: inBuild.logs!.streamName!, startFromHead: true })).catch(() => undefined);
        if (out?.events?.some((e) => e.message === 'build 1')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await cb.send(
        new CreateProjectCommand({
          name: 'after-restart',
          source: { type: 'NO_SOURCE', buildspec: spec(['echo fine']) },
          artifacts: { type: 'NO_ARTIFACTS' },
          environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
          serviceRole: roleArn,
          concurrentBuildLimit: 1,
        }),
      );
      const blocker = (await cb.send(new StartBuildCommand({ projectName: 'after-restart', buildspecOverride: spec(['sleep 44.25']) }))).build!;
      await waitFor(cb, blocker.id!, (b) => b.currentPhase === 'BUILD');
      const queued = (await cb.send(new StartBuildCommand({ projectName: 'after-restart' }))).build!;
      expect((await get(cb, queued.id!)).currentPhase).toBe('QUEUED');

      await server.close();
      // Closing Drydock takes the builds' processes with it.
      expect(runProcesses(first.id!, 'sleep 43.75')).toEqual([]);
      // What a crashed Drydock would leave behind: a process of the build still running.
      const orphan = spawn('sleep', ['46.125'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, CODEBUILD_BUILD_ID: first.id! } });
      orphan.unref();
      expect(runProcesses(first.id!, 'sleep 46.125')).not.toEqual([]);

      server = await startTestServer({ dataDir });
      cb = new CodeBuildClient(server.clientConfig);
      try {
        const failed = await waitFor(cb, first.id!);
        expect(failed.buildStatus).toBe('FAILED');
        const buildPhase = failed.phases!.find((p) => p.phaseType === 'BUILD')!;
        expect(buildPhase.phaseStatus).toBe('FAILED');
        expect(buildPhase.contexts).toEqual([{ statusCode: 'BUILD_INTERRUPTED', message: 'Drydock restarted while the build was running' }]);
        expect(failed.phases!.at(-1)!.phaseType).toBe('COMPLETED');
        const logs = new CloudWatchLogsClient(server.clientConfig);
        const lines = (await logs.send(new GetLogEventsCommand({ logGroupName: failed.logs!.groupName!, logStreamName: failed.logs!.streamName!, startFromHead: true }))).events!.map(
          (e) => e.message!,
        );
        expect(lines).toContain('build 1');
        expect(lines.at(-1)).toMatch(/Drydock restarted while the build was running$/);
        // Settling the build killed what was left of it.
        expect(runProcesses(first.id!, 'sleep 46.125')).toEqual([]);

        expect((await waitFor(cb, blocker.id!)).buildStatus).toBe('FAILED');
        const ran = await waitFor(cb, queued.id!);
        expect(ran.buildStatus).toBe('SUCCEEDED');
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
