/**
 * The embedding API as a test suite uses it: imported by the package's own name (what
 * `import { startDrydock } from 'drydock-aws'` resolves to once installed), several instances in one
 * process, each with its own state, clock and temporary data directory.
 */
import { existsSync } from 'node:fs';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startDrydock } from 'drydock-aws';
import { describe, expect, it } from 'vitest';

describe('startDrydock', () => {
  it('starts a real server on a free port with SDK settings, and stop() removes its temporary state', async () => {
    const drydock = await startDrydock();
    try {
      expect(drydock.endpoint).toBe(`http://localhost:${drydock.port}`);
      const identity = await new STSClient(drydock.clientConfig).send(new GetCallerIdentityCommand({}));
      expect(identity.Account).toBe('000000000000');
      expect(existsSync(drydock.dataDir)).toBe(true);
    } finally {
      await drydock.stop();
    }
    expect(existsSync(drydock.dataDir)).toBe(false);
  });

  it('keeps instances apart, resets one, and moves its clock', async () => {
    const [first, second] = await Promise.all([startDrydock(), startDrydock({ region: 'eu-west-1' })]);
    try {
      expect(first.port).not.toBe(second.port);
      await new SSMClient(first.clientConfig).send(new PutParameterCommand({ Name: '/embedded', Value: 'first', Type: 'String' }));
      await expect(new SSMClient(second.clientConfig).send(new GetParameterCommand({ Name: '/embedded' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });

      const before = Date.now();
      const later = first.advanceTime(10 * 60_000);
      expect(later.getTime()).toBeGreaterThanOrEqual(before + 10 * 60_000);

      await first.reset();
      await expect(new SSMClient(first.clientConfig).send(new GetParameterCommand({ Name: '/embedded' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  it('refuses a data directory together with ephemeral', async () => {
    await expect(startDrydock({ dataDir: '/tmp/x', ephemeral: true })).rejects.toThrow('either dataDir or ephemeral');
  });
});
