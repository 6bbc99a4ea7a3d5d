/**
 * Bodies of streaming uploads (S3 PutObject, UploadPart): decoded from `aws-chunked` with every
 * chunk signature checked, or hashed on the fly against a signed `x-amz-content-sha256`. The
 * stream errors at the end if anything does not match, so the consumer (which writes to a temp
 * blob) never commits a body the client did not sign.
 */

import { createHash } from 'node:crypto';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { AwsError } from '../core/errors.js';
import type { PipelineErrors } from './dialect.js';
import { chunkSignature, EMPTY_SHA256, type SigV4Auth, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER, trailerSignature, UNSIGNED_PAYLOAD } from './sigv4.js';

/** The errors a body check answers with, in the service's wording. */
export type BodyErrors = Pick<PipelineErrors, 'signatureMismatch' | 'payloadHashMismatch'>;

/** Trailing headers (`x-amz-checksum-crc32: …`) of an aws-chunked body, known once it has ended. */
export type Trailers = Record<string, string>;

const MAX_CHUNK_HEADER = 4096;

class AwsChunkedDecoder extends Transform {
  readonly trailers: Trailers = {};
  private buffer: Buffer = Buffer.alloc(0);
  private state: 'header' | 'data' | 'data-crlf' | 'trailer' | 'done' = 'header';
  private remaining = 0;
  private chunkSig = '';
  private chunkHash = createHash('sha256');
  private previous: string;
  private decoded = 0;

  constructor(
    private readonly signing: { key: Uint8Array; auth: SigV4Auth } | undefined,
    private readonly errors: BodyErrors,
    private readonly trailerSigned: boolean,
    /** x-amz-decoded-content-length: the body must decode to exactly this many bytes. */
    private readonly declaredLength: number | undefined,
  ) {
    super();
    this.previous = signing?.auth.signature ?? '';
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    try {
      this.drain();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.state !== 'done') done(incomplete());
    else if (this.declaredLength !== undefined && this.decoded !== this.declaredLength) {
      done(new AwsError('IncompleteBody', 'You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header', { status: 400 }));
    } else done();
  }

  private drain(): void {
    for (;;) {
      if (this.state === 'header') {
        const eol = this.buffer.indexOf('\r\n');
        if (eol < 0) {
          if (this.buffer.length > MAX_CHUNK_HEADER) throw incomplete();
          return;
        }
        const line = this.buffer.subarray(0, eol).toString('latin1');
        this.buffer = this.buffer.subarray(eol + 2);
        const [sizeText, ...ext] = line.split(';');
        if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw incomplete();
        this.remaining = parseInt(sizeText, 16);
        this.chunkSig = ext.find((e) => e.startsWith('chunk-signature='))?.slice('chunk-signature='.length) ?? '';
        if (this.signing && !this.chunkSig) throw this.errors.signatureMismatch();
        this.chunkHash = createHash('sha256');
        if (this.remaining === 0) {
          this.checkChunk(EMPTY_SHA256);
          this.state = 'trailer';
        } else {
          this.state = 'data';
        }
      } else if (this.state === 'data') {
        if (!this.buffer.length) return;
        const take = Math.min(this.remaining, this.buffer.length);
        const piece = this.buffer.subarray(0, take);
        this.buffer = this.buffer.subarray(take);
        this.remaining -= take;
        this.decoded += take;
        if (this.signing) this.chunkHash.update(piece);
        this.push(piece);
        if (this.remaining === 0) {
          if (this.signing) this.checkChunk(this.chunkHash.digest('hex'));
          this.state = 'data-crlf';
        }
      } else if (this.state === 'data-crlf') {
        if (this.buffer.length < 2) return;
        if (this.buffer[0] !== 0x0d || this.buffer[1] !== 0x0a) throw incomplete();
        this.buffer = this.buffer.subarray(2);
        this.state = 'header';
      } else if (this.state === 'trailer') {
        const eol = this.buffer.indexOf('\r\n');
        if (eol < 0) {
          if (this.buffer.length > MAX_CHUNK_HEADER) throw incomplete();
          return;
        }
        const line = this.buffer.subarray(0, eol).toString('latin1');
        this.buffer = this.buffer.subarray(eol + 2);
        if (line === '') {
          this.finishTrailers();
          this.state = 'done';
          return;
        }
        const colon = line.indexOf(':');
        if (colon < 0) throw incomplete();
        this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      } else {
        return;
      }
    }
  }

  private checkChunk(hashHex: string): void {
    if (!this.signing) return;
    const { key, auth } = this.signing;
    const expected = chunkSignature(key, auth, this.previous, hashHex);
    if (expected !== this.chunkSig) throw this.errors.signatureMismatch();
    this.previous = expected;
  }

  private finishTrailers(): void {
    if (!this.signing || !this.trailerSigned) return;
    const { key, auth } = this.signing;
    const signature = this.trailers['x-amz-trailer-signature'];
    delete this.trailers['x-amz-trailer-signature'];
    const text = Object.entries(this.trailers)
      .map(([k, v]) => `${k}:${v}\n`)
      .join('');
    if (!signature || trailerSignature(key, auth, this.previous, text) !== signature) throw this.errors.signatureMismatch();
  }
}

function incomplete(): AwsError {
  return new AwsError('IncompleteBody', 'The request body terminated unexpectedly or is not valid aws-chunked encoding.', { status: 400 });
}

class PayloadHashCheck extends Transform {
  private readonly hash = createHash('sha256');
  constructor(
    private readonly expected: string,
    private readonly errors: BodyErrors,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    const actual = this.hash.digest('hex');
    done(actual !== this.expected.toLowerCase() ? this.errors.payloadHashMismatch(this.expected, actual) : undefined);
  }
}

export interface VerifiedBody {
  stream: Readable;
  /** aws-chunked trailers, filled in when the stream ends. */
  trailers: Trailers;
  /** Length of the decoded body when the client declared it (x-amz-decoded-content-length). */
  decodedLength?: number;
}

/** Wraps a raw request stream in the decoding and checks its headers call for. */
export function verifiedBody(raw: Readable, headers: Record<string, string>, signing: { key: Uint8Array; auth: SigV4Auth } | undefined, errors: BodyErrors): VerifiedBody {
  const contentHash = headers['x-amz-content-sha256'];
  const encoding = headers['content-encoding'];
  const chunked =
    // Split only when there is an encoding: most uploads carry none.
    encoding?.split(',').some((s) => s.trim() === 'aws-chunked') || contentHash === STREAMING_SIGNED || contentHash === STREAMING_SIGNED_TRAILER || contentHash === STREAMING_UNSIGNED_TRAILER;
  const decodedLength = headers['x-amz-decoded-content-length'] !== undefined ? Number(headers['x-amz-decoded-content-length']) : undefined;
  if (chunked) {
    const signed = contentHash === STREAMING_SIGNED || contentHash === STREAMING_SIGNED_TRAILER;
    const decoder = new AwsChunkedDecoder(signed ? signing : undefined, errors, contentHash === STREAMING_SIGNED_TRAILER, decodedLength);
    raw.on('error', (err) => decoder.destroy(err));
    return { stream: raw.pipe(decoder), trailers: decoder.trailers, decodedLength };
  }
  if (contentHash && contentHash !== UNSIGNED_PAYLOAD && /^[0-9a-fA-F]{64}$/.test(contentHash)) {
    const check = new PayloadHashCheck(contentHash, errors);
    raw.on('error', (err) => check.destroy(err));
    return { stream: raw.pipe(check), trailers: {} };
  }
  return { stream: raw, trailers: {} };
}
