/**
 * A browser or curl at Drydock's address gets a short HTML page (version, endpoint, served services
 * and how far, how to configure the CLI), while S3 clients keep their ListBuckets at `/`.
 */
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { SERVICES } from '../../src/services/index.js';
import { VERSION } from '../../src/version.js';
import { useServer } from '../helpers.js';
import { send } from './raw-request.js';

const server = useServer();

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('the home page', () => {
  it('is HTML with the version, the endpoint, each served service and its operation count, and the CLI settings', async () => {
    const res = await fetch(`${server.url}/`, { headers: { accept: BROWSER_ACCEPT } });
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    const html = await res.text();
    expect(html).toContain(`<title>Drydock ${VERSION}</title>`);
    const endpoint = `http://${new URL(server.url).host}`;
    expect(html).toContain(`export AWS_ENDPOINT_URL=${endpoint}`);
    expect(html).toContain(`aws configure set endpoint_url ${endpoint}`);
    for (const def of Object.values(SERVICES)) {
      expect(html).toContain(`<a href="/_drydock/coverage#${def.name}">${def.model.metadata.serviceFullName}</a></td><td><code>${def.name}</code>`);
    }
    // CodeCommit implements every operation of its model; SSM not all of them.
    const codecommit = SERVICES.codecommit.model.operations.size;
    expect(html).toContain(`<code>codecommit</code></td><td class="n">${codecommit} of ${codecommit}</td>`);
    expect(html).toMatch(new RegExp(`<code>ssm</code></td><td class="n">\\d+ of ${SERVICES.ssm.model.operations.size}</td>`));
    expect(html).not.toMatch(/<script|<link|src=/);
  });

  it('is what curl gets too (Accept: */*), and HEAD gets its headers only', async () => {
    const host = new URL(server.url).host;
    const curl = await send(server.url, { method: 'GET', path: '/', headers: { host, accept: '*/*', 'user-agent': 'curl/8.5.0' } });
    expect([curl.status, curl.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    const head = await send(server.url, { method: 'HEAD', path: '/', headers: { host, accept: '*/*' } });
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, String(Buffer.byteLength(curl.text)), 0]);
  });

  it('escapes what the request brings (the Host header)', async () => {
    const res = await send(server.url, { method: 'GET', path: '/', headers: { host: 'x"><script>alert(1)</script>', accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('<script>');
    expect(res.text).toContain('http://x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('links to every operation of each service, implemented or answering 501', async () => {
    const res = await fetch(`${server.url}/_drydock/coverage`);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    const html = await res.text();
    const ssm = html.slice(html.indexOf('<h2 id="ssm">'), html.indexOf('<h2', html.indexOf('<h2 id="ssm">') + 1));
    expect(ssm).toMatch(/<strong>Implemented \(\d+\):<\/strong> [^\n]*<code>GetParameter<\/code>/);
    expect(ssm).toMatch(/<strong>Not implemented, answering 501 \(\d+\):<\/strong> [^\n]*<code>SendCommand<\/code>/);
  });
});

describe('S3 at /', () => {
  it('a signed ListBuckets still lists buckets', async () => {
    const s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'home-page-bucket' }));
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name)).toContain('home-page-bucket');
  });

  it("an SDK's anonymous request (no Accept) keeps S3's AccessDenied", async () => {
    const res = await send(server.url, { method: 'GET', path: '/', headers: { host: new URL(server.url).host } });
    expect([res.status, res.code]).toEqual([403, 'AccessDenied']);
  });

  it("a virtual-hosted bucket's / is the bucket's, even for a browser", async () => {
    const res = await send(server.url, { method: 'GET', path: '/', headers: { host: `home-page-bucket.s3.localhost:${server.port}`, accept: BROWSER_ACCEPT } });
    expect([res.status, res.code]).toEqual([403, 'AccessDenied']);
  });
});
