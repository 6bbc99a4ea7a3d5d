/**
 * CodeBuild projects through the real SDK client and the aws CLI: creation with AWS's defaults,
 * every source/artifact/environment/cache/logs rule, updates, deletion, listing with sorts and
 * pagination, visibility, cache invalidation (LOCAL on disk, S3 through S3), the project the build
 * runner reads, and bad input for each operation (exact error, HTTP 400, nothing written).
 */

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetProjectsCommand,
  CodeBuildClient,
  CreateProjectCommand,
  type CreateProjectCommandInput,
  CreateWebhookCommand,
  DeleteProjectCommand,
  InvalidateProjectCacheCommand,
  ListCuratedEnvironmentImagesCommand,
  ListProjectsCommand,
  ListSharedProjectsCommand,
  type Project,
  UpdateProjectCommand,
  UpdateProjectVisibilityCommand,
} from '@aws-sdk/client-codebuild';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectStore } from '../../src/services/codebuild/store/project-store.js';
import { failure, startTestServer, type TestServer } from '../helpers.js';
import { CODEBUILD_TRUST, trustPolicy } from './codebuild-helpers.js';
import { signedRequest } from './raw-request.js';

let server: TestServer;
let cb: CodeBuildClient;
let s3: S3Client;
let roleArn: string;
let ec2RoleArn: string;
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

/** The smallest valid project: a NO_SOURCE build with an inline buildspec. */
function minimal(name: string, extra: Partial<CreateProjectCommandInput> = {}): CreateProjectCommandInput {
  return {
    name,
    source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo hi\n' },
    artifacts: { type: 'NO_ARTIFACTS' },
    environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
    serviceRole: roleArn,
    ...extra,
  };
}

async function get(name: string): Promise<Project | undefined> {
  return (await cb.send(new BatchGetProjectsCommand({ names: [name] }))).projects?.[0];
}

async function expectInvalid(promise: Promise<unknown>, message: string | RegExp, code = 'InvalidInputException'): Promise<void> {
  const err = await failure(promise);
  expect(err.name).toBe(code);
  expect(err.$metadata.httpStatusCode).toBe(400);
  if (typeof message === 'string') expect(err.message).toContain(message);
  else expect(err.message).toMatch(message);
}

beforeAll(async () => {
  server = await startTestServer();
  cb = new CodeBuildClient(server.clientConfig);
  s3 = new S3Client(server.clientConfig);
  const iam = new IAMClient(server.clientConfig);
  roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'codebuild-service', Path: '/service-role/', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
  ec2RoleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'ec2-only', AssumeRolePolicyDocument: trustPolicy('ec2.amazonaws.com') }))).Role!.Arn!;
});

afterAll(async () => {
  await server.stop();
});

