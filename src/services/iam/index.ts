/**
 * IAM: users, groups, roles, managed and inline policies, access keys, instance profiles,
 * service-specific credentials and tags. Global: every resource is scoped by account only.
 *
 * Gaps against AWS:
 * - Passwords, MFA and the account (login-profiles.ts, mfa.ts, account.ts): MaxPasswordAge and
 *   HardExpiry are stored and reported but not enforced. A wrong OldPassword answers AccessDenied 403. There is no
 *   console sign-in (password_last_used is `no_information`). Only virtual MFA devices (no
 *   QRCodePNG). The root user has no password, MFA device or certificate, and its access keys
 *   (Drydock's built-in ones) are reported as absent. A second CreateAccountAlias replaces the
 *   account's alias. Credential reports are built at once (STARTED, then COMPLETE) and expire after
 *   four hours. DeleteUser does not refuse a user with a login profile or MFA device (those rows are
 *   keyed by user id and simply orphaned). Access key last use is recorded for SigV4-signed requests
 *   only (not Git logins or SigV2 presigned URLs).
 * - Authorization (authorization.ts): every IAM operation is authorized by the pipeline's step.
 *   Entities named only by name are checked at path `/` (AWS checks the ARN with the entity's real
 *   path); Create* calls with a Path, calls on the caller itself and calls that take an ARN are exact.
 * - OIDC and SAML identity providers (oidc-providers.ts, saml-providers.ts): http issuer URLs are
 *   accepted for loopback hosts only (local test issuers); thumbprints are stored, not used; SAML
 *   metadata is kept as given (its entityID, validUntil and certificates read from it), private
 *   keys for encrypted assertions are not supported.
 * - Access advisor answers NotImplemented (501). Policy simulation (simulation.ts) answers from the
 *   same evaluator as requests; OrganizationsDecisionDetail is not returned and EvalDecisionDetails
 *   is empty; ResourceHandlingOption is accepted and ignored.
 * - SSH public keys: ssh-rsa and PEM RSA keys of 2048 bits or more only (as AWS documents).
 *   Certificates are parsed and their key pair checked, but certificate chains are not verified.
 * - Service-linked roles: a table of AWS's role names for common services; other `*.amazonaws.com`
 *   services get `AWSServiceRoleFor<Label>`. No AWS managed policy is attached to them, and their
 *   deletion succeeds at once (the status is SUCCEEDED, never IN_PROGRESS or FAILED).
 * - ARNs are stored in the `aws` partition and answered in the partition of the request's region
 *   (partition.ts); IAM's api (used by other services) answers `aws` ARNs.
 * - Root access keys cannot be created. RoleLastUsed is recorded when STS assumes the role.
 * - AWS managed policies: a fixed catalogue (AdministratorAccess, PowerUserAccess, ReadOnlyAccess,
 *   IAM/S3/SSM/Logs/SecretsManager/KMS, CodeCommit, AWSCloudFormationReadOnlyAccess and
 *   service-role/AWSLambdaBasicExecutionRole, which the CDK's bootstrap roles and functions attach)
 *   with a single version each;
 *   ReadOnlyAccess is abridged to the services Drydock serves. Their policy ids are stable but not AWS's.
 * - Modifying an AWS managed policy answers AccessDenied 403.
 * - Service-specific credentials: codecommit and cassandra only; CredentialAgeDays answers 501.
 * - Policy document checks cover IAM's grammar (JSON, Version, Statement, Effect, Action, Resource,
 *   Principal, regions and partitions of resource ARNs, sizes) but not per-service action names or
 *   condition operators; like IAM's API, unknown service prefixes are accepted.
 */
import { loadModel } from '../../protocol/model.js';
import type { Credential } from '../../protocol/types.js';
import { bindOperations } from '../bind.js';
import type { ServiceDefinition } from '../contracts.js';
import { AccessKeyUsage } from './access-key-usage.js';
import { ACCOUNT_OPERATIONS } from './account.js';
import { AccountStore } from './account-store.js';
import { createIamApi } from './api.js';
import { iamAuthorization } from './authorization.js';
import { authorizationDetailsHandlers } from './authorization-details.js';
import { boundaryHandlers } from './boundaries.js';
import { IamCache } from './cache.js';
import { certificateHandlers } from './certificates.js';
import { userPrincipal } from './common.js';
import { credentialHandlers } from './credential-handlers.js';
import { CredentialStore } from './credential-store.js';
import { entityHandlers } from './entity-handlers.js';
import { LOGIN_PROFILE_OPERATIONS } from './login-profiles.js';
import { MFA_OPERATIONS } from './mfa.js';
import { OIDC_PROVIDER_OPERATIONS } from './oidc-providers.js';
import { inRequestPartition } from './partition.js';
import { policyHandlers } from './policy-handlers.js';
import { ProviderStore } from './provider-store.js';
import { SAML_PROVIDER_OPERATIONS } from './saml-providers.js';
import { serviceLinkedRoleHandlers } from './service-linked-roles.js';
import { simulationHandlers } from './simulation.js';
import { sshKeyHandlers } from './ssh-keys.js';
import { IamStore } from './store.js';

export type { IamApi, IamRole, TrustCaller } from './api.js';

export const iam: ServiceDefinition = {
  name: 'iam',
  model: loadModel('iam'),
  validationError: 'ValidationError',
  authorization: iamAuthorization,
  create(rt) {
    const store = new IamStore(rt.store);
    const accounts = new AccountStore(rt.store);
    const usage = new AccessKeyUsage(accounts, rt.clock);
    const accountContext = { store, rt, accounts, usage };
    const credentialStore = new CredentialStore(rt.store);
    const context = { store, rt, credentials: credentialStore };
    const cache = new IamCache();
    return {
      handlers: cache.clearingOnWrites(
        inRequestPartition({
          ...entityHandlers(context),
          ...policyHandlers(context),
          ...credentialHandlers(context, usage),
          ...authorizationDetailsHandlers(context),
          ...bindOperations(accountContext, { ...LOGIN_PROFILE_OPERATIONS, ...ACCOUNT_OPERATIONS, ...MFA_OPERATIONS }),
          ...bindOperations({ providers: new ProviderStore(rt.store), rt }, { ...OIDC_PROVIDER_OPERATIONS, ...SAML_PROVIDER_OPERATIONS }),
          ...sshKeyHandlers(context),
          ...certificateHandlers(context),
          ...serviceLinkedRoleHandlers(context),
          ...boundaryHandlers(context),
          ...simulationHandlers(context),
        }),
      ),
      api: createIamApi(store, rt.clock, credentialStore, cache),
      stop: () => usage.flush(),
      reset: () => {
        usage.reset();
        cache.clear();
      },
      credentials(accessKeyId: string): Credential | undefined {
        if (!accessKeyId.startsWith('AKIA')) return undefined;
        return cache.memo(`key\u0000${accessKeyId}`, () => {
          const key = store.getAccessKey(accessKeyId);
          const user = key && store.getEntity('user', key.account, key.user_name);
          if (!key || !user) return undefined;
          return { secretAccessKey: key.secret, principal: userPrincipal(user, accessKeyId), active: key.status === 'Active', onUse: (service, region) => usage.record(accessKeyId, service, region) };
        });
      },
    };
  },
};
