import { randomBytes } from 'node:crypto';
import type {
  AssumeRoleRequest,
  AssumeRoleResponse,
  Credentials,
  GetAccessKeyInfoRequest,
  GetAccessKeyInfoResponse,
  GetCallerIdentityResponse,
  GetSessionTokenRequest,
  GetSessionTokenResponse,
} from '@aws-sdk/client-sts';
import { accountForRootKey, type Principal } from '../../core/accounts.js';
import { arn, parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import { iamId, secretKey } from '../../core/ids.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import type { SessionRow, StsStore } from './store.js';

const DEFAULT_ROLE_SESSION_SECONDS = 3600;
/** Role chaining (assuming a role with role credentials) caps sessions at one hour. */
const CHAINED_ROLE_MAX_SECONDS = 3600;
const DEFAULT_SESSION_TOKEN_SECONDS = 43200;
/** Sessions of the account root are capped at one hour (longer requests are silently shortened). */
const ROOT_SESSION_MAX_SECONDS = 3600;
/** Budget of the packed session policy, tags and policy ARNs, in characters of compact JSON. */
const PACKED_POLICY_BUDGET = 2048;

/** A session token as long and opaque as AWS's. */
function sessionToken(): string {
  return `IQoJb3JpZ2luX2Vj${randomBytes(240).toString('base64')}`;
}

function temporaryAccessKeyId(): string {
  return iamId('ASIA', 20);
}

/** Percentage of the packed-policy budget the session policies and tags use (undefined when none). */
function packedPolicySize(input: AssumeRoleRequest): number | undefined {
  if (!input.Policy && !input.PolicyArns?.length && !input.Tags?.length) return undefined;
  let size = input.Policy ? JSON.stringify(JSON.parse(input.Policy)).length : 0;
  for (const p of input.PolicyArns ?? []) size += (p.arn ?? '').length;
  for (const t of input.Tags ?? []) size += (t.Key ?? '').length + (t.Value ?? '').length;
  return Math.ceil((size / PACKED_POLICY_BUDGET) * 100);
}

export function createHandlers(store: StsStore, rt: Runtime): Handlers {
  const iam = () => rt.api('iam');

  function issue(principal: Omit<Principal, 'accessKeyId'>, durationSeconds: number, extra: Partial<SessionRow> = {}): Credentials {
    const now = rt.clock.now();
    const row: SessionRow = {
      access_key_id: temporaryAccessKeyId(),
      secret: secretKey(),
      session_token: sessionToken(),
      expires_at: now + durationSeconds * 1000,
      created_at: now,
      account: principal.account,
      kind: principal.kind,
      arn: principal.arn,
      user_id: principal.userId,
      user_name: principal.userName ?? null,
      role_name: principal.roleName ?? null,
      session_name: principal.sessionName ?? null,
      session_policy: null,
      session_policy_arns: null,
      source_identity: null,
      ...extra,
    };
    store.insert(row, now);
    return { AccessKeyId: row.access_key_id, SecretAccessKey: row.secret, SessionToken: row.session_token, Expiration: new Date(row.expires_at) };
  }

  return {
    GetCallerIdentity(_input: unknown, ctx: RequestContext): GetCallerIdentityResponse {
      return { Account: ctx.principal.account, Arn: ctx.principal.arn, UserId: ctx.principal.userId };
    },

    AssumeRole(input: AssumeRoleRequest, ctx: RequestContext): AssumeRoleResponse {
      const requested = input.RoleArn!;
      const parts = parseArn(requested);
      const denied = () => new AwsError('AccessDenied', `User: ${ctx.principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${requested}`, { status: 403 });
      if (parts?.service !== 'iam' || !/^\d{12}$/.test(parts.account) || !parts.resource.startsWith('role/')) {
        throw new AwsError('ValidationError', `${requested} is not a valid role ARN`);
      }
      const roleName = parts.resource.slice(parts.resource.lastIndexOf('/') + 1);
      const role = iam().getRole(parts.account, roleName);
      if (!role || role.arn !== requested) throw denied();

      const duration = input.DurationSeconds ?? DEFAULT_ROLE_SESSION_SECONDS;
      if (ctx.principal.kind === 'assumed-role' && duration > CHAINED_ROLE_MAX_SECONDS) {
        throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
      }
      if (duration > role.maxSessionDuration) throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
      if (input.Policy !== undefined) iam().validatePolicyDocument(input.Policy, 'identity');
      const packed = packedPolicySize(input);
      if (packed !== undefined && packed > 100) {
        throw new AwsError('PackedPolicyTooLargeException', `Packed policy consumes ${packed}% of allotted space, please use smaller policy for the request.`);
      }

      const session = input.RoleSessionName!;
      const assumedRoleId = `${role.roleId}:${session}`;
      const assumedArn = arn('sts', '', role.account, `assumed-role/${role.roleName}/${session}`);
      const credentials = issue({ account: role.account, arn: assumedArn, userId: assumedRoleId, kind: 'assumed-role', roleName: role.roleName, sessionName: session }, duration, {
        session_policy: input.Policy ?? null,
        session_policy_arns: input.PolicyArns?.length ? JSON.stringify(input.PolicyArns.map((p) => p.arn)) : null,
        source_identity: input.SourceIdentity ?? null,
      });
      iam().recordRoleUse(role.account, role.roleName, ctx.region);
      return {
        Credentials: credentials,
        AssumedRoleUser: { AssumedRoleId: assumedRoleId, Arn: assumedArn },
        PackedPolicySize: packed,
        SourceIdentity: input.SourceIdentity,
      };
    },

    GetSessionToken(input: GetSessionTokenRequest, ctx: RequestContext): GetSessionTokenResponse {
      const caller = ctx.principal;
      if (caller.kind === 'assumed-role') throw new AwsError('AccessDenied', 'Cannot call GetSessionToken with session credentials', { status: 403 });
      let duration = input.DurationSeconds ?? DEFAULT_SESSION_TOKEN_SECONDS;
      if (caller.kind === 'root') duration = Math.min(duration, ROOT_SESSION_MAX_SECONDS);
      const principal = { account: caller.account, arn: caller.arn, userId: caller.userId, kind: caller.kind, userName: caller.userName };
      return { Credentials: issue(principal, duration) };
    },

    GetAccessKeyInfo(input: GetAccessKeyInfoRequest): GetAccessKeyInfoResponse {
      const id = input.AccessKeyId!;
      const account = accountForRootKey(id) ?? store.get(id)?.account ?? iam().accountOfAccessKey(id);
      // AWS answers for any well-formed key; an unknown one belongs to no account Drydock knows.
      if (!account) throw new AwsError('InvalidParameterValue', `The access key ${id} is not a known Drydock access key.`, { status: 400 });
      return { Account: account };
    },
  };
}
