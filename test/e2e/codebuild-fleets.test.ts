/**
 * CodeBuild reserved-capacity fleets through the real SDK client: create, read, update, delete and
 * list (sorts, pages), tags, bad input for each operation (exact error, HTTP 400, nothing written),
 * projects and StartBuild naming fleets, and the capacity builds really get: a fleet's baseCapacity
 * slots shared by its builds, QUEUE keeping the overflow QUEUED, ON_DEMAND running it at once,
 * and UpdateFleet releasing a waiting build.
 */

import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  BatchGetBuildBatchesCommand,
  BatchGetFleetsCommand,
  BatchGetProjectsCommand,
  type Build,
  type BuildBatch,
  CodeBuildClient,
  CreateFleetCommand,
  type CreateFleetCommandInput,
  CreateProjectCommand,
  type CreateProjectCommandInput,
  DeleteFleetCommand,
  type Fleet,
  ListBuildsCommand,
  ListFleetsCommand,
  type ListFleetsCommandInput,
  StartBuildBatchCommand,
  StartBuildCommand,
  StopBuildCommand,
  UpdateFleetCommand,
  UpdateProjectCommand,
} from '@aws-sdk/client-codebuild';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, startTestServer, type TestServer } from '../helpers.js';
import { CODEBUILD_TRUST, fetchBuild, waitForBuild } from './codebuild-helpers.js';

let server: TestServer;
let cb: CodeBuildClient;
let roleArn: string;
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

function fleetInput(name: string, extra: Partial<CreateFleetCommandInput> = {}): CreateFleetCommandInput {
  return { name, baseCapacity: 1, environmentType: 'LINUX_CONTAINER', computeType: 'BUILD_GENERAL1_SMALL', ...extra };
}

function projectInput(name: string, commands: string[], fleetArn?: string, extra: Partial<CreateProjectCommandInput> = {}): CreateProjectCommandInput {
  const buildspec = ['version: 0.2', 'phases:', '  build:', '    commands:', ...commands.map((c) => `      - ${JSON.stringify(c)}`)].join('\n');
  return {
    name,
    source: { type: 'NO_SOURCE', buildspec: `${buildspec}\n` },
    artifacts: { type: 'NO_ARTIFACTS' },
    environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL', ...(fleetArn ? { fleet: { fleetArn } } : {}) },
    serviceRole: roleArn,
    ...extra,
  };
}

async function create(name: string, extra: Partial<CreateFleetCommandInput> = {}): Promise<Fleet> {
  return (await cb.send(new CreateFleetCommand(fleetInput(name, extra)))).fleet!;
}

async function getFleet(nameOrArn: string): Promise<Fleet | undefined> {
  return (await cb.send(new BatchGetFleetsCommand({ names: [nameOrArn] }))).fleets?.[0];
}

async function allFleetArns(): Promise<string[]> {
  return (await cb.send(new ListFleetsCommand({ sortBy: 'NAME' }))).fleets ?? [];
}

const getBuild = (id: string) => fetchBuild(cb, id);
const waitFor = (id: string, done?: (b: Build) => boolean, timeoutMs?: number) => waitForBuild(cb, id, done, timeoutMs);

const inBuildPhase = (b: Build) => b.currentPhase === 'BUILD';

/** A completed build's CloudWatch Logs text. */
async function logText(build: Build): Promise<string> {
  const logs = new CloudWatchLogsClient(server.clientConfig);
  const { events } = await logs.send(new GetLogEventsCommand({ logGroupName: build.logs!.groupName, logStreamName: build.logs!.streamName, startFromHead: true }));
  return (events ?? []).map((e) => e.message).join('');
}

beforeAll(async () => {
  server = await startTestServer();
  cb = new CodeBuildClient(server.clientConfig);
  const iam = new IAMClient(server.clientConfig);
  roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'codebuild-fleets', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
});

afterAll(async () => {
  await server?.stop();
});

