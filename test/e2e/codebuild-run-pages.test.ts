/**
 * A build's and a sandbox's log links point at Drydock, not at AWS's console: `logs.deepLink` (and
 * `s3DeepLink`) name `<endpoint>/_drydock/codebuild/builds/<url-encoded id>#logs`, and that page
 * answers with the run's status, its phases and the tail of its log, escaped, from CloudWatch Logs
 * or, for S3-only logs, from the log object once the build has ended.
 */

import { type Build, CodeBuildClient, CreateProjectCommand, type CreateProjectCommandInput, StartBuildCommand, StartSandboxCommand, StopSandboxCommand } from '@aws-sdk/client-codebuild';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { CODEBUILD_TRUST, waitForBuild, waitForSandbox } from './codebuild-helpers.js';

const server = useServer();
let cb: CodeBuildClient;
let roleArn: string;

async function runBuild(name: string, commands: string[], extra: Partial<CreateProjectCommandInput> = {}): Promise<Build> {
  const spec = `version: 0.2\nphases:\n  build:\n    commands:\n${commands.map((c) => `      - ${JSON.stringify(c)}\n`).join('')}`;
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
  const started = (await cb.send(new StartBuildCommand({ projectName: name }))).build!;
  return waitForBuild(cb, started.id!);
}

const pageOf = (kind: 'builds' | 'sandboxes', id: string) => `${server.url}/_drydock/codebuild/${kind}/${encodeURIComponent(id)}`;

beforeAll(async () => {
  cb = new CodeBuildClient(server.clientConfig);
  const iam = new IAMClient(server.clientConfig);
  roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'codebuild-pages', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
});

describe('the build page', () => {
  let build: Build;
  beforeAll(async () => {
    build = await runBuild('paged', ['echo "<b>fish & chips</b>"', 'exit 3']);
  });

  it("is where the build's log link points, on this Drydock", () => {
    expect(build.logs!.deepLink).toBe(`${pageOf('builds', build.id!)}#logs`);
    expect(build.logs!.s3DeepLink).toBeUndefined();
  });

  it("answers 200 with the build's status, phases, contexts and log, escaped", async () => {
    const res = await fetch(build.logs!.deepLink!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain(`<h1>Build <code>${build.id}</code></h1>`);
    expect(html).toContain('<dt>Status</dt><dd>FAILED</dd>');
    expect(html).toContain(`<dd>${build.arn}</dd>`);
    expect(html).toContain('<td>BUILD</td><td>FAILED</td>');
    expect(html).toContain('COMMAND_EXECUTION_ERROR: Error while executing command: exit 3. Reason: exit status 3');
    expect(html).toContain('<h2 id="logs">Log</h2>');
    expect(html).toContain(`CloudWatch Logs group /aws/codebuild/paged, stream ${build.logs!.streamName}`);
    // The build's own output, escaped: the page shows what the build printed, never runs it.
    expect(html).toContain('&#60;b&#62;fish &#38; chips&#60;/b&#62;');
    expect(html).not.toContain('<b>fish');
    expect(html).toContain('Phase complete: BUILD State: FAILED');
    // A finished build's page does not reload itself.
    expect(html).not.toContain('http-equiv="refresh"');
  });

  it('answers HEAD without a body, and refuses other methods', async () => {
    const head = await fetch(pageOf('builds', build.id!), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(pageOf('builds', build.id!), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 404 for a build or page that does not exist, 400 for an id that does not decode', async () => {
    const missing = await fetch(pageOf('builds', 'paged:00000000-0000-0000-0000-000000000000'));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('No build with id paged:00000000-0000-0000-0000-000000000000 on this Drydock');
    expect((await fetch(`${server.url}/_drydock/codebuild/projects/paged`)).status).toBe(404);
    expect((await fetch(`${server.url}/_drydock/codebuild/builds/`)).status).toBe(404);
    expect((await fetch(`${server.url}/_drydock/codebuild/builds/%E0%A4%A`)).status).toBe(400);
    // Drydock's own internal routes still answer beside the service's pages.
    expect((await fetch(`${server.url}/_drydock/health`)).status).toBe(200);
  });

  it('shows an S3-only log from its object once the build has ended, and the S3 link points at the page', async () => {
    await new S3Client(server.clientConfig).send(new CreateBucketCommand({ Bucket: 'page-logs' }));
    const s3Only = await runBuild('s3-logged', ['echo written to s3'], {
      logsConfig: { cloudWatchLogs: { status: 'DISABLED' }, s3Logs: { status: 'ENABLED', location: 'page-logs/builds' } },
    });
    expect(s3Only.buildStatus).toBe('SUCCEEDED');
    expect(s3Only.logs!.deepLink).toBeUndefined();
    expect(s3Only.logs!.s3DeepLink).toBe(`${pageOf('builds', s3Only.id!)}#logs`);
    const html = await (await fetch(s3Only.logs!.s3DeepLink!)).text();
    expect(html).toContain(`S3 object s3://page-logs/builds/${s3Only.id!.split(':')[1]}.gz`);
    expect(html).toContain('written to s3');
  });
});

describe('the sandbox page', () => {
  it("is where the sandbox session's log link points, and shows the sandbox", async () => {
    await cb.send(
      new CreateProjectCommand({
        name: 'sandboxed',
        source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo unused\n' },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
        serviceRole: roleArn,
      }),
    );
    const sandbox = (await cb.send(new StartSandboxCommand({ projectName: 'sandboxed' }))).sandbox!;
    expect(sandbox.currentSession!.logs!.deepLink).toBe(`${pageOf('sandboxes', sandbox.id!)}#logs`);
    await waitForSandbox(cb, sandbox.id!, (s) => s.status === 'RUNNING');
    const running = await (await fetch(pageOf('sandboxes', sandbox.id!))).text();
    expect(running).toContain(`<h1>Sandbox <code>${sandbox.id}</code></h1>`);
    expect(running).toContain('<dt>Status</dt><dd>RUNNING</dd>');
    // A page of a run still going reloads itself.
    expect(running).toContain('http-equiv="refresh"');
    await cb.send(new StopSandboxCommand({ id: sandbox.id! }));
    await waitForSandbox(cb, sandbox.id!, (s) => s.currentSession?.currentPhase === 'COMPLETED');
    const ended = await (await fetch(pageOf('sandboxes', sandbox.id!))).text();
    expect(ended).toContain('<dt>Status</dt><dd>STOPPED</dd>');
    expect(ended).toContain('<td>RUN_SANDBOX</td><td>STOPPED</td>');
  });
});
