/**
 * The answer to a request Node's HTTP parser refuses before the pipeline sees it (headers beyond
 * the server's maxHeaderSize, a malformed request line): a complete HTTP response in bytes, so the
 * client reads an error instead of a reset connection. The service is unknown at that point, so the
 * error is written in a form every SDK reads: an XML `<Error>` body (S3, query protocols) and the
 * `x-amzn-errortype` header (JSON protocols).
 */
import { escapeXml } from './codecs/xml.js';

export function clientErrorResponse(err: Error & { code?: string }): string {
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  // AWS's own front ends refuse an oversized header section with a 400 RequestHeaderSectionTooLarge.
  const code = tooLarge ? 'RequestHeaderSectionTooLarge' : 'BadRequest';
  const message = tooLarge ? 'Your request header section exceeds the maximum allowed size.' : `The request could not be parsed as HTTP/1.1 (${err.code ?? err.message}).`;
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
  return ['HTTP/1.1 400 Bad Request', 'Content-Type: application/xml', `Content-Length: ${Buffer.byteLength(body)}`, `x-amzn-errortype: ${code}`, 'Connection: close', '', body].join('\r\n');
}
