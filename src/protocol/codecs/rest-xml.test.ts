/** The generic hooks restXml offers handlers (response overrides) and routing by required query members, on S3's model. */
import { describe, expect, it } from 'vitest';
import { loadModel } from '../model.js';
import type { HttpRequest } from '../types.js';
import { compileRoutes } from './rest.js';
import { restXmlCodec, withResponse } from './rest-xml.js';

const model = loadModel('s3');
const codec = restXmlCodec(model, { serializationError: 'MalformedXML' });
const op = (name: string) => model.operations.get(name)!;

function request(method: string, url: string, headers: Record<string, string> = {}): HttpRequest {
  const [path, rawQuery = ''] = url.split('?');
  const query = rawQuery ? rawQuery.split('&').map((p) => p.split('=').map(decodeURIComponent) as [string, string]) : [];
  return { method, path, rawQuery, query: query.map(([k, v]) => [k, v ?? '']), headers, body: Buffer.alloc(0) };
}

describe('restXml response overrides', () => {
  it('renames the root element and adds a namespace the model does not declare', () => {
    const res = codec.encode(op('ListObjectsV2'), withResponse({ Name: 'b', KeyCount: 0 }, { xmlRoot: 'ListBucketResult', xmlNamespace: 'urn:x' }), 'req');
    expect(res.body).toContain('<ListBucketResult xmlns="urn:x"><Name>b</Name><KeyCount>0</KeyCount></ListBucketResult>');
    const plain = codec.encode(op('ListObjectsV2'), { Name: 'b' }, 'req');
    expect(plain.body).toContain('<ListObjectsV2Result><Name>b</Name></ListObjectsV2Result>');
  });

  it('overrides the status; a 304 carries headers but no document', () => {
    const partial = codec.encode(op('GetObject'), withResponse({ Body: Buffer.from('ab'), ContentRange: 'bytes 0-1/9' }, { status: 206 }), 'req');
    expect(partial.status).toBe(206);
    expect(partial.headers['content-range']).toBe('bytes 0-1/9');
    const notModified = codec.encode(op('GetObject'), withResponse({ ETag: '"e"', Body: Buffer.from('ab') }, { status: 304 }), 'req');
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBeUndefined();
    expect(notModified.headers.etag).toBe('"e"');
  });

  it('renders a member as the root text, empty when absent', () => {
    const west = codec.encode(op('GetBucketLocation'), withResponse({ LocationConstraint: 'us-west-2' }, { xmlTextMember: 'LocationConstraint', xmlNamespace: 'urn:s3' }), 'req');
    expect(west.body).toContain('<LocationConstraint xmlns="urn:s3">us-west-2</LocationConstraint>');
    const east = codec.encode(op('GetBucketLocation'), withResponse({}, { xmlTextMember: 'LocationConstraint' }), 'req');
    expect(east.body).toContain('<LocationConstraint/>');
  });

  it('withResponse merges with overrides already attached', () => {
    const out = withResponse(withResponse({ Name: 'b' }, { xmlRoot: 'ListBucketResult' }), { xmlNamespace: 'urn:y' });
    expect(codec.encode(op('ListObjectsV2'), out, 'req').body).toContain('<ListBucketResult xmlns="urn:y">');
  });
});

describe('rest routing', () => {
  const router = compileRoutes(model);
  const route = (method: string, url: string, headers?: Record<string, string>) => router.match(request(method, url, headers))?.op.name;

  it('tells operations on one URI apart by their required query members and headers', () => {
    expect(route('PUT', '/b/k')).toBe('PutObject');
    expect(route('PUT', '/b/k?partNumber=1&uploadId=u')).toBe('UploadPart');
    expect(route('PUT', '/b/k?partNumber=1&uploadId=u', { 'x-amz-copy-source': 'b/s' })).toBe('UploadPartCopy');
    expect(route('PUT', '/b/k', { 'x-amz-copy-source': 'b/s' })).toBe('CopyObject');
    expect(route('GET', '/b/k')).toBe('GetObject');
    expect(route('GET', '/b/k?uploadId=u')).toBe('ListParts');
    expect(route('DELETE', '/b/k?uploadId=u')).toBe('AbortMultipartUpload');
    expect(route('DELETE', '/b/k')).toBe('DeleteObject');
    expect(route('POST', '/b/k?uploadId=u')).toBe('CompleteMultipartUpload');
  });

  it('prefers the current operation over a deprecated one on the same URI', () => {
    expect(route('GET', '/b?notification')).toBe('GetBucketNotificationConfiguration');
    expect(route('PUT', '/b?lifecycle')).toBe('PutBucketLifecycleConfiguration');
    expect(route('GET', '/')).toBe('ListBuckets');
  });
});
