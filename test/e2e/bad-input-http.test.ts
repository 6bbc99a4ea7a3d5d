/**
 * Malformed HTTP at the pipeline itself: bad percent-encoding, huge headers, unexpected methods,
 * Expect: 100-continue, keep-alive reuse after errors, clients aborting mid-upload. No crash, no
 * 500, and the server keeps serving.
 */

import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { parseResponse, queryString, type RawResponse, requests, send, sign, signedRequest } from './raw-request.js';

const whoAmI = () => requests.query('sts', 'GetCallerIdentity', '2011-06-15');

/** Writes raw bytes on a fresh socket and returns everything the server sent back until it closed or `until` matched. */
function rawExchange(port: number, chunks: (string | Buffer)[], options: { until?: RegExp; destroyAfterWrite?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => {
      received += d.toString('latin1');
      if (options.until?.test(received)) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
      if (options.destroyAfterWrite) setTimeout(() => socket.destroy(), 50);
    });
  });
}

describe('malformed HTTP', () => {
  const server = useServer();
  beforeAll(async () => {
    await new S3Client(server.clientConfig).send(new CreateBucketCommand({ Bucket: 'http-bucket' }));
  });

  const stillServing = async () => {
    const res = await signedRequest(server.url, whoAmI());
    expect(res.status).toBe(200);
  };

  it('invalid percent-encoding in the path and query string is a client error', async () => {
    for (const path of ['/http-bucket/%E0%A4%A', '/http-bucket/%ZZ?x=%zz&%%=1']) {
      const res = await signedRequest(server.url, { service: 's3', method: 'GET', path, signPayloadHeader: true });
      expect(res.status, res.text).toBeGreaterThanOrEqual(400);
      expect(res.status, res.text).toBeLessThan(500);
    }
    const unsigned = await send(server.url, { method: 'GET', path: '/%ZZ/%E0%A4%A?Action=%ZZ', headers: { host: new URL(server.url).host } });
    expect(unsigned.status).toBeLessThan(500);
    await stillServing();
  });

  it('an unsigned query-protocol GET is routed by its Action and answered (not left waiting)', async () => {
    const host = new URL(server.url).host;
    const res = await send(server.url, { method: 'GET', path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host } });
    expect([res.status, res.code]).toEqual([403, 'MissingAuthenticationToken']);
  });

  it("a request signed for a service Drydock does not emulate gets 501, not another service's answer", async () => {
    const query = await signedRequest(server.url, requests.query('elasticloadbalancing', 'DescribeLoadBalancers', '2015-12-01'));
    expect([query.status, query.code]).toEqual([501, 'NotImplemented']);
    const json = await signedRequest(server.url, requests.json('dynamodb', 'DynamoDB_20120810', 'ListTables', {}, '1.0'));
    expect([json.status, json.code]).toEqual([501, 'NotImplemented']);
    expect(json.message).toMatch(/^Drydock does not serve 'dynamodb' .* yet; it serves: /);
  });

  it('huge headers are refused as S3 refuses them (400 RequestHeaderSectionTooLarge) and the server keeps serving', async () => {
    const reply = await rawExchange(server.port, [`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`], { until: /<\/Error>/ });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect(reply).toContain('<Code>RequestHeaderSectionTooLarge</Code>');
    await stillServing();
  });

  it('awsJson operations only answer POST (a signed HEAD or GET writes nothing)', async () => {
    for (const method of ['GET', 'HEAD', 'PUT']) {
      const res = await signedRequest(server.url, requests.json('ssm', 'AmazonSSM', 'PutParameter', { Name: `/http/${method}`, Value: 'v', Type: 'String' }, '1.1', { method }));
      expect(res.status, res.text).toBe(404);
      if (method !== 'HEAD') expect(res.code).toBe('UnknownOperationException');
      else expect(res.body.length).toBe(0);
    }
    const get = await signedRequest(server.url, requests.json('ssm', 'AmazonSSM', 'GetParameter', { Name: '/http/GET' }));
    expect(get.code).toBe('ParameterNotFound');
  });

  it('OPTIONS and HEAD with no operation are client errors', async () => {
    const host = new URL(server.url).host;
    for (const method of ['OPTIONS', 'HEAD']) {
      const res = await send(server.url, { method, path: '/', headers: { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' } });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('a chunked (Transfer-Encoding) body is read whole', async () => {
    const prepared = await sign(server.url, requests.json('ssm', 'AmazonSSM', 'PutParameter', { Name: '/http/chunked', Value: 'c'.repeat(8000), Type: 'String', Tier: 'Advanced' }));
    const res = await send(server.url, { ...prepared, headers: { ...prepared.headers, 'transfer-encoding': 'chunked' } });
    expect(res.status, res.text).toBe(200);
  });

  it('Expect: 100-continue gets 100 Continue, then the answer', async () => {
    const prepared = await sign(server.url, requests.json('ssm', 'AmazonSSM', 'PutParameter', { Name: '/http/continue', Value: 'v', Type: 'String' }));
    const body = String(prepared.body);
    const head = [
      `POST / HTTP/1.1`,
      ...Object.entries({ ...prepared.headers, 'content-length': String(Buffer.byteLength(body)), expect: '100-continue', connection: 'close' }).map(([k, v]) => `${k}: ${v}`),
      '',
      '',
    ].join('\r\n');
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1');
      let received = '';
      socket.on('data', (d) => {
        received += d.toString();
        if (received.startsWith('HTTP/1.1 100') && !received.includes('\r\n\r\nHTTP/1.1 2') && received.endsWith('\r\n\r\n') && !socket.writableEnded) socket.end(body);
      });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      socket.on('connect', () => socket.write(head));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200/);
  });

  it('keep-alive connections survive error responses', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL(server.url);
    const viaAgent = async (req: Awaited<ReturnType<typeof sign>>): Promise<RawResponse & { reused: boolean }> =>
      new Promise((resolve, reject) => {
        const qs = queryString(req.query);
        const r = httpRequest(
          {
            hostname: url.hostname,
            port: url.port,
            method: req.method,
            path: `${req.path}${qs ? `?${qs}` : ''}`,
            headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
            agent,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ ...parseResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks)), reused: r.reusedSocket }));
          },
        );
        r.on('error', reject);
        r.end(req.body);
      });
    try {
      const bad = await viaAgent(await sign(server.url, requests.json('ssm', 'AmazonSSM', 'PutParameter', '{"broken')));
      expect([bad.status, bad.code]).toEqual([400, 'SerializationException']);
      const denied = await viaAgent(await sign(server.url, { ...whoAmI(), secretAccessKey: 'wrong' }));
      expect([denied.status, denied.code, denied.reused]).toEqual([403, 'SignatureDoesNotMatch', true]);
      const missing = await viaAgent(await sign(server.url, { service: 's3', method: 'GET', path: '/no-such-bucket-kept-alive', signPayloadHeader: true }));
      expect([missing.status, missing.reused]).toEqual([404, true]);
      const good = await viaAgent(await sign(server.url, whoAmI()));
      expect([good.status, good.reused]).toEqual([200, true]);
    } finally {
      agent.destroy();
    }
  });

  it('a client aborting a buffered upload mid-body leaves the server healthy and nothing written', async () => {
    const prepared = await sign(server.url, requests.json('ssm', 'AmazonSSM', 'PutParameter', { Name: '/http/aborted', Value: 'v'.repeat(2000), Type: 'String' }));
    const body = Buffer.from(String(prepared.body));
    const head = [`POST / HTTP/1.1`, ...Object.entries({ ...prepared.headers, 'content-length': String(body.length) }).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
    await rawExchange(server.port, [head, body.subarray(0, 100)], { destroyAfterWrite: true });
    const get = await signedRequest(server.url, requests.json('ssm', 'AmazonSSM', 'GetParameter', { Name: '/http/aborted' }));
    expect(get.code).toBe('ParameterNotFound');
    await stillServing();
  });

  it('a client aborting a streaming S3 upload mid-body leaves no object', async () => {
    const payload = Buffer.alloc(256 * 1024, 7);
    const prepared = await sign(server.url, { service: 's3', method: 'PUT', path: '/http-bucket/aborted', body: payload, signPayloadHeader: true });
    const head = [`PUT /http-bucket/aborted HTTP/1.1`, ...Object.entries({ ...prepared.headers, 'content-length': String(payload.length) }).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
    await rawExchange(server.port, [head, payload.subarray(0, 64 * 1024)], { destroyAfterWrite: true });
    // Give the server a moment to notice the aborted stream.
    await new Promise((r) => setTimeout(r, 100));
    const s3 = new S3Client(server.clientConfig);
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'http-bucket', Key: 'aborted' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    await stillServing();
  });

  it('a body shorter than its Content-Length with the connection left open is not acted on', async () => {
    const prepared = await sign(server.url, requests.json('ssm', 'AmazonSSM', 'PutParameter', { Name: '/http/short', Value: 'v', Type: 'String' }));
    const body = String(prepared.body);
    const head = [`POST / HTTP/1.1`, ...Object.entries({ ...prepared.headers, 'content-length': String(Buffer.byteLength(body) + 10) }).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((r) => socket.on('connect', () => r()));
    socket.write(head + body);
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    const get = await signedRequest(server.url, requests.json('ssm', 'AmazonSSM', 'GetParameter', { Name: '/http/short' }));
    expect(get.code).toBe('ParameterNotFound');
  });
});