describe('fleet records', () => {
  it('creates a fleet with AWS defaults: CREATING in the answer, ACTIVE on every read, by name or ARN', async () => {
    const before = Date.now();
    const fleet = await create('basic', { tags: [{ key: 'team', value: 'ci' }, { key: 'empty' }] });
    expect(fleet.arn).toMatch(new RegExp(`^arn:aws:codebuild:${REGION}:${ACCOUNT}:fleet/basic:[0-9a-f-]{36}$`));
    expect(fleet.id).toBe(fleet.arn!.slice(fleet.arn!.indexOf('fleet/') + 'fleet/'.length));
    expect(fleet.name).toBe('basic');
    expect(fleet.status).toEqual({ statusCode: 'CREATING' });
    expect(fleet.baseCapacity).toBe(1);
    expect(fleet.environmentType).toBe('LINUX_CONTAINER');
    expect(fleet.computeType).toBe('BUILD_GENERAL1_SMALL');
    expect(fleet.overflowBehavior).toBe('QUEUE');
    expect(fleet.scalingConfiguration).toBeUndefined();
    expect(fleet.tags).toEqual([
      { key: 'team', value: 'ci' },
      { key: 'empty', value: '' },
    ]);
    expect(fleet.created!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(fleet.lastModified).toEqual(fleet.created);

    const byName = await getFleet('basic');
    const byArn = await getFleet(fleet.arn!);
    expect(byName).toEqual({ ...fleet, status: { statusCode: 'ACTIVE' } });
    expect(byArn).toEqual(byName);

    const other = `arn:aws:codebuild:eu-west-1:${ACCOUNT}:fleet/basic:${fleet.id!.split(':')[1]}`;
    const stale = `arn:aws:codebuild:${REGION}:${ACCOUNT}:fleet/basic:00000000-0000-0000-0000-000000000000`;
    const { fleets, fleetsNotFound } = await cb.send(new BatchGetFleetsCommand({ names: ['basic', 'ghost', other, stale] }));
    expect(fleets!.map((f) => f.arn)).toEqual([fleet.arn]);
    expect(fleetsNotFound).toEqual(['ghost', other, stale]);
  });

  it('records compute, scaling, network, image and role settings; desiredCapacity is the base capacity', async () => {
    const fleet = await create('detailed', {
      baseCapacity: 2,
      environmentType: 'LINUX_EC2',
      computeType: 'ATTRIBUTE_BASED_COMPUTE',
      computeConfiguration: { vCpu: 4, memory: 8, disk: 64, machineType: 'GENERAL' },
      scalingConfiguration: { scalingType: 'TARGET_TRACKING_SCALING', maxCapacity: 5, targetTrackingScalingConfigs: [{ metricType: 'FLEET_UTILIZATION_RATE', targetValue: 97.5 }] },
      overflowBehavior: 'ON_DEMAND',
      vpcConfig: { vpcId: 'vpc-1234', subnets: ['subnet-1'], securityGroupIds: ['sg-1'] },
      proxyConfiguration: { defaultBehavior: 'DENY_ALL', orderedProxyRules: [{ type: 'DOMAIN', effect: 'ALLOW', entities: ['example.com'] }] },
      imageId: 'ami-0123456789abcdef0',
      fleetServiceRole: roleArn,
    });
    const read = (await getFleet('detailed'))!;
    expect(read).toEqual({ ...fleet, status: { statusCode: 'ACTIVE' } });
    expect(read.computeConfiguration).toEqual({ vCpu: 4, memory: 8, disk: 64, machineType: 'GENERAL' });
    expect(read.scalingConfiguration).toEqual({
      scalingType: 'TARGET_TRACKING_SCALING',
      maxCapacity: 5,
      desiredCapacity: 2,
      targetTrackingScalingConfigs: [{ metricType: 'FLEET_UTILIZATION_RATE', targetValue: 97.5 }],
    });
    expect(read.overflowBehavior).toBe('ON_DEMAND');
    expect(read.vpcConfig).toEqual({ vpcId: 'vpc-1234', subnets: ['subnet-1'], securityGroupIds: ['sg-1'] });
    expect(read.proxyConfiguration).toEqual({ defaultBehavior: 'DENY_ALL', orderedProxyRules: [{ type: 'DOMAIN', effect: 'ALLOW', entities: ['example.com'] }] });
    expect(read.imageId).toBe('ami-0123456789abcdef0');
    expect(read.fleetServiceRole).toBe(roleArn);
  });

  it('updates by name or ARN, keeping what the update leaves out; tags are replaced; empty scaling removes scaling', async () => {
    const created = await create('updatable', { tags: [{ key: 'a', value: '1' }], scalingConfiguration: { scalingType: 'TARGET_TRACKING_SCALING', maxCapacity: 3 } });
    await server.advanceClock(5000);
    const { fleet: updated } = await cb.send(new UpdateFleetCommand({ arn: 'updatable', baseCapacity: 2, overflowBehavior: 'ON_DEMAND', tags: [{ key: 'b', value: '2' }] }));
    expect(updated!.arn).toBe(created.arn);
    expect(updated!.id).toBe(created.id);
    expect(updated!.baseCapacity).toBe(2);
    expect(updated!.overflowBehavior).toBe('ON_DEMAND');
    expect(updated!.tags).toEqual([{ key: 'b', value: '2' }]);
    expect(updated!.computeType).toBe('BUILD_GENERAL1_SMALL');
    expect(updated!.scalingConfiguration).toEqual({ scalingType: 'TARGET_TRACKING_SCALING', maxCapacity: 3, desiredCapacity: 2 });
    expect(updated!.status).toEqual({ statusCode: 'ACTIVE' });
    expect(updated!.created).toEqual(created.created);
    expect(updated!.lastModified!.getTime()).toBeGreaterThanOrEqual(created.created!.getTime() + 5000);
    expect(await getFleet(created.arn!)).toEqual(updated);

    const { fleet: unscaled } = await cb.send(new UpdateFleetCommand({ arn: created.arn, scalingConfiguration: {}, computeType: 'BUILD_GENERAL1_LARGE' }));
    expect(unscaled!.scalingConfiguration).toBeUndefined();
    expect(unscaled!.computeType).toBe('BUILD_GENERAL1_LARGE');
    expect(unscaled!.baseCapacity).toBe(2);
    expect((await getFleet('updatable'))!.computeType).toBe('BUILD_GENERAL1_LARGE');
  });

  it('deletes by ARN or name; deleting a fleet that is gone succeeds; a new fleet of the same name gets a new ARN', async () => {
    const first = await create('deletable');
    await cb.send(new DeleteFleetCommand({ arn: first.arn }));
    expect(await getFleet('deletable')).toBeUndefined();
    expect(await allFleetArns()).not.toContain(first.arn);
    await cb.send(new DeleteFleetCommand({ arn: first.arn }));

    const second = await create('deletable');
    expect(second.arn).not.toBe(first.arn);
    expect((await cb.send(new BatchGetFleetsCommand({ names: [first.arn!] }))).fleetsNotFound).toEqual([first.arn]);
    await cb.send(new DeleteFleetCommand({ arn: 'deletable' }));
    expect(await getFleet(second.arn!)).toBeUndefined();
  });
});

describe('ListFleets', () => {
  const names = ['list-c', 'list-a', 'list-b'];
  const arns: Record<string, string> = {};

  beforeAll(async () => {
    for (const name of names) {
      arns[name] = (await create(name)).arn!;
      await server.advanceClock(1000);
    }
    // list-c becomes the most recently modified.
    await cb.send(new UpdateFleetCommand({ arn: 'list-c', baseCapacity: 2 }));
  });

  const listed = async (input: ListFleetsCommandInput) => ((await cb.send(new ListFleetsCommand(input))).fleets ?? []).filter((a) => Object.values(arns).includes(a));

  it('sorts by name, creation and modification time, both ways; by default newest change first', async () => {
    expect(await listed({ sortBy: 'NAME' })).toEqual([arns['list-a'], arns['list-b'], arns['list-c']]);
    expect(await listed({ sortBy: 'NAME', sortOrder: 'DESCENDING' })).toEqual([arns['list-c'], arns['list-b'], arns['list-a']]);
    expect(await listed({ sortBy: 'CREATED_TIME', sortOrder: 'ASCENDING' })).toEqual([arns['list-c'], arns['list-a'], arns['list-b']]);
    expect(await listed({ sortBy: 'CREATED_TIME' })).toEqual([arns['list-b'], arns['list-a'], arns['list-c']]);
    expect(await listed({ sortBy: 'LAST_MODIFIED_TIME', sortOrder: 'ASCENDING' })).toEqual([arns['list-a'], arns['list-b'], arns['list-c']]);
    expect(await listed({})).toEqual([arns['list-c'], arns['list-b'], arns['list-a']]);
  });

  it('pages with maxResults and nextToken, every fleet once', async () => {
    const all = (await cb.send(new ListFleetsCommand({ sortBy: 'NAME' }))).fleets!;
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await cb.send(new ListFleetsCommand({ sortBy: 'NAME', maxResults: 2, nextToken }));
      expect(page.fleets!.length).toBeLessThanOrEqual(2);
      seen.push(...page.fleets!);
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 2));
  });

  it('rejects a token of another sort, a garbage token and out-of-range page sizes', async () => {
    const page = await cb.send(new ListFleetsCommand({ sortBy: 'NAME', maxResults: 1 }));
    expect(page.nextToken).toBeDefined();
    await expectAwsError(cb.send(new ListFleetsCommand({ sortBy: 'CREATED_TIME', nextToken: page.nextToken })), { code: 'InvalidInputException', status: 400, message: 'Invalid next token' });
    await expectAwsError(cb.send(new ListFleetsCommand({ nextToken: 'garbage' })), { code: 'InvalidInputException', status: 400, message: 'Invalid next token' });
    await expectAwsError(cb.send(new ListFleetsCommand({ maxResults: 0 })), { code: 'InvalidInputException', status: 400, message: /maxResults/ });
    await expectAwsError(cb.send(new ListFleetsCommand({ maxResults: 101 })), { code: 'InvalidInputException', status: 400, message: /maxResults/ });
    await expectAwsError(cb.send(new ListFleetsCommand({ sortBy: 'SIZE' as 'NAME' })), { code: 'InvalidInputException', status: 400, message: /sortBy/ });
  });
});

