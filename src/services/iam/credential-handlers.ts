/** Access keys and service-specific credentials (CodeCommit HTTPS Git passwords …) of IAM users. */

import { randomBytes } from 'node:crypto';
import type * as Iam from '@aws-sdk/client-iam';
import { AwsError, notImplemented } from '../../core/errors.js';
import { iamId, secretKey } from '../../core/ids.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import type { AccessKeyUsage } from './access-key-usage.js';
import { type IamContext, limitExceeded, noSuchEntity, paginate, requireUser, targetUserName } from './common.js';
import type { AccessKeyRow, ServiceCredentialRow } from './store.js';

const MAX_ACCESS_KEYS = 2;
const MAX_SERVICE_CREDENTIALS = 2;
/** Services that accept service-specific credentials (the ones AWS supports that have a login). */
const CREDENTIAL_SERVICES = new Set(['codecommit.amazonaws.com', 'cassandra.amazonaws.com']);

/** The login a service-specific credential presents: `<user>-at-<account>`, as AWS forms it. */
export function serviceUserName(userName: string, account: string): string {
  return `${userName}-at-${account}`;
}

/** Random password of the shape AWS hands out (base64 of 32 bytes, 44 characters). */
export function servicePassword(): string {
  return randomBytes(32).toString('base64');
}

function accessKeyMetadata(row: AccessKeyRow): Iam.AccessKeyMetadata {
  return { UserName: row.user_name, AccessKeyId: row.access_key_id, Status: row.status as Iam.StatusType, CreateDate: new Date(row.created_at) };
}

function credentialMetadata(row: ServiceCredentialRow): Iam.ServiceSpecificCredentialMetadata {
  return {
    UserName: row.user_name,
    Status: row.status as Iam.StatusType,
    ServiceUserName: row.service_user_name,
    CreateDate: new Date(row.created_at),
    ServiceSpecificCredentialId: row.id,
    ServiceName: row.service_name,
  };
}

