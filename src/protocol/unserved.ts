/**
 * Requests for AWS services Drydock does not serve (CloudFormation, SNS, EC2 …). There is no model
 * to answer them by, so the protocol the client speaks is read from the request itself, and the
 * answer, 501 NotImplemented naming the service, is written in that protocol: the aws CLI and the
 * SDKs then print it as the service's error instead of failing to parse another service's answer.
 * Authentication still comes first, in the same protocol's wording (the pipeline does it).
 */
import { AwsError } from '../core/errors.js';
import { escapeXml } from './codecs/xml.js';
import { awsErrors, type PipelineErrors } from './dialect.js';
import type { HttpRequest, HttpResponse } from './types.js';

/** The protocol families a client can speak to a service, told apart by the request alone. */
type WireProtocol = 'json' | 'rpcv2-cbor' | 'query' | 'ec2' | 'rest-json' | 'rest-xml';

/** Signing names of the REST services that speak XML (S3 aside, which Drydock serves). */
const REST_XML_SIGNING_NAMES = new Set(['cloudfront', 'route53']);

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * Thrown by routing for a request to a service Drydock does not serve, once its body is read. Not
 * an AwsError: the pipeline authenticates the request before answering `notServed`.
 */
export class UnservedRequest extends Error {
  readonly protocol: WireProtocol;
  /** The pipeline's authentication errors in this protocol's wording. */
  readonly errors: PipelineErrors;
  /** 501 NotImplemented naming the service and those Drydock serves. */
  readonly notServed: AwsError;
  /** The operation as the request names it (X-Amz-Target, Action), for the request log. */
  readonly operation: string;

  /**
   * @param signingName the service in the SigV4 credential scope; undefined for an unsigned
   * request, which then fails authentication before anything names its service.
   */
  constructor(
    private readonly req: HttpRequest,
    readonly signingName: string | undefined,
    served: readonly string[],
    action: string | undefined,
  ) {
    const service = signingName === undefined ? "this request's service" : `'${signingName}' (the service in this request's credential scope)`;
    super(`Drydock does not serve ${service} yet; it serves: ${served.join(', ')}.`);
    this.protocol = protocolOf(req, signingName);
    this.errors = awsErrors(this.protocol === 'rpcv2-cbor' ? 'json' : this.protocol);
    this.notServed = new AwsError('NotImplemented', this.message, { status: 501 });
    const target = req.headers['x-amz-target'];
    this.operation = target ? target.slice(target.lastIndexOf('.') + 1) : (action ?? '');
  }

  /** `err` as the service would send it in the protocol the request was made in. */
  encodeError(err: AwsError, requestId: string): HttpResponse {
    const status = err.status ?? 400;
    const code = escapeXml(err.code);
    const message = escapeXml(err.message);
    const type = status < 500 ? 'Sender' : 'Receiver';
    const jsonHeaders = { 'x-amzn-requestid': requestId, 'x-amzn-errortype': err.code, ...err.headers };
    switch (this.protocol) {
      case 'json': {
        const declared = this.req.headers['content-type'] ?? '';
        const contentType = declared.startsWith('application/x-amz-json-') ? declared : 'application/x-amz-json-1.1';
        return { status, headers: { 'content-type': contentType, ...jsonHeaders }, body: JSON.stringify({ __type: err.code, message: err.message }) };
      }
      case 'rest-json':
        return { status, headers: { 'content-type': 'application/json', ...jsonHeaders }, body: JSON.stringify({ message: err.message }) };
      case 'rpcv2-cbor':
        return { status, headers: { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor', ...jsonHeaders }, body: cborTextMap({ __type: err.code, message: err.message }) };
      case 'ec2':
        return {
          status,
          headers: { 'content-type': 'text/xml;charset=UTF-8', ...err.headers },
          body: `${XML_DECLARATION}<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
        };
      case 'query':
      case 'rest-xml':
        return {
          status,
          headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, ...err.headers },
          body: `${XML_DECLARATION}<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        };
    }
  }
}

/** The protocol a request is made in: its headers and form first, then what its signing name tells. */
function protocolOf(req: HttpRequest, signingName: string | undefined): WireProtocol {
  if (req.headers['x-amz-target']) return 'json';
  if (req.headers['smithy-protocol'] === 'rpc-v2-cbor') return 'rpcv2-cbor';
  // EC2's requests look like awsQuery's; only the service tells its error shape apart.
  if (signingName === 'ec2') return 'ec2';
  const contentType = req.headers['content-type'] ?? '';
  if (contentType.startsWith('application/x-www-form-urlencoded') || req.query.some(([name]) => name === 'Action')) return 'query';
  if ((signingName && REST_XML_SIGNING_NAMES.has(signingName)) || /[/+]xml\b/.test(contentType)) return 'rest-xml';
  return 'rest-json';
}

/** CBOR (RFC 8949) of a map of text strings: all an rpcv2-cbor error body needs. */
function cborTextMap(entries: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const keys = Object.keys(entries);
  parts.push(cborHead(5, keys.length));
  for (const key of keys) {
    for (const text of [key, entries[key]]) {
      const bytes = Buffer.from(text, 'utf8');
      parts.push(cborHead(3, bytes.length), bytes);
    }
  }
  return Buffer.concat(parts);
}

/** A CBOR item head: major type and length, in the shortest form. */
function cborHead(majorType: number, length: number): Buffer {
  const major = majorType << 5;
  if (length < 24) return Buffer.from([major | length]);
  if (length < 0x100) return Buffer.from([major | 24, length]);
  if (length < 0x10000) return Buffer.from([major | 25, length >> 8, length & 0xff]);
  const head = Buffer.alloc(5);
  head[0] = major | 26;
  head.writeUInt32BE(length, 1);
  return head;
}