describe('bad input', () => {
  const cases: [string, Partial<CreateFleetCommandInput>, string | RegExp][] = [
    ['a base capacity of 0', { baseCapacity: 0 }, 'baseCapacity must be at least 1'],
    ['a negative base capacity', { baseCapacity: -2 }, 'baseCapacity must be at least 1'],
    ['Lambda compute', { environmentType: 'LINUX_LAMBDA_CONTAINER', computeType: 'BUILD_LAMBDA_1GB' }, 'not supported for reserved capacity fleets'],
    ['an unknown environment type', { environmentType: 'SOLARIS' as 'LINUX_CONTAINER' }, /environmentType/],
    ['attribute-based compute without a configuration', { computeType: 'ATTRIBUTE_BASED_COMPUTE' }, 'computeConfiguration must be specified'],
    ['a custom instance type without one', { computeType: 'CUSTOM_INSTANCE_TYPE', computeConfiguration: { vCpu: 2 } }, 'instanceType must be specified'],
    ['a maximum capacity below the base', { baseCapacity: 3, scalingConfiguration: { scalingType: 'TARGET_TRACKING_SCALING', maxCapacity: 2 } }, 'must be at least baseCapacity'],
    ['scaling without a type', { scalingConfiguration: { maxCapacity: 2 } }, 'scalingType must be specified'],
    [
      'a utilization target above 100',
      { scalingConfiguration: { scalingType: 'TARGET_TRACKING_SCALING', maxCapacity: 2, targetTrackingScalingConfigs: [{ metricType: 'FLEET_UTILIZATION_RATE', targetValue: 150 }] } },
      'between 0 and 100',
    ],
    ['a VPC without a fleet service role', { vpcConfig: { vpcId: 'vpc-1', subnets: ['subnet-1'], securityGroupIds: ['sg-1'] } }, 'fleetServiceRole must be specified'],
    ['subnets without a VPC', { vpcConfig: { subnets: ['subnet-1'] }, fleetServiceRole: 'x' }, 'needs a vpcId'],
    ['a role that is not an IAM role ARN', { fleetServiceRole: 'not-a-role' }, 'is not an IAM role ARN'],
    ['a role that does not exist', { fleetServiceRole: `arn:aws:iam::${ACCOUNT}:role/ghost` }, 'not authorized to perform: sts:AssumeRole'],
    ['a reserved tag key', { tags: [{ key: 'aws:owner', value: 'x' }] }, 'reserved'],
    [
      'a duplicate tag key',
      {
        tags: [
          { key: 'k', value: '1' },
          { key: 'k', value: '2' },
        ],
      },
      'duplicate tag key k',
    ],
    ['a one-character name', { name: 'x' }, /name/],
    ['a name with a slash', { name: 'a/b' }, /name/],
    ['no base capacity', { baseCapacity: undefined }, /baseCapacity/],
  ];

  it.each(cases)('CreateFleet rejects %s, writing nothing', async (_what, extra, message) => {
    const before = await allFleetArns();
    await expectAwsError(cb.send(new CreateFleetCommand({ ...fleetInput('rejected'), ...extra })), { code: 'InvalidInputException', status: 400, message: message });
    expect(await allFleetArns()).toEqual(before);
    expect(await getFleet('rejected')).toBeUndefined();
  });

  it('CreateFleet rejects a duplicate name with ResourceAlreadyExistsException, leaving the first fleet as it was', async () => {
    const first = await create('taken', { baseCapacity: 2 });
    await expectAwsError(cb.send(new CreateFleetCommand(fleetInput('taken', { baseCapacity: 5 }))), { code: 'ResourceAlreadyExistsException', status: 400, message: 'Fleet already exists: taken' });
    const read = (await getFleet('taken'))!;
    expect(read.arn).toBe(first.arn);
    expect(read.baseCapacity).toBe(2);
  });

  it('UpdateFleet: an unknown fleet is ResourceNotFoundException; invalid changes write nothing', async () => {
    await expectAwsError(cb.send(new UpdateFleetCommand({ arn: 'ghost', baseCapacity: 2 })), { code: 'ResourceNotFoundException', status: 400, message: 'Fleet cannot be found: ghost' });
    await expectAwsError(cb.send(new UpdateFleetCommand({ arn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:fleet/ghost:00000000-0000-0000-0000-000000000000` })), {
      code: 'ResourceNotFoundException',
      status: 400,
      message: 'Fleet cannot be found',
    });
    const fleet = await create('strict', { tags: [{ key: 'keep', value: 'me' }] });
    const stored = await getFleet('strict');
    await expectAwsError(cb.send(new UpdateFleetCommand({ arn: fleet.arn, baseCapacity: 0, tags: [] })), { code: 'InvalidInputException', status: 400, message: 'baseCapacity must be at least 1' });
    await expectAwsError(cb.send(new UpdateFleetCommand({ arn: 'strict', computeType: 'ATTRIBUTE_BASED_COMPUTE' })), {
      code: 'InvalidInputException',
      status: 400,
      message: 'computeConfiguration must be specified',
    });
    await expectAwsError(cb.send(new UpdateFleetCommand({ arn: 'strict', scalingConfiguration: { scalingType: 'TARGET_TRACKING_SCALING', maxCapacity: 0 } })), {
      code: 'InvalidInputException',
      status: 400,
      message: 'must be at least baseCapacity',
    });
    await expectAwsError(cb.send(new UpdateFleetCommand({ arn: 'strict', fleetServiceRole: `arn:aws:iam::${ACCOUNT}:role/ghost` })), {
      code: 'InvalidInputException',
      status: 400,
      message: 'not authorized',
    });
    await expectAwsError(cb.send(new UpdateFleetCommand({ arn: 'strict', overflowBehavior: 'LATER' as 'QUEUE' })), { code: 'InvalidInputException', status: 400, message: /overflowBehavior/ });
    expect(await getFleet('strict')).toEqual(stored);
  });

  it('DeleteFleet and BatchGetFleets reject malformed input', async () => {
    await expectAwsError(cb.send(new DeleteFleetCommand({ arn: '' })), { code: 'InvalidInputException', status: 400, message: /arn/ });
    await expectAwsError(cb.send(new BatchGetFleetsCommand({ names: [] })), { code: 'InvalidInputException', status: 400, message: /names/ });
    await expectAwsError(cb.send(new BatchGetFleetsCommand({ names: Array.from({ length: 101 }, (_, i) => `f${i}`) })), { code: 'InvalidInputException', status: 400, message: /names/ });
    await expectAwsError(cb.send(new BatchGetFleetsCommand({ names: [''] })), { code: 'InvalidInputException', status: 400, message: /names/ });
  });
});

describe('projects and builds naming fleets', () => {
  it('projects must name an existing fleet by its ARN; the project shows it; DeleteFleet refuses while a project uses it', async () => {
    const fleet = await create('for-projects');
    const ghost = `arn:aws:codebuild:${REGION}:${ACCOUNT}:fleet/ghost:00000000-0000-0000-0000-000000000000`;
    await expectAwsError(cb.send(new CreateProjectCommand(projectInput('fleet-ghost', ['true'], ghost))), { code: 'InvalidInputException', status: 400, message: `fleet ${ghost} does not exist` });
    await expectAwsError(cb.send(new CreateProjectCommand(projectInput('fleet-by-name', ['true'], 'for-projects'))), { code: 'InvalidInputException', status: 400, message: 'does not exist' });
    expect((await cb.send(new BatchGetProjectsCommand({ names: ['fleet-ghost', 'fleet-by-name'] }))).projectsNotFound).toEqual(['fleet-ghost', 'fleet-by-name']);

    const { project } = await cb.send(new CreateProjectCommand(projectInput('fleet-user', ['true'], fleet.arn)));
    expect(project!.environment!.fleet).toEqual({ fleetArn: fleet.arn });
    expect((await cb.send(new BatchGetProjectsCommand({ names: ['fleet-user'] }))).projects![0].environment!.fleet).toEqual({ fleetArn: fleet.arn });
    await expectAwsError(cb.send(new UpdateProjectCommand({ name: 'fleet-user', environment: { ...projectInput('x', []).environment!, fleet: { fleetArn: ghost } } })), {
      code: 'InvalidInputException',
      status: 400,
      message: 'does not exist',
    });
    expect((await cb.send(new BatchGetProjectsCommand({ names: ['fleet-user'] }))).projects![0].environment!.fleet).toEqual({ fleetArn: fleet.arn });

    await expectAwsError(cb.send(new DeleteFleetCommand({ arn: fleet.arn })), { code: 'InvalidInputException', status: 400, message: 'is used by project(s) fleet-user' });
    expect(await getFleet(fleet.arn!)).toBeDefined();
    await cb.send(new UpdateProjectCommand({ name: 'fleet-user', environment: projectInput('x', []).environment }));
    await cb.send(new DeleteFleetCommand({ arn: fleet.arn }));
    expect(await getFleet(fleet.arn!)).toBeUndefined();
  });

  it('StartBuild rejects a fleetOverride naming no fleet, starting nothing', async () => {
    await cb.send(new CreateProjectCommand(projectInput('override-ghost', ['true'])));
    const before = (await cb.send(new ListBuildsCommand({}))).ids ?? [];
    await expectAwsError(cb.send(new StartBuildCommand({ projectName: 'override-ghost', fleetOverride: { fleetArn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:fleet/none:1` } })), {
      code: 'InvalidInputException',
      status: 400,
      message: 'does not exist',
    });
    expect((await cb.send(new ListBuildsCommand({}))).ids ?? []).toEqual(before);
  });
});

