/**
 * STS: who is calling, and temporary credentials (sessions persist in SQLite; expiry follows the
 * Drydock clock, so warping time expires them).
 *
 * AssumeRole refuses an account's root user as AWS does ("Roles may not be assumed by root
 * accounts."), and otherwise decides with the role's trust policy and the caller's identity
 * policies (see assume-role.ts): the trust policy must allow the caller (ExternalId, session name,
 * source identity, request tags and principal tags are condition keys); a trust statement naming
 * the caller's account (or a caller from another account) also needs the caller's identity
 * policies, within its permissions boundary and session policies (IAM's authorize), to allow
 * sts:AssumeRole on the role. Session tags need sts:TagSession and SourceIdentity
 * sts:SetSourceIdentity the same way. Session tags are validated as STS does, stored with the
 * session, and transitive ones carried into chained sessions. Sessions carry their session policies
 * and tags to every authorization (Principal.sessionPolicies and sessionTags, the tags as
 * aws:PrincipalTag over the role's); a federated user's session (GetFederationToken) is the IAM
 * user's policies bounded by its session policies, and allows nothing without one, as in AWS.
 * Access key ids Drydock issues encode their account as AWS's do, and GetAccessKeyInfo decodes any
 * well-formed AKIA/ASIA id so.
 *
 * Gaps against AWS:
 * - MFA (SerialNumber/TokenCode) is not verified: aws:MultiFactorAuthPresent is true when a
 *   TokenCode is given.
 * - Changing the source identity in a chained session is refused with AccessDenied; the exact AWS
 *   error for it is not documented.
 * - PackedPolicySize is an estimate (compact JSON length of the session policy, policy ARNs and
 *   tag keys and values against a 2048-character budget); the refusal names the session tags when
 *   they alone overflow it, as AWS's does.
 * - AssumeRoleWithWebIdentity verifies the token's signature only for loopback issuers
 *   (http(s)://localhost or 127.x): Drydock is offline, so a token whose issuer is elsewhere
 *   (GitHub Actions, EKS …) is accepted on its claims alone (iss registered as an OIDC provider,
 *   aud among its client ids, exp/nbf), which is what lets tests use realistic tokens. Provider
 *   thumbprints are stored, not checked. The built-in providers that need no IAM OIDC provider
 *   (accounts.google.com, graph.facebook.com, www.amazon.com, cognito-identity.amazonaws.com) and
 *   ProviderId are not supported: every issuer must be registered.
 * - AssumeRoleWithSAML reads the assertion without verifying its XML signature against the
 *   provider's metadata certificate, and accepts unencrypted assertions only.
 * - Denials that AWS encodes (EC2-style) can be decoded by DecodeAuthorizationMessage once a
 *   service encodes them with STS's signing secret (authorization-message.ts); no Drydock service
 *   encodes one yet.
 * - AssumeRoot, GetDelegatedAccessToken and GetWebIdentityToken answer NotImplemented (501).
 */
import { loadModel } from '../../protocol/model.js';
import type { Credential } from '../../protocol/types.js';
import type { ServiceDefinition } from '../contracts.js';
import { stsAuthorization } from './authorization.js';
import { sessionPolicyDocuments } from './common.js';
import { createHandlers } from './handlers.js';
import { type SessionRow, StsStore } from './store.js';

const NOTHING_ALLOWED = JSON.stringify({ Version: '2012-10-17', Statement: [] });

export const sts: ServiceDefinition = {
  name: 'sts',
  model: loadModel('sts'),
  validationError: 'ValidationError',
  authorization: stsAuthorization,
  create(rt) {
    const store = new StsStore(rt.store);
    const c = { store, rt };
    const handlers = createHandlers(c);
    /** What bounds the session: its session policies; a federated user's session without any allows nothing, as in AWS. */
    const sessionPolicies = (row: SessionRow): string[] | undefined => {
      const documents = sessionPolicyDocuments(c, row);
      if (documents.length) return documents;
      return row.arn.includes(':federated-user/') ? [NOTHING_ALLOWED] : undefined;
    };
    return {
      handlers,
      credentials(accessKeyId: string): Credential | undefined {
        if (!accessKeyId.startsWith('ASIA')) return undefined;
        const row = store.get(accessKeyId);
        if (!row) return undefined;
        return {
          secretAccessKey: row.secret,
          sessionToken: row.session_token,
          expiresAt: row.expires_at,
          principal: {
            account: row.account,
            arn: row.arn,
            userId: row.user_id,
            kind: row.kind,
            accessKeyId,
            userName: row.user_name ?? undefined,
            roleName: row.role_name ?? undefined,
            sessionName: row.session_name ?? undefined,
            sessionPolicies: sessionPolicies(row),
            sessionTags: row.tags ? (JSON.parse(row.tags) as Record<string, string>) : undefined,
          },
        };
      },
    };
  },
};
