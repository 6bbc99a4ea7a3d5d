import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Clock } from '../../../core/clock.js';
import { Executor } from '../../../core/executor.js';
import { createLogger } from '../../../core/logger.js';
import { parseBuildspec } from '../buildspec/buildspec.js';
import { containerLine, type PhaseRunOptions, phasesFoundMessages, runBuildPhases, type StopReason } from './phases.js';
import { BuildShell } from './shell.js';

const executor = new Executor(createLogger('silent'));
const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

interface Harness {
  log: string[];
  starts: string[];
  shell: BuildShell;
  stop(reason: StopReason): void;
  run(): ReturnType<typeof runBuildPhases>;
}

function harness(yaml: string, extra: Partial<PhaseRunOptions> = {}): Harness {
  const cwd = mkdtempSync(join(tmpdir(), 'drydock-phases-'));
  const log: string[] = [];
  const starts: string[] = [];
  const shell = BuildShell.start({ executor, cwd, env: { PATH: process.env.PATH!, CODEBUILD_BUILD_SUCCEEDING: '1' }, onOutput: (line) => log.push(line) });
  cleanup.push(async () => {
    await shell.close();
    rmSync(cwd, { recursive: true, force: true });
  });
  let stopping: false | StopReason = false;
  return {
    log,
    starts,
    shell,
    stop(reason) {
      stopping = reason;
      shell.kill();
    },
    run: () =>
      runBuildPhases({
        buildspec: parseBuildspec(yaml),
        shell,
        clock: new Clock(),
        isStopping: () => stopping,
        onPhaseStart: (type) => void starts.push(type),
        log: (line) => log.push(line),
        ...extra,
      }),
  };
}

/** The log without the `[Container] <timestamp> ` prefixes. */
function plain(log: string[]): string[] {
  return log.map((line) => line.replace(/^\[Container\] \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\.\d{6} /, '[C] '));
}

