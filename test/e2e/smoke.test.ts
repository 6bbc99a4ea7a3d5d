import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';

describe('smoke', () => {
  const server = useServer();

  it('SSM put/get through the SDK', async () => {
    const ssm = new SSMClient(server.clientConfig);
    const put = await ssm.send(new PutParameterCommand({ Name: '/a/b', Value: 'v1', Type: 'String' }));
    expect(put.Version).toBe(1);
    const got = await ssm.send(new GetParameterCommand({ Name: '/a/b' }));
    expect(got.Parameter?.Value).toBe('v1');
    expect(got.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    await expect(ssm.send(new GetParameterCommand({ Name: '/nope' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });

  it('STS GetCallerIdentity through SDK and CLI', async () => {
    const sts = new STSClient(server.clientConfig);
    const id = await sts.send(new GetCallerIdentityCommand({}));
    expect(id.Account).toBe('000000000000');
    const { stdout } = await server.aws(['sts', 'get-caller-identity']);
    expect(JSON.parse(stdout).Account).toBe('000000000000');
  });

  it('wrong secret is SignatureDoesNotMatch', async () => {
    const ssm = new SSMClient({ ...server.clientConfig, credentials: { accessKeyId: 'test', secretAccessKey: 'wrong' } });
    await expect(ssm.send(new GetParameterCommand({ Name: '/a/b' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
  });
});
