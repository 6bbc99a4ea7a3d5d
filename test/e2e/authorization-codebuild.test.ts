/**
 * CodeBuild under IAM: IAM users with their own keys call CodeBuild; identity policies decide,
 * naming a service role needs iam:PassRole on it, and a project's resource policy can grant access
 * to principals of the same or another account, as on AWS.
 */

import {
  BatchGetProjectsCommand,
  CodeBuildClient,
  CreateProjectCommand,
  type CreateProjectCommandInput,
  PutResourcePolicyCommand,
  StartBuildCommand,
  StopBuildCommand,
} from '@aws-sdk/client-codebuild';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { CODEBUILD_TRUST } from './codebuild-helpers.js';

const server = useServer();
const ACCOUNT = '000000000000';
const OTHER_ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const projectArn = (name: string) => `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${name}`;
const policy = (...statements: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });

let root: CodeBuildClient;
let iam: IAMClient;
let roleArn: string;

/** An IAM user of the default account with an access key and (optionally) an inline policy; its own CodeBuild client. */
async function user(name: string, ...statements: object[]): Promise<{ client: CodeBuildClient; arn: string }> {
  const created = await iam.send(new CreateUserCommand({ UserName: name }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  if (statements.length > 0) await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'codebuild', PolicyDocument: policy(...statements) }));
  return { client: new CodeBuildClient({ ...server.clientConfig, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } }), arn: created.User!.Arn! };
}

const project = (name: string): CreateProjectCommandInput => ({
  name,
  source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo hi\n' },
  artifacts: { type: 'NO_ARTIFACTS' },
  environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
  serviceRole: roleArn,
});

beforeAll(async () => {
  root = new CodeBuildClient(server.clientConfig);
  iam = new IAMClient(server.clientConfig);
  roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'codebuild-service', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
});

describe('CreateProject', () => {
  it('is denied without codebuild:CreateProject, before anything is written', async () => {
    const { client, arn } = await user('no-policy');
    const error = await expectAwsError(client.send(new CreateProjectCommand(project('denied'))), { code: 'AccessDeniedException', status: 400 });
    expect(error.message).toBe(
      `User: ${arn} is not authorized to perform: codebuild:CreateProject on resource: ${projectArn('denied')} because no identity-based policy allows the codebuild:CreateProject action`,
    );
    expect((await root.send(new BatchGetProjectsCommand({ names: ['denied'] }))).projectsNotFound).toEqual(['denied']);
  });

  it('with codebuild:CreateProject alone is denied iam:PassRole on the service role', async () => {
    const { client, arn } = await user('builder', { Effect: 'Allow', Action: 'codebuild:*', Resource: '*' });
    const error = await expectAwsError(client.send(new CreateProjectCommand(project('no-pass-role'))), { code: 'AccessDeniedException', status: 400 });
    expect(error.message).toBe(`User: ${arn} is not authorized to perform: iam:PassRole on resource: ${roleArn} because no identity-based policy allows the iam:PassRole action`);
    expect((await root.send(new BatchGetProjectsCommand({ names: ['no-pass-role'] }))).projectsNotFound).toEqual(['no-pass-role']);
  });

  it('with codebuild:CreateProject and iam:PassRole (to codebuild.amazonaws.com) creates the project', async () => {
    const { client } = await user(
      'full-builder',
      { Effect: 'Allow', Action: 'codebuild:CreateProject', Resource: projectArn('allowed') },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: roleArn, Condition: { StringEquals: { 'iam:PassedToService': 'codebuild.amazonaws.com' } } },
    );
    const created = await client.send(new CreateProjectCommand(project('allowed')));
    expect(created.project?.arn).toBe(projectArn('allowed'));
    expect(created.project?.serviceRole).toBe(roleArn);
    // The PassRole grant is to CodeBuild only: a statement for another service does not count.
    const { client: elsewhere } = await user(
      'passes-elsewhere',
      { Effect: 'Allow', Action: 'codebuild:CreateProject', Resource: '*' },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: roleArn, Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } },
    );
    await expectAwsError(elsewhere.send(new CreateProjectCommand(project('elsewhere'))), { code: 'AccessDeniedException', status: 400, message: /iam:PassRole/ });
  });
});

