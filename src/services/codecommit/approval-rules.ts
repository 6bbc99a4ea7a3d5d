/**
 * Approval rule content (the JSON of pull request approval rules and approval rule templates) and
 * its evaluation against the approvals a pull request revision has:
 *
 *   {"Version": "2018-11-08", "DestinationReferences": ["refs/heads/main"],
 *    "Statements": [{"Type": "Approvers", "NumberOfApprovalsNeeded": 2,
 *                    "ApprovalPoolMembers": ["CodeCommitApprovers:123456789012:Mary_Major",
 *                                            "arn:aws:sts::123456789012:assumed-role/CodeCommitReview/*"]}]}
 *
 * A pool member is either `CodeCommitApprovers:<account>:<name>` (the IAM user or federated user of
 * that name in that account; assumed-role sessions only through a wildcard such as `*Mary_Major`)
 * or a fully qualified IAM/STS ARN, both with `*` and `?` wildcards. A statement without a pool
 * counts every approval.
 */

import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';

export const RULE_CONTENT_VERSION = '2018-11-08';

export interface ApprovalStatement {
  numberOfApprovalsNeeded: number;
  /** Undefined when the statement has no pool: any approver counts. */
  approvalPoolMembers?: string[];
}

export interface ApprovalRuleContent {
  destinationReferences?: string[];
  statements: ApprovalStatement[];
}

const invalid = (why: string) => new AwsError('InvalidApprovalRuleContentException', `The content of the approval rule is not valid. ${why}`);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const POOL_MEMBER_PREFIX = 'CodeCommitApprovers:';

/** Parses and checks approval rule content as CodeCommit does; throws InvalidApprovalRuleContentException. */
export function parseApprovalRuleContent(text: string): ApprovalRuleContent {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid('It is not valid JSON.');
  }
  if (!isRecord(doc)) throw invalid('It must be a JSON object.');
  for (const key of Object.keys(doc)) {
    if (!['Version', 'DestinationReferences', 'Statements'].includes(key)) throw invalid(`Unknown field: ${key}.`);
  }
  if (doc.Version !== RULE_CONTENT_VERSION) throw invalid(`Version must be ${RULE_CONTENT_VERSION}.`);
  const content: ApprovalRuleContent = { statements: [] };
  if (doc.DestinationReferences !== undefined) {
    const refs = doc.DestinationReferences;
    if (!Array.isArray(refs) || refs.some((r) => typeof r !== 'string' || !/^refs\/heads\/\S+$/.test(r))) {
      throw invalid('DestinationReferences must be a list of full branch references such as refs/heads/main.');
    }
    content.destinationReferences = refs as string[];
  }
  if (!Array.isArray(doc.Statements) || doc.Statements.length === 0) throw invalid('Statements must be a non-empty list.');
  for (const raw of doc.Statements) {
    if (!isRecord(raw)) throw invalid('Each statement must be a JSON object.');
    for (const key of Object.keys(raw)) {
      if (!['Type', 'NumberOfApprovalsNeeded', 'ApprovalPoolMembers'].includes(key)) throw invalid(`Unknown statement field: ${key}.`);
    }
    if (raw.Type !== 'Approvers') throw invalid('The statement Type must be Approvers.');
    const needed = raw.NumberOfApprovalsNeeded;
    if (typeof needed !== 'number' || !Number.isInteger(needed) || needed < 1) throw invalid('NumberOfApprovalsNeeded must be a positive integer.');
    const statement: ApprovalStatement = { numberOfApprovalsNeeded: needed };
    if (raw.ApprovalPoolMembers !== undefined) {
      const pool = raw.ApprovalPoolMembers;
      if (!Array.isArray(pool) || pool.some((m) => typeof m !== 'string' || !validPoolMember(m))) {
        throw invalid('ApprovalPoolMembers must list CodeCommitApprovers:<account>:<name> entries or IAM ARNs.');
      }
      statement.approvalPoolMembers = pool as string[];
    }
    content.statements.push(statement);
  }
  return content;
}

function validPoolMember(member: string): boolean {
  if (member.startsWith(POOL_MEMBER_PREFIX)) return /^CodeCommitApprovers:(\d{12}|\*):\S+$/.test(member);
  const parts = parseArn(member);
  return parts !== undefined && (parts.service === 'iam' || parts.service === 'sts') && parts.resource.length > 0;
}

/** IAM-style wildcard match: `*` is any run of characters, `?` exactly one. */
export function wildcardMatch(pattern: string, text: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(text);
}

/** Whether an approval by `approverArn` counts for a pool member. */
export function matchesPoolMember(member: string, approverArn: string): boolean {
  const approver = parseArn(approverArn);
  if (!approver) return false;
  if (member.startsWith(POOL_MEMBER_PREFIX)) {
    const rest = member.slice(POOL_MEMBER_PREFIX.length);
    const colon = rest.indexOf(':');
    const account = rest.slice(0, colon);
    const name = rest.slice(colon + 1);
    if (!wildcardMatch(account, approver.account)) return false;
    const [kind, ...path] = approver.resource.split('/');
    // IAM users (by name, whatever their path) and federated users match by name; anything else
    // (assumed-role sessions) only when a wildcard reaches across the resource path.
    if ((kind === 'user' || kind === 'federated-user') && path.length > 0 && wildcardMatch(name, path[path.length - 1])) return true;
    return /[*?]/.test(name) && wildcardMatch(name, approver.resource);
  }
  if (wildcardMatch(member, approverArn)) return true;
  // A role ARN stands for every session of that role.
  const pool = parseArn(member);
  if (pool?.service === 'iam' && pool.resource.startsWith('role/') && approver.service === 'sts' && approver.resource.startsWith('assumed-role/')) {
    const roleName = approver.resource.split('/')[1];
    const poolRoleName = pool.resource.split('/').pop() ?? '';
    return wildcardMatch(pool.account, approver.account) && wildcardMatch(poolRoleName, roleName);
  }
  return false;
}

/** Whether a rule is satisfied by the approving users of the current revision. */
export function ruleSatisfied(content: ApprovalRuleContent, approvers: string[]): boolean {
  return content.statements.every((statement) => {
    const pool = statement.approvalPoolMembers;
    const counted = pool ? approvers.filter((arn) => pool.some((member) => matchesPoolMember(member, arn))) : approvers;
    return counted.length >= statement.numberOfApprovalsNeeded;
  });
}

/** Whether a template applies to a pull request into `destinationReference` (no DestinationReferences: every branch). */
export function appliesToDestination(content: ApprovalRuleContent, destinationReference: string): boolean {
  return !content.destinationReferences || content.destinationReferences.includes(destinationReference);
}
