/**
 * buildspec run-as through the real SDK client: a phase's run-as, the buildspec's global run-as,
 * exported variables and the directory carrying over across commands run as another user, and
 * an unknown user failing the build. Switching users needs root, so this runs only as root, and
 * uses the host's existing `nobody` user (nothing is created on the host).
 */

import { execFileSync } from 'node:child_process';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetBuildsCommand, type Build, CodeBuildClient, CreateProjectCommand, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers.js';
import { CODEBUILD_TRUST } from './codebuild-helpers.js';

const isRoot = process.getuid?.() === 0;
const hasNobody = (() => {
  try {
    return execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
})();

let server: TestServer;
let cb: CodeBuildClient;
let logs: CloudWatchLogsClient;
let roleArn: string;

async function runBuild(name: string, spec: string): Promise<{ build: Build; lines: string[] }> {
  await cb.send(
    new CreateProjectCommand({
      name,
      source: { type: 'NO_SOURCE', buildspec: spec },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
      serviceRole: roleArn,
    }),
  );
  const id = (await cb.send(new StartBuildCommand({ projectName: name }))).build!.id!;
  const until = Date.now() + 20_000;
  let build: Build;
  for (;;) {
    build = (await cb.send(new BatchGetBuildsCommand({ ids: [id] }))).builds![0];
    if (build.buildComplete) break;
    if (Date.now() > until) throw new Error(`build ${id} did not complete`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const out = await logs.send(new GetLogEventsCommand({ logGroupName: build.logs!.groupName!, logStreamName: build.logs!.streamName!, startFromHead: true }));
  return { build, lines: out.events!.map((e) => e.message!) };
}

const phase = (b: Build, type: string) => b.phases!.find((p) => p.phaseType === type)!;

describe.skipIf(!isRoot || !hasNobody)('CodeBuild buildspec run-as (needs root and a nobody user to switch users)', () => {
  beforeAll(async () => {
    server = await startTestServer();
    cb = new CodeBuildClient(server.clientConfig);
    logs = new CloudWatchLogsClient(server.clientConfig);
    const iam = new IAMClient(server.clientConfig);
    roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'codebuild-run-as', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('runs a phase with run-as as that user and the others as root, carrying exported variables and the directory both ways', async () => {
    const { build, lines } = await runBuild(
      'run-as-phase',
      [
        'version: 0.2',
        'phases:',
        '  install:',
        '    commands:',
        '      - echo "install-user=$(id -un)"',
        '      - export FROM_ROOT=root-value && mkdir -p sub && echo readable > sub/file.txt',
        '  build:',
        '    run-as: nobody',
        '    commands:',
        '      - echo "build-user=$(id -un) uid=$(id -u)"',
        '      - echo "seen=$FROM_ROOT content=$(cat sub/file.txt)"',
        '      - export FROM_NOBODY=nobody-value && cd sub',
        '      - echo "second=$(id -un) in=$(basename "$PWD") still=$FROM_NOBODY"',
        '      - touch "$CODEBUILD_SRC_DIR/denied" 2>/dev/null && echo write=allowed || echo write=denied',
        '    finally:',
        '      - echo "finally-user=$(id -un)"',
        '  post_build:',
        '    commands:',
        '      - echo "post-user=$(id -un) got=$FROM_NOBODY in=$(basename "$PWD")"',
      ].join('\n'),
    );
    expect(build.buildStatus).toBe('SUCCEEDED');
    expect(lines).toContain('install-user=root');
    expect(lines).toContain('build-user=nobody uid=65534');
    expect(lines).toContain('seen=root-value content=readable');
    expect(lines).toContain('second=nobody in=sub still=nobody-value');
    // AWS grants the run-as user read and execute permission, not write.
    expect(lines).toContain('write=denied');
    expect(lines).toContain('finally-user=nobody');
    expect(lines).toContain('post-user=root got=nobody-value in=sub');
  });

  it('applies a global run-as to every phase, and a phase run-as overrides it', async () => {
    const { build, lines } = await runBuild(
      'run-as-global',
      [
        'version: 0.2',
        'run-as: nobody',
        'phases:',
        '  install:',
        '    commands:',
        '      - echo "install-user=$(id -un)"',
        '  pre_build:',
        '    commands:',
        '      - export CHAIN=one',
        '  build:',
        '    commands:',
        '      - echo "build-user=$(id -un) chain=$CHAIN"',
        '  post_build:',
        '    run-as: root',
        '    commands:',
        '      - echo "post-user=$(id -un) chain=$CHAIN"',
      ].join('\n'),
    );
    expect(build.buildStatus).toBe('SUCCEEDED');
    expect(lines).toContain('install-user=nobody');
    expect(lines).toContain('build-user=nobody chain=one');
    expect(lines).toContain('post-user=root chain=one');
  });

  it('fails the phase naming an unknown user before running its commands', async () => {
    const { build, lines } = await runBuild(
      'run-as-unknown',
      [
        'version: 0.2',
        'phases:',
        '  install:',
        '    commands:',
        '      - echo install-ran',
        '  build:',
        '    run-as: drydock-no-such-user',
        '    commands:',
        '      - echo build-ran',
        '  post_build:',
        '    commands:',
        '      - echo "post-ran succeeding=$CODEBUILD_BUILD_SUCCEEDING"',
      ].join('\n'),
    );
    expect(build.buildStatus).toBe('FAILED');
    expect(phase(build, 'INSTALL').phaseStatus).toBe('SUCCEEDED');
    expect(phase(build, 'BUILD').phaseStatus).toBe('FAILED');
    expect(phase(build, 'BUILD').contexts).toEqual([{ statusCode: 'CLIENT_ERROR', message: 'run-as user drydock-no-such-user does not exist' }]);
    expect(lines).toContain('install-ran');
    expect(lines).not.toContain('build-ran');
    // A failed BUILD still runs POST_BUILD, as for any other BUILD failure.
    expect(lines).toContain('post-ran succeeding=0');
  });

  it('fails the first phase when the global run-as user does not exist', async () => {
    const { build, lines } = await runBuild('run-as-unknown-global', 'version: 0.2\nrun-as: drydock-no-such-user\nphases:\n  build:\n    commands:\n      - echo never\n');
    expect(build.buildStatus).toBe('FAILED');
    // INSTALL has no commands, so the first phase that needs the user is BUILD.
    expect(phase(build, 'INSTALL').phaseStatus).toBe('SUCCEEDED');
    expect(phase(build, 'BUILD').contexts).toEqual([{ statusCode: 'CLIENT_ERROR', message: 'run-as user drydock-no-such-user does not exist' }]);
    expect(lines).not.toContain('never');
  });
});