describe('batch builds', () => {
  const listSpec = ['version: 0.2', 'batch:', '  build-list:', '    - identifier: only', 'phases:', '  build:', '    commands:', '      - echo batch', ''].join('\n');

  async function waitBatch(id: string): Promise<BuildBatch> {
    const until = Date.now() + 20_000;
    for (;;) {
      const batch = (await cb.send(new BatchGetBuildBatchesCommand({ ids: [id] }))).buildBatches![0];
      if (batch.complete) return batch;
      if (Date.now() > until) throw new Error(`batch ${id} did not complete`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("run their builds on the project's fleet; restrictions.fleetsAllowed (names or ARNs) is enforced", async () => {
    const fleet = await create('batch-fleet');
    await cb.send(new CreateProjectCommand({ ...projectInput('batch-on-fleet', [], fleet.arn), source: { type: 'NO_SOURCE', buildspec: listSpec }, buildBatchConfig: { serviceRole: roleArn } }));

    const allowed = await waitBatch(
      (
        await cb.send(
          new StartBuildBatchCommand({
            projectName: 'batch-on-fleet',
            buildBatchConfigOverride: { serviceRole: roleArn, restrictions: { fleetsAllowed: ['batch-fleet'] } },
          }),
        )
      ).buildBatch!.id!,
    );
    expect(allowed.buildBatchStatus).toBe('SUCCEEDED');
    const buildArn = allowed.buildGroups![0].currentBuildSummary!.arn!;
    expect((await getBuild(buildArn)).environment!.fleet).toEqual({ fleetArn: fleet.arn });

    const refused = await waitBatch(
      (
        await cb.send(
          new StartBuildBatchCommand({
            projectName: 'batch-on-fleet',
            buildBatchConfigOverride: { serviceRole: roleArn, restrictions: { fleetsAllowed: ['another-fleet'] } },
          }),
        )
      ).buildBatch!.id!,
    );
    expect(refused.buildBatchStatus).toBe('FAILED');
    const download = refused.phases!.find((p) => p.phaseType === 'DOWNLOAD_BATCHSPEC')!;
    expect(download.contexts![0]).toEqual({ statusCode: 'CLIENT_ERROR', message: expect.stringContaining(`runs on fleet ${fleet.arn}, which the project's batch restrictions do not allow`) });
    expect(refused.buildGroups).toEqual([]);

    const byArn = await waitBatch(
      (
        await cb.send(
          new StartBuildBatchCommand({
            projectName: 'batch-on-fleet',
            buildBatchConfigOverride: { serviceRole: roleArn, restrictions: { fleetsAllowed: [fleet.arn!] } },
          }),
        )
      ).buildBatch!.id!,
    );
    expect(byArn.buildBatchStatus).toBe('SUCCEEDED');
  });
});

describe('capacity', () => {
  // The first builds of these tests sleep far longer than the checks take and are stopped when
  // done with, so the checks hold however slow the machine is.
  it('QUEUE: with one slot the second build (of another project on the fleet) waits QUEUED until the first is done', async () => {
    const fleet = await create('queue-one', { baseCapacity: 1, overflowBehavior: 'QUEUE' });
    await cb.send(new CreateProjectCommand(projectInput('queue-a', ['sleep 45.5'], fleet.arn)));
    await cb.send(new CreateProjectCommand(projectInput('queue-b', ['echo second'], fleet.arn)));
    const first = (await cb.send(new StartBuildCommand({ projectName: 'queue-a' }))).build!;
    expect(first.environment!.fleet).toEqual({ fleetArn: fleet.arn });
    await waitFor(first.id!, inBuildPhase);
    const second = (await cb.send(new StartBuildCommand({ projectName: 'queue-b' }))).build!;
    await new Promise((r) => setTimeout(r, 300));
    const queued = await getBuild(second.id!);
    expect(queued.currentPhase).toBe('QUEUED');
    expect(queued.buildStatus).toBe('IN_PROGRESS');
    expect((await getBuild(first.id!)).buildComplete).toBe(false);

    await cb.send(new StopBuildCommand({ id: first.id }));
    const firstDone = await waitFor(first.id!);
    const secondDone = await waitFor(second.id!);
    expect(firstDone.buildStatus).toBe('STOPPED');
    expect(secondDone.buildStatus).toBe('SUCCEEDED');
    expect(secondDone.environment!.fleet).toEqual({ fleetArn: fleet.arn });
    // The second left the queue only once the first had let go of the fleet's slot.
    const leftQueue = secondDone.phases!.find((p) => p.phaseType === 'QUEUED')!.endTime!;
    expect(leftQueue.getTime()).toBeGreaterThanOrEqual(firstDone.phases!.find((p) => p.phaseType === 'FINALIZING')!.startTime!.getTime());
  });

  it('ON_DEMAND: with one slot both builds run at once, the second on on-demand capacity', async () => {
    const fleet = await create('on-demand', { baseCapacity: 1, overflowBehavior: 'ON_DEMAND' });
    await cb.send(new CreateProjectCommand(projectInput('on-demand-p', ['sleep 45.75'], fleet.arn)));
    const first = (await cb.send(new StartBuildCommand({ projectName: 'on-demand-p' }))).build!;
    await waitFor(first.id!, inBuildPhase);
    const second = (await cb.send(new StartBuildCommand({ projectName: 'on-demand-p' }))).build!;
    await waitFor(second.id!, inBuildPhase);
    // Both run at the same time.
    expect((await getBuild(first.id!)).currentPhase).toBe('BUILD');
    for (const id of [first.id, second.id]) await cb.send(new StopBuildCommand({ id }));
    const [a, b] = [await waitFor(first.id!), await waitFor(second.id!)];
    expect([a.buildStatus, b.buildStatus]).toEqual(['STOPPED', 'STOPPED']);
    // The first holds the fleet's slot; the second overflowed.
    expect(await logText(a)).toContain(`Running on reserved capacity fleet ${fleet.arn}`);
    expect(await logText(b)).toContain(`Running on on-demand capacity: fleet ${fleet.arn} has no free capacity`);
  });

  it('the queued timeout still applies to a build waiting for a fleet slot', async () => {
    const fleet = await create('queue-timeout', { baseCapacity: 1 });
    await cb.send(new CreateProjectCommand(projectInput('queue-timeout-p', ['sleep 30'], fleet.arn)));
    const first = (await cb.send(new StartBuildCommand({ projectName: 'queue-timeout-p', timeoutInMinutesOverride: 60 }))).build!;
    await waitFor(first.id!, inBuildPhase);
    const second = (await cb.send(new StartBuildCommand({ projectName: 'queue-timeout-p', queuedTimeoutInMinutesOverride: 5 }))).build!;
    await new Promise((r) => setTimeout(r, 200));
    expect((await getBuild(second.id!)).currentPhase).toBe('QUEUED');
    await server.advanceClock(6 * 60_000);
    const timedOut = await waitFor(second.id!);
    expect(timedOut.buildStatus).toBe('TIMED_OUT');
    expect(timedOut.phases!.map((p) => `${p.phaseType}:${p.phaseStatus ?? '-'}`)).toEqual(['SUBMITTED:SUCCEEDED', 'QUEUED:TIMED_OUT', 'COMPLETED:-']);
    expect((await getBuild(first.id!)).buildComplete).toBe(false);
    await cb.send(new StopBuildCommand({ id: first.id }));
    expect((await waitFor(first.id!)).buildStatus).toBe('STOPPED');
  });

  it('deleting a fleet lets the builds waiting for it run on demand', async () => {
    const fleet = await create('vanishing', { baseCapacity: 1 });
    await cb.send(new CreateProjectCommand(projectInput('vanishing-p', ['sleep 46.25'])));
    const first = (await cb.send(new StartBuildCommand({ projectName: 'vanishing-p', fleetOverride: { fleetArn: fleet.arn } }))).build!;
    await waitFor(first.id!, inBuildPhase);
    const second = (
      await cb.send(
        new StartBuildCommand({ projectName: 'vanishing-p', fleetOverride: { fleetArn: fleet.arn }, buildspecOverride: 'version: 0.2\nphases:\n  build:\n    commands: ["echo second"]\n' }),
      )
    ).build!;
    await new Promise((r) => setTimeout(r, 300));
    expect((await getBuild(second.id!)).currentPhase).toBe('QUEUED');
    await cb.send(new DeleteFleetCommand({ arn: fleet.arn }));
    expect((await waitFor(second.id!)).buildStatus).toBe('SUCCEEDED');
    expect((await getBuild(first.id!)).buildComplete).toBe(false);
    await cb.send(new StopBuildCommand({ id: first.id }));
    expect((await waitFor(first.id!)).buildStatus).toBe('STOPPED');
  });

  it('UpdateFleet raising baseCapacity lets a waiting build (started with fleetOverride) run at once', async () => {
    const fleet = await create('raise', { baseCapacity: 1 });
    await cb.send(new CreateProjectCommand(projectInput('raise-p', ['sleep 46.5'], fleet.arn)));
    await cb.send(new CreateProjectCommand(projectInput('raise-override', ['echo override'])));
    const first = (await cb.send(new StartBuildCommand({ projectName: 'raise-p' }))).build!;
    await waitFor(first.id!, inBuildPhase);
    const second = (await cb.send(new StartBuildCommand({ projectName: 'raise-override', fleetOverride: { fleetArn: fleet.arn } }))).build!;
    expect(second.environment!.fleet).toEqual({ fleetArn: fleet.arn });
    await new Promise((r) => setTimeout(r, 300));
    expect((await getBuild(second.id!)).currentPhase).toBe('QUEUED');

    await cb.send(new UpdateFleetCommand({ arn: fleet.arn, baseCapacity: 2 }));
    const done = await waitFor(second.id!);
    expect(done.buildStatus).toBe('SUCCEEDED');
    // It ran while the first still held the other slot.
    expect((await getBuild(first.id!)).buildComplete).toBe(false);
    await cb.send(new StopBuildCommand({ id: first.id }));
    expect((await waitFor(first.id!)).buildStatus).toBe('STOPPED');
  });
});
