/**
 * GetAuthorizationToken: the credential `docker login` takes. As in AWS it is base64 of
 * `AWS:<password>`, valid for 12 hours, with the registry's endpoint. The password is a signed
 * statement of who asked (account, principal) and until when, under a key kept in ECR's tables, so a
 * registry can verify it without storing tokens.
 */
import { createHmac } from 'node:crypto';
import type * as E from '@aws-sdk/client-ecr';
import type { RequestContext } from '../../protocol/types.js';
import { type EcrContext, registryHost } from './common.js';

const VALIDITY_MS = 12 * 60 * 60 * 1000;

export function getAuthorizationToken(c: EcrContext, _input: E.GetAuthorizationTokenRequest, ctx: RequestContext): E.GetAuthorizationTokenResponse {
  const expiresAt = c.rt.clock.now() + VALIDITY_MS;
  const payload = Buffer.from(JSON.stringify({ account: ctx.account, principal: ctx.principal.arn, expiresAt })).toString('base64url');
  const key = c.store.tx(() => c.store.tokenKey());
  const signature = createHmac('sha256', key).update(payload).digest('base64url');
  const password = `${payload}.${signature}`;
  return {
    authorizationData: [
      {
        authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
        expiresAt: new Date(expiresAt),
        proxyEndpoint: `https://${registryHost(ctx.account, ctx.region)}`,
      },
    ],
  };
}
