/**
 * Global condition keys the authorization step fills in from the request itself: the client's
 * address (aws:SourceIp), the region it signed for (aws:RequestedRegion), the transport
 * (aws:SecureTransport, false over Drydock's plain HTTP), and the services an in-process call went
 * through (aws:CalledVia).
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const ACCOUNT = '000000000000';

/** An IAM user whose only policy allows ssm:GetParameter under `condition`; its SSM client. */
async function userWith(name: string, condition: Record<string, unknown>, region = 'us-east-1'): Promise<SSMClient> {
  const iam = new IAMClient(server.clientConfig);
  await iam.send(new CreateUserCommand({ UserName: name }));
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*', Condition: condition }] };
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'read', PolicyDocument: JSON.stringify(policy) }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return new SSMClient({ ...server.clientConfig, region, credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! } });
}

beforeAll(async () => {
  for (const region of ['us-east-1', 'eu-west-1']) {
    await new SSMClient({ ...server.clientConfig, region }).send(new PutParameterCommand({ Name: '/keys/p', Value: 'v', Type: 'String' }));
  }
});

describe('global condition keys', () => {
  it('aws:SourceIp is the client address (loopback here)', async () => {
    const local = await userWith('from-loopback', { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } });
    expect((await local.send(new GetParameterCommand({ Name: '/keys/p' }))).Parameter?.Value).toBe('v');
    const office = await userWith('from-office', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } });
    await expectAwsError(office.send(new GetParameterCommand({ Name: '/keys/p' })), {
      code: 'AccessDeniedException',
      status: 400,
      message: `User: arn:aws:iam::${ACCOUNT}:user/from-office is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/keys/p because no identity-based policy allows the ssm:GetParameter action`,
    });
  });

  it('aws:RequestedRegion is the region the request is signed for', async () => {
    const europe = await userWith('eu-only', { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } }, 'eu-west-1');
    expect((await europe.send(new GetParameterCommand({ Name: '/keys/p' }))).Parameter?.Value).toBe('v');
    const elsewhere = new SSMClient({ ...server.clientConfig, credentials: await europe.config.credentials() });
    await expectAwsError(elsewhere.send(new GetParameterCommand({ Name: '/keys/p' })), { code: 'AccessDeniedException', status: 400 });
  });

  it('aws:SecureTransport is false over plain HTTP, so a policy requiring TLS denies', async () => {
    const tlsOnly = await userWith('tls-only', { Bool: { 'aws:SecureTransport': 'true' } });
    await expectAwsError(tlsOnly.send(new GetParameterCommand({ Name: '/keys/p' })), { code: 'AccessDeniedException', status: 400 });
  });
});

describe('policy changes', () => {
  it('apply to the very next request (IAM caches what it evaluates, and every write clears it)', async () => {
    const iam = new IAMClient(server.clientConfig);
    await iam.send(new CreateUserCommand({ UserName: 'changing' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'changing' }));
    const ssm = new SSMClient({ ...server.clientConfig, credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! } });
    await expectAwsError(ssm.send(new GetParameterCommand({ Name: '/keys/p' })), { code: 'AccessDeniedException', status: 400 });
    const allow = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' }] };
    await iam.send(new PutUserPolicyCommand({ UserName: 'changing', PolicyName: 'read', PolicyDocument: JSON.stringify(allow) }));
    expect((await ssm.send(new GetParameterCommand({ Name: '/keys/p' }))).Parameter?.Value).toBe('v');
    const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'ssm:*', Resource: '*' }] };
    await iam.send(new PutUserPolicyCommand({ UserName: 'changing', PolicyName: 'stop', PolicyDocument: JSON.stringify(deny) }));
    await expectAwsError(ssm.send(new GetParameterCommand({ Name: '/keys/p' })), { code: 'AccessDeniedException', status: 400, message: /with an explicit deny in an identity-based policy$/ });
  });
});
