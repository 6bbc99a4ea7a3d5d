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
  kind: 'root' | 'user' | 'assumed-role';
  accessKeyId: string;
  /** IAM user name, for user principals. */
  userName?: string;
  /** Role name and session, for assumed-role principals. */
  roleName?: string;
  sessionName?: string;
}

export function rootPrincipal(account: string, accessKeyId: string): Principal {
  return { account, arn: `arn:aws:iam::${account}:root`, userId: account, kind: 'root', accessKeyId };
}

const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;
export function isRegion(text: string): boolean {
  return REGION_PATTERN.test(text);
}
