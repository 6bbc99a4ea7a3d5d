/**
 * IAM policy documents: the grammar checks IAM applies before it stores one
 * (MalformedPolicyDocument), and the URL-encoding IAM uses whenever it returns one.
 */
import { partitionOf } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';

/**
 * Identity policies (inline policies of users, groups and roles, session policies), managed
 * policies (identity policies that must use the 2012-10-17 grammar), or a role's trust policy.
 */
export type PolicyKind = 'identity' | 'managed' | 'trust';

/** The longest trust policy IAM takes by default, counted without whitespace. */
const MAX_TRUST_POLICY_SIZE = 2048;
/** Services whose resource ARNs never carry a region (IAM refuses one). */
const REGIONLESS_SERVICES: Record<string, (resource: string) => string> = {
  s3: (resource) => `Resource ${resource} can not contain region information.`,
  iam: (resource) => `IAM resource ${resource} cannot contain region information.`,
};

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);
const ACTION = /^(\*|[a-zA-Z0-9-]+:[\w*?-]*)$/;
const VENDOR_WILDCARD = /^[^:]*[*?][^:]*:/;

function malformed(message: string): AwsError {
  return new AwsError('MalformedPolicyDocumentException', message);
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses a trust policy longer than IAM's default quota (whitespace is not counted). */
export function validateTrustPolicySize(text: string): void {
  if (text.replace(/\s/g, '').length > MAX_TRUST_POLICY_SIZE) throw new AwsError('LimitExceededException', `Cannot exceed quota for ACLSizePerRole: ${MAX_TRUST_POLICY_SIZE}`);
}

function checkAction(action: string): void {
  if (VENDOR_WILDCARD.test(action)) throw malformed('Action vendors (e.g., aws, ec2, etc.) must not contain wildcards');
  if (action.split(':').length > 2) throw malformed('Actions/Conditions can contain only one colon.');
  if (!ACTION.test(action)) throw malformed('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
}

/** The checks IAM applies to each Resource/NotResource of an identity policy (in `partition`, when the request's is known). */
function checkResource(resource: string, partition: string | undefined): void {
  if (resource === '*') return;
  if (!resource.startsWith('arn:')) throw malformed(`Resource ${resource} must be in ARN format or "*".`);
  const parts = resource.split(':');
  if (parts.length < 6 || !parts[1] || !parts[2]) throw malformed('The policy failed legacy parsing');
  if (partition && parts[1] !== partition && !/[*?]/.test(parts[1])) throw malformed(`Partition "${parts[1]}" is not valid for resource "${resource}".`);
  const regionless = REGIONLESS_SERVICES[parts[2]];
  if (regionless && parts[3] && !/[*?$]/.test(parts[3])) throw malformed(regionless(resource));
}

function parseDocument(text: string, kind: PolicyKind): Record<string, unknown> {
  // Trust policies are parsed as JSON first and say so; identity policies report any syntax error alike.
  const syntax = kind === 'trust' ? 'This policy contains invalid Json' : 'Syntax errors in policy.';
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed(syntax);
  }
  if (!isObject(doc)) throw malformed(syntax);
  return doc;
}

/**
 * Parses and checks a policy document; throws MalformedPolicyDocument with IAM's messages. With the
 * request's region, resource ARNs must also be in its partition.
 */
export function validatePolicyDocument(text: string, kind: PolicyKind, region?: string): Record<string, unknown> {
  const partition = region === undefined ? undefined : partitionOf(region);
  const doc = parseDocument(text, kind);
  for (const key of Object.keys(doc)) if (!TOP_LEVEL.has(key)) throw malformed('Syntax errors in policy.');
  if (doc.Version !== undefined && (typeof doc.Version !== 'string' || !VERSIONS.has(doc.Version))) throw malformed('The policy failed legacy parsing');
  if (kind === 'managed' && doc.Version !== '2012-10-17') throw malformed('Policy document must be version 2012-10-17 or greater.');
  if (doc.Statement === undefined) throw malformed('Missing required field Statement');
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  if (statements.length === 0) throw malformed('Syntax errors in policy.');
  const sids = new Set<string>();
  for (const statement of statements) {
    if (!isObject(statement)) throw malformed('Syntax errors in policy.');
    for (const key of Object.keys(statement)) if (!STATEMENT_KEYS.has(key)) throw malformed('Syntax errors in policy.');
    if (statement.Sid !== undefined) {
      if (typeof statement.Sid !== 'string') throw malformed('Syntax errors in policy.');
      if (statement.Sid && sids.has(statement.Sid)) throw malformed('Statement IDs (SID) in a single policy must be unique.');
      sids.add(statement.Sid);
    }
    if (statement.Effect === undefined) throw malformed('Missing required field Effect');
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') throw malformed(`Invalid effect: ${String(statement.Effect)}`);
    if (statement.Action === undefined && statement.NotAction === undefined) throw malformed('Policy statement must contain actions.');
    if (statement.Action !== undefined && statement.NotAction !== undefined) throw malformed('Syntax errors in policy.');
    const actions = stringList(statement.Action ?? statement.NotAction);
    if (!actions) throw malformed('Syntax errors in policy.');
    for (const action of actions) checkAction(action);
    const hasPrincipal = statement.Principal !== undefined || statement.NotPrincipal !== undefined;
    const hasResource = statement.Resource !== undefined || statement.NotResource !== undefined;
    if (kind !== 'trust') {
      if (hasPrincipal) throw malformed('Policy document should not specify a principal.');
      if (!hasResource) throw malformed('Policy statement must contain resources.');
      const resources = stringList(statement.Resource ?? statement.NotResource);
      if (!resources) throw malformed('Syntax errors in policy.');
      for (const resource of resources) checkResource(resource, partition);
    } else {
      if (!hasPrincipal) throw malformed('Missing required field Principal');
      if (hasResource) throw malformed('Has prohibited field Resource');
      const principal = statement.Principal ?? statement.NotPrincipal;
      if (principal !== '*' && !isObject(principal)) throw malformed('Invalid principal in policy');
    }
    if (statement.Condition !== undefined && !isObject(statement.Condition)) throw malformed('Syntax errors in policy.');
  }
  return doc;
}

/** IAM returns stored documents percent-encoded (RFC 3986), as the CLI expects to decode them. */
export function encodePolicyDocument(text: string): string {
  return encodeURIComponent(text);
}
