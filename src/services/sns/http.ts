/**
 * SNS's own routes under /_drydock/sns/ (the service's httpPrefix): the unsigned links messages
 * carry (SubscribeURL confirms a subscription, UnsubscribeURL ends one; both answer AWS's XML),
 * the signing certificate SigningCertURL names, and the local outbox of email and SMS messages.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from '../../core/errors.js';
import { errorWire } from '../../protocol/codecs/codec.js';
import { escapeXml } from '../../protocol/codecs/xml.js';
import type { ServiceModel } from '../../protocol/model.js';
import { SNS_HTTP_PREFIX, type SnsContext } from './common.js';
import { readOutbox } from './outbox.js';
import { confirmToken, unsubscribeArn } from './subscriptions.js';

const NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

export function snsHttpHandler(c: SnsContext, model: ServiceModel): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://drydock');
    const path = url.pathname.slice(SNS_HTTP_PREFIX.length);
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'application/json', JSON.stringify({ error: `${req.method} is not served here` }));
    if (path === '') return send(...linkAction(c, model, url.searchParams));
    if (path === 'outbox') {
      const after = Number(url.searchParams.get('after') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 100);
      if (!Number.isInteger(after) || after < 0 || !Number.isInteger(limit) || limit < 1)
        return send(400, 'application/json', JSON.stringify({ error: 'after and limit must be non-negative integers' }));
      const to = url.searchParams.get('to');
      const messages = readOutbox(c, after, limit).filter((m) => to === null || m.to === to);
      return send(200, 'application/json', JSON.stringify({ messages }));
    }
    if (path === c.signer.certificateFileName()) return send(200, 'application/x-pem-file', c.signer.certificatePem());
    return send(404, 'application/json', JSON.stringify({ error: `no SNS route ${url.pathname}` }));
  };
}

/** `?Action=ConfirmSubscription&TopicArn=…&Token=…` and `?Action=Unsubscribe&SubscriptionArn=…`, answered as SNS answers them. */
function linkAction(c: SnsContext, model: ServiceModel, params: URLSearchParams): [number, string, string] {
  const requestId = randomUUID();
  const action = params.get('Action');
  try {
    if (action === 'ConfirmSubscription') {
      const arn = confirmToken(c, params.get('TopicArn') ?? '', params.get('Token') ?? '', false);
      return [200, 'text/xml', response('ConfirmSubscription', `<SubscriptionArn>${escapeXml(arn)}</SubscriptionArn>`, requestId)];
    }
    if (action === 'Unsubscribe') {
      unsubscribeArn(c, undefined, params.get('SubscriptionArn') ?? '', false);
      return [200, 'text/xml', response('Unsubscribe', undefined, requestId)];
    }
    throw new AwsError('InvalidAction', `The action ${action ?? ''} is not valid for this endpoint.`);
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    const { code, status, sender } = errorWire(model, err);
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${sender ? 'Sender' : 'Receiver'}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    return [status, 'text/xml', body];
  }
}

function response(operation: string, result: string | undefined, requestId: string): string {
  const wrapped = result === undefined ? '' : `<${operation}Result>${result}</${operation}Result>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${NAMESPACE}">${wrapped}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
}
