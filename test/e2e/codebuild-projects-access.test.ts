/**
 * CodeBuild source credentials (Import/List/DeleteSourceCredentials) and project resource
 * policies (Put/Get/DeleteResourcePolicy) through the real SDK client and the aws CLI, with bad
 * input for each operation: exact error, HTTP 400, nothing written.
 */

import {
  CodeBuildClient,
  CreateProjectCommand,
  CreateReportGroupCommand,
  DeleteProjectCommand,
  DeleteResourcePolicyCommand,
  DeleteSourceCredentialsCommand,
  GetResourcePolicyCommand,
  ImportSourceCredentialsCommand,
  type ImportSourceCredentialsCommandInput,
  ListSourceCredentialsCommand,
  PutResourcePolicyCommand,
} from '@aws-sdk/client-codebuild';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { CODEBUILD_TRUST } from './codebuild-helpers.js';

const server = useServer();
let cb: CodeBuildClient;
let roleArn: string;
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const tokenArn = (type: string) => `arn:aws:codebuild:${REGION}:${ACCOUNT}:token/${type}`;

const listCredentials = async () => (await cb.send(new ListSourceCredentialsCommand({}))).sourceCredentialsInfos;

beforeAll(async () => {
  cb = new CodeBuildClient(server.clientConfig);
  roleArn = (await new IAMClient(server.clientConfig).send(new CreateRoleCommand({ RoleName: 'cb', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
});

describe('source credentials', () => {
  it('imports one credential per server type, overwrites by default and lists them without secrets', async () => {
    expect(await listCredentials()).toEqual([]);
    const github = await cb.send(new ImportSourceCredentialsCommand({ serverType: 'GITHUB', authType: 'PERSONAL_ACCESS_TOKEN', token: 'ghp_first' }));
    expect(github.arn).toBe(tokenArn('github'));
    const bitbucket = await cb.send(new ImportSourceCredentialsCommand({ serverType: 'BITBUCKET', authType: 'BASIC_AUTH', username: 'me', token: 'app-password' }));
    expect(bitbucket.arn).toBe(tokenArn('bitbucket'));
    const secret = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:gitlab-token-AbCdEf`;
    await cb.send(new ImportSourceCredentialsCommand({ serverType: 'GITLAB', authType: 'SECRETS_MANAGER', token: secret }));
    const again = await cb.send(new ImportSourceCredentialsCommand({ serverType: 'GITHUB', authType: 'PERSONAL_ACCESS_TOKEN', token: 'ghp_second' }));
    expect(again.arn).toBe(tokenArn('github'));
    expect(await listCredentials()).toEqual([
      { arn: tokenArn('bitbucket'), serverType: 'BITBUCKET', authType: 'BASIC_AUTH' },
      { arn: tokenArn('github'), serverType: 'GITHUB', authType: 'PERSONAL_ACCESS_TOKEN' },
      { arn: tokenArn('gitlab'), serverType: 'GITLAB', authType: 'SECRETS_MANAGER', resource: secret },
    ]);
  });

  it('refuses to overwrite when shouldOverwrite is false', async () => {
    await cb.send(new ImportSourceCredentialsCommand({ serverType: 'GITHUB_ENTERPRISE', authType: 'PERSONAL_ACCESS_TOKEN', token: 'one' }));
    await expectAwsError(
      cb.send(
        new ImportSourceCredentialsCommand({
          serverType: 'GITHUB_ENTERPRISE',
          authType: 'CODECONNECTIONS',
          token: `arn:aws:codeconnections:${REGION}:${ACCOUNT}:connection/abc`,
          shouldOverwrite: false,
        }),
      ),
      { code: 'ResourceAlreadyExistsException', status: 400, message: 'Source credentials already exist for server type GITHUB_ENTERPRISE' },
    );
    expect((await listCredentials())!.find((c) => c.serverType === 'GITHUB_ENTERPRISE')!.authType).toBe('PERSONAL_ACCESS_TOKEN');
  });

  const bad: [string, ImportSourceCredentialsCommandInput, string][] = [
    ['OAUTH, which only the console can create', { serverType: 'GITLAB_SELF_MANAGED', authType: 'OAUTH', token: 't' }, 'OAUTH connections cannot be imported through the API'],
    ['BASIC_AUTH for GitHub', { serverType: 'GITLAB_SELF_MANAGED', authType: 'BASIC_AUTH', username: 'me', token: 't' }, 'BASIC_AUTH is only supported for BITBUCKET'],
    ['BASIC_AUTH without a username', { serverType: 'BITBUCKET', authType: 'BASIC_AUTH', token: 't' }, 'username must be specified for BASIC_AUTH'],
    ['a username with a token', { serverType: 'GITLAB_SELF_MANAGED', authType: 'PERSONAL_ACCESS_TOKEN', username: 'me', token: 't' }, 'username is only used with BASIC_AUTH'],
    ['a connection that is not an ARN', { serverType: 'GITLAB_SELF_MANAGED', authType: 'CODECONNECTIONS', token: 'my-connection' }, 'token must be the ARN of a CodeConnections connection'],
    [
      'a secret ARN of another service',
      { serverType: 'GITLAB_SELF_MANAGED', authType: 'SECRETS_MANAGER', token: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/x` },
      'token must be the ARN of a Secrets Manager secret',
    ],
    ['an unknown server type', { serverType: 'GITEA' as 'GITHUB', authType: 'PERSONAL_ACCESS_TOKEN', token: 't' }, 'Member must satisfy enum value set'],
    ['an empty token', { serverType: 'GITLAB_SELF_MANAGED', authType: 'PERSONAL_ACCESS_TOKEN', token: '' }, 'Member must have length greater than or equal to 1'],
  ];
  it.each(bad)('rejects %s with InvalidInputException and imports nothing', async (_what, input, message) => {
    await expectAwsError(cb.send(new ImportSourceCredentialsCommand(input)), { code: 'InvalidInputException', status: 400, message: message });
    expect((await listCredentials())!.some((c) => c.serverType === 'GITLAB_SELF_MANAGED')).toBe(false);
  });

  it('deletes by ARN and answers ResourceNotFoundException for what is not there', async () => {
    await cb.send(new ImportSourceCredentialsCommand({ serverType: 'GITLAB_SELF_MANAGED', authType: 'PERSONAL_ACCESS_TOKEN', token: 'glpat' }));
    const deleted = await cb.send(new DeleteSourceCredentialsCommand({ arn: tokenArn('gitlab_self_managed') }));
    expect(deleted.arn).toBe(tokenArn('gitlab_self_managed'));
    expect((await listCredentials())!.map((c) => c.serverType)).not.toContain('GITLAB_SELF_MANAGED');
    await expectAwsError(cb.send(new DeleteSourceCredentialsCommand({ arn: tokenArn('gitlab_self_managed') })), {
      code: 'ResourceNotFoundException',
      status: 400,
      message: 'Source credentials cannot be found',
    });
    await expectAwsError(cb.send(new DeleteSourceCredentialsCommand({ arn: '' })), { code: 'InvalidInputException', status: 400, message: 'Member must have length greater than or equal to 1' });
  });

  it('works through the aws CLI', async () => {
    const imported = JSON.parse((await server.aws(['codebuild', 'import-source-credentials', '--server-type', 'GITHUB', '--auth-type', 'PERSONAL_ACCESS_TOKEN', '--token', 'ghp_cli'])).stdout) as {
      arn: string;
    };
    expect(imported.arn).toBe(tokenArn('github'));
    const listed = JSON.parse((await server.aws(['codebuild', 'list-source-credentials'])).stdout) as { sourceCredentialsInfos: { arn: string }[] };
    expect(listed.sourceCredentialsInfos.map((c) => c.arn)).toContain(tokenArn('github'));
  });
});

describe('resource policies', () => {
  const projectArn = `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/shared`;
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: ['codebuild:BatchGetProjects', 'codebuild:BatchGetBuilds'], Resource: projectArn }],
  });

  it('puts, gets and deletes a project policy; deleting the project deletes its policy', async () => {
    await cb.send(
      new CreateProjectCommand({
        name: 'shared',
        source: { type: 'NO_SOURCE', buildspec: 'version: 0.2' },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
        serviceRole: roleArn,
      }),
    );
    await expectAwsError(cb.send(new GetResourcePolicyCommand({ resourceArn: projectArn })), { code: 'ResourceNotFoundException', status: 400, message: 'Resource policy cannot be found' });
    expect((await cb.send(new PutResourcePolicyCommand({ resourceArn: projectArn, policy }))).resourceArn).toBe(projectArn);
    expect((await cb.send(new GetResourcePolicyCommand({ resourceArn: projectArn }))).policy).toBe(policy);
    await cb.send(new DeleteResourcePolicyCommand({ resourceArn: projectArn }));
    await expectAwsError(cb.send(new GetResourcePolicyCommand({ resourceArn: projectArn })), { code: 'ResourceNotFoundException', status: 400, message: 'Resource policy cannot be found' });
    await cb.send(new DeleteResourcePolicyCommand({ resourceArn: projectArn }));

    await cb.send(new PutResourcePolicyCommand({ resourceArn: projectArn, policy }));
    await cb.send(new DeleteProjectCommand({ name: 'shared' }));
    await cb.send(
      new CreateProjectCommand({
        name: 'shared',
        source: { type: 'NO_SOURCE', buildspec: 'version: 0.2' },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
        serviceRole: roleArn,
      }),
    );
    await expectAwsError(cb.send(new GetResourcePolicyCommand({ resourceArn: projectArn })), { code: 'ResourceNotFoundException', status: 400, message: 'Resource policy cannot be found' });
  });

  it('attaches policies to report groups too, and never by bare name', async () => {
    const { reportGroup } = await cb.send(new CreateReportGroupCommand({ name: 'tests', type: 'TEST', exportConfig: { exportConfigType: 'NO_EXPORT' } }));
    await cb.send(new PutResourcePolicyCommand({ resourceArn: reportGroup!.arn!, policy }));
    expect((await cb.send(new GetResourcePolicyCommand({ resourceArn: reportGroup!.arn! }))).policy).toBe(policy);
    await expectAwsError(cb.send(new PutResourcePolicyCommand({ resourceArn: 'tests', policy })), { code: 'ResourceNotFoundException', status: 400, message: 'Resource cannot be found: tests' });
  });

  const badPolicies: [string, string, string][] = [
    ['text that is not JSON', '{"Statement": [', 'the resource policy is not valid JSON'],
    ['a JSON array', '[]', 'the resource policy must be a JSON object'],
    ['no statements', '{"Version": "2012-10-17", "Statement": []}', 'the resource policy needs at least one Statement'],
    ['an unknown version', '{"Version": "2020-01-01", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "codebuild:*"}]}', 'is not 2012-10-17 or 2008-10-17'],
    ['a statement without a principal', '{"Statement": [{"Effect": "Allow", "Action": "codebuild:*"}]}', 'needs a Principal'],
    ['a statement with a bad effect', '{"Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "codebuild:*"}]}', 'needs an Effect of Allow or Deny'],
    ['a statement without an action', '{"Statement": [{"Effect": "Allow", "Principal": "*"}]}', 'needs an Action'],
  ];
  it.each(badPolicies)('rejects %s with InvalidInputException and stores nothing', async (_what, text, message) => {
    await expectAwsError(cb.send(new PutResourcePolicyCommand({ resourceArn: projectArn, policy: text })), { code: 'InvalidInputException', status: 400, message: message });
    await expectAwsError(cb.send(new GetResourcePolicyCommand({ resourceArn: projectArn })), { code: 'ResourceNotFoundException', status: 400, message: 'Resource policy cannot be found' });
  });

  it('answers ResourceNotFoundException for resources that do not exist', async () => {
    const ghost = `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/ghost`;
    await expectAwsError(cb.send(new PutResourcePolicyCommand({ resourceArn: ghost, policy })), { code: 'ResourceNotFoundException', status: 400, message: `Resource cannot be found: ${ghost}` });
    await expectAwsError(cb.send(new GetResourcePolicyCommand({ resourceArn: ghost })), { code: 'ResourceNotFoundException', status: 400, message: `Resource cannot be found: ${ghost}` });
    await expectAwsError(cb.send(new PutResourcePolicyCommand({ resourceArn: `arn:aws:codebuild:eu-west-1:${ACCOUNT}:project/shared`, policy })), {
      code: 'ResourceNotFoundException',
      status: 400,
      message: 'Resource cannot be found',
    });
    await expectAwsError(cb.send(new PutResourcePolicyCommand({ resourceArn: projectArn, policy: '' })), {
      code: 'InvalidInputException',
      status: 400,
      message: 'Member must have length greater than or equal to 1',
    });
  });
});