describe('CreateProject', () => {
  it('fills in what AWS fills in', async () => {
    const before = Date.now();
    const { project } = await cb.send(new CreateProjectCommand(minimal('defaults')));
    expect(project!.created).toBeInstanceOf(Date);
    expect(project!.created!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(project!.lastModified!.getTime()).toBe(project!.created!.getTime());
    const { created: _c, lastModified: _l, ...rest } = project!;
    expect(rest).toEqual({
      name: 'defaults',
      arn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/defaults`,
      source: { type: 'NO_SOURCE', buildspec: minimal('x').source!.buildspec, insecureSsl: false },
      secondarySources: [],
      secondarySourceVersions: [],
      artifacts: { type: 'NO_ARTIFACTS' },
      secondaryArtifacts: [],
      cache: { type: 'NO_CACHE' },
      environment: {
        type: 'LINUX_CONTAINER',
        image: 'aws/codebuild/standard:7.0',
        computeType: 'BUILD_GENERAL1_SMALL',
        environmentVariables: [],
        privilegedMode: false,
        imagePullCredentialsType: 'CODEBUILD',
      },
      serviceRole: roleArn,
      timeoutInMinutes: 60,
      queuedTimeoutInMinutes: 480,
      encryptionKey: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/s3`,
      tags: [],
      badge: { badgeEnabled: false },
      logsConfig: { cloudWatchLogs: { status: 'ENABLED' }, s3Logs: { status: 'DISABLED', encryptionDisabled: false } },
      projectVisibility: 'PRIVATE',
    });
    expect(await get('defaults')).toEqual(project);
  });

  it('records a full CodeCommit project with secondary sources and artifacts, and the runner reads the same project', async () => {
    const input: CreateProjectCommandInput = {
      name: 'full_project-1',
      description: 'everything',
      source: {
        type: 'CODECOMMIT',
        location: `https://git-codecommit.${REGION}.amazonaws.com/v1/repos/app`,
        gitCloneDepth: 1,
        gitSubmodulesConfig: { fetchSubmodules: true },
        buildspec: 'ci/buildspec.yml',
      },
      sourceVersion: 'refs/heads/main',
      secondarySources: [
        { type: 'CODECOMMIT', location: `${server.url}/v1/repos/lib`, sourceIdentifier: 'lib_src' },
        { type: 'S3', location: 'inputs/folder/', sourceIdentifier: 'data' },
      ],
      secondarySourceVersions: [{ sourceIdentifier: 'lib_src', sourceVersion: 'develop' }],
      artifacts: { type: 'S3', location: 'out-bucket', path: 'builds', namespaceType: 'BUILD_ID', name: 'app.zip', packaging: 'ZIP', overrideArtifactName: true },
      secondaryArtifacts: [{ type: 'S3', location: 'out-bucket', artifactIdentifier: 'reports', encryptionDisabled: true }],
      cache: { type: 'LOCAL', modes: ['LOCAL_SOURCE_CACHE', 'LOCAL_CUSTOM_CACHE'] },
      environment: {
        type: 'LINUX_CONTAINER',
        image: 'node:20',
        computeType: 'BUILD_GENERAL1_MEDIUM',
        privilegedMode: true,
        environmentVariables: [
          { name: 'STAGE', value: 'prod' },
          { name: 'DB_PASSWORD', value: '/app/db-password', type: 'PARAMETER_STORE' },
          { name: 'TOKEN', value: 'app/token:key', type: 'SECRETS_MANAGER' },
        ],
        imagePullCredentialsType: 'SERVICE_ROLE',
      },
      serviceRole: roleArn,
      timeoutInMinutes: 2160,
      queuedTimeoutInMinutes: 5,
      encryptionKey: 'alias/my-key',
      tags: [{ key: 'team', value: 'core' }],
      logsConfig: {
        cloudWatchLogs: { status: 'ENABLED', groupName: '/custom/group', streamName: 'builds' },
        s3Logs: { status: 'ENABLED', location: 'log-bucket/prefix', encryptionDisabled: true },
      },
      concurrentBuildLimit: 4,
      vpcConfig: { vpcId: 'vpc-1', subnets: ['subnet-1'], securityGroupIds: ['sg-1'] },
      fileSystemLocations: [{ type: 'EFS', location: 'fs-1.efs.us-east-1.amazonaws.com:/', mountPoint: '/mnt/efs', identifier: 'efs_1' }],
    };
    const { project } = await cb.send(new CreateProjectCommand(input));
    expect(project).toMatchObject({
      source: { ...input.source, insecureSsl: false },
      secondarySources: [
        { ...input.secondarySources![0], insecureSsl: false },
        { ...input.secondarySources![1], insecureSsl: false },
      ],
      secondarySourceVersions: input.secondarySourceVersions,
      artifacts: { ...input.artifacts, encryptionDisabled: false },
      secondaryArtifacts: [{ type: 'S3', location: 'out-bucket', artifactIdentifier: 'reports', encryptionDisabled: true, namespaceType: 'NONE', packaging: 'NONE' }],
      cache: input.cache,
      environment: {
        ...input.environment,
        environmentVariables: [
          { name: 'STAGE', value: 'prod', type: 'PLAINTEXT' },
          { name: 'DB_PASSWORD', value: '/app/db-password', type: 'PARAMETER_STORE' },
          { name: 'TOKEN', value: 'app/token:key', type: 'SECRETS_MANAGER' },
        ],
      },
      timeoutInMinutes: 2160,
      queuedTimeoutInMinutes: 5,
      encryptionKey: 'alias/my-key',
      tags: input.tags,
      logsConfig: input.logsConfig,
      concurrentBuildLimit: 4,
      vpcConfig: input.vpcConfig,
      fileSystemLocations: input.fileSystemLocations,
    });
    const fetched = await cb.send(new BatchGetProjectsCommand({ names: [project!.arn!, 'missing', `arn:aws:codebuild:eu-west-1:${ACCOUNT}:project/full_project-1`] }));
    expect(fetched.projects).toEqual([project]);
    expect(fetched.projectsNotFound).toEqual(['missing', `arn:aws:codebuild:eu-west-1:${ACCOUNT}:project/full_project-1`]);

    // A second ProjectStore on the same database (what the runner constructs) is harmless and sees the same project.
    const runnerView = new ProjectStore(server.runtime.store);
    expect(runnerView.getProject({ account: ACCOUNT, region: REGION }, 'full_project-1')).toEqual(project);
    expect(runnerView.getProject({ account: ACCOUNT, region: REGION }, project!.arn!)).toEqual(project);
    expect(runnerView.getProject({ account: ACCOUNT, region: 'eu-west-1' }, 'full_project-1')).toBeUndefined();
  });

  it('pairs CODEPIPELINE sources with CODEPIPELINE artifacts and records S3 sources', async () => {
    const { project } = await cb.send(new CreateProjectCommand(minimal('pipeline', { source: { type: 'CODEPIPELINE' }, artifacts: { type: 'CODEPIPELINE' } })));
    expect(project!.artifacts).toEqual({ type: 'CODEPIPELINE', name: 'pipeline', packaging: 'NONE', encryptionDisabled: false });
    const s3Project = await cb.send(
      new CreateProjectCommand(
        minimal('from-s3', {
          source: { type: 'S3', location: 'src-bucket/app/source.zip' },
          artifacts: { type: 'S3', location: 'out-bucket' },
          cache: { type: 'S3', location: 'cache-bucket/app' },
        }),
      ),
    );
    expect(s3Project.project!.artifacts).toEqual({ type: 'S3', location: 'out-bucket', namespaceType: 'NONE', name: 'from-s3', packaging: 'NONE', encryptionDisabled: false });
    expect(s3Project.project!.cache).toEqual({ type: 'S3', location: 'cache-bucket/app' });
  });

  it('records sources on external Git hosts (builds from them cannot reach the host offline)', async () => {
    const { project } = await cb.send(
      new CreateProjectCommand(
        minimal('from-github', {
          source: {
            type: 'GITHUB',
            location: 'https://github.com/owner/repo.git',
            reportBuildStatus: true,
            auth: { type: 'CODECONNECTIONS', resource: `arn:aws:codeconnections:${REGION}:${ACCOUNT}:connection/x` },
          },
        }),
      ),
    );
    expect(project!.source).toEqual({
      type: 'GITHUB',
      location: 'https://github.com/owner/repo.git',
      reportBuildStatus: true,
      insecureSsl: false,
      auth: { type: 'CODECONNECTIONS', resource: `arn:aws:codeconnections:${REGION}:${ACCOUNT}:connection/x` },
    });
    await expectInvalid(cb.send(new CreateProjectCommand(minimal('github-no-url', { source: { type: 'GITHUB', location: 'github.com/owner/repo' } }))), 'is not an HTTPS clone URL');
  });

  it('records an enabled badge without a badge URL, since Drydock serves no badges', async () => {
    const { project } = await cb.send(new CreateProjectCommand(minimal('badged', { badgeEnabled: true })));
    expect(project!.badge).toEqual({ badgeEnabled: true });
    const { project: off } = await cb.send(new UpdateProjectCommand({ name: 'badged', badgeEnabled: false }));
    expect(off!.badge).toEqual({ badgeEnabled: false });
  });

  it('rejects null entries in lists with InvalidInputException', async () => {
    for (const [target, body] of [
      ['CreateProject', { ...minimal('with-null'), secondarySources: [null] }],
      ['CreateProject', { ...minimal('with-null'), tags: [null] }],
      ['BatchGetProjects', { names: ['defaults', null] }],
    ] as const) {
      const res = await signedRequest(server.url, {
        method: 'POST',
        path: '/',
        service: 'codebuild',
        region: REGION,
        accessKeyId: 'test',
        secretAccessKey: 'test',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `CodeBuild_20161006.${target}` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      expect(res.code).toBe('InvalidInputException');
      expect(res.message).toContain('must not contain null entries');
    }
    expect(await get('with-null')).toBeUndefined();
  });

  it('answers ResourceAlreadyExistsException for a second project with the same name, leaving the first untouched', async () => {
    await cb.send(new CreateProjectCommand(minimal('twice', { description: 'first' })));
    await expectInvalid(
      cb.send(new CreateProjectCommand(minimal('twice', { description: 'second' }))),
      `Project already exists: arn:aws:codebuild:${REGION}:${ACCOUNT}:project/twice`,
      'ResourceAlreadyExistsException',
    );
    expect((await get('twice'))!.description).toBe('first');
  });

  const bad: [string, () => Partial<CreateProjectCommandInput>, string | RegExp][] = [
    ['a name starting with a dash', () => ({ name: '-dash' }), 'Member must satisfy regular expression pattern'],
    ['a one-character name', () => ({ name: 'a' }), 'Member must have length greater than or equal to 2'],
    ['a name over 150 characters', () => ({ name: 'n'.repeat(151) }), 'Member must have length less than or equal to 150'],
    ['a name with a dot', () => ({ name: 'has.dot' }), 'Member must satisfy regular expression pattern'],
    ['an unknown source type', () => ({ source: { type: 'SVN' as 'S3', location: 'x' } }), 'Member must satisfy enum value set'],
    ['a CODECOMMIT source without a location', () => ({ source: { type: 'CODECOMMIT' } }), 'location must be specified for source type CODECOMMIT'],
    ['a CODECOMMIT source that is not a clone URL', () => ({ source: { type: 'CODECOMMIT', location: 'https://example.com/repo.git' } }), 'is not a CodeCommit repository HTTPS clone URL'],
    [
      'a CodeCommit URL with a bad repository name',
      () => ({ source: { type: 'CODECOMMIT', location: `https://git-codecommit.${REGION}.amazonaws.com/v1/repos/bad name` } }),
      'is not a CodeCommit repository',
    ],
    ['a NO_SOURCE project without a buildspec', () => ({ source: { type: 'NO_SOURCE' } }), 'buildspec must be specified for source type NO_SOURCE'],
    ['an S3 source without an object key', () => ({ source: { type: 'S3', location: 'just-a-bucket' } }), 'must be <bucket-name>/<path-to-object>.zip'],
    [
      'a CODEPIPELINE source with S3 artifacts',
      () => ({ source: { type: 'CODEPIPELINE' }, artifacts: { type: 'S3', location: 'out-bucket' } }),
      'when using CodePipeline both sourceType, and artifactType must be set to: CODEPIPELINE',
    ],
    ['CODEPIPELINE artifacts with a NO_SOURCE source', () => ({ artifacts: { type: 'CODEPIPELINE' } }), 'when using CodePipeline both sourceType'],
    ['a secondary source without an identifier', () => ({ secondarySources: [{ type: 'S3', location: 'b-bucket/k.zip' }] }), 'sourceIdentifier must be specified for every secondary source'],
    [
      'a secondary source identifier with a dash',
      () => ({ secondarySources: [{ type: 'S3', location: 'b-bucket/k.zip', sourceIdentifier: 'has-dash' }] }),
      'identifier must contain only alphanumeric characters and underscores',
    ],
    [
      'two secondary sources with one identifier',
      () => ({
        secondarySources: [
          { type: 'S3', location: 'b-bucket/k.zip', sourceIdentifier: 'one' },
          { type: 'S3', location: 'b-bucket/j.zip', sourceIdentifier: 'one' },
        ],
      }),
      'duplicate sourceIdentifier one',
    ],
    ['a CODEPIPELINE secondary source', () => ({ secondarySources: [{ type: 'CODEPIPELINE', sourceIdentifier: 'p' }] }), 'sourceType CODEPIPELINE is not allowed for secondarySources'],
    ['a secondary source version for no secondary source', () => ({ secondarySourceVersions: [{ sourceIdentifier: 'ghost', sourceVersion: 'main' }] }), 'sourceIdentifier ghost'],
    ['a CODEPIPELINE secondary artifact', () => ({ secondaryArtifacts: [{ type: 'CODEPIPELINE', artifactIdentifier: 'a' }] }), 'artifactType CODEPIPELINE is not allowed for secondaryArtifacts'],
    ['a secondary artifact without an identifier', () => ({ secondaryArtifacts: [{ type: 'S3', location: 'out-bucket' }] }), 'artifactIdentifier must be specified'],
    ['S3 artifacts without a location', () => ({ artifacts: { type: 'S3' } }), 'location must be specified for artifacts of type S3'],
    ['S3 artifacts in a bucket with a bad name', () => ({ artifacts: { type: 'S3', location: 'Bad_Bucket' } }), 'is not a valid S3 bucket name'],
    ['encryptionDisabled on NO_ARTIFACTS', () => ({ artifacts: { type: 'NO_ARTIFACTS', encryptionDisabled: true } }), 'encryptionDisabled is only valid for artifacts of type S3'],
    ['a bad packaging value', () => ({ artifacts: { type: 'S3', location: 'out-bucket', packaging: 'TAR' as 'ZIP' } }), 'Member must satisfy enum value set'],
    [
      'an environment variable named CODEBUILD_*',
      () => ({ environment: { ...minimal('x').environment!, environmentVariables: [{ name: 'CODEBUILD_X', value: '1' }] } }),
      'No user environment variables can start with CODEBUILD_',
    ],
    [
      'an environment variable type that does not exist',
      () => ({ environment: { ...minimal('x').environment!, environmentVariables: [{ name: 'X', value: '1', type: 'VAULT' as 'PLAINTEXT' }] } }),
      'Member must satisfy enum value set',
    ],
    [
      'SERVICE_ROLE pull credentials for a curated image',
      () => ({ environment: { ...minimal('x').environment!, imagePullCredentialsType: 'SERVICE_ROLE' } }),
      'SERVICE_ROLE image pull credentials cannot be used with a CodeBuild curated image',
    ],
    [
      'a Lambda compute type on a container environment',
      () => ({ environment: { ...minimal('x').environment!, computeType: 'BUILD_LAMBDA_1GB' } }),
      'compute type BUILD_LAMBDA_1GB is not supported for environment type LINUX_CONTAINER',
    ],
    [
      'an environment without an image',
      () => ({ environment: { type: 'LINUX_CONTAINER', computeType: 'BUILD_GENERAL1_SMALL' } as CreateProjectCommandInput['environment'] }),
      "Value null at 'environment.image'",
    ],
    ['a role that does not exist', () => ({ serviceRole: `arn:aws:iam::${ACCOUNT}:role/nobody` }), `CodeBuild is not authorized to perform: sts:AssumeRole on arn:aws:iam::${ACCOUNT}:role/nobody`],
    ['a role that does not trust CodeBuild', () => ({ serviceRole: ec2RoleArn }), `CodeBuild is not authorized to perform: sts:AssumeRole on arn:aws:iam::${ACCOUNT}:role/ec2-only`],
    ['a role ARN with the wrong path', () => ({ serviceRole: `arn:aws:iam::${ACCOUNT}:role/codebuild-service` }), 'CodeBuild is not authorized to perform: sts:AssumeRole'],
    ['a role name instead of an ARN', () => ({ serviceRole: 'codebuild-service' }), 'Invalid service role'],
    ["another account's role", () => ({ serviceRole: 'arn:aws:iam::111122223333:role/x' }), "Service role account ID does not match caller's account"],
    ['a 4-minute timeout', () => ({ timeoutInMinutes: 4 }), 'Member must have value greater than or equal to 5'],
    ['a 2161-minute timeout', () => ({ timeoutInMinutes: 2161 }), 'Member must have value less than or equal to 2160'],
    ['a 481-minute queued timeout', () => ({ queuedTimeoutInMinutes: 481 }), 'Member must have value less than or equal to 480'],
    ['an S3 cache without a location', () => ({ cache: { type: 'S3' } }), 'location must be specified for cache type S3'],
    ['a LOCAL cache without modes', () => ({ cache: { type: 'LOCAL' } }), 'at least one cache mode must be specified for cache type LOCAL'],
    ['an unknown cache mode', () => ({ cache: { type: 'LOCAL', modes: ['LOCAL_EVERYTHING' as 'LOCAL_SOURCE_CACHE'] } }), 'Member must satisfy enum value set'],
    ['S3 logs enabled without a location', () => ({ logsConfig: { s3Logs: { status: 'ENABLED' } } }), 'location must be specified when S3 logs are ENABLED'],
    ['a log group name with a space', () => ({ logsConfig: { cloudWatchLogs: { status: 'ENABLED', groupName: 'bad group' } } }), 'CloudWatch Logs group name bad group is not valid'],
    ['51 tags', () => ({ tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }), 'Member must have length less than or equal to 50'],
    ['a tag key starting with aws:', () => ({ tags: [{ key: 'aws:owner', value: 'me' }] }), 'tag keys starting with aws: are reserved'],
    [
      'two tags with one key',
      () => ({
        tags: [
          { key: 'k', value: '1' },
          { key: 'k', value: '2' },
        ],
      }),
      'duplicate tag key k',
    ],
    ['a concurrent build limit of 0', () => ({ concurrentBuildLimit: 0 }), 'concurrentBuildLimit must be at least 1'],
    [
      'reportBuildStatus on a CodeCommit source',
      () => ({ source: { type: 'CODECOMMIT', location: `https://git-codecommit.${REGION}.amazonaws.com/v1/repos/app`, reportBuildStatus: true } }),
      'reportBuildStatus is not supported for source type CODECOMMIT',
    ],
    [
      'a file system identifier with a dash',
      () => ({ fileSystemLocations: [{ type: 'EFS', location: 'fs:/', mountPoint: '/mnt', identifier: 'a-b' }] }),
      'identifier must contain only alphanumeric characters and underscores',
    ],
    ['a fleet that does not exist', () => ({ environment: { ...minimal('x').environment!, fleet: { fleetArn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:fleet/f:1` } } }), 'does not exist'],
  ];
  it.each(bad)('rejects %s with InvalidInputException and writes nothing', async (_what, change, message) => {
    const input = { ...minimal('rejected'), ...change() };
    await expectInvalid(cb.send(new CreateProjectCommand(input)), message);
    const names = [...new Set(['rejected', input.name!].filter((n) => n.length >= 1))];
    const out = await cb.send(new BatchGetProjectsCommand({ names }));
    expect(out.projects).toEqual([]);
  });
});

describe('UpdateProject', () => {
  it('changes only what it is given, keeps created and moves lastModified', async () => {
    const { project: created } = await cb.send(new CreateProjectCommand(minimal('updatable', { tags: [{ key: 'a', value: '1' }], concurrentBuildLimit: 2 })));
    server.runtime.clock.advance(5000);
    const { project } = await cb.send(
      new UpdateProjectCommand({
        name: 'updatable',
        timeoutInMinutes: 30,
        description: 'now described',
        tags: [{ key: 'b', value: '2' }],
        environment: { type: 'ARM_CONTAINER', image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0', computeType: 'BUILD_GENERAL1_LARGE' },
      }),
    );
    expect(project!.created).toEqual(created!.created);
    expect(project!.lastModified!.getTime()).toBeGreaterThanOrEqual(created!.lastModified!.getTime() + 5000);
    expect(project).toMatchObject({
      timeoutInMinutes: 30,
      description: 'now described',
      tags: [{ key: 'b', value: '2' }],
      concurrentBuildLimit: 2,
      source: created!.source,
      artifacts: created!.artifacts,
      queuedTimeoutInMinutes: 480,
      environment: { type: 'ARM_CONTAINER', computeType: 'BUILD_GENERAL1_LARGE', imagePullCredentialsType: 'CODEBUILD', privilegedMode: false, environmentVariables: [] },
    });
    expect(await get('updatable')).toEqual(project);

    const { project: unlimited } = await cb.send(new UpdateProjectCommand({ name: project!.arn!, concurrentBuildLimit: -1 }));
    expect(unlimited!.concurrentBuildLimit).toBeUndefined();
    expect((await get('updatable'))!.concurrentBuildLimit).toBeUndefined();
  });

  it('answers ResourceNotFoundException for an unknown project', async () => {
    await expectInvalid(
      cb.send(new UpdateProjectCommand({ name: 'nope', timeoutInMinutes: 10 })),
      `Project cannot be found: arn:aws:codebuild:${REGION}:${ACCOUNT}:project/nope`,
      'ResourceNotFoundException',
    );
    expect(await get('nope')).toBeUndefined();
  });

  it('validates the merged project and leaves it untouched on bad input', async () => {
    await cb.send(new CreateProjectCommand(minimal('guarded')));
    const before = await get('guarded');
    await expectInvalid(cb.send(new UpdateProjectCommand({ name: 'guarded', source: { type: 'CODEPIPELINE' } })), 'when using CodePipeline both sourceType');
    await expectInvalid(cb.send(new UpdateProjectCommand({ name: 'guarded', serviceRole: ec2RoleArn })), 'CodeBuild is not authorized to perform: sts:AssumeRole');
    await expectInvalid(cb.send(new UpdateProjectCommand({ name: 'guarded', timeoutInMinutes: 3 })), 'Member must have value greater than or equal to 5');
    await expectInvalid(cb.send(new UpdateProjectCommand({ name: 'guarded', concurrentBuildLimit: -2 })), 'concurrentBuildLimit must be at least 1');
    await expectInvalid(cb.send(new UpdateProjectCommand({ name: '' })), 'Member must have length greater than or equal to 1');
    expect(await get('guarded')).toEqual(before);
  });
});

describe('DeleteProject', () => {
  it('deletes the project, succeeds for one that does not exist, and rejects an empty name', async () => {
    await cb.send(new CreateProjectCommand(minimal('doomed')));
    await cb.send(new DeleteProjectCommand({ name: 'doomed' }));
    expect(await get('doomed')).toBeUndefined();
    await cb.send(new DeleteProjectCommand({ name: 'doomed' }));
    await cb.send(new CreateProjectCommand(minimal('doomed', { description: 'again' })));
    expect((await get('doomed'))!.description).toBe('again');
    await cb.send(new DeleteProjectCommand({ name: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/doomed` }));
    expect(await get('doomed')).toBeUndefined();
    await expectInvalid(cb.send(new DeleteProjectCommand({ name: '' })), 'Member must have length greater than or equal to 1');
  });
});

describe('BatchGetProjects', () => {
  it('rejects an empty list and more than 100 names', async () => {
    await expectInvalid(cb.send(new BatchGetProjectsCommand({ names: [] })), 'Member must have length greater than or equal to 1');
    await expectInvalid(cb.send(new BatchGetProjectsCommand({ names: Array.from({ length: 101 }, (_, i) => `p${i}`) })), 'Member must have length less than or equal to 100');
  });
});

describe('ListProjects', () => {
  it('sorts by name, creation and modification time, and pages with opaque tokens', async () => {
    const region = 'ap-south-1';
    const listClient = new CodeBuildClient({ ...server.clientConfig, region });
    const names = ['c-proj', 'a-proj', 'b-proj'];
    for (const name of names) {
      await listClient.send(new CreateProjectCommand(minimal(name)));
      server.runtime.clock.advance(1000);
    }
    await listClient.send(new UpdateProjectCommand({ name: 'c-proj', description: 'touched' }));
    const list = async (sortBy?: 'NAME' | 'CREATED_TIME' | 'LAST_MODIFIED_TIME', sortOrder?: 'ASCENDING' | 'DESCENDING') =>
      (await listClient.send(new ListProjectsCommand({ sortBy, sortOrder }))).projects;
    expect(await list('NAME')).toEqual(['a-proj', 'b-proj', 'c-proj']);
    expect(await list('NAME', 'DESCENDING')).toEqual(['c-proj', 'b-proj', 'a-proj']);
    expect(await list('CREATED_TIME', 'ASCENDING')).toEqual(['c-proj', 'a-proj', 'b-proj']);
    expect(await list('CREATED_TIME', 'DESCENDING')).toEqual(['b-proj', 'a-proj', 'c-proj']);
    expect(await list('LAST_MODIFIED_TIME', 'ASCENDING')).toEqual(['a-proj', 'b-proj', 'c-proj']);
    expect(await list()).toEqual(['c-proj', 'b-proj', 'a-proj']);

    // 105 more projects with one timestamp: names break the tie and pages neither skip nor repeat.
    for (let i = 0; i < 105; i++) await listClient.send(new CreateProjectCommand(minimal(`bulk-${String(i).padStart(3, '0')}`)));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await listClient.send(new ListProjectsCommand({ sortBy: 'CREATED_TIME', sortOrder: 'ASCENDING', nextToken: token }));
      expect(out.projects!.length).toBeLessThanOrEqual(100);
      seen.push(...out.projects!);
      token = out.nextToken;
      pages++;
    } while (token);
    expect(pages).toBe(2);
    expect(seen).toHaveLength(108);
    expect(new Set(seen).size).toBe(108);
    expect(seen.slice(0, 3)).toEqual(['c-proj', 'a-proj', 'b-proj']);

    const first = await listClient.send(new ListProjectsCommand({ sortBy: 'NAME' }));
    expect(first.projects).toHaveLength(100);
    await expectInvalid(listClient.send(new ListProjectsCommand({ sortBy: 'CREATED_TIME', nextToken: first.nextToken })), 'Invalid next token');
    await expectInvalid(listClient.send(new ListProjectsCommand({ nextToken: 'garbage' })), 'Invalid next token');
    await expectInvalid(listClient.send(new ListProjectsCommand({ sortBy: 'SIZE' as 'NAME' })), 'Member must satisfy enum value set');
  });

  it('answers AccountLimitExceededException at 5000 projects and creates nothing more', async () => {
    const region = 'sa-east-1';
    const scope = { account: ACCOUNT, region };
    const store = new ProjectStore(server.runtime.store);
    const base = (await cb.send(new BatchGetProjectsCommand({ names: ['defaults'] }))).projects![0];
    // 5000 stored rows straight through the store: creating them over HTTP would take minutes.
    store.tx(() => {
      for (let i = 0; i < 5000; i++) {
        const name = `filler-${i}`;
        const arn = `arn:aws:codebuild:${region}:${ACCOUNT}:project/${name}`;
        store.insert({ account: ACCOUNT, region, name, arn, created_at: 0, modified_at: 0, project: JSON.stringify({ ...base, name, arn, created: undefined, lastModified: undefined }) });
      }
    });
    const limited = new CodeBuildClient({ ...server.clientConfig, region });
    await expectInvalid(limited.send(new CreateProjectCommand(minimal('one-too-many'))), 'Cannot have more than 5000 projects', 'AccountLimitExceededException');
    expect(store.count(scope)).toBe(5000);
    expect(store.getProject(scope, 'one-too-many')).toBeUndefined();
    await limited.send(new DeleteProjectCommand({ name: 'filler-0' }));
    await limited.send(new CreateProjectCommand(minimal('one-too-many')));
    expect(store.count(scope)).toBe(5000);
  });
});

describe('ListSharedProjects and ListCuratedEnvironmentImages', () => {
  it('shares nothing without RAM', async () => {
    expect((await cb.send(new ListSharedProjectsCommand({}))).projects).toEqual([]);
    await expectInvalid(cb.send(new ListSharedProjectsCommand({ nextToken: 'x' })), 'Invalid next token');
    await expectInvalid(cb.send(new ListSharedProjectsCommand({ maxResults: 101 })), 'Member must have value less than or equal to 100');
  });

  it("lists AWS's current curated images", async () => {
    const { platforms } = await cb.send(new ListCuratedEnvironmentImagesCommand({}));
    const images = platforms!.flatMap((p) => p.languages!.flatMap((l) => l.images!.map((i) => `${p.platform}:${i.name}`)));
    expect(images).toContain('UBUNTU:aws/codebuild/standard:7.0');
    expect(images).toContain('AMAZON_LINUX:aws/codebuild/amazonlinux2-x86_64-standard:5.0');
    expect(images).toContain('WINDOWS_SERVER:aws/codebuild/windows-base:2022-1.0');
  });
});

describe('InvalidateProjectCache', () => {
  it('deletes a LOCAL cache directory', async () => {
    await cb.send(new CreateProjectCommand(minimal('local-cache', { cache: { type: 'LOCAL', modes: ['LOCAL_CUSTOM_CACHE'] } })));
    const dir = join(server.dataDir, 'codebuild', 'cache', ACCOUNT, REGION, 'local-cache');
    const other = join(server.dataDir, 'codebuild', 'cache', ACCOUNT, REGION, 'other-project');
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    mkdirSync(other, { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'x.js'), 'cached');
    await cb.send(new InvalidateProjectCacheCommand({ projectName: 'local-cache' }));
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(other)).toBe(true);
    await cb.send(new InvalidateProjectCacheCommand({ projectName: 'local-cache' }));
  });

  it("deletes the project's folder under an S3 cache location and nothing else", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'build-cache' }));
    const keys = ['app/s3-cache/cache.zip', 'app/s3-cache/extra', 'app/s3-cache-2/cache.zip', 'app/shared-ns/cache.zip', 'other/s3-cache/cache.zip', 's3-cache/cache.zip'];
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: 'build-cache', Key: key, Body: key }));
    const listKeys = async () => (await s3.send(new ListObjectsV2Command({ Bucket: 'build-cache' }))).Contents!.map((o) => o.Key);
    await cb.send(new CreateProjectCommand(minimal('s3-cache', { cache: { type: 'S3', location: 'build-cache/app/' } })));
    await cb.send(new InvalidateProjectCacheCommand({ projectName: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/s3-cache` }));
    expect(await listKeys()).toEqual(['app/s3-cache-2/cache.zip', 'app/shared-ns/cache.zip', 'other/s3-cache/cache.zip', 's3-cache/cache.zip']);
    // A namespace is the cache's name when projects share it; a bare bucket holds folders at its root.
    await cb.send(new CreateProjectCommand(minimal('namespaced', { cache: { type: 'S3', location: 'build-cache/app', cacheNamespace: 'shared-ns' } })));
    await cb.send(new InvalidateProjectCacheCommand({ projectName: 'namespaced' }));
    await cb.send(new UpdateProjectCommand({ name: 's3-cache', cache: { type: 'S3', location: 'build-cache' } }));
    await cb.send(new InvalidateProjectCacheCommand({ projectName: 's3-cache' }));
    expect(await listKeys()).toEqual(['app/s3-cache-2/cache.zip', 'other/s3-cache/cache.zip']);
    // A cache bucket that does not exist holds nothing to invalidate.
    await cb.send(new CreateProjectCommand(minimal('no-bucket-cache', { cache: { type: 'S3', location: 'never-created/x' } })));
    await cb.send(new InvalidateProjectCacheCommand({ projectName: 'no-bucket-cache' }));
  });

  it('goes with its project when the project is deleted', async () => {
    await cb.send(new CreateProjectCommand(minimal('cache-owner', { cache: { type: 'LOCAL', modes: ['LOCAL_SOURCE_CACHE'] } })));
    const dir = join(server.dataDir, 'codebuild', 'cache', ACCOUNT, REGION, 'cache-owner');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'f'), 'cached');
    await cb.send(new DeleteProjectCommand({ name: 'cache-owner' }));
    expect(existsSync(dir)).toBe(false);
  });

  it('answers ResourceNotFoundException for an unknown project', async () => {
    await expectInvalid(cb.send(new InvalidateProjectCacheCommand({ projectName: 'ghost' })), 'Project cannot be found', 'ResourceNotFoundException');
    await expectInvalid(cb.send(new InvalidateProjectCacheCommand({ projectName: '' })), 'Member must have length greater than or equal to 1');
  });
});

describe('UpdateProjectVisibility', () => {
  it('records PUBLIC_READ with an alias that stays, and PRIVATE again', async () => {
    const { project } = await cb.send(new CreateProjectCommand(minimal('visible')));
    const shown = await cb.send(new UpdateProjectVisibilityCommand({ projectArn: project!.arn!, projectVisibility: 'PUBLIC_READ', resourceAccessRole: roleArn }));
    expect(shown.projectVisibility).toBe('PUBLIC_READ');
    expect(shown.projectArn).toBe(project!.arn);
    expect(shown.publicProjectAlias).toMatch(/^[0-9a-f-]{36}$/);
    expect(await get('visible')).toMatchObject({ projectVisibility: 'PUBLIC_READ', publicProjectAlias: shown.publicProjectAlias, resourceAccessRole: roleArn });
    const hidden = await cb.send(new UpdateProjectVisibilityCommand({ projectArn: project!.arn!, projectVisibility: 'PRIVATE' }));
    expect(hidden.projectVisibility).toBe('PRIVATE');
    expect((await get('visible'))!.projectVisibility).toBe('PRIVATE');
    const again = await cb.send(new UpdateProjectVisibilityCommand({ projectArn: project!.arn!, projectVisibility: 'PUBLIC_READ' }));
    expect(again.publicProjectAlias).toBe(shown.publicProjectAlias);
  });

  it('rejects unknown projects, bad visibility values and roles CodeBuild cannot assume', async () => {
    await expectInvalid(
      cb.send(new UpdateProjectVisibilityCommand({ projectArn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/ghost`, projectVisibility: 'PUBLIC_READ' })),
      'Project cannot be found',
      'ResourceNotFoundException',
    );
    await expectInvalid(
      cb.send(new UpdateProjectVisibilityCommand({ projectArn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/visible`, projectVisibility: 'SECRET' as 'PRIVATE' })),
      'Member must satisfy enum value set',
    );
    await cb.send(new CreateProjectCommand(minimal('still-private')));
    await expectInvalid(
      cb.send(new UpdateProjectVisibilityCommand({ projectArn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/still-private`, projectVisibility: 'PUBLIC_READ', resourceAccessRole: ec2RoleArn })),
      'CodeBuild is not authorized to perform: sts:AssumeRole',
    );
    expect((await get('still-private'))!.projectVisibility).toBe('PRIVATE');
  });
});

