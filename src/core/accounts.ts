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
  /** Session policies (documents) passed when the session was made: they cap what the session may do. */
  sessionPolicies?: string[];
  /** Session tags, which override the role's tags of the same key as `aws:PrincipalTag/*`. */
  sessionTags?: Record<string, string>;
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

/**
 * The regions AWS has, for what must enumerate them (trying each region a signature could have
 * been made for); `isRegion` accepts any well-formed name, so requests for a new region still work.
 */
export const AWS_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-7',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-south-1',
  'eu-south-2',
  'eu-north-1',
  'il-central-1',
  'me-south-1',
  'me-central-1',
  'mx-central-1',
  'sa-east-1',
  'us-gov-east-1',
  'us-gov-west-1',
  'cn-north-1',
  'cn-northwest-1',
];

const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;
export function isRegion(text: string): boolean {
  return REGION_PATTERN.test(text);
}
