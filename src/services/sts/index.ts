/**
 * STS: who is calling, and temporary credentials (sessions persist in SQLite; expiry follows the
 * Drydock clock, so warping time expires them).
 *
 * Gaps against AWS:
 * - AssumeRole does not evaluate the role's trust policy nor the caller's permissions: any caller
 *   may assume any existing role, in any account, whose ARN (path included) matches exactly.
 *   ExternalId, MFA (SerialNumber/TokenCode) and session tags are accepted but not checked.
 * - Session policies (Policy, PolicyArns) are validated and stored, not yet enforced.
 * - PackedPolicySize is an estimate (compact JSON length against a 2048-character budget).
 * - AssumeRoleWithWebIdentity, AssumeRoleWithSAML, AssumeRoot, GetFederationToken,
 *   DecodeAuthorizationMessage, GetDelegatedAccessToken and GetWebIdentityToken answer
 *   NotImplemented (501).
 * - GetAccessKeyInfo only knows keys Drydock issued (root keys, IAM keys, sessions).
 */
import { loadModel } from '../../protocol/model.js';
import type { Credential } from '../../protocol/types.js';
import type { ServiceDefinition } from '../contracts.js';
import { stsAuthorization } from './authorization.js';
import { createHandlers } from './handlers.js';
import { StsStore } from './store.js';

export const sts: ServiceDefinition = {
  name: 'sts',
  model: loadModel('sts'),
  validationError: 'ValidationError',
  authorization: stsAuthorization,
  create(rt) {
    const store = new StsStore(rt.store);
    const handlers = createHandlers(store, rt);
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
          },
        };
      },
    };
  },
};