describe('runBuildPhases', () => {
  it('runs the four phases in order in one shell, logging as the CodeBuild agent does', async () => {
    const h = harness(`version: 0.2
phases:
  install:
    commands:
      - export TOOL=installed
  build:
    commands:
      - mkdir -p out && cd out
      - echo "$TOOL in $(basename $PWD) succeeding=$CODEBUILD_BUILD_SUCCEEDING"
    finally:
      - echo cleanup
`);
    const result = await h.run();
    expect(result).toMatchObject({ buildSucceeded: true, stopped: false, timedOut: false, uploadArtifacts: true });
    expect(result.phases.map((p) => [p.phaseType, p.phaseStatus, p.contexts])).toEqual([
      ['INSTALL', 'SUCCEEDED', [{ statusCode: '', message: '' }]],
      ['PRE_BUILD', 'SUCCEEDED', [{ statusCode: '', message: '' }]],
      ['BUILD', 'SUCCEEDED', [{ statusCode: '', message: '' }]],
      ['POST_BUILD', 'SUCCEEDED', [{ statusCode: '', message: '' }]],
    ]);
    expect(h.starts).toEqual(['INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD']);
    for (const p of result.phases) expect(p.endTime.getTime()).toBeGreaterThanOrEqual(p.startTime.getTime());
    expect(plain(h.log)).toEqual([
      '[C] Entering phase INSTALL',
      '[C] Running command export TOOL=installed',
      '[C] Phase complete: INSTALL State: SUCCEEDED',
      '[C] Phase context status code:  Message: ',
      '[C] Entering phase PRE_BUILD',
      '[C] Phase complete: PRE_BUILD State: SUCCEEDED',
      '[C] Phase context status code:  Message: ',
      '[C] Entering phase BUILD',
      '[C] Running command mkdir -p out && cd out',
      '[C] Running command echo "$TOOL in $(basename $PWD) succeeding=$CODEBUILD_BUILD_SUCCEEDING"',
      'installed in out succeeding=1',
      '[C] Running command echo cleanup',
      'cleanup',
      '[C] Phase complete: BUILD State: SUCCEEDED',
      '[C] Phase context status code:  Message: ',
      '[C] Entering phase POST_BUILD',
      '[C] Phase complete: POST_BUILD State: SUCCEEDED',
      '[C] Phase context status code:  Message: ',
    ]);
  });

  it('a failed BUILD skips its remaining commands, runs finally and still runs POST_BUILD with CODEBUILD_BUILD_SUCCEEDING=0', async () => {
    const h = harness(`version: 0.2
phases:
  build:
    commands:
      - echo testing
      - exit 1
      - echo never
    finally:
      - echo finally-ran
  post_build:
    commands:
      - echo "succeeding=$CODEBUILD_BUILD_SUCCEEDING"
`);
    const result = await h.run();
    expect(result).toMatchObject({ buildSucceeded: false, uploadArtifacts: true });
    expect(result.phases.map((p) => p.phaseStatus)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'FAILED', 'SUCCEEDED']);
    expect(result.phases[2]!.contexts).toEqual([{ statusCode: 'COMMAND_EXECUTION_ERROR', message: 'Error while executing command: exit 1. Reason: exit status 1' }]);
    const lines = plain(h.log);
    expect(lines).not.toContain('never');
    expect(lines).toContain('finally-ran');
    expect(lines).toContain('succeeding=0');
    expect(lines).toContain('[C] Command did not exit successfully exit 1 exit status 1');
    expect(lines).toContain('[C] Phase complete: BUILD State: FAILED');
    expect(lines).toContain('[C] Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while executing command: exit 1. Reason: exit status 1');
  });

  it('a failed INSTALL or PRE_BUILD ends the command phases and uploads no artifacts', async () => {
    for (const phase of ['install', 'pre_build']) {
      const h = harness(`version: 0.2\nphases:\n  ${phase}:\n    commands:\n      - "false"\n  build:\n    commands:\n      - echo build-ran\n  post_build:\n    commands:\n      - echo post-ran\n`);
      const result = await h.run();
      expect(result).toMatchObject({ buildSucceeded: false, uploadArtifacts: false });
      expect(result.phases.at(-1)).toMatchObject({ phaseType: phase.toUpperCase(), phaseStatus: 'FAILED', contexts: [{ message: 'Error while executing command: false. Reason: exit status 1' }] });
      expect(h.log).not.toContain('build-ran');
      expect(h.log).not.toContain('post-ran');
    }
  });

  it('on-failure CONTINUE goes on to the next phase, ABORT ends the build at once', async () => {
    const cont = harness('version: 0.2\nphases:\n  install:\n    on-failure: CONTINUE\n    commands: ["exit 4"]\n  build:\n    commands: ["echo build-ran"]\n');
    const continued = await cont.run();
    expect(continued).toMatchObject({ buildSucceeded: false, uploadArtifacts: true });
    expect(continued.phases.map((p) => p.phaseStatus)).toEqual(['FAILED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(cont.log).toContain('build-ran');

    const abort = harness('version: 0.2\nphases:\n  build:\n    on-failure: ABORT\n    commands: ["exit 2"]\n  post_build:\n    commands: ["echo post-ran"]\n');
    const aborted = await abort.run();
    expect(aborted).toMatchObject({ buildSucceeded: false, uploadArtifacts: false });
    expect(aborted.phases.map((p) => p.phaseType)).toEqual(['INSTALL', 'PRE_BUILD', 'BUILD']);
    expect(abort.log).not.toContain('post-ran');
  });

  it('a failing finally command fails a phase whose commands succeeded', async () => {
    const h = harness('version: 0.2\nphases:\n  build:\n    commands: ["echo ok"]\n    finally: ["exit 7", "echo never"]\n');
    const result = await h.run();
    expect(result.phases[2]).toMatchObject({ phaseStatus: 'FAILED', contexts: [{ statusCode: 'COMMAND_EXECUTION_ERROR', message: 'Error while executing command: exit 7. Reason: exit status 7' }] });
    expect(h.log).not.toContain('never');
  });

  it('on-failure RETRY runs the phase again while its error matches', async () => {
    const retried = harness('version: 0.2\nphases:\n  build:\n    on-failure: RETRY-3\n    commands:\n      - echo x >> attempts && test $(wc -l < attempts) -ge 3\n');
    const result = await retried.run();
    expect(result.buildSucceeded).toBe(true);
    expect(result.phases[2]!.phaseStatus).toBe('SUCCEEDED');
    expect(plain(retried.log).filter((l) => l.startsWith('[C] Retrying phase BUILD'))).toHaveLength(2);

    const unmatched = harness('version: 0.2\nphases:\n  build:\n    on-failure: RETRY-3-.*exit status 9.*\n    commands: ["echo run >> runs; exit 1"]\n  post_build:\n    commands: ["cat runs"]\n');
    const failed = await unmatched.run();
    expect(failed.buildSucceeded).toBe(false);
    expect(unmatched.log.filter((l) => l === 'run')).toHaveLength(1);
  });

  it('StopBuild ends the running phase STOPPED at once and runs nothing after it', async () => {
    const h = harness('version: 0.2\nphases:\n  build:\n    commands: ["echo started", "sleep 30"]\n    finally: ["echo finally-ran"]\n  post_build:\n    commands: ["echo post-ran"]\n');
    const running = h.run();
    while (!h.log.includes('started')) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    const asked = Date.now();
    h.stop('STOPPED');
    const result = await running;
    expect(Date.now() - asked).toBeLessThan(10_000); // the sleep is 30 s: the stop ended it
    expect(result).toMatchObject({ buildSucceeded: false, stopped: true, timedOut: false, uploadArtifacts: false });
    expect(result.phases.at(-1)).toMatchObject({ phaseType: 'BUILD', phaseStatus: 'STOPPED' });
    expect(h.log).not.toContain('finally-ran');
    expect(h.log).not.toContain('post-ran');
  });

  it('a timeout ends the running phase TIMED_OUT with its context', async () => {
    const h = harness('version: 0.2\nphases:\n  install:\n    commands: ["sleep 30"]\n');
    const running = h.run();
    setTimeout(() => h.stop('TIMED_OUT'), 300);
    const result = await running;
    expect(result).toMatchObject({ timedOut: true, stopped: false, buildSucceeded: false });
    expect(result.phases).toHaveLength(1);
    expect(result.phases[0]).toMatchObject({ phaseType: 'INSTALL', phaseStatus: 'TIMED_OUT', contexts: [{ statusCode: 'BUILD_TIMED_OUT', message: 'Build has timed out. ' }] });
  });
});

describe('log lines', () => {
  it('stamps lines like the agent, in UTC with microseconds', () => {
    expect(containerLine(Date.UTC(2026, 10, 28, 4, 33, 12, 123), 'Running command npm test')).toBe('[Container] 2026/11/28 04:33:12.123000 Running command npm test');
  });

  it('summarizes the phases found in the buildspec', () => {
    const spec = parseBuildspec('version: 0.2\nphases:\n  pre_build:\n    commands: [a, b]\n  build:\n    commands: [c]\n');
    expect(phasesFoundMessages(spec)).toEqual(['Phases found in YAML: 2', ' PRE_BUILD: 2 commands', ' BUILD: 1 commands']);
  });
});