describe('durability', () => {
  it('keeps projects across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'codebuild-restart-'));
    try {
      let other = await startTestServer({ dataDir });
      const iam = new IAMClient(other.clientConfig);
      const role = (await iam.send(new CreateRoleCommand({ RoleName: 'cb', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
      const { project } = await new CodeBuildClient(other.clientConfig).send(new CreateProjectCommand({ ...minimal('survivor'), serviceRole: role, tags: [{ key: 'k', value: 'v' }] }));
      await other.stop();
      other = await startTestServer({ dataDir });
      const after = await new CodeBuildClient(other.clientConfig).send(new BatchGetProjectsCommand({ names: ['survivor'] }));
      expect(after.projects).toEqual([project]);
      await other.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('webhooks', () => {
  it('answer 501: GitHub, Bitbucket and GitLab cannot be reached offline', async () => {
    await cb.send(new CreateProjectCommand(minimal('hooked')));
    const err = await failure(cb.send(new CreateWebhookCommand({ projectName: 'hooked' })));
    expect(err.$metadata.httpStatusCode).toBe(501);
  });
});

describe('aws CLI', () => {
  it('creates, reads, lists and deletes a project from --cli-input-json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'codebuild-cli-'));
    try {
      const file = join(dir, 'project.json');
      writeFileSync(
        file,
        JSON.stringify({
          name: 'cli-project',
          source: { type: 'CODECOMMIT', location: `https://git-codecommit.${REGION}.amazonaws.com/v1/repos/cli-repo`, buildspec: 'buildspec.yml' },
          artifacts: { type: 'S3', location: 'cli-out', packaging: 'ZIP', namespaceType: 'BUILD_ID' },
          environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/amazonlinux2-x86_64-standard:5.0', computeType: 'BUILD_GENERAL1_SMALL', environmentVariables: [{ name: 'A', value: 'b' }] },
          serviceRole: roleArn,
          tags: [{ key: 'via', value: 'cli' }],
        }),
      );
      const created = JSON.parse((await server.aws(['codebuild', 'create-project', '--cli-input-json', `file://${file}`])).stdout) as { project: Project & { created: number } };
      expect(created.project).toMatchObject({
        name: 'cli-project',
        arn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/cli-project`,
        artifacts: { type: 'S3', location: 'cli-out', packaging: 'ZIP', namespaceType: 'BUILD_ID', name: 'cli-project', encryptionDisabled: false },
        environment: { environmentVariables: [{ name: 'A', value: 'b', type: 'PLAINTEXT' }], imagePullCredentialsType: 'CODEBUILD' },
        tags: [{ key: 'via', value: 'cli' }],
      });
      expect(typeof created.project.created).toBe('number');
      const got = JSON.parse((await server.aws(['codebuild', 'batch-get-projects', '--names', 'cli-project', 'absent'])).stdout) as { projects: Project[]; projectsNotFound: string[] };
      expect(got.projects.map((p) => p.name)).toEqual(['cli-project']);
      expect(got.projectsNotFound).toEqual(['absent']);

      const again = await server.aws(['codebuild', 'create-project', '--cli-input-json', `file://${file}`]).then(
        () => '',
        (err: { stderr: string }) => err.stderr,
      );
      expect(again).toContain('ResourceAlreadyExistsException');
      const badRole = await server.aws(['codebuild', 'update-project', '--name', 'cli-project', '--service-role', ec2RoleArn]).then(
        () => '',
        (err: { stderr: string }) => err.stderr,
      );
      expect(badRole).toContain('InvalidInputException');
      expect(badRole).toContain('CodeBuild is not authorized to perform: sts:AssumeRole');

      await server.aws(['codebuild', 'delete-project', '--name', 'cli-project']);
      expect(await get('cli-project')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
