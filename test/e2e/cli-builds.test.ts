/**
 * `drydock builds list` and `drydock builds logs` through the built CLI against a real server:
 * CodeBuild's ListBuilds / ListBuildsForProject / BatchGetBuilds signed with the caller's
 * credentials, JSON lines from a script and a table on a terminal, and a build named by its bare
 * UUID or the start of it (several matches are listed, not guessed).
 */

import { BatchGetBuildsCommand, CodeBuildClient, CreateProjectCommand, ListBuildsCommand, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { drydock, onTerminal } from './cli-helpers.js';
import { CODEBUILD_TRUST, waitForBuild } from './codebuild-helpers.js';

const server = useServer();
let cb: CodeBuildClient;
/** Builds that have completed, oldest first: two of `listed`, one of `other`. */
const completed: string[] = [];

const uuidOf = (id: string) => id.slice(id.indexOf(':') + 1);
const endpoint = () => ['--endpoint', server.url];

async function project(name: string, commands: string[], role: string, extra: { concurrentBuildLimit?: number } = {}): Promise<void> {
  const phases = `phases:\n  build:\n    commands:\n${commands.map((c) => `      - ${JSON.stringify(c)}\n`).join('')}`;
  await cb.send(
    new CreateProjectCommand({
      name,
      source: { type: 'NO_SOURCE', buildspec: `version: 0.2\n${phases}` },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
      serviceRole: role,
      ...extra,
    }),
  );
}

beforeAll(async () => {
  cb = new CodeBuildClient(server.clientConfig);
  const iam = new IAMClient(server.clientConfig);
  const role = (await iam.send(new CreateRoleCommand({ RoleName: 'cli-builds', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
  await project('listed', ['echo "listed says hello"'], role);
  await project('other', ['echo "other says hello"'], role);
  for (const name of ['listed', 'listed', 'other']) {
    const { build } = await cb.send(new StartBuildCommand({ projectName: name }));
    await waitForBuild(cb, build!.id!);
    completed.push(build!.id!);
  }
}, 60_000);

describe('drydock builds list', () => {
  it('from a script: one JSON line per build, newest first, with --project for one project', async () => {
    const all = await drydock(['builds', 'list', ...endpoint()]);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    const lines = all.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((b) => b.id)).toEqual([...completed].reverse());
    const [first] = (await cb.send(new BatchGetBuildsCommand({ ids: [completed[0]] }))).builds!;
    expect(lines.at(-1)).toEqual({
      id: first.id,
      projectName: 'listed',
      buildNumber: 1,
      buildStatus: 'SUCCEEDED',
      currentPhase: 'COMPLETED',
      startTime: first.startTime!.toISOString(),
      endTime: first.endTime!.toISOString(),
    });

    const listed = await drydock(['builds', 'list', '--project', 'listed', '--json', ...endpoint()]);
    expect(listed.code).toBe(0);
    expect(
      listed.stdout
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: string }).id),
    ).toEqual([completed[1], completed[0]]);
  });

  it('on a terminal: a table; with --json still JSON lines', async () => {
    const { code, output } = await onTerminal(['builds', 'list', ...endpoint()]);
    expect(code).toBe(0);
    const [header, ...rows] = output.trimEnd().split('\n');
    expect(header).toMatch(/^BUILD +STATUS +PHASE +STARTED \(UTC\) +DURATION$/);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(new RegExp(`^${completed[2]} +SUCCEEDED +COMPLETED +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +\\d+s$`));

    const json = await onTerminal(['builds', 'list', '--project', 'other', '--json', ...endpoint()]);
    expect(JSON.parse(json.output)).toMatchObject({ id: completed[2], projectName: 'other' });
  });

  it("signs with the caller's credentials: another account has no builds; an unknown project is CodeBuild's error", async () => {
    const otherAccount = await drydock(['builds', 'list', ...endpoint()], { AWS_ACCESS_KEY_ID: '111122223333', AWS_SECRET_ACCESS_KEY: 'test' });
    expect(otherAccount).toEqual({ code: 0, stdout: '', stderr: '' });
    const empty = await onTerminal(['builds', 'list', ...endpoint()], { AWS_ACCESS_KEY_ID: '111122223333', AWS_SECRET_ACCESS_KEY: 'test' });
    expect(empty.output).toBe('No builds.\n');

    const unknown = await drydock(['builds', 'list', '--project', 'nope', ...endpoint()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^drydock: ResourceNotFoundException: .+\n$/);
    const badKey = await drydock(['builds', 'list', ...endpoint()], { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN', AWS_SECRET_ACCESS_KEY: 'test' });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/^drydock: UnrecognizedClientException: /);
  });
});

describe('drydock builds logs <bare UUID>', () => {
  it('takes the UUID, or the start of it, when only one build matches', async () => {
    const full = await drydock(['builds', 'logs', completed[1], ...endpoint()]);
    expect(full.code).toBe(0);
    expect(full.stdout).toContain('listed says hello\n');
    const uuid = uuidOf(completed[1]);
    expect(await drydock(['builds', 'logs', uuid, ...endpoint()])).toEqual(full);
    expect(await drydock(['builds', 'logs', uuid.slice(0, 13).toUpperCase(), ...endpoint()])).toEqual(full);
  });

  it('names every build a prefix matches instead of picking one, and says when none does', async () => {
    // Builds of a project limited to one at a time wait in QUEUED behind a sleeping one, running
    // nothing: they are started until two UUIDs share their first character.
    const role = (await new IAMClient(server.clientConfig).send(new CreateRoleCommand({ RoleName: 'cli-queued', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
    await project('queued', ['sleep 60'], role, { concurrentBuildLimit: 1 });
    const ids = [...completed];
    const shared = () => [...'0123456789abcdef'].find((c) => ids.filter((id) => uuidOf(id).startsWith(c)).length > 1);
    while (!shared()) ids.push((await cb.send(new StartBuildCommand({ projectName: 'queued' }))).build!.id!);
    const prefix = shared()!;
    const matching = ids.filter((id) => uuidOf(id).startsWith(prefix));
    expect((await cb.send(new ListBuildsCommand({}))).ids).toEqual(expect.arrayContaining(ids));

    const ambiguous = await drydock(['builds', 'logs', prefix, ...endpoint()]);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stdout).toBe('');
    const [message, ...listed] = ambiguous.stderr.trimEnd().split('\n');
    expect(message).toBe(`drydock: "${prefix}" starts the UUID of ${matching.length} builds; give more of it, or one of their ids:`);
    expect(listed.map((line) => line.trim()).sort()).toEqual([...matching].sort());

    const none = await drydock(['builds', 'logs', 'not-a-uuid', ...endpoint()]);
    expect(none).toEqual({ code: 1, stdout: '', stderr: 'drydock: no build\'s UUID starts with "not-a-uuid" (drydock builds list shows the builds)\n' });
  });
});
