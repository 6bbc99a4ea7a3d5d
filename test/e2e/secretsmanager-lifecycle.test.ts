import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers.js';

const DAY_MS = 86_400_000;

/** Time travel and restarts get their own server: the clock only moves forward. */
describe('secretsmanager lifecycle', () => {
  let dataDir: string;
  let server: TestServer;
  let sm: SecretsManagerClient;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sm-lifecycle-'));
    server = await startTestServer({ dataDir });
    sm = new SecretsManagerClient(server.clientConfig);
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('secret versions survive a restart', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'durable', SecretString: 'v1' }));
    await sm.send(new PutSecretValueCommand({ SecretId: 'durable', SecretString: 'v2' }));
    await server.stop();
    server = await startTestServer({ dataDir });
    sm = new SecretsManagerClient(server.clientConfig);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'durable' }))).SecretString).toBe('v2');
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'durable', VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('v1');
  });

  it('purges a deleted secret when its recovery window ends, freeing the name', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'short-lived', SecretString: 's' }));
    await sm.send(new DeleteSecretCommand({ SecretId: 'short-lived', RecoveryWindowInDays: 7 }));
    server.runtime.clock.advance(6 * DAY_MS);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'short-lived' }))).DeletedDate).toBeInstanceOf(Date);
    server.runtime.clock.advance(2 * DAY_MS);
    await expect(sm.send(new DescribeSecretCommand({ SecretId: 'short-lived' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await sm.send(new CreateSecretCommand({ Name: 'short-lived', SecretString: 'again' }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'short-lived' }))).SecretString).toBe('again');
  });
});
