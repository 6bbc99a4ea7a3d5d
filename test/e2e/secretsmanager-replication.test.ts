import { CreateKeyCommand, DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  SecretsManagerClient,
  StopReplicationToReplicaCommand,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';

describe('secretsmanager replication', () => {
  const server = useServer();
  const clients: Record<string, SecretsManagerClient> = {};
  const sm = (region: string) => (clients[region] ??= new SecretsManagerClient({ ...server.clientConfig, region }));

  it('replicates values, labels and tags to other Regions and keeps replicas read-only', async () => {
    const created = await sm('us-east-1').send(new CreateSecretCommand({ Name: 'shared/db', SecretString: 'v1', AddReplicaRegions: [{ Region: 'eu-west-1' }] }));
    expect(created.ReplicationStatus).toEqual([expect.objectContaining({ Region: 'eu-west-1', Status: 'InSync', KmsKeyId: 'alias/aws/secretsmanager' })]);
    const inEu = await sm('eu-west-1').send(new GetSecretValueCommand({ SecretId: 'shared/db' }));
    expect(inEu).toMatchObject({ SecretString: 'v1', VersionId: created.VersionId, VersionStages: ['AWSCURRENT'], ARN: created.ARN!.replace(':us-east-1:', ':eu-west-1:') });

    await sm('us-east-1').send(new PutSecretValueCommand({ SecretId: 'shared/db', SecretString: 'v2' }));
    await sm('us-east-1').send(new TagResourceCommand({ SecretId: 'shared/db', Tags: [{ Key: 'team', Value: 'data' }] }));
    expect((await sm('eu-west-1').send(new GetSecretValueCommand({ SecretId: 'shared/db' }))).SecretString).toBe('v2');
    expect((await sm('eu-west-1').send(new GetSecretValueCommand({ SecretId: 'shared/db', VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('v1');
    const replica = await sm('eu-west-1').send(new DescribeSecretCommand({ SecretId: 'shared/db' }));
    expect(replica).toMatchObject({ PrimaryRegion: 'us-east-1', Tags: [{ Key: 'team', Value: 'data' }] });
    expect(replica.ReplicationStatus).toBeUndefined();
    expect((await sm('us-east-1').send(new DescribeSecretCommand({ SecretId: 'shared/db' }))).ReplicationStatus).toEqual([expect.objectContaining({ Region: 'eu-west-1', Status: 'InSync' })]);

    await expect(sm('eu-west-1').send(new PutSecretValueCommand({ SecretId: 'shared/db', SecretString: 'no' }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(sm('us-east-1').send(new DeleteSecretCommand({ SecretId: 'shared/db' }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
  });

  it('reports Regions that refuse, overwrites on request, marks replicas whose key fails, removes and promotes replicas', async () => {
    await sm('ap-south-1').send(new CreateSecretCommand({ Name: 'app/key', SecretString: 'local' }));
    await sm('us-east-1').send(new CreateSecretCommand({ Name: 'app/key', SecretString: 'global' }));
    const refused = await sm('us-east-1').send(new ReplicateSecretToRegionsCommand({ SecretId: 'app/key', AddReplicaRegions: [{ Region: 'ap-south-1' }] }));
    expect(refused.ReplicationStatus).toEqual([expect.objectContaining({ Region: 'ap-south-1', Status: 'Failed' })]);
    expect((await sm('ap-south-1').send(new GetSecretValueCommand({ SecretId: 'app/key' }))).SecretString).toBe('local');
    await sm('us-east-1').send(new ReplicateSecretToRegionsCommand({ SecretId: 'app/key', AddReplicaRegions: [{ Region: 'ap-south-1' }], ForceOverwriteReplicaSecret: true }));
    expect((await sm('ap-south-1').send(new GetSecretValueCommand({ SecretId: 'app/key' }))).SecretString).toBe('global');

    const westKms = new KMSClient({ ...server.clientConfig, region: 'us-west-2' });
    const westKey = (await westKms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await sm('us-east-1').send(new ReplicateSecretToRegionsCommand({ SecretId: 'app/key', AddReplicaRegions: [{ Region: 'us-west-2', KmsKeyId: westKey }] }));
    await westKms.send(new DisableKeyCommand({ KeyId: westKey }));
    await sm('us-east-1').send(new PutSecretValueCommand({ SecretId: 'app/key', SecretString: 'global-2' }));
    const statuses = (await sm('us-east-1').send(new DescribeSecretCommand({ SecretId: 'app/key' }))).ReplicationStatus!;
    expect(statuses.find((s) => s.Region === 'us-west-2')).toMatchObject({ Status: 'Failed', KmsKeyId: westKey });
    expect(statuses.find((s) => s.Region === 'ap-south-1')).toMatchObject({ Status: 'InSync' });

    await sm('us-east-1').send(new RemoveRegionsFromReplicationCommand({ SecretId: 'app/key', RemoveReplicaRegions: ['us-west-2'] }));
    await expect(sm('us-west-2').send(new GetSecretValueCommand({ SecretId: 'app/key' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await sm('ap-south-1').send(new StopReplicationToReplicaCommand({ SecretId: 'app/key' }));
    await sm('ap-south-1').send(new PutSecretValueCommand({ SecretId: 'app/key', SecretString: 'independent' }));
    expect((await sm('ap-south-1').send(new GetSecretValueCommand({ SecretId: 'app/key' }))).SecretString).toBe('independent');
    expect((await sm('us-east-1').send(new DescribeSecretCommand({ SecretId: 'app/key' }))).ReplicationStatus).toBeUndefined();
    await sm('us-east-1').send(new DeleteSecretCommand({ SecretId: 'app/key', ForceDeleteWithoutRecovery: true }));
    expect((await sm('ap-south-1').send(new GetSecretValueCommand({ SecretId: 'app/key' }))).SecretString).toBe('independent');
  });
});
