/**
 * The request context of a call one service makes to another's operation in-process (CodeBuild
 * reading a parameter, assuming its service role …): the account's root acting on its own behalf,
 * with no HTTP request behind it, so the operation's own rules and errors apply unchanged.
 */
import { randomUUID } from 'node:crypto';
import { rootPrincipal } from '../core/accounts.js';
import type { RequestContext } from './types.js';

export function internalContext(service: string, operation: string, scope: { account: string; region: string }, endpoint: string): RequestContext {
  return {
    requestId: randomUUID(),
    service,
    operation,
    account: scope.account,
    region: scope.region,
    principal: rootPrincipal(scope.account, ''),
    endpoint,
    http: { method: 'POST', path: '/', rawQuery: '', query: [], headers: {}, body: Buffer.alloc(0) },
  };
}
