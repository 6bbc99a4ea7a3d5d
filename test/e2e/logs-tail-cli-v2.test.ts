/**
 * `aws logs tail --follow` is a command of the aws CLI v2 only. The machine's default `aws` is v1,
 * so this test runs when a v2 CLI is found (DRYDOCK_AWS_V2, or Debian's awscli package at
 * /usr/bin/aws); the polling loop it performs is covered with the SDK in logs-events.test.ts.
 */

import { spawn, spawnSync } from 'node:child_process';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';

function findAwsV2(): string | undefined {
  for (const candidate of [process.env.DRYDOCK_AWS_V2, '/usr/bin/aws'].filter((c): c is string => !!c)) {
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (version.status === 0 && /^aws-cli\/2\./.test(version.stdout)) return candidate;
  }
  return undefined;
}

describe('aws logs tail --follow (aws CLI v2)', () => {
  const awsV2 = findAwsV2();
  const server = useServer();

  it('prints existing events, then events put while it follows', async (ctx) => {
    if (!awsV2) ctx.skip('no aws CLI v2 on this machine (set DRYDOCK_AWS_V2 or install Debian awscli)');
    const logs = new CloudWatchLogsClient(server.clientConfig);
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/app/tail' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/app/tail', logStreamName: 'web-1' }));
    await logs.send(new PutLogEventsCommand({ logGroupName: '/app/tail', logStreamName: 'web-1', logEvents: [{ timestamp: Date.now(), message: 'before follow' }] }));

    // Unbuffered: Python block-buffers a pipe, and a following tail never fills the buffer.
    const child = spawn(awsV2!, ['--endpoint-url', server.url, 'logs', 'tail', '/app/tail', '--follow', '--format', 'short', '--since', '10m'], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
        PYTHONUNBUFFERED: '1',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const waitFor = async (text: string) => {
      const deadline = Date.now() + 20_000;
      while (!output.includes(text)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`tail never printed '${text}'; it printed: ${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      await waitFor('before follow');
      await logs.send(new PutLogEventsCommand({ logGroupName: '/app/tail', logStreamName: 'web-1', logEvents: [{ timestamp: Date.now(), message: 'while following' }] }));
      await waitFor('while following');
      expect(output.indexOf('before follow')).toBeLessThan(output.indexOf('while following'));
    } finally {
      child.kill('SIGINT');
    }
  }, 40_000);
});
