/**
 * CodeBuild builds tell the truth about runtime-versions: a version the host lacks fails the build
 * in DOWNLOAD_SOURCE with AWS's YAML_FILE_ERROR context, as AWS fails a version its image lacks; a
 * version the host satisfies runs and the log names the exact version; DRYDOCK_RUNTIME_VERSIONS=host
 * runs the build on the host's version and says what was asked for and what runs.
 */

import { execFileSync } from 'node:child_process';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { type Build, CodeBuildClient, CreateProjectCommand, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, useServer } from '../helpers.js';
import { CODEBUILD_TRUST, waitForBuild } from './codebuild-helpers.js';

/** The node a build finds on its PATH (the server's PATH): what the host provides. */
const HOST_NODE = execFileSync('node', ['--version'], { encoding: 'utf8' }).trim().slice(1);
const HOST_MAJOR = Number(HOST_NODE.split('.')[0]);
/** A Node.js major CodeBuild's images have had and this host does not run. */
const MISSING_MAJOR = String(HOST_MAJOR === 18 ? 20 : 18);

const phaseList = (b: Build) => b.phases!.map((p) => `${p.phaseType}:${p.phaseStatus ?? '-'}`);

/** Runs a build of a NO_SOURCE project with this buildspec on `server` and answers it with its log. */
async function runBuild(server: TestServer, name: string, spec: string): Promise<{ build: Build; log: string[] }> {
  const cb = new CodeBuildClient(server.clientConfig);
  const iam = new IAMClient(server.clientConfig);
  const roleArn = (await iam.send(new CreateRoleCommand({ RoleName: `role-${name}`, AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
  await cb.send(
    new CreateProjectCommand({
      name,
      source: { type: 'NO_SOURCE', buildspec: spec },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
      serviceRole: roleArn,
    }),
  );
  const started = (await cb.send(new StartBuildCommand({ projectName: name }))).build!;
  const build = await waitForBuild(cb, started.id!);
  const logs = new CloudWatchLogsClient(server.clientConfig);
  const out = await logs.send(new GetLogEventsCommand({ logGroupName: build.logs!.groupName!, logStreamName: build.logs!.streamName!, startFromHead: true }));
  return { build, log: out.events!.map((e) => e.message!) };
}

const nodeBuildspec = (version: string) => `version: 0.2\nphases:\n  install:\n    runtime-versions:\n      nodejs: ${version}\n  build:\n    commands:\n      - node --version\n`;

/** The log's agent lines without their `[Container] <timestamp> ` prefix. */
const agentLines = (log: string[]) => log.filter((l) => l.startsWith('[Container]')).map((l) => l.replace(/^\[Container\] \S+ \S+ /, ''));

describe('by default (DRYDOCK_RUNTIME_VERSIONS unset: as AWS)', () => {
  const server = useServer();

  it('fails a build asking for a version the host lacks in DOWNLOAD_SOURCE with YAML_FILE_ERROR, as AWS fails one its image lacks', async () => {
    const { build, log } = await runBuild(server.server, 'missing-version', nodeBuildspec(MISSING_MAJOR));
    const message = `Unknown runtime version named '${MISSING_MAJOR}' of nodejs. This build image has the following versions: ${HOST_MAJOR}`;
    expect(build.buildStatus).toBe('FAILED');
    expect(phaseList(build)).toEqual(['SUBMITTED:SUCCEEDED', 'QUEUED:SUCCEEDED', 'PROVISIONING:SUCCEEDED', 'DOWNLOAD_SOURCE:FAILED', 'FINALIZING:SUCCEEDED', 'COMPLETED:-']);
    expect(build.phases!.find((p) => p.phaseType === 'DOWNLOAD_SOURCE')!.contexts).toEqual([{ statusCode: 'YAML_FILE_ERROR', message }]);
    const lines = agentLines(log);
    const selected = lines.indexOf(`Selecting 'nodejs' runtime version '${MISSING_MAJOR}' based on manual selections...`);
    expect(selected).toBeGreaterThan(lines.indexOf('Processing environment variables'));
    expect(lines.slice(selected + 1, selected + 4)).toEqual([
      `Asked for nodejs ${MISSING_MAJOR}; this host runs nodejs ${HOST_NODE}. Drydock runs builds on the host's runtimes: set DRYDOCK_RUNTIME_VERSIONS=host to run such builds on them anyway`,
      'Phase complete: DOWNLOAD_SOURCE State: FAILED',
      `Phase context status code: YAML_FILE_ERROR Message: ${message}`,
    ]);
    // Nothing of the buildspec ran.
    expect(log).not.toContain(`v${HOST_NODE}`);
  });

  it('runs a build whose version the host satisfies (its major, or latest), naming the exact version', async () => {
    const { build, log } = await runBuild(server.server, 'host-version', nodeBuildspec(String(HOST_MAJOR)));
    expect(build.buildStatus).toBe('SUCCEEDED');
    expect(agentLines(log)).toContain(`Using this host's nodejs ${HOST_NODE} for nodejs '${HOST_MAJOR}'`);
    expect(log).toContain(`v${HOST_NODE}`);
    const latest = await runBuild(server.server, 'latest-version', nodeBuildspec('latest'));
    expect(latest.build.buildStatus).toBe('SUCCEEDED');
    expect(agentLines(latest.log)).toContain(`Using this host's nodejs ${HOST_NODE} for nodejs 'latest'`);
  });

  it('reads a version written as $VAR from the build environment', async () => {
    const spec = `version: 0.2\nenv:\n  variables:\n    NODE_MAJOR: "${MISSING_MAJOR}"\nphases:\n  install:\n    runtime-versions:\n      nodejs: $NODE_MAJOR\n`;
    const { build } = await runBuild(server.server, 'variable-version', spec);
    expect(build.phases!.find((p) => p.phaseType === 'DOWNLOAD_SOURCE')!.contexts![0].message).toBe(
      `Unknown runtime version named '${MISSING_MAJOR}' of nodejs. This build image has the following versions: ${HOST_MAJOR}`,
    );
  });
});

describe('with DRYDOCK_RUNTIME_VERSIONS=host', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Read when the service is created: set for this server only.
    process.env.DRYDOCK_RUNTIME_VERSIONS = 'host';
    try {
      server = await startTestServer();
    } finally {
      delete process.env.DRYDOCK_RUNTIME_VERSIONS;
    }
  });
  afterAll(() => server?.stop());

  it("runs a build asking for a version the host lacks on the host's version, saying what was asked for and what runs", async () => {
    const { build, log } = await runBuild(server, 'host-mode', nodeBuildspec(MISSING_MAJOR));
    expect(build.buildStatus).toBe('SUCCEEDED');
    expect(agentLines(log)).toContain(`Asked for nodejs ${MISSING_MAJOR}; this host runs nodejs ${HOST_NODE}: running on the host's version (DRYDOCK_RUNTIME_VERSIONS=host)`);
    expect(log).toContain(`v${HOST_NODE}`);
  });
});
