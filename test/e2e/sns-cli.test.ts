/**
 * `drydock sns outbox` through the built CLI against a real server: the email and SMS messages SNS
 * recorded instead of sending them, as JSON lines from a script or as text, for one recipient or all.
 */
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { drydock } from './cli-helpers.js';
import { eventually, outbox } from './sns-helpers.js';

const server = useServer();

describe('drydock sns outbox', () => {
  it('prints the confirmation and the notifications an email subscriber was sent', async () => {
    const sns = new SNSClient(server.clientConfig);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'cli-alerts', Attributes: { DisplayName: 'Alerts' } }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'oncall@example.com' }));
    const confirmation = await eventually(async () => (await outbox(server.url, 'oncall@example.com'))[0]);
    await fetch(/http:\/\/\S+Action=ConfirmSubscription\S+/.exec(confirmation.body)![0]);
    await sns.send(new PublishCommand({ TopicArn, Message: 'disk almost full', Subject: 'Disk' }));
    await sns.send(new PublishCommand({ PhoneNumber: '+15550001111', Message: 'page: disk' }));
    await eventually(async () => (await outbox(server.url, 'oncall@example.com'))[1]);

    const json = await drydock(['sns', 'outbox', '--to', 'oncall@example.com', '--endpoint', server.url]);
    expect(json.code).toBe(0);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => [l.protocol, l.to, l.subject])).toEqual([
      ['email', 'oncall@example.com', 'Alerts - Subscription Confirmation'],
      ['email', 'oncall@example.com', 'Disk'],
    ]);
    expect(lines[1].body).toMatch(/^disk almost full\n\n--\nIf you wish to stop receiving notifications from this topic/);

    const everything = await drydock(['sns', 'outbox', '--endpoint', server.url, '--json']);
    expect(
      everything.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).to),
    ).toEqual(['oncall@example.com', 'oncall@example.com', '+15550001111']);

    const none = await drydock(['sns', 'outbox', '--to', 'nobody@example.com', '--endpoint', server.url]);
    expect(none.stdout).toBe('');
  });

  it('answers usage errors and help', async () => {
    const bare = await drydock(['sns']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('sns needs a subcommand: outbox');
    const unknown = await drydock(['sns', 'inbox']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown sns command "inbox"');
    const help = await drydock(['sns', 'outbox', '--help']);
    expect(help.stdout).toContain('Usage: drydock sns outbox [--to ADDRESS]');
    const unreachable = await drydock(['sns', 'outbox', '--endpoint', 'http://127.0.0.1:9']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('Drydock is not reachable');
  });
});
