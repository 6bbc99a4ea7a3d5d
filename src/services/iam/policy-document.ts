/**
 * IAM policy documents: the grammar checks IAM applies before it stores one
 * (MalformedPolicyDocument), and the URL-encoding IAM uses whenever it returns one.
 */
import { AwsError } from '../../core/errors.js';

/** Identity policies (users, groups, roles, managed policies, session policies) or a role's trust policy. */
export type PolicyKind = 'identity' | 'trust';

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);
const ACTION = /^(\*|[a-zA-Z0-9-]+:[\w*?-]*)$/;

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

/** Parses and checks a policy document; throws MalformedPolicyDocument with IAM's messages. */
export function validatePolicyDocument(text: string, kind: PolicyKind): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed('Syntax errors in policy.');
  }
  if (!isObject(doc)) throw malformed('Syntax errors in policy.');
  for (const key of Object.keys(doc)) if (!TOP_LEVEL.has(key)) throw malformed('Syntax errors in policy.');
  if (doc.Version !== undefined && (typeof doc.Version !== 'string' || !VERSIONS.has(doc.Version))) throw malformed('The policy failed legacy parsing');
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
    for (const action of actions) {
      if (!ACTION.test(action)) throw malformed('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
    }
    const hasPrincipal = statement.Principal !== undefined || statement.NotPrincipal !== undefined;
    const hasResource = statement.Resource !== undefined || statement.NotResource !== undefined;
    if (kind === 'identity') {
      if (hasPrincipal) throw malformed('Policy document should not specify a principal.');
      if (!hasResource) throw malformed('Policy statement must contain resources.');
      const resources = stringList(statement.Resource ?? statement.NotResource);
      if (!resources) throw malformed('Syntax errors in policy.');
      for (const resource of resources) {
        if (resource !== '*' && !resource.startsWith('arn:')) throw malformed(`Resource ${resource} must be in ARN format or "*".`);
      }
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
