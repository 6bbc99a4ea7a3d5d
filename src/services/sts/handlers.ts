import type { GetCallerIdentityResponse } from '@aws-sdk/client-sts';
import type { Handlers, RequestContext } from '../../protocol/types.js';

export function createHandlers(): Handlers {
  return {
    GetCallerIdentity(_input: unknown, ctx: RequestContext): GetCallerIdentityResponse {
      return { Account: ctx.principal.account, Arn: ctx.principal.arn, UserId: ctx.principal.userId };
    },
  };
}
