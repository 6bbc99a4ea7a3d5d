/** Accounts and regions: who a request is from and where it goes. */
export const DEFAULT_ACCOUNT = '000000000000';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_ACCESS_KEY = 'test';
export const DEFAULT_SECRET_KEY = 'test';

/**
 * As users of other local clouds expect, an access key id of exactly twelve digits (with the
 * default secret) is the root user of that account, so multi-account tests need no setup.
 */
export function accountForRootKey(accessKeyId: string): string | undefined {
  if (accessKeyId === DEFAULT_ACCESS_KEY) return DEFAULT_ACCOUNT;
  if (/^\d{12}$/.test(accessKeyId)) return accessKeyId;
  return undefined;
}

/** Who made a request, resolved from its credentials. */
export interface Principal {
  account: string;
  /** ARN of the caller as GetCallerIdentity reports it. */
  arn: string;
  /** Unique id as GetCallerIdentity reports it (AIDA… for users, AROA…:session for roles). */
  userId: string;
  kind: 'root' | 'user' | 'assumed-role' | 'service';
  accessKeyId: string;
  /** IAM user name, for user principals. */
  userName?: string;
  /** Role name and session, for assumed-role principals. */
  roleName?: string;
  sessionName?: string;
  /** The service principal (`codebuild.amazonaws.com`), for a service acting on its own behalf. */
  servicePrincipal?: string;
}

/** Resources are scoped by account, and by region wherever AWS scopes them. */
export interface Scope {
  account: string;
  region: string;
}

export function rootPrincipal(account: string, accessKeyId: string): Principal {
  return { account, arn: `arn:aws:iam::${account}:root`, userId: account, kind: 'root', accessKeyId };
}

/**
 * A service acting on its own behalf in an account (CodeBuild assuming a project's service role,
 * EventBridge delivering to a target): what in-process calls without a role run as.
 */
export function servicePrincipal(account: string, service: string): Principal {
  return { account, arn: service, userId: service, kind: 'service', accessKeyId: '', servicePrincipal: service };
}

const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;
export function isRegion(text: string): boolean {
  return REGION_PATTERN.test(text);
}
