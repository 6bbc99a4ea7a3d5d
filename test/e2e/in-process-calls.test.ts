/**
 * The in-process call path (`rt.call` / `rt.invoke`): any operation of any service runs through the
 * same validate → invoke steps as an HTTP request, for an explicit principal, and answers the same
 * output or the same AwsError, without HTTP or SigV4.
 */

import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootPrincipal, servicePrincipal } from '../../src/core/accounts.js';
import { AwsError } from '../../src/core/errors.js';
import { startTestServer, type TestServer } from '../helpers.js';

let server: TestServer;
const root = { principal: rootPrincipal('000000000000', 'test'), region: 'us-east-1' };

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function awsError(promise: Promise<unknown>): Promise<AwsError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AwsError) return err;
    throw err;
  }
  throw new Error('expected an AwsError');
}

describe('rt.call', () => {
  it('runs an operation and returns its typed output, visible to HTTP clients', async () => {
    const put = await server.runtime.call('ssm', 'PutParameter', { Name: '/in-process/a', Value: 'one', Type: 'String' }, root);
    expect(put.Version).toBe(1);
    const got = await server.runtime.call('ssm', 'GetParameter', { Name: '/in-process/a' }, root);
    expect(got.Parameter?.Value).toBe('one');
    const overHttp = await new SSMClient(server.clientConfig).send(new GetParameterCommand({ Name: '/in-process/a' }));
    expect(overHttp.Parameter?.Value).toBe('one');
  });

  it("validates input against the model with the service's own error, as HTTP does", async () => {
    // A required member missing, then a value outside the model's length bounds.
    const missing = await awsError(server.runtime.invoke({ service: 'ssm', operation: 'GetParameter', input: {} }, root));
    expect(missing.code).toBe('ValidationException');
    const tooLong = await awsError(server.runtime.call('ssm', 'PutParameter', { Name: 'x'.repeat(3000), Value: 'v' }, root));
    expect(tooLong.code).toBe('ValidationException');
    // STS is a query service: its validation error is ValidationError.
    const sts = await awsError(server.runtime.call('sts', 'AssumeRole', { RoleArn: 'arn:aws:iam::000000000000:role/r', RoleSessionName: 'has space' }, root));
    expect(sts.code).toBe('ValidationError');
  });

  it("throws the operation's own errors, unknown operations and NotImplemented like the pipeline", async () => {
    const notFound = await awsError(server.runtime.call('ssm', 'GetParameter', { Name: '/in-process/missing' }, root));
    expect(notFound.code).toBe('ParameterNotFound');
    const unknown = await awsError(server.runtime.invoke({ service: 'ssm', operation: 'NoSuchOperation', input: {} }, root));
    expect(unknown.code).toBe('UnknownOperationException');
    const notEmulated = await awsError(server.runtime.invoke({ service: 'ec2', operation: 'DescribeInstances', input: {} }, root));
    expect([notEmulated.code, notEmulated.status]).toEqual(['NotImplemented', 501]);
    const notObject = await awsError(server.runtime.invoke({ service: 'ssm', operation: 'GetParameter', input: 'x' as never }, root));
    expect(notObject.code).toBe('ValidationException');
  });

  it('acts for the principal it is given, in the account and region it names', async () => {
    const asService = await server.runtime.call('sts', 'GetCallerIdentity', {}, { principal: servicePrincipal('111122223333', 'events.amazonaws.com'), region: 'eu-west-1' });
    expect(asService).toMatchObject({ Account: '111122223333', Arn: 'events.amazonaws.com' });
    await server.runtime.call('ssm', 'PutParameter', { Name: '/in-process/regional', Value: 'eu', Type: 'String' }, { ...root, region: 'eu-west-1' });
    const elsewhere = await awsError(server.runtime.call('ssm', 'GetParameter', { Name: '/in-process/regional' }, root));
    expect(elsewhere.code).toBe('ParameterNotFound');
  });

  it("leaves the caller's input object untouched", async () => {
    const input = { Name: '/in-process/b', Value: 'two', Type: 'String' as const };
    const copy = structuredClone(input);
    await server.runtime.call('ssm', 'PutParameter', input, root);
    expect(input).toEqual(copy);
  });

  it('a service assumes a role for a principal through STS AssumeRole (what CodeBuild does for its service role)', async () => {
    await new IAMClient(server.clientConfig).send(
      new CreateRoleCommand({
        RoleName: 'in-process',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    const codebuild = { principal: servicePrincipal('000000000000', 'codebuild.amazonaws.com'), region: 'us-east-1' };
    const { Credentials, AssumedRoleUser } = await server.runtime.call('sts', 'AssumeRole', { RoleArn: 'arn:aws:iam::000000000000:role/in-process', RoleSessionName: 'build' }, codebuild);
    expect(AssumedRoleUser?.Arn).toBe('arn:aws:sts::000000000000:assumed-role/in-process/build');
    const session = server.runtime.credential(Credentials!.AccessKeyId!);
    expect(session?.principal).toMatchObject({ kind: 'assumed-role', roleName: 'in-process', sessionName: 'build' });
  });
});
