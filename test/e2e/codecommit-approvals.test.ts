/**
 * CodeCommit pull request approvals end to end, with IAM users as author and reviewers: approval
 * rules (own and from templates), approvals per revision, evaluation with approval pools,
 * overrides, and merges that wait for the rules — each with CodeCommit's exceptions for bad input.
 */

import {
  AssociateApprovalRuleTemplateWithRepositoryCommand,
  CodeCommitClient,
  CreateApprovalRuleTemplateCommand,
  CreateBranchCommand,
  CreatePullRequestApprovalRuleCommand,
  CreatePullRequestCommand,
  CreateRepositoryCommand,
  DeletePullRequestApprovalRuleCommand,
  DescribePullRequestEventsCommand,
  EvaluatePullRequestApprovalRulesCommand,
  GetPullRequestApprovalStatesCommand,
  GetPullRequestCommand,
  GetPullRequestOverrideStateCommand,
  MergePullRequestByFastForwardCommand,
  OverridePullRequestApprovalRulesCommand,
  type PullRequest,
  PutFileCommand,
  UpdatePullRequestApprovalRuleContentCommand,
  UpdatePullRequestApprovalStateCommand,
  UpdatePullRequestStatusCommand,
} from '@aws-sdk/client-codecommit';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsEvent } from '../../src/core/events.js';
import { createIamUser, expectAwsError, failure, useServer } from '../helpers.js';

const ACCOUNT = '000000000000';
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const text = (s: string) => Buffer.from(s, 'utf8');
const rule = (needed: number, pool?: string[], destinations?: string[]) =>
  JSON.stringify({
    Version: '2018-11-08',
    ...(destinations ? { DestinationReferences: destinations } : {}),
    Statements: [{ Type: 'Approvers', NumberOfApprovalsNeeded: needed, ...(pool ? { ApprovalPoolMembers: pool } : {}) }],
  });

