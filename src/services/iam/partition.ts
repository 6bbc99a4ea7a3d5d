/**
 * IAM is global and its ARNs carry no region, so the partition of an ARN it answers with comes from
 * the region the request was signed for: `arn:aws-cn:iam::…` for a client in cn-north-1. IAM keeps
 * every ARN in the `aws` partition and translates at the edge: ARNs in the request's partition are
 * read as `aws` ones, and every `arn:aws:` string it answers is written in the request's partition.
 * Policy documents are untouched: IAM answers them URL-encoded and reads them as JSON text.
 */
import { PARTITION, partitionOf } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { Handler, Handlers, RequestContext } from '../../protocol/types.js';

/** Rewrites every string that starts with `from` (an `arn:<partition>:` prefix) to start with `to`. */
function rewrite(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value.startsWith(from) ? to + value.slice(from.length) : value;
  if (Array.isArray(value)) return value.map((v) => rewrite(v, from, to));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, from, to)]));
  }
  return value;
}

/**
 * ARNs named in an error message (`Policy arn:aws:iam::… does not exist`), in the request's
 * partition. Policy-document errors quote the document as written, so they are left alone.
 */
function inErrorMessage(err: unknown, inside: string, outside: string): unknown {
  if (err instanceof AwsError && err.code !== 'MalformedPolicyDocumentException') err.message = err.message.replaceAll(inside, outside);
  return err;
}

function inPartition(handler: Handler): Handler {
  return (input: object, ctx: RequestContext) => {
    const partition = partitionOf(ctx.region);
    if (partition === PARTITION) return handler(input, ctx);
    const outside = `arn:${partition}:`;
    const inside = `arn:${PARTITION}:`;
    try {
      const output = handler(rewrite(input, outside, inside) as object, ctx);
      return output instanceof Promise
        ? output.then(
            (o) => rewrite(o, inside, outside),
            (err) => Promise.reject(inErrorMessage(err, inside, outside)),
          )
        : rewrite(output, inside, outside);
    } catch (err) {
      throw inErrorMessage(err, inside, outside);
    }
  };
}

/** The handlers, answering in the partition of each request's region. */
export function inRequestPartition(handlers: Handlers): Handlers {
  return Object.fromEntries(Object.entries(handlers).map(([name, handler]) => [name, inPartition(handler)]));
}
