/** Permissions boundaries of users and roles: a managed policy that caps what their identity policies grant. */
import type * as Iam from '@aws-sdk/client-iam';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { requireRole, requireUser } from './common.js';
import type { BoundaryKind, CredentialContext, CredentialStore } from './credential-store.js';
import { requirePolicy } from './policy-handlers.js';
import { requireModifiableRole } from './service-linked-roles.js';
import type { IamStore } from './store.js';

/** The PermissionsBoundary member of GetUser/GetRole (undefined without one). */
export function boundaryOut(credentials: CredentialStore, account: string, kind: BoundaryKind, name: string): Iam.AttachedPermissionsBoundary | undefined {
  const policyArn = credentials.boundary(account, kind, name);
  return policyArn === undefined ? undefined : { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: policyArn };
}

/** Sets the boundary of a user or role to a managed policy the account can see (NoSuchEntity otherwise). */
export function setBoundary(store: IamStore, credentials: CredentialStore, account: string, kind: BoundaryKind, name: string, policyArn: string): void {
  const policy = requirePolicy(store, account, policyArn);
  credentials.putBoundary(account, kind, name, policy.arn);
}

export function boundaryHandlers({ store, credentials }: CredentialContext): Handlers {
  return {
    PutUserPermissionsBoundary(input: Iam.PutUserPermissionsBoundaryRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const user = requireUser(store, ctx.account, input.UserName!);
        setBoundary(store, credentials, ctx.account, 'user', user.name, input.PermissionsBoundary!);
      });
      return {};
    },
    DeleteUserPermissionsBoundary(input: Iam.DeleteUserPermissionsBoundaryRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const user = requireUser(store, ctx.account, input.UserName!);
        credentials.deleteBoundary(ctx.account, 'user', user.name);
      });
      return {};
    },
    PutRolePermissionsBoundary(input: Iam.PutRolePermissionsBoundaryRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const role = requireModifiableRole(credentials, requireRole(store, ctx.account, input.RoleName!));
        setBoundary(store, credentials, ctx.account, 'role', role.name, input.PermissionsBoundary!);
      });
      return {};
    },
    DeleteRolePermissionsBoundary(input: Iam.DeleteRolePermissionsBoundaryRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const role = requireModifiableRole(credentials, requireRole(store, ctx.account, input.RoleName!));
        credentials.deleteBoundary(ctx.account, 'role', role.name);
      });
      return {};
    },
  };
}