describe('CodeCommit pull request approvals', () => {
  const server = useServer();
  let root: CodeCommitClient;
  let author: CodeCommitClient;
  let bob: CodeCommitClient;
  let carol: CodeCommitClient;
  /** May do everything but merge pull requests into main (the User Guide's branch protection). */
  let dave: CodeCommitClient;
  const events: AwsEvent[] = [];
  let mainTip: string;

  const ALLOW_ALL = { Effect: 'Allow', Action: 'codecommit:*', Resource: '*' };

  async function user(iam: IAMClient, name: string, statements: object[] = [ALLOW_ALL]): Promise<CodeCommitClient> {
    await iam.send(new CreateUserCommand({ UserName: name }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'codecommit', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
    return new CodeCommitClient({ ...server.clientConfig, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } });
  }

  /** A branch one commit ahead of main, and alice's pull request from it. */
  async function pullRequest(branch: string, destination = 'main'): Promise<PullRequest> {
    await root.send(new CreateBranchCommand({ repositoryName: 'reviewed', branchName: branch, commitId: mainTip }));
    await root.send(new PutFileCommand({ repositoryName: 'reviewed', branchName: branch, filePath: `${branch}.txt`, fileContent: text(branch), parentCommitId: mainTip }));
    const created = await author.send(new CreatePullRequestCommand({ title: branch, targets: [{ repositoryName: 'reviewed', sourceReference: branch, destinationReference: destination }] }));
    return created.pullRequest!;
  }

  const evaluate = async (pr: PullRequest, revisionId = pr.revisionId) => (await root.send(new EvaluatePullRequestApprovalRulesCommand({ pullRequestId: pr.pullRequestId, revisionId }))).evaluation!;

  beforeAll(async () => {
    root = new CodeCommitClient(server.clientConfig);
    const iam = new IAMClient(server.clientConfig);
    author = await user(iam, 'alice');
    bob = await user(iam, 'bob');
    carol = await user(iam, 'carol');
    dave = await user(iam, 'dave', [
      ALLOW_ALL,
      {
        Effect: 'Deny',
        Action: ['codecommit:MergePullRequestByFastForward', 'codecommit:MergePullRequestBySquash', 'codecommit:MergePullRequestByThreeWay'],
        Resource: `arn:aws:codecommit:us-east-1:${ACCOUNT}:reviewed`,
        Condition: { StringEqualsIfExists: { 'codecommit:References': ['refs/heads/main'] }, Null: { 'codecommit:References': false } },
      },
    ]);
    server.runtime.events.subscribe((event) => {
      if (event['detail-type'] === 'CodeCommit Pull Request State Change') events.push(event);
    });
    await root.send(new CreateRepositoryCommand({ repositoryName: 'reviewed' }));
    mainTip = (await root.send(new PutFileCommand({ repositoryName: 'reviewed', branchName: 'main', filePath: 'README.md', fileContent: text('hi\n') }))).commitId!;
    await root.send(new CreateBranchCommand({ repositoryName: 'reviewed', branchName: 'release', commitId: mainTip }));
  });

  it('creates, updates and deletes approval rules with their events, and rejects bad ones', async () => {
    const pr = await pullRequest('rules');
    const created = (
      await author.send(
        new CreatePullRequestApprovalRuleCommand({
          pullRequestId: pr.pullRequestId,
          approvalRuleName: 'two-reviewers',
          approvalRuleContent: rule(2),
        }),
      )
    ).approvalRule!;
    expect(created).toMatchObject({ approvalRuleName: 'two-reviewers', approvalRuleContent: rule(2), lastModifiedUser: userArn('alice') });
    expect(created.approvalRuleId).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.ruleContentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await root.send(new GetPullRequestCommand({ pullRequestId: pr.pullRequestId }))).pullRequest!.approvalRules).toEqual([created]);
    expect(events.at(-1)!.detail).toMatchObject({
      event: 'pullRequestApprovalRuleCreated',
      approvalRuleName: 'two-reviewers',
      approvalRuleId: created.approvalRuleId,
      callerUserArn: userArn('alice'),
    });

    const id = pr.pullRequestId;
    await expectAwsError(root.send(new CreatePullRequestApprovalRuleCommand({ pullRequestId: id, approvalRuleName: 'two-reviewers', approvalRuleContent: rule(1) })), {
      code: 'ApprovalRuleNameAlreadyExistsException',
      status: 400,
    });
    await expectAwsError(root.send(new CreatePullRequestApprovalRuleCommand({ pullRequestId: id, approvalRuleName: '', approvalRuleContent: rule(1) })), {
      code: 'ApprovalRuleNameRequiredException',
      status: 400,
    });
    await expectAwsError(root.send(new CreatePullRequestApprovalRuleCommand({ pullRequestId: id, approvalRuleName: 'x'.repeat(101), approvalRuleContent: rule(1) })), {
      code: 'InvalidApprovalRuleNameException',
      status: 400,
    });
    await expectAwsError(root.send(new CreatePullRequestApprovalRuleCommand({ pullRequestId: id, approvalRuleName: 'r', approvalRuleContent: '' })), {
      code: 'ApprovalRuleContentRequiredException',
      status: 400,
    });
    await expectAwsError(root.send(new CreatePullRequestApprovalRuleCommand({ pullRequestId: id, approvalRuleName: 'r', approvalRuleContent: '{"Version":"2018-11-08"}' })), {
      code: 'InvalidApprovalRuleContentException',
      status: 400,
    });
    await expectAwsError(root.send(new CreatePullRequestApprovalRuleCommand({ pullRequestId: id, approvalRuleName: 'r', approvalRuleContent: rule(0) })), {
      code: 'InvalidApprovalRuleContentException',
      status: 400,
    });
    await expectAwsError(root.send(new CreatePullRequestApprovalRuleCommand({ pullRequestId: '12345', approvalRuleName: 'r', approvalRuleContent: rule(1) })), {
      code: 'PullRequestDoesNotExistException',
      status: 400,
    });

    const updated = (
      await root.send(
        new UpdatePullRequestApprovalRuleContentCommand({
          pullRequestId: id,
          approvalRuleName: 'two-reviewers',
          existingRuleContentSha256: created.ruleContentSha256,
          newRuleContent: rule(1),
        }),
      )
    ).approvalRule!;
    expect(updated).toMatchObject({ approvalRuleId: created.approvalRuleId, approvalRuleContent: rule(1), lastModifiedUser: `arn:aws:iam::${ACCOUNT}:root` });
    expect(updated.ruleContentSha256).not.toBe(created.ruleContentSha256);
    await expectAwsError(
      root.send(
        new UpdatePullRequestApprovalRuleContentCommand({ pullRequestId: id, approvalRuleName: 'two-reviewers', existingRuleContentSha256: created.ruleContentSha256, newRuleContent: rule(3) }),
      ),
      { code: 'InvalidRuleContentSha256Exception', status: 400 },
    );
    await expectAwsError(root.send(new UpdatePullRequestApprovalRuleContentCommand({ pullRequestId: id, approvalRuleName: 'missing', newRuleContent: rule(3) })), {
      code: 'ApprovalRuleDoesNotExistException',
      status: 400,
    });
    await expectAwsError(root.send(new UpdatePullRequestApprovalRuleContentCommand({ pullRequestId: id, approvalRuleName: 'two-reviewers', newRuleContent: 'nope' })), {
      code: 'InvalidApprovalRuleContentException',
      status: 400,
    });

    expect((await root.send(new DeletePullRequestApprovalRuleCommand({ pullRequestId: id, approvalRuleName: 'two-reviewers' }))).approvalRuleId).toBe(created.approvalRuleId);
    // Deleting again is not an error in AWS: the answer is 200 without content.
    expect((await root.send(new DeletePullRequestApprovalRuleCommand({ pullRequestId: id, approvalRuleName: 'two-reviewers' }))).approvalRuleId).toBeUndefined();
    await expectAwsError(root.send(new DeletePullRequestApprovalRuleCommand({ pullRequestId: id, approvalRuleName: '' })), { code: 'ApprovalRuleNameRequiredException', status: 400 });

    const history = (await root.send(new DescribePullRequestEventsCommand({ pullRequestId: id }))).pullRequestEvents!;
    expect(history.map((e) => [e.pullRequestEventType, e.approvalRuleEventMetadata?.approvalRuleContent])).toEqual([
      ['PULL_REQUEST_CREATED', undefined],
      ['PULL_REQUEST_APPROVAL_RULE_CREATED', rule(2)],
      ['PULL_REQUEST_APPROVAL_RULE_UPDATED', rule(1)],
      ['PULL_REQUEST_APPROVAL_RULE_DELETED', rule(1)],
    ]);

    await root.send(new UpdatePullRequestStatusCommand({ pullRequestId: id, pullRequestStatus: 'CLOSED' }));
    await expectAwsError(root.send(new CreatePullRequestApprovalRuleCommand({ pullRequestId: id, approvalRuleName: 'late', approvalRuleContent: rule(1) })), {
      code: 'PullRequestAlreadyClosedException',
      status: 400,
    });
  });

  it('counts approvals per revision from the pool, never from the author, and blocks the merge until satisfied', async () => {
    const pr = await pullRequest('pooled');
    const id = pr.pullRequestId!;
    await root.send(new CreatePullRequestApprovalRuleCommand({ pullRequestId: id, approvalRuleName: 'lead', approvalRuleContent: rule(1, [`CodeCommitApprovers:${ACCOUNT}:carol`]) }));
    await root.send(new CreatePullRequestApprovalRuleCommand({ pullRequestId: id, approvalRuleName: 'anyone', approvalRuleContent: rule(1) }));
    expect(await evaluate(pr)).toEqual({ approved: false, overridden: false, approvalRulesSatisfied: [], approvalRulesNotSatisfied: ['lead', 'anyone'] });

    await expectAwsError(author.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: id, revisionId: pr.revisionId, approvalState: 'APPROVE' })), {
      code: 'PullRequestCannotBeApprovedByAuthorException',
      status: 400,
    });
    await expectAwsError(bob.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: id, revisionId: 'f'.repeat(64), approvalState: 'APPROVE' })), {
      code: 'RevisionNotCurrentException',
      status: 400,
    });
    await expectAwsError(bob.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: id, revisionId: 'nope', approvalState: 'APPROVE' })), { code: 'InvalidRevisionIdException', status: 400 });
    await expectAwsError(bob.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: id, revisionId: '', approvalState: 'APPROVE' })), { code: 'RevisionIdRequiredException', status: 400 });
    await expectAwsError(bob.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: id, revisionId: pr.revisionId, approvalState: 'MAYBE' as 'APPROVE' })), {
      code: 'InvalidApprovalStateException',
      status: 400,
    });
    await expectAwsError(root.send(new EvaluatePullRequestApprovalRulesCommand({ pullRequestId: id, revisionId: 'f'.repeat(64) })), { code: 'RevisionNotCurrentException', status: 400 });

    await bob.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: id, revisionId: pr.revisionId, approvalState: 'APPROVE' }));
    expect((await root.send(new GetPullRequestApprovalStatesCommand({ pullRequestId: id, revisionId: pr.revisionId }))).approvals).toEqual([{ userArn: userArn('bob'), approvalState: 'APPROVE' }]);
    expect(events.at(-1)!.detail).toMatchObject({ event: 'pullRequestApprovalStateChanged', approvalStatus: 'APPROVE', callerUserArn: userArn('bob'), author: userArn('alice') });
    expect(await evaluate(pr)).toEqual({ approved: false, overridden: false, approvalRulesSatisfied: ['anyone'], approvalRulesNotSatisfied: ['lead'] });
    await expectAwsError(root.send(new MergePullRequestByFastForwardCommand({ pullRequestId: id, repositoryName: 'reviewed' })), {
      code: 'PullRequestApprovalRulesNotSatisfiedException',
      status: 400,
    });

    // A new commit on the source branch is a new revision: the approvals given so far no longer count.
    const current = (await root.send(new GetPullRequestCommand({ pullRequestId: id }))).pullRequest!;
    const next = (
      await root.send(
        new PutFileCommand({
          repositoryName: 'reviewed',
          branchName: 'pooled',
          filePath: 'more.txt',
          fileContent: text('more'),
          parentCommitId: current.pullRequestTargets![0].sourceCommit,
        }),
      )
    ).commitId!;
    const revised = (await root.send(new GetPullRequestCommand({ pullRequestId: id }))).pullRequest!;
    expect(revised.pullRequestTargets![0].sourceCommit).toBe(next);
    expect(revised.revisionId).not.toBe(pr.revisionId);
    expect(await evaluate(revised)).toMatchObject({ approved: false, approvalRulesNotSatisfied: ['lead', 'anyone'] });
    expect((await root.send(new GetPullRequestApprovalStatesCommand({ pullRequestId: id, revisionId: revised.revisionId }))).approvals).toEqual([]);
    // The old revision keeps its history.
    expect((await root.send(new GetPullRequestApprovalStatesCommand({ pullRequestId: id, revisionId: pr.revisionId }))).approvals).toHaveLength(1);
    await expectAwsError(bob.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: id, revisionId: pr.revisionId, approvalState: 'APPROVE' })), {
      code: 'RevisionNotCurrentException',
      status: 400,
    });

    await carol.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: id, revisionId: revised.revisionId, approvalState: 'APPROVE' }));
    expect(await evaluate(revised)).toEqual({ approved: true, overridden: false, approvalRulesSatisfied: ['lead', 'anyone'], approvalRulesNotSatisfied: [] });
    // Revoking takes the approval back.
    await carol.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: id, revisionId: revised.revisionId, approvalState: 'REVOKE' }));
    expect(await evaluate(revised)).toMatchObject({ approved: false });
    await carol.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: id, revisionId: revised.revisionId, approvalState: 'APPROVE' }));

    await expectAwsError(root.send(new MergePullRequestByFastForwardCommand({ pullRequestId: id, repositoryName: 'reviewed', sourceCommitId: current.pullRequestTargets![0].sourceCommit })), {
      code: 'TipOfSourceReferenceIsDifferentException',
      status: 400,
    });
    const merged = (await root.send(new MergePullRequestByFastForwardCommand({ pullRequestId: id, repositoryName: 'reviewed', sourceCommitId: next }))).pullRequest!;
    expect(merged.pullRequestTargets![0].mergeMetadata).toMatchObject({ isMerged: true, mergeCommitId: next });
    mainTip = next;
    await expectAwsError(carol.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: id, revisionId: merged.revisionId, approvalState: 'REVOKE' })), {
      code: 'PullRequestAlreadyClosedException',
      status: 400,
    });

    const approvals = (await root.send(new DescribePullRequestEventsCommand({ pullRequestId: id, pullRequestEventType: 'PULL_REQUEST_APPROVAL_STATE_CHANGED' }))).pullRequestEvents!;
    expect(approvals.map((e) => [e.actorArn, e.approvalStateChangedEventMetadata?.approvalStatus])).toEqual([
      [userArn('bob'), 'APPROVE'],
      [userArn('carol'), 'APPROVE'],
      [userArn('carol'), 'REVOKE'],
      [userArn('carol'), 'APPROVE'],
    ]);
  });

  it('gives a new revision when the destination moves too, without a source-updated event', async () => {
    const pr = await pullRequest('destination-moves');
    const id = pr.pullRequestId!;
    await bob.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: id, revisionId: pr.revisionId, approvalState: 'APPROVE' }));
    mainTip = (await root.send(new PutFileCommand({ repositoryName: 'reviewed', branchName: 'main', filePath: 'main.txt', fileContent: text('moved'), parentCommitId: mainTip }))).commitId!;
    const moved = (await root.send(new GetPullRequestCommand({ pullRequestId: id }))).pullRequest!;
    expect(moved.pullRequestTargets![0]).toMatchObject({ destinationCommit: mainTip, sourceCommit: pr.pullRequestTargets![0].sourceCommit });
    expect(moved.revisionId).not.toBe(pr.revisionId);
    expect((await root.send(new GetPullRequestApprovalStatesCommand({ pullRequestId: id, revisionId: moved.revisionId }))).approvals).toEqual([]);
    const history = (await root.send(new DescribePullRequestEventsCommand({ pullRequestId: id }))).pullRequestEvents!;
    expect(history.map((e) => e.pullRequestEventType)).toEqual(['PULL_REQUEST_CREATED', 'PULL_REQUEST_APPROVAL_STATE_CHANGED']);
    await root.send(new UpdatePullRequestStatusCommand({ pullRequestId: id, pullRequestStatus: 'CLOSED' }));
  });

  it('counts assumed-role sessions through ARN wildcards and role ARNs, and CodeCommitApprovers only with a wildcard', async () => {
    const iam = new IAMClient(server.clientConfig);
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] };
    await iam.send(new CreateRoleCommand({ RoleName: 'CodeCommitReview', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'CodeCommitReview', PolicyName: 'cc', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [ALLOW_ALL] }) }));
    // AWS refuses AssumeRole to root credentials: an IAM user allowed sts:AssumeRole assumes it.
    const sts = new STSClient({ ...server.clientConfig, credentials: (await createIamUser(server.clientConfig, 'mary')).credentials });
    const session = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/CodeCommitReview`, RoleSessionName: 'Mary_Major' }))).Credentials!;
    const reviewer = new CodeCommitClient({
      ...server.clientConfig,
      credentials: { accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken },
    });

    const pr = await pullRequest('role-reviewed');
    const id = pr.pullRequestId!;
    const rules: [string, string[]][] = [
      ['session-wildcard', [`arn:aws:sts::${ACCOUNT}:assumed-role/CodeCommitReview/*`]],
      ['role-arn', [`arn:aws:iam::${ACCOUNT}:role/CodeCommitReview`]],
      ['by-name', [`CodeCommitApprovers:${ACCOUNT}:Mary_Major`]],
      ['by-name-wildcard', [`CodeCommitApprovers:${ACCOUNT}:*Mary_Major`]],
      ['other-role', [`arn:aws:sts::${ACCOUNT}:assumed-role/Other/*`]],
    ];
    for (const [name, pool] of rules) {
      await root.send(new CreatePullRequestApprovalRuleCommand({ pullRequestId: id, approvalRuleName: name, approvalRuleContent: rule(1, pool) }));
    }
    await reviewer.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: id, revisionId: pr.revisionId, approvalState: 'APPROVE' }));
    expect((await root.send(new GetPullRequestApprovalStatesCommand({ pullRequestId: id, revisionId: pr.revisionId }))).approvals).toEqual([
      { userArn: `arn:aws:sts::${ACCOUNT}:assumed-role/CodeCommitReview/Mary_Major`, approvalState: 'APPROVE' },
    ]);
    expect(await evaluate(pr)).toEqual({
      approved: false,
      overridden: false,
      approvalRulesSatisfied: ['session-wildcard', 'role-arn', 'by-name-wildcard'],
      approvalRulesNotSatisfied: ['by-name', 'other-role'],
    });
    await root.send(new UpdatePullRequestStatusCommand({ pullRequestId: id, pullRequestStatus: 'CLOSED' }));
  });

  it('overrides the rules for one revision, once, and lets the merge through', async () => {
    const pr = await pullRequest('overridden');
    const id = pr.pullRequestId!;
    await root.send(new CreatePullRequestApprovalRuleCommand({ pullRequestId: id, approvalRuleName: 'never', approvalRuleContent: rule(5) }));
    expect(await root.send(new GetPullRequestOverrideStateCommand({ pullRequestId: id, revisionId: pr.revisionId }))).toMatchObject({ overridden: false });
    await expectAwsError(root.send(new OverridePullRequestApprovalRulesCommand({ pullRequestId: id, revisionId: pr.revisionId, overrideStatus: 'MAYBE' as 'OVERRIDE' })), {
      code: 'InvalidOverrideStatusException',
      status: 400,
    });
    await expectAwsError(root.send(new OverridePullRequestApprovalRulesCommand({ pullRequestId: id, revisionId: 'a'.repeat(64), overrideStatus: 'OVERRIDE' })), {
      code: 'RevisionNotCurrentException',
      status: 400,
    });
    await expectAwsError(root.send(new GetPullRequestOverrideStateCommand({ pullRequestId: id, revisionId: 'x' })), { code: 'InvalidRevisionIdException', status: 400 });

    await bob.send(new OverridePullRequestApprovalRulesCommand({ pullRequestId: id, revisionId: pr.revisionId, overrideStatus: 'OVERRIDE' }));
    expect(await root.send(new GetPullRequestOverrideStateCommand({ pullRequestId: id, revisionId: pr.revisionId }))).toMatchObject({ overridden: true, overrider: userArn('bob') });
    expect(await evaluate(pr)).toEqual({ approved: false, overridden: true, approvalRulesSatisfied: [], approvalRulesNotSatisfied: ['never'] });
    expect(events.at(-1)!.detail).toMatchObject({ event: 'pullRequestApprovalRuleOverridden', overrideStatus: 'OVERRIDE', callerUserArn: userArn('bob') });
    await expectAwsError(bob.send(new OverridePullRequestApprovalRulesCommand({ pullRequestId: id, revisionId: pr.revisionId, overrideStatus: 'OVERRIDE' })), {
      code: 'OverrideAlreadySetException',
      status: 400,
    });

    await bob.send(new OverridePullRequestApprovalRulesCommand({ pullRequestId: id, revisionId: pr.revisionId, overrideStatus: 'REVOKE' }));
    await expectAwsError(root.send(new MergePullRequestByFastForwardCommand({ pullRequestId: id, repositoryName: 'reviewed' })), {
      code: 'PullRequestApprovalRulesNotSatisfiedException',
      status: 400,
    });
    await bob.send(new OverridePullRequestApprovalRulesCommand({ pullRequestId: id, revisionId: pr.revisionId, overrideStatus: 'OVERRIDE' }));
    // The override holds for the revision it was given on, which is still the current one.
    const current = (await root.send(new GetPullRequestCommand({ pullRequestId: id }))).pullRequest!;
    expect(current.revisionId).toBe(pr.revisionId);
    const merged = (await root.send(new MergePullRequestByFastForwardCommand({ pullRequestId: id, repositoryName: 'reviewed' }))).pullRequest!;
    expect(merged.pullRequestStatus).toBe('CLOSED');
    mainTip = merged.pullRequestTargets![0].mergeMetadata!.mergeCommitId!;

    const overrides = (await root.send(new DescribePullRequestEventsCommand({ pullRequestId: id, pullRequestEventType: 'PULL_REQUEST_APPROVAL_RULE_OVERRIDDEN' }))).pullRequestEvents!;
    expect(overrides.map((e) => e.approvalRuleOverriddenEventMetadata)).toEqual([
      { revisionId: pr.revisionId, overrideStatus: 'OVERRIDE' },
      { revisionId: pr.revisionId, overrideStatus: 'REVOKE' },
      { revisionId: pr.revisionId, overrideStatus: 'OVERRIDE' },
    ]);
  });

  it('applies associated approval rule templates whose destination matches, and protects their rules', async () => {
    const template = await root.send(
      new CreateApprovalRuleTemplateCommand({
        approvalRuleTemplateName: 'main-needs-one',
        approvalRuleTemplateContent: rule(1, undefined, ['refs/heads/main']),
      }),
    );
    await root.send(new CreateApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'release-only', approvalRuleTemplateContent: rule(1, undefined, ['refs/heads/release']) }));
    await root.send(new CreateApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'everywhere', approvalRuleTemplateContent: rule(1) }));
    for (const name of ['main-needs-one', 'release-only', 'everywhere']) {
      await root.send(new AssociateApprovalRuleTemplateWithRepositoryCommand({ approvalRuleTemplateName: name, repositoryName: 'reviewed' }));
    }
    const pr = await pullRequest('templated');
    expect(pr.approvalRules!.map((r) => [r.approvalRuleName, r.originApprovalRuleTemplate?.approvalRuleTemplateName]).sort()).toEqual([
      ['everywhere', 'everywhere'],
      ['main-needs-one', 'main-needs-one'],
    ]);
    const fromTemplate = pr.approvalRules!.find((r) => r.approvalRuleName === 'main-needs-one')!;
    expect(fromTemplate.originApprovalRuleTemplate!.approvalRuleTemplateId).toBe(template.approvalRuleTemplate!.approvalRuleTemplateId);
    expect(fromTemplate.approvalRuleContent).toBe(rule(1, undefined, ['refs/heads/main']));

    await expectAwsError(root.send(new UpdatePullRequestApprovalRuleContentCommand({ pullRequestId: pr.pullRequestId, approvalRuleName: 'main-needs-one', newRuleContent: rule(2) })), {
      code: 'CannotModifyApprovalRuleFromTemplateException',
      status: 400,
    });
    await expectAwsError(root.send(new DeletePullRequestApprovalRuleCommand({ pullRequestId: pr.pullRequestId, approvalRuleName: 'main-needs-one' })), {
      code: 'CannotDeleteApprovalRuleFromTemplateException',
      status: 400,
    });
    expect(await evaluate(pr)).toMatchObject({ approved: false, approvalRulesNotSatisfied: expect.arrayContaining(['main-needs-one', 'everywhere']) });

    const toRelease = await pullRequest('for-release', 'release');
    expect(toRelease.approvalRules!.map((r) => r.approvalRuleName).sort()).toEqual(['everywhere', 'release-only']);
  });

  it('authorizes pull request operations on the repository, with the destination branch for merges', async () => {
    const pr = await pullRequest('protected-merge');
    const id = pr.pullRequestId!;
    expect((await dave.send(new GetPullRequestCommand({ pullRequestId: id }))).pullRequest!.pullRequestId).toBe(id);
    const denied = await failure(dave.send(new MergePullRequestByFastForwardCommand({ pullRequestId: id, repositoryName: 'reviewed' })));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toContain('codecommit:MergePullRequestByFastForward');
    expect((await root.send(new GetPullRequestCommand({ pullRequestId: id }))).pullRequest!.pullRequestStatus).toBe('OPEN');

    const iam = new IAMClient(server.clientConfig);
    const nobody = await user(iam, 'nobody', [{ Effect: 'Allow', Action: 'codecommit:ListRepositories', Resource: '*' }]);
    expect((await failure(nobody.send(new GetPullRequestCommand({ pullRequestId: id })))).name).toBe('AccessDeniedException');
    expect((await failure(nobody.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: id, revisionId: pr.revisionId, approvalState: 'APPROVE' })))).name).toBe('AccessDeniedException');
    expect((await root.send(new GetPullRequestApprovalStatesCommand({ pullRequestId: id, revisionId: pr.revisionId }))).approvals).toEqual([]);

    // Merging into another branch is not protected.
    const toRelease = await pullRequest('unprotected-merge', 'release');
    // The templates associated above apply to it; a reviewer sets them aside.
    await bob.send(new OverridePullRequestApprovalRulesCommand({ pullRequestId: toRelease.pullRequestId, revisionId: toRelease.revisionId, overrideStatus: 'OVERRIDE' }));
    const merged = (await dave.send(new MergePullRequestByFastForwardCommand({ pullRequestId: toRelease.pullRequestId, repositoryName: 'reviewed' }))).pullRequest!;
    expect(merged.pullRequestTargets![0].mergeMetadata).toMatchObject({ isMerged: true, mergedBy: userArn('dave') });
  });
});
