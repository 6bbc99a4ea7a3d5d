/** The STS operations that are not ways into a role: who is calling, session and federation tokens, key and message lookups. */
import type {
  DecodeAuthorizationMessageRequest,
  DecodeAuthorizationMessageResponse,
  GetAccessKeyInfoRequest,
  GetAccessKeyInfoResponse,
  GetCallerIdentityResponse,
  GetFederationTokenRequest,
  GetFederationTokenResponse,
  GetSessionTokenRequest,
  GetSessionTokenResponse,
} from '@aws-sdk/client-sts';
import { accountForRootKey } from '../../core/accounts.js';
import { arn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { bindOperations } from '../bind.js';
import { accountOfKeyId } from './access-keys.js';
import { assumeRole } from './assume-role.js';
import { decodeAuthorizationMessage, newSigningSecret } from './authorization-message.js';
import { checkSessionPolicy, denied, isFederatedUser, issue, packedPolicySize, type StsContext } from './common.js';
import { assumeRoleWithSAML } from './saml.js';
import { sessionTagging } from './session-tags.js';
import { assumeRoleWithWebIdentity } from './web-identity.js';

const DEFAULT_SESSION_TOKEN_SECONDS = 43200;
/** Sessions of the account root are capped at one hour (longer requests are silently shortened). */
const ROOT_SESSION_MAX_SECONDS = 3600;

function getCallerIdentity(_c: StsContext, _input: unknown, ctx: RequestContext): GetCallerIdentityResponse {
  return { Account: ctx.principal.account, Arn: ctx.principal.arn, UserId: ctx.principal.userId };
}

function getSessionToken(c: StsContext, input: GetSessionTokenRequest, ctx: RequestContext): GetSessionTokenResponse {
  const caller = ctx.principal;
  if (caller.kind === 'assumed-role' || caller.accessKeyId.startsWith('ASIA')) {
    throw new AwsError('AccessDenied', 'Cannot call GetSessionToken with session credentials', { status: 403 });
  }
  let duration = input.DurationSeconds ?? DEFAULT_SESSION_TOKEN_SECONDS;
  if (caller.kind === 'root') duration = Math.min(duration, ROOT_SESSION_MAX_SECONDS);
  const principal = { account: caller.account, arn: caller.arn, userId: caller.userId, kind: caller.kind, userName: caller.userName };
  return { Credentials: issue(c, principal, duration) };
}

/**
 * Temporary credentials for a federated user, called with an IAM user's (or the root user's)
 * long-term keys: the session acts as `federated-user/<Name>`, bounded by the session policies.
 */
function getFederationToken(c: StsContext, input: GetFederationTokenRequest, ctx: RequestContext): GetFederationTokenResponse {
  const caller = ctx.principal;
  if (caller.kind !== 'user' && caller.kind !== 'root') throw new AwsError('AccessDenied', 'Cannot call GetFederationToken with session credentials', { status: 403 });
  if (caller.accessKeyId.startsWith('ASIA')) throw new AwsError('AccessDenied', 'Cannot call GetFederationToken with session credentials', { status: 403 });
  let duration = input.DurationSeconds ?? DEFAULT_SESSION_TOKEN_SECONDS;
  if (caller.kind === 'root') duration = Math.min(duration, ROOT_SESSION_MAX_SECONDS);
  checkSessionPolicy(c, input.Policy);
  const tagging = sessionTagging(input.Tags, undefined, {}, []);
  const packed = packedPolicySize(input);
  const name = input.Name!;
  const federatedArn = arn('sts', '', caller.account, `federated-user/${name}`);
  const federatedUserId = `${caller.account}:${name}`;
  // The session keeps the IAM user's name: its permissions are that user's, bounded by the session policies.
  const principal = { account: caller.account, arn: federatedArn, userId: federatedUserId, kind: caller.kind, userName: caller.userName };
  const credentials = issue(c, principal, duration, { sessionPolicy: input.Policy, policyArns: input.PolicyArns, tags: tagging.tags });
  return { Credentials: credentials, FederatedUser: { FederatedUserId: federatedUserId, Arn: federatedArn }, PackedPolicySize: packed };
}

/** The account of any well-formed key id: Drydock's own keys by lookup, others by the account bits AWS encodes in them. */
function getAccessKeyInfo(c: StsContext, input: GetAccessKeyInfoRequest): GetAccessKeyInfoResponse {
  const id = input.AccessKeyId!;
  const account = accountForRootKey(id) ?? c.store.get(id)?.account ?? c.rt.api('iam').accountOfAccessKey(id) ?? accountOfKeyId(id);
  if (!account) throw new AwsError('InvalidParameterValue', `The access key ID ${id} is not valid.`, { status: 400 });
  return { Account: account };
}

/** Decodes messages Drydock encoded (the pipeline has checked sts:DecodeAuthorizationMessage). */
function decodeMessage(c: StsContext, input: DecodeAuthorizationMessageRequest): DecodeAuthorizationMessageResponse {
  const decoded = decodeAuthorizationMessage(c.store.secret('authorization-messages', newSigningSecret), input.EncodedMessage!);
  if (decoded === undefined) throw new AwsError('InvalidAuthorizationMessageException', 'The encoded authorization message is invalid or was not issued by this account.');
  return { DecodedMessage: decoded };
}

/** Every operation but those of federated users, who may call GetCallerIdentity only. */
function stsOnly<I>(fn: (c: StsContext, input: I, ctx: RequestContext) => unknown) {
  return (c: StsContext, input: I, ctx: RequestContext) => {
    if (isFederatedUser(ctx.principal)) throw denied(ctx.principal.arn, `sts:${ctx.operation}`, '*');
    return fn(c, input, ctx);
  };
}

const OPERATIONS = {
  GetCallerIdentity: getCallerIdentity,
  AssumeRole: assumeRole,
  AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
  AssumeRoleWithSAML: assumeRoleWithSAML,
  GetSessionToken: stsOnly(getSessionToken),
  GetFederationToken: stsOnly(getFederationToken),
  GetAccessKeyInfo: stsOnly(getAccessKeyInfo),
  DecodeAuthorizationMessage: stsOnly(decodeMessage),
};

export function createHandlers(c: StsContext): Handlers {
  return bindOperations(c, OPERATIONS);
}