describe('StartBuild', () => {
  beforeAll(async () => {
    await root.send(new CreateProjectCommand(project('pinned')));
  });

  it('gives its overrides as the condition keys of the project members they override, and passes an overriding role', async () => {
    const { client, arn } = await user(
      'launcher',
      { Effect: 'Allow', Action: ['codebuild:StartBuild', 'codebuild:StopBuild'], Resource: projectArn('pinned') },
      // The launcher may start the project as it is, but not with another buildspec or image.
      { Effect: 'Deny', Action: 'codebuild:StartBuild', Resource: '*', Condition: { Null: { 'codebuild:source.buildspec': 'false' } } },
      {
        Effect: 'Deny',
        Action: 'codebuild:StartBuild',
        Resource: '*',
        Condition: { StringNotEquals: { 'codebuild:environment.image': 'aws/codebuild/standard:7.0' }, Null: { 'codebuild:environment.image': 'false' } },
      },
    );
    const denied = { code: 'AccessDeniedException', status: 400, message: /codebuild:StartBuild .* with an explicit deny/ };
    await expectAwsError(client.send(new StartBuildCommand({ projectName: 'pinned', buildspecOverride: 'version: 0.2\nphases:\n  build:\n    commands:\n      - env\n' })), denied);
    await expectAwsError(client.send(new StartBuildCommand({ projectName: 'pinned', imageOverride: 'aws/codebuild/amazonlinux-x86_64-standard:5.0' })), denied);
    const passRole = await expectAwsError(client.send(new StartBuildCommand({ projectName: 'pinned', serviceRoleOverride: roleArn })), { code: 'AccessDeniedException', status: 400 });
    expect(passRole.message).toBe(`User: ${arn} is not authorized to perform: iam:PassRole on resource: ${roleArn} because no identity-based policy allows the iam:PassRole action`);
    const started = await client.send(new StartBuildCommand({ projectName: 'pinned', imageOverride: 'aws/codebuild/standard:7.0' }));
    expect(started.build?.projectName).toBe('pinned');
    // A build is stopped on its project: the build id names it.
    expect((await client.send(new StopBuildCommand({ id: started.build!.id! }))).build?.id).toBe(started.build!.id);
  });
});

describe('project resource policies', () => {
  beforeAll(async () => {
    await root.send(new CreateProjectCommand(project('shared')));
  });

  it('let an IAM user of the account with no identity policy read the project', async () => {
    const { client, arn } = await user('reader');
    await expectAwsError(client.send(new BatchGetProjectsCommand({ names: ['shared'] })), { code: 'AccessDeniedException', status: 400, message: /codebuild:BatchGetProjects/ });
    await root.send(
      new PutResourcePolicyCommand({
        resourceArn: projectArn('shared'),
        policy: policy({ Effect: 'Allow', Principal: { AWS: arn }, Action: 'codebuild:BatchGetProjects', Resource: projectArn('shared') }),
      }),
    );
    expect((await client.send(new BatchGetProjectsCommand({ names: ['shared'] }))).projects?.map((p) => p.arn)).toEqual([projectArn('shared')]);
    // The policy grants reading only.
    await expectAwsError(client.send(new CreateProjectCommand(project('reader-project'))), { code: 'AccessDeniedException', status: 400 });
  });

  it("let another account's principals read the project by its ARN, once the policy names that account", async () => {
    const other = new CodeBuildClient({ ...server.clientConfig, credentials: { accessKeyId: OTHER_ACCOUNT, secretAccessKey: 'test' } });
    const read = () => other.send(new BatchGetProjectsCommand({ names: [projectArn('shared')] }));
    await expectAwsError(read(), { code: 'AccessDeniedException', status: 400, message: /codebuild:BatchGetProjects/ });
    await root.send(
      new PutResourcePolicyCommand({
        resourceArn: projectArn('shared'),
        policy: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` }, Action: 'codebuild:BatchGetProjects', Resource: projectArn('shared') }),
      }),
    );
    expect((await read()).projects?.map((p) => p.arn)).toEqual([projectArn('shared')]);
  });
});