export function credentialHandlers({ store, rt }: IamContext, usage: AccessKeyUsage): Handlers {
  function requireAccessKey(ctx: RequestContext, accessKeyId: string, userName: string): AccessKeyRow {
    const row = store.getAccessKey(accessKeyId);
    if (!row || row.account !== ctx.account || row.user_name.toLowerCase() !== userName.toLowerCase()) {
      throw noSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`);
    }
    return row;
  }

  function requireCredential(ctx: RequestContext, id: string, userName: string | undefined): ServiceCredentialRow {
    const row = store.getServiceCredential(ctx.account, id);
    if (!row || (userName !== undefined && row.user_name.toLowerCase() !== userName.toLowerCase())) throw noSuchEntity(`No such credential ${id} exists`);
    return row;
  }

  return {
    CreateAccessKey(input: Iam.CreateAccessKeyRequest, ctx: RequestContext): Iam.CreateAccessKeyResponse {
      return store.tx(() => {
        const user = requireUser(store, ctx.account, targetUserName(input.UserName, ctx));
        if (store.accessKeysOf(ctx.account, user.name).length >= MAX_ACCESS_KEYS) throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${MAX_ACCESS_KEYS}`);
        const row: AccessKeyRow = { access_key_id: iamId('AKIA', 20), account: ctx.account, user_name: user.name, secret: secretKey(), status: 'Active', created_at: rt.clock.now() };
        store.insertAccessKey(row);
        return { AccessKey: { ...accessKeyMetadata(row), SecretAccessKey: row.secret } as Iam.AccessKey };
      });
    },
    ListAccessKeys(input: Iam.ListAccessKeysRequest, ctx: RequestContext): Iam.ListAccessKeysResponse {
      // Root keys are not IAM's to list: a root caller without UserName has none here.
      if (!input.UserName && ctx.principal.kind === 'root') return { AccessKeyMetadata: [], IsTruncated: false };
      const user = requireUser(store, ctx.account, targetUserName(input.UserName, ctx));
      const page = paginate(store.accessKeysOf(ctx.account, user.name), (r) => `${String(r.created_at).padStart(15, '0')}${r.access_key_id}`, input);
      return { AccessKeyMetadata: page.items.map(accessKeyMetadata), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    UpdateAccessKey(input: Iam.UpdateAccessKeyRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const row = requireAccessKey(ctx, input.AccessKeyId!, targetUserName(input.UserName, ctx));
        if (input.Status !== 'Active' && input.Status !== 'Inactive') throw new AwsError('ValidationError', `Invalid status ${input.Status}: an access key is Active or Inactive`);
        store.setAccessKeyStatus(row.access_key_id, input.Status);
      });
      return {};
    },
    DeleteAccessKey(input: Iam.DeleteAccessKeyRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => store.deleteAccessKey(requireAccessKey(ctx, input.AccessKeyId!, targetUserName(input.UserName, ctx)).access_key_id));
      return {};
    },
    GetAccessKeyLastUsed(input: Iam.GetAccessKeyLastUsedRequest, ctx: RequestContext): Iam.GetAccessKeyLastUsedResponse {
      const row = store.getAccessKey(input.AccessKeyId!);
      if (!row || row.account !== ctx.account) throw noSuchEntity(`The Access Key with id ${input.AccessKeyId} cannot be found.`);
      const use = usage.lastUse(row.access_key_id);
      // A key never used since it was created: AWS answers 'N/A' and no date.
      if (!use) return { UserName: row.user_name, AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } };
      return { UserName: row.user_name, AccessKeyLastUsed: { LastUsedDate: new Date(use.used_at), ServiceName: use.service, Region: use.region } };
    },

    CreateServiceSpecificCredential(input: Iam.CreateServiceSpecificCredentialRequest, ctx: RequestContext): Iam.CreateServiceSpecificCredentialResponse {
      if (input.CredentialAgeDays !== undefined) throw notImplemented('IAM', 'CreateServiceSpecificCredential with CredentialAgeDays');
      if (!CREDENTIAL_SERVICES.has(input.ServiceName!)) {
        throw new AwsError('ServiceNotSupportedException', `The specified service ${input.ServiceName} is not supported for service-specific credentials.`);
      }
      return store.tx(() => {
        const user = requireUser(store, ctx.account, input.UserName!);
        const existing = store.serviceCredentialsOf(ctx.account, user.name).filter((c) => c.service_name === input.ServiceName);
        if (existing.length >= MAX_SERVICE_CREDENTIALS) throw limitExceeded(`Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: ${MAX_SERVICE_CREDENTIALS}`);
        const row: ServiceCredentialRow = {
          id: iamId('ACCA'),
          account: ctx.account,
          user_name: user.name,
          service_name: input.ServiceName!,
          service_user_name: serviceUserName(user.name, ctx.account),
          password: servicePassword(),
          status: 'Active',
          created_at: rt.clock.now(),
        };
        store.insertServiceCredential(row);
        return { ServiceSpecificCredential: { ...credentialMetadata(row), ServicePassword: row.password } as Iam.ServiceSpecificCredential };
      });
    },
    ListServiceSpecificCredentials(input: Iam.ListServiceSpecificCredentialsRequest, ctx: RequestContext): Iam.ListServiceSpecificCredentialsResponse {
      let rows: ServiceCredentialRow[];
      if (input.AllUsers) rows = store.serviceCredentialsOf(ctx.account, undefined);
      else rows = store.serviceCredentialsOf(ctx.account, requireUser(store, ctx.account, targetUserName(input.UserName, ctx)).name);
      if (input.ServiceName) rows = rows.filter((r) => r.service_name === input.ServiceName);
      const page = paginate(rows, (r) => `${String(r.created_at).padStart(15, '0')}${r.id}`, input);
      return { ServiceSpecificCredentials: page.items.map(credentialMetadata), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    ResetServiceSpecificCredential(input: Iam.ResetServiceSpecificCredentialRequest, ctx: RequestContext): Iam.ResetServiceSpecificCredentialResponse {
      return store.tx(() => {
        const row = { ...requireCredential(ctx, input.ServiceSpecificCredentialId!, input.UserName), password: servicePassword() };
        store.updateServiceCredential(row.id, row.password, row.status);
        return { ServiceSpecificCredential: { ...credentialMetadata(row), ServicePassword: row.password } as Iam.ServiceSpecificCredential };
      });
    },
    UpdateServiceSpecificCredential(input: Iam.UpdateServiceSpecificCredentialRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const row = requireCredential(ctx, input.ServiceSpecificCredentialId!, input.UserName);
        if (input.Status !== 'Active' && input.Status !== 'Inactive') throw new AwsError('ValidationError', `Invalid status ${input.Status}: a credential is Active or Inactive`);
        store.updateServiceCredential(row.id, row.password, input.Status);
      });
      return {};
    },
    DeleteServiceSpecificCredential(input: Iam.DeleteServiceSpecificCredentialRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => store.deleteServiceCredential(requireCredential(ctx, input.ServiceSpecificCredentialId!, input.UserName).id));
      return {};
    },
  };
}
