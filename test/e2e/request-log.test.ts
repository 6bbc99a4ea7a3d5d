/**
 * One info log line per AWS or Git request once it is answered (service, operation, status, ms,
 * request id), none for the internal /_drydock routes or the home page, and none at all with
 * `requestLog: false` (`drydock start --quiet`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { expectAwsError } from '../helpers.js';
import { requests, send, signedRequest } from './raw-request.js';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A Drydock whose log lines (pino JSON, info and up) are kept in `lines`. */
function loggedServer(requestLog?: boolean) {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'drydock-request-log-'));
  let running: RunningServer | undefined;
  beforeAll(async () => {
    running = await startServer({ port: 0, host: '127.0.0.1', dataDir, log: pino({ level: 'info', base: undefined }, sink), requestLog });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const url = () => running!.url;
  const clientConfig = () => ({ endpoint: url(), region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  /** The request lines logged while `action` ran. */
  const requestLines = async (action: () => Promise<unknown>): Promise<LogLine[]> => {
    const before = lines.length;
    await action();
    return lines.slice(before).filter((line) => line.msg === 'request');
  };
  return { url, clientConfig, requestLines };
}

describe('with the default options', () => {
  const server = loggedServer();

  it('logs each AWS request once, at info: service, operation, status, ms and request id', async () => {
    const ssm = new SSMClient(server.clientConfig());
    let requestId: string | undefined;
    const logged = await server.requestLines(async () => {
      const put = await ssm.send(new PutParameterCommand({ Name: '/log/a', Value: 'v', Type: 'String' }));
      requestId = put.$metadata.requestId;
    });
    expect(logged).toEqual([{ level: 30, time: expect.any(Number), msg: 'request', service: 'ssm', operation: 'PutParameter', status: 200, ms: expect.any(Number), requestId }]);
  });

  it("logs failed requests with the error's status", async () => {
    const ssm = new SSMClient(server.clientConfig());
    const logged = await server.requestLines(() => expectAwsError(ssm.send(new GetParameterCommand({ Name: '/log/missing' })), { code: 'ParameterNotFound', status: 400 }));
    expect(logged).toMatchObject([{ service: 'ssm', operation: 'GetParameter', status: 400 }]);
  });

  it('logs requests for services Drydock does not serve by their signing name and operation', async () => {
    const logged = await server.requestLines(() => signedRequest(server.url(), requests.query('autoscaling', 'DescribeAutoScalingGroups', '2011-01-01')));
    expect(logged).toMatchObject([{ service: 'autoscaling', operation: 'DescribeAutoScalingGroups', status: 501 }]);
  });

  it("logs Git requests: method, the route's path prefix, status", async () => {
    const host = new URL(server.url()).host;
    const logged = await server.requestLines(() => send(server.url(), { method: 'GET', path: '/v1/repos/nothing-here/info/refs', query: { service: 'git-upload-pack' }, headers: { host } }));
    expect(logged).toEqual([{ level: 30, time: expect.any(Number), msg: 'request', service: 'codecommit', method: 'GET', path: '/v1/repos/', status: 401, ms: expect.any(Number) }]);
  });

  it('does not log the internal routes or the home page', async () => {
    const logged = await server.requestLines(async () => {
      await (await fetch(`${server.url()}/_drydock/health`)).text();
      await (await fetch(`${server.url()}/`)).text();
    });
    expect(logged).toEqual([]);
  });
});

describe('with requestLog: false', () => {
  const server = loggedServer(false);

  it('logs no request', async () => {
    const ssm = new SSMClient(server.clientConfig());
    const host = new URL(server.url()).host;
    const logged = await server.requestLines(async () => {
      await ssm.send(new PutParameterCommand({ Name: '/log/quiet', Value: 'v', Type: 'String' }));
      await send(server.url(), { method: 'GET', path: '/v1/repos/nothing-here/info/refs', query: { service: 'git-upload-pack' }, headers: { host } });
    });
    expect(logged).toEqual([]);
  });
});
