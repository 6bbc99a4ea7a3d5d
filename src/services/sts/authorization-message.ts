/**
 * Encoded authorization messages: what a denial that AWS encodes (EC2-style "Encoded authorization
 * failure message: …") carries, and DecodeAuthorizationMessage turns back into AWS's JSON.
 *
 * Drydock's encoding: `<base64url of the decoded JSON>.<base64url HMAC-SHA256 of that text>`, keyed
 * by a secret STS keeps in its store, so only messages Drydock made decode, and a restart keeps
 * them decodable. The decoded JSON has AWS's shape: allowed, explicitDeny, matchedStatements,
 * failures, and context (principal, action, resource, conditions as key/values items).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The denial an encoded message describes. */
export interface AuthorizationFailure {
  allowed: boolean;
  explicitDeny: boolean;
  principal: { id: string; arn: string };
  action: string;
  resource: string;
  conditions: Record<string, string | string[] | undefined>;
}

export const newSigningSecret = (): string => randomBytes(32).toString('base64');

const mac = (secret: string, text: string): Buffer => createHmac('sha256', secret).update(text).digest();

/** AWS's decoded-message JSON for a failure. */
function decodedJson(failure: AuthorizationFailure): string {
  const conditions = Object.entries(failure.conditions)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ({ key, values: { items: [value].flat().map((v) => ({ value: v })) } }));
  return JSON.stringify({
    allowed: failure.allowed,
    explicitDeny: failure.explicitDeny,
    matchedStatements: { items: [] },
    failures: { items: [] },
    context: {
      principal: failure.principal,
      action: failure.action,
      resource: failure.resource,
      conditions: { items: conditions },
    },
  });
}

export function encodeAuthorizationMessage(secret: string, failure: AuthorizationFailure): string {
  const body = Buffer.from(decodedJson(failure)).toString('base64url');
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

/** The decoded JSON text of a message this secret signed, undefined for anything else. */
export function decodeAuthorizationMessage(secret: string, encoded: string): string | undefined {
  const [body, signature, extra] = encoded.trim().split('.');
  if (!body || !signature || extra !== undefined) return undefined;
  const expected = mac(secret, body);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return Buffer.from(body, 'base64url').toString('utf8');
}
