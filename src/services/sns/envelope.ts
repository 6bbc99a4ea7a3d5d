/**
 * What subscribers receive: SNS's JSON envelope (HTTP/S, email-json, SQS without raw delivery) and
 * Lambda's event record, signed as AWS signs them (SignatureVersion 1: SHA1withRSA, 2:
 * SHA256withRSA, over the documented string to sign), with the SubscribeURL, UnsubscribeURL and
 * SigningCertURL links pointing at Drydock. FIFO topics' envelopes carry a SequenceNumber and no
 * signature, as AWS's do.
 */
import { SNS_HTTP_PREFIX, type SnsContext } from './common.js';
import { type DeliveryTarget, messageFor, type StoredMessage } from './messages.js';

/** The links a message carries, on the endpoint Drydock serves. */
export function links(c: SnsContext, message: StoredMessage, target: DeliveryTarget): { subscribe?: string; unsubscribe: string; signingCert: string } {
  const base = `${c.rt.endpoint()}${SNS_HTTP_PREFIX}`;
  return {
    subscribe: message.token === undefined ? undefined : `${base}?Action=ConfirmSubscription&TopicArn=${message.topicArn}&Token=${message.token}`,
    unsubscribe: `${base}?Action=Unsubscribe&SubscriptionArn=${target.subscriptionArn}`,
    signingCert: `${base}${c.signer.certificateFileName()}`,
  };
}

/** The fields the signature covers, in AWS's order (notifications and confirmation requests differ). */
function stringToSign(fields: Record<string, string | undefined>, type: StoredMessage['type']): string {
  const keys = type === 'Notification' ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys.map((key) => (fields[key] === undefined ? '' : `${key}\n${fields[key]}\n`)).join('');
}

function envelopeAttributes(message: StoredMessage): Record<string, { Type: string; Value: string }> | undefined {
  if (!message.attributes) return undefined;
  return Object.fromEntries(Object.entries(message.attributes).map(([name, { type, value }]) => [name, { Type: type, Value: value }]));
}

/** The JSON envelope, as an object whose member order is AWS's. */
export function envelope(c: SnsContext, message: StoredMessage, target: DeliveryTarget): Record<string, unknown> {
  const text = messageFor(message, target.protocol);
  const link = links(c, message, target);
  if (message.type !== 'Notification') {
    const fields = { Type: message.type, MessageId: message.id, Token: message.token, TopicArn: message.topicArn, Message: text, SubscribeURL: link.subscribe, Timestamp: message.timestamp };
    return { ...fields, ...signature(c, message, fields), SigningCertURL: link.signingCert };
  }
  const fields = {
    Type: message.type,
    MessageId: message.id,
    SequenceNumber: message.sequence,
    TopicArn: message.topicArn,
    Subject: message.subject,
    Message: text,
    Timestamp: message.timestamp,
  };
  const signed = message.fifo ? {} : { ...signature(c, message, fields), SigningCertURL: link.signingCert };
  return withoutUndefined({ ...fields, ...signed, UnsubscribeURL: link.unsubscribe, MessageAttributes: envelopeAttributes(message) });
}

function signature(c: SnsContext, message: StoredMessage, fields: Record<string, string | undefined>): { SignatureVersion: string; Signature: string } {
  return { SignatureVersion: message.signatureVersion, Signature: c.signer.sign(stringToSign(fields, message.type), message.signatureVersion) };
}

/** Lambda's event: one record wrapping the notification (Subject null when there is none, as AWS sends it). */
export function lambdaEvent(c: SnsContext, message: StoredMessage, target: DeliveryTarget): Record<string, unknown> {
  const signed = envelope(c, message, target);
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: target.subscriptionArn,
        Sns: {
          Type: signed.Type,
          MessageId: signed.MessageId,
          TopicArn: signed.TopicArn,
          Subject: signed.Subject ?? null,
          Message: signed.Message,
          Timestamp: signed.Timestamp,
          SignatureVersion: signed.SignatureVersion,
          Signature: signed.Signature,
          SigningCertUrl: signed.SigningCertURL,
          UnsubscribeUrl: signed.UnsubscribeURL,
          MessageAttributes: signed.MessageAttributes ?? {},
        },
      },
    ],
  };
}

function withoutUndefined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

/** An email as the outbox records it: subject and plain-text body (email-json: the JSON envelope). */
export function email(c: SnsContext, message: StoredMessage, target: DeliveryTarget, displayName: string): { subject: string; body: string } {
  const link = links(c, message, target);
  const footer = '\n\nPlease do not reply directly to this email. If you have any questions or comments regarding this email, please contact us at https://aws.amazon.com/support';
  if (message.type === 'SubscriptionConfirmation') {
    const subject = `${displayName || 'AWS Notification'} - Subscription Confirmation`;
    if (target.protocol === 'email-json') return { subject, body: JSON.stringify(envelope(c, message, target)) };
    return {
      subject,
      body: `You have chosen to subscribe to the topic: \n${message.topicArn}\n\nTo confirm this subscription, click or visit the link below (If this was in error no action is necessary): \n${link.subscribe}${footer}`,
    };
  }
  const subject = message.subject ?? (displayName || 'AWS Notification Message');
  if (target.protocol === 'email-json') return { subject, body: JSON.stringify(envelope(c, message, target)) };
  return {
    subject,
    body: `${messageFor(message, target.protocol)}\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n${link.unsubscribe}${footer}`,
  };
}
