import { describe, expect, it } from 'vitest';
import type { AwsError } from '../../core/errors.js';
import { appliesToDestination, matchesPoolMember, parseApprovalRuleContent, ruleSatisfied, wildcardMatch } from './approval-rules.js';

const content = (statements: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ Version: '2018-11-08', ...extra, Statements: statements });

function parseError(text: string): string {
  try {
    parseApprovalRuleContent(text);
  } catch (err) {
    return (err as AwsError).code;
  }
  throw new Error('expected the content to be rejected');
}

describe('approval rule content', () => {
  it('parses statements, pools and destination references', () => {
    const parsed = parseApprovalRuleContent(
      content([{ Type: 'Approvers', NumberOfApprovalsNeeded: 2, ApprovalPoolMembers: ['CodeCommitApprovers:123456789012:Mary_Major'] }], {
        DestinationReferences: ['refs/heads/main'],
      }),
    );
    expect(parsed).toEqual({
      destinationReferences: ['refs/heads/main'],
      statements: [{ numberOfApprovalsNeeded: 2, approvalPoolMembers: ['CodeCommitApprovers:123456789012:Mary_Major'] }],
    });
  });

  it('rejects what CodeCommit rejects', () => {
    for (const bad of [
      'not json',
      '[]',
      JSON.stringify({ Version: '2020-01-01', Statements: [{ Type: 'Approvers', NumberOfApprovalsNeeded: 1 }] }),
      JSON.stringify({ Version: '2018-11-08' }),
      content([]),
      content([{ Type: 'Reviewers', NumberOfApprovalsNeeded: 1 }]),
      content([{ Type: 'Approvers', NumberOfApprovalsNeeded: 0 }]),
      content([{ Type: 'Approvers', NumberOfApprovalsNeeded: 1.5 }]),
      content([{ Type: 'Approvers', NumberOfApprovalsNeeded: '1' }]),
      content([{ Type: 'Approvers', NumberOfApprovalsNeeded: 1, ApprovalPoolMembers: ['Mary_Major'] }]),
      content([{ Type: 'Approvers', NumberOfApprovalsNeeded: 1, ApprovalPoolMembers: ['arn:aws:s3:::bucket'] }]),
      content([{ Type: 'Approvers', NumberOfApprovalsNeeded: 1 }], { DestinationReferences: ['main'] }),
      content([{ Type: 'Approvers', NumberOfApprovalsNeeded: 1, Extra: true }]),
    ]) {
      expect(parseError(bad), bad).toBe('InvalidApprovalRuleContentException');
    }
  });
});

describe('pool members', () => {
  const mary = 'arn:aws:iam::123456789012:user/Mary_Major';
  const maryWithPath = 'arn:aws:iam::123456789012:user/dev/Mary_Major';
  const federated = 'arn:aws:sts::123456789012:federated-user/Mary_Major';
  const session = 'arn:aws:sts::123456789012:assumed-role/CodeCommitReview/Mary_Major';

  it('CodeCommitApprovers matches IAM and federated users by name, sessions only through a wildcard', () => {
    const member = 'CodeCommitApprovers:123456789012:Mary_Major';
    expect(matchesPoolMember(member, mary)).toBe(true);
    expect(matchesPoolMember(member, maryWithPath)).toBe(true);
    expect(matchesPoolMember(member, federated)).toBe(true);
    expect(matchesPoolMember(member, session)).toBe(false);
    expect(matchesPoolMember('CodeCommitApprovers:123456789012:*Mary_Major', session)).toBe(true);
    expect(matchesPoolMember(member, 'arn:aws:iam::210987654321:user/Mary_Major')).toBe(false);
    expect(matchesPoolMember(member, 'arn:aws:iam::123456789012:user/Li_Juan')).toBe(false);
  });

  it('fully qualified ARNs match exactly or by wildcard, role ARNs match their sessions', () => {
    expect(matchesPoolMember(mary, mary)).toBe(true);
    expect(matchesPoolMember(mary, 'arn:aws:iam::123456789012:user/Mary_Major2')).toBe(false);
    expect(matchesPoolMember('arn:aws:sts::123456789012:assumed-role/CodeCommitReview/*', session)).toBe(true);
    expect(matchesPoolMember('arn:aws:sts::123456789012:assumed-role/Other/*', session)).toBe(false);
    expect(matchesPoolMember('arn:aws:iam::123456789012:role/CodeCommitReview', session)).toBe(true);
    expect(matchesPoolMember('arn:aws:iam::123456789012:user/*', mary)).toBe(true);
  });

  it('wildcards treat regex characters literally', () => {
    expect(wildcardMatch('a.b', 'axb')).toBe(false);
    expect(wildcardMatch('a?b', 'axb')).toBe(true);
  });
});

describe('evaluation', () => {
  const rule = parseApprovalRuleContent(
    content([
      { Type: 'Approvers', NumberOfApprovalsNeeded: 1, ApprovalPoolMembers: ['CodeCommitApprovers:123456789012:lead'] },
      { Type: 'Approvers', NumberOfApprovalsNeeded: 2 },
    ]),
  );

  it('needs every statement satisfied, counting only pool members for pooled statements', () => {
    expect(ruleSatisfied(rule, [])).toBe(false);
    expect(ruleSatisfied(rule, ['arn:aws:iam::123456789012:user/a', 'arn:aws:iam::123456789012:user/b'])).toBe(false);
    expect(ruleSatisfied(rule, ['arn:aws:iam::123456789012:user/lead'])).toBe(false);
    expect(ruleSatisfied(rule, ['arn:aws:iam::123456789012:user/lead', 'arn:aws:iam::123456789012:user/b'])).toBe(true);
  });

  it('templates apply to their destination references, or to every branch without them', () => {
    const scoped = parseApprovalRuleContent(content([{ Type: 'Approvers', NumberOfApprovalsNeeded: 1 }], { DestinationReferences: ['refs/heads/main'] }));
    expect(appliesToDestination(scoped, 'refs/heads/main')).toBe(true);
    expect(appliesToDestination(scoped, 'refs/heads/dev')).toBe(false);
    expect(appliesToDestination(rule, 'refs/heads/dev')).toBe(true);
  });
});
