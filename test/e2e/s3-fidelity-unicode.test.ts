/**
 * Non-ASCII text in S3's headers, as S3 treats it: user metadata kept as Unicode and answered RFC
 * 2047 encoded (whether it came in a header, a presigned URL's query string or as an encoded-word),
 * response-* overrides answered in ISO-8859-1, and refused with S3's InvalidArgument beyond it:
 * every such GET is answered, none dropped.
 */
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, failure, useServer } from '../helpers.js';

const UNICODE = 'Zoë – 東京';
/** `UNICODE` as S3 answers it: one `B` encoded-word of its UTF-8 (shorter than `Q` here). */
const UNICODE_ANSWERED = `=?UTF-8?B?${Buffer.from(UNICODE).toString('base64')}?=`;

describe('S3 non-ASCII header text', () => {
  const server = useServer();
  let s3: S3Client;

  beforeAll(async () => {
    s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'unicode' }));
  });

  it('metadata from a presigned PUT (hoisted into its query string) is kept and answered RFC 2047 encoded', async () => {
    // Presigned without the SDK's default CRC32 of an empty body, which S3 would hold the upload to (BadDigest).
    const presigner = new S3Client({ ...server.clientConfig, requestChecksumCalculation: 'WHEN_REQUIRED' });
    const url = await getSignedUrl(presigner, new PutObjectCommand({ Bucket: 'unicode', Key: 'presigned', Metadata: { title: UNICODE, plain: 'ascii only', control: '\x04w' } }), {
      expiresIn: 60,
    });
    expect(url).toContain('x-amz-meta-title=');
    const put = await fetch(url, { method: 'PUT', body: 'body' });
    expect(put.status).toBe(200);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'unicode', Key: 'presigned' }));
    expect(head.Metadata).toEqual({ title: UNICODE_ANSWERED, plain: 'ascii only', control: '=?UTF-8?Q?=04w?=' });
    const got = await s3.send(new GetObjectCommand({ Bucket: 'unicode', Key: 'presigned' }));
    expect([await got.Body!.transformToString(), got.Metadata?.title]).toEqual(['body', UNICODE_ANSWERED]);
    // Hoisted headers count as headers: the default presigner's checksum (of an empty body) refuses this body.
    const checked = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'unicode', Key: 'checked' }), { expiresIn: 60 });
    expect(checked).toContain('x-amz-checksum-crc32=');
    const refused = await fetch(checked, { method: 'PUT', body: 'not empty' });
    expect([refused.status, (await refused.text()).includes('<Code>BadDigest</Code>')]).toEqual([400, true]);
  });

  it('metadata sent in headers, as UTF-8 or ISO-8859-1 bytes or as an encoded-word, is answered the same way', async () => {
    // Node sends the SDK's headers as UTF-8 when the body is a string, as ISO-8859-1 when it is a Buffer: both read as 'café'.
    await s3.send(new PutObjectCommand({ Bucket: 'unicode', Key: 'utf8', Body: 'x', Metadata: { latin: 'café', word: `=?UTF-8?B?${Buffer.from('é').toString('base64')}?=` } }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'unicode', Key: 'utf8' }));
    expect(head.Metadata).toEqual({ latin: '=?UTF-8?B?Y2Fmw6k=?=', word: '=?UTF-8?B?w6k=?=' });
    // The signature covers the bytes sent: with a Buffer body Node sends 'é' as one byte, not the UTF-8 the SDK signed.
    await expectAwsError(s3.send(new PutObjectCommand({ Bucket: 'unicode', Key: 'latin1', Body: Buffer.from('x'), Metadata: { latin: 'café' } })), {
      code: 'SignatureDoesNotMatch',
      status: 403,
    });
  });

  it('response-* overrides within ISO-8859-1 are answered as sent, by the SDK and by a presigned URL', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'unicode', Key: 'doc.txt', Body: 'content', Metadata: { title: 'café' } }));
    const disposition = 'attachment; filename="Zoë.txt"';
    const got = await s3.send(new GetObjectCommand({ Bucket: 'unicode', Key: 'doc.txt', ResponseContentDisposition: disposition, ResponseContentType: 'text/plain; charset=utf-8' }));
    expect([await got.Body!.transformToString(), got.ContentDisposition, got.ContentType, got.Metadata?.title]).toEqual(['content', disposition, 'text/plain; charset=utf-8', '=?UTF-8?B?Y2Fmw6k=?=']);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'unicode', Key: 'doc.txt', ResponseContentDisposition: disposition }));
    expect(head.ContentDisposition).toBe(disposition);
    const res = await fetch(await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'unicode', Key: 'doc.txt', ResponseContentDisposition: disposition }), { expiresIn: 60 }));
    expect([res.status, res.headers.get('content-disposition'), await res.text()]).toEqual([200, disposition, 'content']);
  });

  it('an override beyond ISO-8859-1 is refused with InvalidArgument naming it, by the SDK and by a presigned URL', async () => {
    const disposition = `attachment; filename="${UNICODE}.txt"`;
    await expectAwsError(s3.send(new GetObjectCommand({ Bucket: 'unicode', Key: 'doc.txt', ResponseContentDisposition: disposition })), {
      code: 'InvalidArgument',
      status: 400,
      message: 'Header value cannot be represented using ISO-8859-1.',
    });
    // A HEAD's refusal has no body to name it.
    expect((await failure(s3.send(new HeadObjectCommand({ Bucket: 'unicode', Key: 'doc.txt', ResponseCacheControl: '東' })))).$metadata.httpStatusCode).toBe(400);
    const res = await fetch(await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'unicode', Key: 'doc.txt', ResponseContentDisposition: disposition }), { expiresIn: 60 }));
    const body = await res.text();
    expect(res.status).toBe(400);
    expect(body).toContain('<Code>InvalidArgument</Code><Message>Header value cannot be represented using ISO-8859-1.</Message>');
    expect(body).toContain(`<ArgumentName>response-content-disposition</ArgumentName><ArgumentValue>${disposition.replace(/"/g, '&quot;')}</ArgumentValue>`);
  });
});
