/**
 * What the pull request operations check in their requests, CodeCommit's exception for each bad
 * member, and the quotas they enforce.
 */

import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import { hex } from '../../core/ids.js';
import { parseApprovalRuleContent } from './approval-rules.js';
import { checkBranchName, type ReviewContext } from './common.js';

const MAX_TITLE = 150;
const MAX_DESCRIPTION = 10240;
const MAX_RULE_NAME = 100;
const MAX_RULE_CONTENT = 3000;
/** AWS quotas: open pull requests per repository, approval rules per pull request, approvals per revision. */
export const MAX_OPEN_PULL_REQUESTS = 1000;
export const MAX_APPROVAL_RULES = 25;
export const MAX_APPROVALS = 200;
export const MAX_PAGE = 100;

export const EVENT_TYPES = [
  'PULL_REQUEST_CREATED',
  'PULL_REQUEST_STATUS_CHANGED',
  'PULL_REQUEST_SOURCE_REFERENCE_UPDATED',
  'PULL_REQUEST_MERGE_STATE_CHANGED',
  'PULL_REQUEST_APPROVAL_RULE_CREATED',
  'PULL_REQUEST_APPROVAL_RULE_UPDATED',
  'PULL_REQUEST_APPROVAL_RULE_DELETED',
  'PULL_REQUEST_APPROVAL_RULE_OVERRIDDEN',
  'PULL_REQUEST_APPROVAL_STATE_CHANGED',
];

export const notFound = (id: string): AwsError =>
  new AwsError(
    'PullRequestDoesNotExistException',
    `The pull request ID could not be found. Make sure that you have specified the correct repository name and pull request ID, and then try again. ID: ${id}`,
  );
export const closed = (): AwsError => new AwsError('PullRequestAlreadyClosedException', 'The pull request status cannot be updated because it is already closed.');
export const notCurrent = (): AwsError =>
  new AwsError('RevisionNotCurrentException', 'The revision ID provided in the request does not match the current revision ID. Use GetPullRequest to retrieve the current revision ID.');

export const newRevisionId = (): string => hex(32);

export function checkPullRequestId(id: unknown): string {
  if (id === undefined || id === null || id === '') throw new AwsError('PullRequestIdRequiredException', 'A pull request ID is required, but none was provided.');
  if (typeof id !== 'string' || !/^[1-9]\d{0,18}$/.test(id))
    throw new AwsError(
      'InvalidPullRequestIdException',
      `The pull request ID is not valid. Make sure that you have provided the full ID and that the pull request is in the specified repository, and then try again. ID: ${String(id)}`,
    );
  return id;
}

export function checkRevisionId(id: unknown): string {
  if (id === undefined || id === null || id === '') throw new AwsError('RevisionIdRequiredException', 'A revision ID is required, but was not provided.');
  if (typeof id !== 'string' || !/^[0-9a-f]{64}$/.test(id)) throw new AwsError('InvalidRevisionIdException', 'The revision ID is not valid. Use GetPullRequest to determine the value.');
  return id;
}

export function checkTitle(title: unknown): string {
  if (typeof title !== 'string' || title.trim() === '') {
    if (title === undefined || title === null || typeof title === 'string') throw new AwsError('TitleRequiredException', 'A pull request title is required. It cannot be empty or null.');
    throw new AwsError('InvalidTitleException', 'The title of the pull request is not valid.');
  }
  if (title.length > MAX_TITLE) throw new AwsError('InvalidTitleException', `The title of the pull request is not valid. Pull request titles cannot exceed ${MAX_TITLE} characters.`);
  return title;
}

export function checkDescription(description: unknown): string | undefined {
  if (description === undefined || description === null) return undefined;
  if (typeof description !== 'string' || description.length > MAX_DESCRIPTION) {
    throw new AwsError('InvalidDescriptionException', `The pull request description is not valid. Descriptions cannot be more than ${MAX_DESCRIPTION} characters.`);
  }
  return description;
}

/** A branch reference as pull requests take it (`main` or `refs/heads/main`), as its full name. */
export function checkBranchReference(reference: unknown): string {
  if (reference === undefined || reference === null || reference === '') throw new AwsError('ReferenceNameRequiredException', 'A reference name is required, but none was provided.');
  if (typeof reference !== 'string') throw new AwsError('InvalidReferenceNameException', 'The specified reference name format is not valid.');
  if (reference.startsWith('refs/') && !reference.startsWith('refs/heads/')) {
    throw new AwsError('ReferenceTypeNotSupportedException', `The specified reference is not a supported type. Only branches are supported: ${reference}`);
  }
  const branch = reference.startsWith('refs/heads/') ? reference.slice('refs/heads/'.length) : reference;
  checkBranchName(branch, 'ReferenceNameRequiredException', 'InvalidReferenceNameException');
  return `refs/heads/${branch}`;
}

export function checkApprovalRuleName(name: unknown): string {
  if (name === undefined || name === null || name === '') throw new AwsError('ApprovalRuleNameRequiredException', 'An approval rule name is required, but was not specified.');
  if (typeof name !== 'string' || name.length > MAX_RULE_NAME)
    throw new AwsError('InvalidApprovalRuleNameException', `The name for the approval rule is not valid. Approval rule names must be between 1 and ${MAX_RULE_NAME} characters.`);
  return name;
}

export function checkApprovalRuleContent(content: unknown): string {
  if (content === undefined || content === null || content === '')
    throw new AwsError('ApprovalRuleContentRequiredException', 'The content for the approval rule is empty. You must provide some content for an approval rule. The content cannot be null.');
  if (typeof content !== 'string' || content.length > MAX_RULE_CONTENT)
    throw new AwsError('InvalidApprovalRuleContentException', `The content for the approval rule is not valid. It cannot exceed ${MAX_RULE_CONTENT} characters.`);
  parseApprovalRuleContent(content);
  return content;
}

/** maxResults of the pull request listings: a positive integer up to `max` (larger is an error here, not a cap). */
export function checkMaxResults(value: unknown, max: number): number {
  if (value === undefined || value === null) return max;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new AwsError('InvalidMaxResultsException', 'The specified number of maximum results is not valid.');
  }
  return value;
}

/** Checks an ARN filter (authorArn, actorArn) the way CodeCommit does: well formed, and naming an identity that exists. */
export function checkIdentityArn(c: ReviewContext, value: unknown, invalidError: string, missingError: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const parts = typeof value === 'string' ? parseArn(value) : undefined;
  if (!parts || (parts.service !== 'iam' && parts.service !== 'sts') || !/^\d{12}$/.test(parts.account)) {
    throw new AwsError(invalidError, `The Amazon Resource Name (ARN) is not valid: ${String(value)}`);
  }
  const [kind, ...rest] = parts.resource.split('/');
  const iam = c.rt.api('iam');
  const exists =
    parts.resource === 'root' ||
    (kind === 'user' && rest.length > 0 && iam.getUser(parts.account, rest[rest.length - 1]) !== undefined) ||
    (kind === 'assumed-role' && rest.length === 2 && iam.getRole(parts.account, rest[0]) !== undefined) ||
    kind === 'federated-user';
  if (!exists) throw new AwsError(missingError, `The specified Amazon Resource Name (ARN) does not exist in the AWS account: ${String(value)}`);
  return value as string;
}
