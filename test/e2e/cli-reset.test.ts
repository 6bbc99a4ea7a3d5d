/**
 * `drydock status` and `drydock reset` through the built CLI against a real server: JSON lines
 * from a script, text on a terminal; reset asks on a terminal, refuses a script that did not say
 * --yes, and puts Drydock's clock back along with deleting every resource.
 */

import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { drydock, onTerminal } from './cli-helpers.js';

const server = useServer();
let ssm: SSMClient;
const endpoint = () => ['--endpoint', server.url];
const DAY = 86_400_000;

beforeAll(() => {
  ssm = new SSMClient(server.clientConfig);
});

beforeEach(async () => {
  await ssm.send(new PutParameterCommand({ Name: '/cli/doomed', Value: 'v', Type: 'String', Overwrite: true }));
});

const parameterExists = () =>
  ssm.send(new GetParameterCommand({ Name: '/cli/doomed' })).then(
    () => true,
    (err: Error) => (err.name === 'ParameterNotFound' ? false : Promise.reject(err)),
  );

describe('drydock status', () => {
  it('from a script: the health document as one JSON line; on a terminal: text', async () => {
    const health = (await (await fetch(`${server.url}/_drydock/health`)).json()) as Record<string, unknown>;
    const piped = await drydock(['status', ...endpoint()]);
    expect(piped).toMatchObject({ code: 0, stderr: '' });
    expect(piped.stdout.split('\n')).toHaveLength(2);
    // Time moves, and the sandbox may still be detected on the first request: the rest is the same document.
    const changing = { time: expect.any(String), sandbox: expect.any(String) };
    expect(JSON.parse(piped.stdout)).toEqual({ ...health, ...changing });

    const shown = await onTerminal(['status', ...endpoint()]);
    expect(shown.code).toBe(0);
    expect(shown.output.split('\n')).toEqual([
      `Drydock ${health.version} running at ${server.url}`,
      `  data      ${server.dataDir}`,
      expect.stringMatching(/^ {2}time {6}\d{4}-\d\d-\d\dT/),
      expect.stringMatching(/^ {2}sandbox {3}\S+$/),
      `  services  ${Object.keys(health.services as object)
        .sort()
        .join(', ')}`,
      '',
    ]);
    expect(JSON.parse((await onTerminal(['status', '--json', ...endpoint()])).output)).toMatchObject({ status: 'running', dataDir: server.dataDir });
  });
});

describe('drydock reset', () => {
  it('from a script without --yes: refuses, exit 2, and deletes nothing', async () => {
    const refused = await drydock(['reset', ...endpoint()], {}, 'y\n');
    expect(refused).toEqual({
      code: 2,
      stdout: '',
      stderr: `drydock: reset deletes all state of the Drydock at ${server.url} and stdin is not a terminal to confirm on: pass --yes (see drydock reset --help)\n`,
    });
    expect(await parameterExists()).toBe(true);
  });

  it('--yes: deletes every resource and puts the clock back to the real time; one JSON line', async () => {
    await server.advanceClock(DAY);
    const reset = await drydock(['reset', '--yes', ...endpoint()]);
    expect(reset).toEqual({ code: 0, stdout: '{"reset":true}\n', stderr: '' });
    expect(await parameterExists()).toBe(false);
    const status = JSON.parse((await drydock(['status', ...endpoint()])).stdout) as { time: string };
    expect(Math.abs(Date.parse(status.time) - Date.now())).toBeLessThan(60_000);
  });

  it('on a terminal: asks, and anything but yes deletes nothing', async () => {
    for (const typed of ['n\n', '\n', 'maybe\n']) {
      const declined = await onTerminal(['reset', ...endpoint()], {}, typed);
      expect(declined.code).toBe(1);
      expect(declined.output).toContain(`Delete every resource of every service of the Drydock at ${server.url} (data: ${server.dataDir}) and reset its clock? [y/N] `);
      expect(declined.output).toContain('drydock: reset cancelled: nothing was deleted\n');
      expect(await parameterExists()).toBe(true);
    }
  });

  it('on a terminal: yes resets and says so in text; -y skips the question', async () => {
    await server.advanceClock(DAY);
    const confirmed = await onTerminal(['reset', ...endpoint()], {}, 'yes\n');
    expect(confirmed.code).toBe(0);
    expect(confirmed.output).toContain('[y/N] ');
    expect(confirmed.output.trimEnd().split('\n').at(-1)).toBe(`Drydock at ${server.url} reset: every resource deleted, the clock back to the real time`);
    expect(await parameterExists()).toBe(false);
    const health = (await (await fetch(`${server.url}/_drydock/health`)).json()) as { time: string };
    expect(Math.abs(Date.parse(health.time) - Date.now())).toBeLessThan(60_000);

    await ssm.send(new PutParameterCommand({ Name: '/cli/doomed', Value: 'v', Type: 'String', Overwrite: true }));
    const unasked = await onTerminal(['reset', '-y', ...endpoint()]);
    expect(unasked).toEqual({ code: 0, output: `Drydock at ${server.url} reset: every resource deleted, the clock back to the real time\n` });
    expect(await parameterExists()).toBe(false);
  });
});
