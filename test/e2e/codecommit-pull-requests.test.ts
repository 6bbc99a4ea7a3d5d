/**
 * CodeCommit pull requests end to end: create, describe, list, update, events, merges by the three
 * strategies (moving the real branch in the bare repository), and pull requests following their
 * branches when the API or `git push` moves them — with CodeCommit's exceptions for bad input and
 * nothing written half-way.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as codecommitSdk from '@aws-sdk/client-codecommit';
import {
  CodeCommitClient,
  CreateBranchCommand,
  CreatePullRequestCommand,
  type CreatePullRequestCommandInput,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribePullRequestEventsCommand,
  GetPullRequestCommand,
  ListPullRequestsCommand,
  MergePullRequestByFastForwardCommand,
  MergePullRequestBySquashCommand,
  MergePullRequestByThreeWayCommand,
  type PullRequest,
  PutFileCommand,
  UpdatePullRequestDescriptionCommand,
  UpdatePullRequestStatusCommand,
  UpdatePullRequestTitleCommand,
} from '@aws-sdk/client-codecommit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsEvent } from '../../src/core/events.js';
import { loadModel } from '../../src/protocol/model.js';
import { expectAwsError, startTestServer, type TestServer } from '../helpers.js';
import { Sampler, type SamplerOptions } from '../model-samples.js';
import { bareGit, GitRunner, rootUrl } from './codecommit-git-helpers.js';

const ROOT = 'arn:aws:iam::000000000000:root';
const text = (s: string) => Buffer.from(s, 'utf8');

describe('CodeCommit pull requests', () => {
  let server: TestServer;
  let cc: CodeCommitClient;
  const events: AwsEvent[] = [];
  const repositoryIds = new Map<string, string>();

  function git(repositoryName: string, ...args: string[]): string {
    return bareGit(server, repositoryIds.get(repositoryName)!, args).trim();
  }

  /** A repository with `main` (one commit) and the given branches, each one commit ahead of main touching its own file. */
  async function repository(name: string, branches: string[] = []): Promise<Record<string, string>> {
    const created = await cc.send(new CreateRepositoryCommand({ repositoryName: name }));
    repositoryIds.set(name, created.repositoryMetadata!.repositoryId!);
    const tips: Record<string, string> = {};
    tips.main = (await cc.send(new PutFileCommand({ repositoryName: name, branchName: 'main', filePath: 'README.md', fileContent: text('hello\n'), commitMessage: 'first' }))).commitId!;
    for (const branch of branches) {
      await cc.send(new CreateBranchCommand({ repositoryName: name, branchName: branch, commitId: tips.main }));
      tips[branch] = (
        await cc.send(
          new PutFileCommand({
            repositoryName: name,
            branchName: branch,
            filePath: `${branch}.txt`,
            fileContent: text(`${branch}\n`),
            parentCommitId: tips.main,
            commitMessage: `work on ${branch}`,
          }),
        )
      ).commitId!;
    }
    return tips;
  }

  async function open(repositoryName: string, source: string, extra: Partial<CreatePullRequestCommandInput> = {}): Promise<PullRequest> {
    const created = await cc.send(
      new CreatePullRequestCommand({
        title: `PR from ${source}`,
        targets: [{ repositoryName, sourceReference: source, destinationReference: 'main' }],
        ...extra,
      }),
    );
    return created.pullRequest!;
  }

  const get = async (id: string) => (await cc.send(new GetPullRequestCommand({ pullRequestId: id }))).pullRequest!;
  const prEvents = (id: string) => events.filter((e) => e['detail-type'] === 'CodeCommit Pull Request State Change' && e.detail.pullRequestId === id);

  beforeAll(async () => {
    server = await startTestServer();
    cc = new CodeCommitClient(server.clientConfig);
    server.runtime.events.subscribe((event) => {
      if (event.source === 'aws.codecommit') events.push(event);
    });
  });
  afterAll(async () => server.stop());

  describe('create, describe, list and update', () => {
    let tips: Record<string, string>;
    let pr: PullRequest;

    beforeAll(async () => {
      tips = await repository('prs', ['feature', 'other']);
    });

    it("creates a pull request with full references, commits, a revision and AWS's event", async () => {
      pr = await open('prs', 'feature', { description: 'Adds feature.txt', clientRequestToken: 'token-1' });
      expect(pr.pullRequestId).toMatch(/^\d+$/);
      expect(pr).toMatchObject({
        title: 'PR from feature',
        description: 'Adds feature.txt',
        pullRequestStatus: 'OPEN',
        authorArn: ROOT,
        clientRequestToken: 'token-1',
        pullRequestTargets: [
          {
            repositoryName: 'prs',
            sourceReference: 'refs/heads/feature',
            destinationReference: 'refs/heads/main',
            sourceCommit: tips.feature,
            destinationCommit: tips.main,
            mergeBase: tips.main,
            mergeMetadata: { isMerged: false },
          },
        ],
        approvalRules: [],
      });
      expect(pr.revisionId).toMatch(/^[0-9a-f]{64}$/);
      expect(pr.creationDate).toBeInstanceOf(Date);

      const [event] = prEvents(pr.pullRequestId!);
      expect(event.resources).toEqual(['arn:aws:codecommit:us-east-1:000000000000:prs']);
      expect(event.detail).toMatchObject({
        event: 'pullRequestCreated',
        author: ROOT,
        callerUserArn: ROOT,
        description: 'Adds feature.txt',
        destinationCommit: tips.main,
        destinationReference: 'refs/heads/main',
        isMerged: 'False',
        pullRequestStatus: 'Open',
        repositoryNames: ['prs'],
        revisionId: pr.revisionId,
        sourceCommit: tips.feature,
        sourceReference: 'refs/heads/feature',
        title: 'PR from feature',
      });
      expect(event.detail.creationDate).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$/);
      expect(event.detail.notificationBody).toContain(`Pull Request ID as ${pr.pullRequestId} and title as PR from feature`);

      const described = await cc.send(new DescribePullRequestEventsCommand({ pullRequestId: pr.pullRequestId }));
      expect(described.pullRequestEvents).toEqual([
        expect.objectContaining({
          pullRequestId: pr.pullRequestId,
          pullRequestEventType: 'PULL_REQUEST_CREATED',
          actorArn: ROOT,
          pullRequestCreatedEventMetadata: { repositoryName: 'prs', sourceCommitId: tips.feature, destinationCommitId: tips.main, mergeBase: tips.main },
        }),
      ]);
      expect(await get(pr.pullRequestId!)).toEqual(pr);
    });

    it('numbers pull requests sequentially and answers a repeated token with the same pull request', async () => {
      const again = await open('prs', 'feature', { description: 'Adds feature.txt', clientRequestToken: 'token-1' });
      expect(again).toEqual(pr);
      await expectAwsError(open('prs', 'feature', { description: 'something else', clientRequestToken: 'token-1' }), { code: 'IdempotencyParameterMismatchException', status: 400 });
      // Simultaneous retries with one token create one pull request.
      const racing = await Promise.all([1, 2, 3].map(() => open('prs', 'other', { title: 'raced', clientRequestToken: 'token-race' })));
      expect(new Set(racing.map((r) => r.pullRequestId)).size).toBe(1);
      await cc.send(new UpdatePullRequestStatusCommand({ pullRequestId: racing[0].pullRequestId, pullRequestStatus: 'CLOSED' }));
      const next = await open('prs', 'other');
      expect(Number(next.pullRequestId)).toBe(Number(racing[0].pullRequestId) + 1);
      // The destination defaults to the repository's default branch.
      const defaulted = await cc.send(new CreatePullRequestCommand({ title: 'default destination', targets: [{ repositoryName: 'prs', sourceReference: 'refs/heads/other' }] }));
      expect(defaulted.pullRequest!.pullRequestTargets![0].destinationReference).toBe('refs/heads/main');
      await cc.send(new UpdatePullRequestStatusCommand({ pullRequestId: defaulted.pullRequest!.pullRequestId, pullRequestStatus: 'CLOSED' }));
    });

    it("rejects bad CreatePullRequest input with CodeCommit's exceptions and creates nothing", async () => {
      const before = (await cc.send(new ListPullRequestsCommand({ repositoryName: 'prs' }))).pullRequestIds!;
      const target = { repositoryName: 'prs', sourceReference: 'feature', destinationReference: 'main' };
      await expectAwsError(cc.send(new CreatePullRequestCommand({ title: '', targets: [target] })), { code: 'TitleRequiredException', status: 400 });
      await expectAwsError(cc.send(new CreatePullRequestCommand({ title: '   ', targets: [target] })), { code: 'TitleRequiredException', status: 400 });
      await expectAwsError(cc.send(new CreatePullRequestCommand({ title: 'x'.repeat(151), targets: [target] })), { code: 'InvalidTitleException', status: 400 });
      await expectAwsError(cc.send(new CreatePullRequestCommand({ title: 't', description: 'd'.repeat(10241), targets: [target] })), { code: 'InvalidDescriptionException', status: 400 });
      await expectAwsError(cc.send(new CreatePullRequestCommand({ title: 't', targets: [] })), { code: 'TargetsRequiredException', status: 400 });
      await expectAwsError(cc.send(new CreatePullRequestCommand({ title: 't', targets: [target, target] })), { code: 'MultipleRepositoriesInPullRequestException', status: 400 });
      await expectAwsError(cc.send(new CreatePullRequestCommand({ title: 't', targets: [{ ...target, repositoryName: 'nope' }] })), { code: 'RepositoryDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new CreatePullRequestCommand({ title: 't', targets: [{ ...target, repositoryName: 'bad name' }] })), { code: 'InvalidRepositoryNameException', status: 400 });
      await expectAwsError(cc.send(new CreatePullRequestCommand({ title: 't', targets: [{ ...target, sourceReference: '' }] })), { code: 'ReferenceNameRequiredException', status: 400 });
      await expectAwsError(cc.send(new CreatePullRequestCommand({ title: 't', targets: [{ ...target, sourceReference: 'bad..name' }] })), { code: 'InvalidReferenceNameException', status: 400 });
      await expectAwsError(cc.send(new CreatePullRequestCommand({ title: 't', targets: [{ ...target, sourceReference: 'refs/tags/v1' }] })), {
        code: 'ReferenceTypeNotSupportedException',
        status: 400,
      });
      await expectAwsError(cc.send(new CreatePullRequestCommand({ title: 't', targets: [{ ...target, sourceReference: 'missing' }] })), { code: 'ReferenceDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new CreatePullRequestCommand({ title: 't', targets: [{ ...target, destinationReference: 'missing' }] })), { code: 'ReferenceDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new CreatePullRequestCommand({ title: 't', targets: [{ ...target, sourceReference: 'refs/heads/main' }] })), {
        code: 'SourceAndDestinationAreSameException',
        status: 400,
      });
      expect((await cc.send(new ListPullRequestsCommand({ repositoryName: 'prs' }))).pullRequestIds).toEqual(before);
    });

    it('works from the aws CLI', async () => {
      const created = JSON.parse(
        (await server.aws(['codecommit', 'create-pull-request', '--title', 'from the CLI', '--description', 'cli', '--targets', 'repositoryName=prs,sourceReference=other,destinationReference=main']))
          .stdout,
      ) as { pullRequest: PullRequest & { creationDate: number } };
      expect(created.pullRequest).toMatchObject({ title: 'from the CLI', pullRequestStatus: 'OPEN', pullRequestTargets: [{ sourceReference: 'refs/heads/other', sourceCommit: tips.other }] });
      const id = created.pullRequest.pullRequestId!;
      expect((await get(id)).revisionId).toBe(created.pullRequest.revisionId);
      const failed = await server.aws(['codecommit', 'get-pull-request', '--pull-request-id', '424242']).then(
        () => '',
        (err: { stderr: string }) => err.stderr,
      );
      expect(failed).toContain('PullRequestDoesNotExistException');
      await cc.send(new UpdatePullRequestStatusCommand({ pullRequestId: id, pullRequestStatus: 'CLOSED' }));
    });

    it('rejects bad pull request ids', async () => {
      await expectAwsError(cc.send(new GetPullRequestCommand({ pullRequestId: 'abc' })), { code: 'InvalidPullRequestIdException', status: 400 });
      await expectAwsError(cc.send(new GetPullRequestCommand({ pullRequestId: '' })), { code: 'PullRequestIdRequiredException', status: 400 });
      await expectAwsError(cc.send(new GetPullRequestCommand({ pullRequestId: '99999' })), { code: 'PullRequestDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new DescribePullRequestEventsCommand({ pullRequestId: '99999' })), { code: 'PullRequestDoesNotExistException', status: 400 });
    });

    it('lists newest first by status and author, page by page', async () => {
      const all = (await cc.send(new ListPullRequestsCommand({ repositoryName: 'prs' }))).pullRequestIds!;
      expect(all.length).toBe(5);
      expect(all.map(Number)).toEqual([...all.map(Number)].sort((a, b) => b - a));
      const openIds = (await cc.send(new ListPullRequestsCommand({ repositoryName: 'prs', pullRequestStatus: 'OPEN' }))).pullRequestIds!;
      const closedIds = (await cc.send(new ListPullRequestsCommand({ repositoryName: 'prs', pullRequestStatus: 'CLOSED' }))).pullRequestIds!;
      expect(openIds.length).toBe(2);
      expect(closedIds.length).toBe(3);
      expect((await cc.send(new ListPullRequestsCommand({ repositoryName: 'prs', authorArn: ROOT }))).pullRequestIds).toEqual(all);

      const first = await cc.send(new ListPullRequestsCommand({ repositoryName: 'prs', maxResults: 3 }));
      expect(first.pullRequestIds).toEqual(all.slice(0, 3));
      const second = await cc.send(new ListPullRequestsCommand({ repositoryName: 'prs', maxResults: 3, nextToken: first.nextToken }));
      expect(second.pullRequestIds).toEqual(all.slice(3));
      expect(second.pullRequestIds).toHaveLength(2);
      expect(second.nextToken).toBeUndefined();

      await expectAwsError(cc.send(new ListPullRequestsCommand({ repositoryName: 'prs', maxResults: 0 })), { code: 'InvalidMaxResultsException', status: 400 });
      expect((await cc.send(new ListPullRequestsCommand({ repositoryName: 'prs', maxResults: 5000 }))).pullRequestIds).toEqual(all);
      await expectAwsError(cc.send(new ListPullRequestsCommand({ repositoryName: 'prs', nextToken: 'garbage' })), { code: 'InvalidContinuationTokenException', status: 400 });
      await expectAwsError(cc.send(new ListPullRequestsCommand({ repositoryName: 'prs', pullRequestStatus: 'MERGED' as 'OPEN' })), { code: 'InvalidPullRequestStatusException', status: 400 });
      await expectAwsError(cc.send(new ListPullRequestsCommand({ repositoryName: 'prs', authorArn: 'not-an-arn' })), { code: 'InvalidAuthorArnException', status: 400 });
      await expectAwsError(cc.send(new ListPullRequestsCommand({ repositoryName: 'prs', authorArn: 'arn:aws:iam::000000000000:user/ghost' })), { code: 'AuthorDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new ListPullRequestsCommand({ repositoryName: 'nope' })), { code: 'RepositoryDoesNotExistException', status: 400 });
    });

    it('updates the title and description, and rejects bad ones without changing anything', async () => {
      const titled = (await cc.send(new UpdatePullRequestTitleCommand({ pullRequestId: pr.pullRequestId, title: 'Better title' }))).pullRequest!;
      expect(titled.title).toBe('Better title');
      const described = (await cc.send(new UpdatePullRequestDescriptionCommand({ pullRequestId: pr.pullRequestId, description: 'Better description' }))).pullRequest!;
      expect(described).toMatchObject({ title: 'Better title', description: 'Better description' });
      expect(described.lastActivityDate!.getTime()).toBeGreaterThanOrEqual(pr.lastActivityDate!.getTime());

      await expectAwsError(cc.send(new UpdatePullRequestTitleCommand({ pullRequestId: pr.pullRequestId, title: '' })), { code: 'TitleRequiredException', status: 400 });
      await expectAwsError(cc.send(new UpdatePullRequestTitleCommand({ pullRequestId: pr.pullRequestId, title: 'x'.repeat(151) })), { code: 'InvalidTitleException', status: 400 });
      await expectAwsError(cc.send(new UpdatePullRequestDescriptionCommand({ pullRequestId: pr.pullRequestId, description: 'd'.repeat(10241) })), { code: 'InvalidDescriptionException', status: 400 });
      await expectAwsError(cc.send(new UpdatePullRequestTitleCommand({ pullRequestId: 'x', title: 'ok' })), { code: 'InvalidPullRequestIdException', status: 400 });
      expect(await get(pr.pullRequestId!)).toMatchObject({ title: 'Better title', description: 'Better description' });
    });

    it('closes a pull request with a status event; it never reopens and is read-only once closed', async () => {
      const other = await open('prs', 'other', { title: 'to close' });
      // OPEN to OPEN is valid and changes nothing.
      expect((await cc.send(new UpdatePullRequestStatusCommand({ pullRequestId: other.pullRequestId, pullRequestStatus: 'OPEN' }))).pullRequest).toEqual(other);
      await expectAwsError(cc.send(new UpdatePullRequestStatusCommand({ pullRequestId: other.pullRequestId, pullRequestStatus: 'DONE' as 'OPEN' })), {
        code: 'InvalidPullRequestStatusException',
        status: 400,
      });
      const closedPr = (await cc.send(new UpdatePullRequestStatusCommand({ pullRequestId: other.pullRequestId, pullRequestStatus: 'CLOSED' }))).pullRequest!;
      expect(closedPr.pullRequestStatus).toBe('CLOSED');
      expect(closedPr.pullRequestTargets![0].mergeMetadata).toEqual({ isMerged: false });
      expect(prEvents(other.pullRequestId!).map((e) => [e.detail.event, e.detail.pullRequestStatus])).toEqual([
        ['pullRequestCreated', 'Open'],
        ['pullRequestStatusChanged', 'Closed'],
      ]);
      const statusEvents = await cc.send(new DescribePullRequestEventsCommand({ pullRequestId: other.pullRequestId, pullRequestEventType: 'PULL_REQUEST_STATUS_CHANGED' }));
      expect(statusEvents.pullRequestEvents!.map((e) => e.pullRequestStatusChangedEventMetadata)).toEqual([{ pullRequestStatus: 'CLOSED' }]);

      expect((await cc.send(new UpdatePullRequestStatusCommand({ pullRequestId: other.pullRequestId, pullRequestStatus: 'CLOSED' }))).pullRequest).toEqual(closedPr);
      await expectAwsError(cc.send(new UpdatePullRequestStatusCommand({ pullRequestId: other.pullRequestId, pullRequestStatus: 'OPEN' })), {
        code: 'InvalidPullRequestStatusUpdateException',
        status: 400,
      });
      expect((await cc.send(new DescribePullRequestEventsCommand({ pullRequestId: other.pullRequestId }))).pullRequestEvents).toHaveLength(2);
      await expectAwsError(cc.send(new UpdatePullRequestTitleCommand({ pullRequestId: other.pullRequestId, title: 'late' })), { code: 'PullRequestAlreadyClosedException', status: 400 });
      await expectAwsError(cc.send(new UpdatePullRequestDescriptionCommand({ pullRequestId: other.pullRequestId, description: 'late' })), { code: 'PullRequestAlreadyClosedException', status: 400 });
      expect((await get(other.pullRequestId!)).title).toBe('to close');
    });

    it('follows its source branch: a new commit gives a new revision and a source-updated event', async () => {
      const before = await get(pr.pullRequestId!);
      const next = (
        await cc.send(
          new PutFileCommand({
            repositoryName: 'prs',
            branchName: 'feature',
            filePath: 'more.txt',
            fileContent: text('more\n'),
            parentCommitId: tips.feature,
            commitMessage: 'more',
          }),
        )
      ).commitId!;
      const after = await get(pr.pullRequestId!);
      expect(after.pullRequestTargets![0].sourceCommit).toBe(next);
      expect(after.revisionId).not.toBe(before.revisionId);
      expect(after.pullRequestStatus).toBe('OPEN');
      const updated = await cc.send(new DescribePullRequestEventsCommand({ pullRequestId: pr.pullRequestId, pullRequestEventType: 'PULL_REQUEST_SOURCE_REFERENCE_UPDATED' }));
      expect(updated.pullRequestEvents!.map((e) => e.pullRequestSourceReferenceUpdatedEventMetadata)).toEqual([
        { repositoryName: 'prs', beforeCommitId: tips.feature, afterCommitId: next, mergeBase: tips.main },
      ]);
      expect(prEvents(pr.pullRequestId!).at(-1)!.detail).toMatchObject({ event: 'pullRequestSourceBranchUpdated', sourceCommit: next, revisionId: after.revisionId });
      tips.feature = next;
    });

    it('pages DescribePullRequestEvents and filters by actor', async () => {
      const all = (await cc.send(new DescribePullRequestEventsCommand({ pullRequestId: pr.pullRequestId }))).pullRequestEvents!;
      expect(all.map((e) => e.pullRequestEventType)).toEqual(['PULL_REQUEST_CREATED', 'PULL_REQUEST_SOURCE_REFERENCE_UPDATED']);
      const first = await cc.send(new DescribePullRequestEventsCommand({ pullRequestId: pr.pullRequestId, maxResults: 1 }));
      expect(first.pullRequestEvents).toEqual(all.slice(0, 1));
      const second = await cc.send(new DescribePullRequestEventsCommand({ pullRequestId: pr.pullRequestId, maxResults: 1, nextToken: first.nextToken }));
      expect(second.pullRequestEvents).toEqual(all.slice(1));
      expect(second.nextToken).toBeUndefined();
      expect((await cc.send(new DescribePullRequestEventsCommand({ pullRequestId: pr.pullRequestId, actorArn: ROOT }))).pullRequestEvents).toEqual(all);
      await expectAwsError(cc.send(new DescribePullRequestEventsCommand({ pullRequestId: pr.pullRequestId, pullRequestEventType: 'NOPE' as 'PULL_REQUEST_CREATED' })), {
        code: 'InvalidPullRequestEventTypeException',
        status: 400,
      });
      await expectAwsError(cc.send(new DescribePullRequestEventsCommand({ pullRequestId: pr.pullRequestId, actorArn: 'nope' })), { code: 'InvalidActorArnException', status: 400 });
      await expectAwsError(cc.send(new DescribePullRequestEventsCommand({ pullRequestId: pr.pullRequestId, actorArn: 'arn:aws:iam::000000000000:user/ghost' })), {
        code: 'ActorDoesNotExistException',
        status: 400,
      });
      await expectAwsError(cc.send(new DescribePullRequestEventsCommand({ pullRequestId: pr.pullRequestId, maxResults: 101 })), { code: 'InvalidMaxResultsException', status: 400 });
      await expectAwsError(cc.send(new DescribePullRequestEventsCommand({ pullRequestId: pr.pullRequestId, nextToken: '!!' })), { code: 'InvalidContinuationTokenException', status: 400 });
    });
  });

  describe('merges', () => {
    let tips: Record<string, string>;

    beforeAll(async () => {
      tips = await repository('merging', ['ff', 'squash', 'threeway', 'late', 'c1', 'c2']);
      await repository('unrelated');
    });

    it('fast-forwards the destination to the source tip and closes the pull request as merged', async () => {
      const pr = await open('merging', 'ff');
      await expectAwsError(cc.send(new MergePullRequestByFastForwardCommand({ pullRequestId: pr.pullRequestId, repositoryName: 'merging', sourceCommitId: tips.main })), {
        code: 'TipOfSourceReferenceIsDifferentException',
        status: 400,
      });
      await expectAwsError(cc.send(new MergePullRequestByFastForwardCommand({ pullRequestId: pr.pullRequestId, repositoryName: 'merging', sourceCommitId: 'abc' })), {
        code: 'InvalidCommitIdException',
        status: 400,
      });
      await expectAwsError(cc.send(new MergePullRequestByFastForwardCommand({ pullRequestId: pr.pullRequestId, repositoryName: 'unrelated' })), {
        code: 'RepositoryNotAssociatedWithPullRequestException',
        status: 400,
      });
      await expectAwsError(cc.send(new MergePullRequestByFastForwardCommand({ pullRequestId: pr.pullRequestId, repositoryName: 'nope' })), { code: 'RepositoryDoesNotExistException', status: 400 });
      expect(git('merging', 'rev-parse', 'refs/heads/main')).toBe(tips.main);

      events.length = 0;
      const merged = (await cc.send(new MergePullRequestByFastForwardCommand({ pullRequestId: pr.pullRequestId, repositoryName: 'merging', sourceCommitId: tips.ff }))).pullRequest!;
      expect(git('merging', 'rev-parse', 'refs/heads/main')).toBe(tips.ff);
      expect(merged.pullRequestStatus).toBe('CLOSED');
      expect(merged.pullRequestTargets![0].mergeMetadata).toEqual({ isMerged: true, mergedBy: ROOT, mergeCommitId: tips.ff, mergeOption: 'FAST_FORWARD_MERGE' });
      expect(await get(pr.pullRequestId!)).toEqual(merged);

      const reference = events.find((e) => e['detail-type'] === 'CodeCommit Repository State Change')!;
      expect(reference.detail).toMatchObject({ event: 'referenceUpdated', referenceFullName: 'refs/heads/main', commitId: tips.ff, oldCommitId: tips.main, mergeOption: 'FAST_FORWARD_MERGE' });
      const prEvent = prEvents(pr.pullRequestId!).at(-1)!;
      expect(prEvent.detail).toMatchObject({ event: 'pullRequestMergeStatusUpdated', isMerged: 'True', pullRequestStatus: 'Closed', mergeOption: 'FAST_FORWARD_MERGE' });
      const described = (await cc.send(new DescribePullRequestEventsCommand({ pullRequestId: pr.pullRequestId }))).pullRequestEvents!;
      expect(described.map((e) => e.pullRequestEventType)).toEqual(['PULL_REQUEST_CREATED', 'PULL_REQUEST_MERGE_STATE_CHANGED', 'PULL_REQUEST_STATUS_CHANGED']);
      expect(described[1].pullRequestMergedStateChangedEventMetadata).toEqual({
        repositoryName: 'merging',
        destinationReference: 'refs/heads/main',
        mergeMetadata: { isMerged: true, mergedBy: ROOT, mergeCommitId: tips.ff, mergeOption: 'FAST_FORWARD_MERGE' },
      });

      await expectAwsError(cc.send(new MergePullRequestByFastForwardCommand({ pullRequestId: pr.pullRequestId, repositoryName: 'merging' })), {
        code: 'PullRequestAlreadyClosedException',
        status: 400,
      });
      tips.main = tips.ff;
    });

    it('refuses a fast-forward once the branches diverged, and squashes instead into one single-parent commit', async () => {
      const pr = await open('merging', 'squash');
      // main moved on (the fast-forward above), so squash's branch is no longer a fast-forward; the
      // pull request followed the destination with a new revision.
      expect(pr.pullRequestTargets![0].destinationCommit).toBe(tips.main);
      await expectAwsError(cc.send(new MergePullRequestByFastForwardCommand({ pullRequestId: pr.pullRequestId, repositoryName: 'merging' })), { code: 'ManualMergeRequiredException', status: 400 });
      await expectAwsError(cc.send(new MergePullRequestBySquashCommand({ pullRequestId: pr.pullRequestId, repositoryName: 'merging', conflictDetailLevel: 'NOPE' as 'FILE_LEVEL' })), {
        code: 'InvalidConflictDetailLevelException',
        status: 400,
      });
      expect(git('merging', 'rev-parse', 'refs/heads/main')).toBe(tips.main);

      const merged = (
        await cc.send(
          new MergePullRequestBySquashCommand({
            pullRequestId: pr.pullRequestId,
            repositoryName: 'merging',
            sourceCommitId: tips.squash,
            commitMessage: 'Squashed',
            authorName: 'Mary Major',
            email: 'mary@example.com',
          }),
        )
      ).pullRequest!;
      const head = git('merging', 'rev-parse', 'refs/heads/main');
      expect(merged.pullRequestTargets![0].mergeMetadata).toEqual({ isMerged: true, mergedBy: ROOT, mergeCommitId: head, mergeOption: 'SQUASH_MERGE' });
      expect(git('merging', 'log', '-1', '--format=%P|%an|%s', head)).toBe(`${tips.main}|Mary Major|Squashed`);
      expect(git('merging', 'show', `${head}:squash.txt`)).toBe('squash');
      expect(git('merging', 'show', `${head}:ff.txt`)).toBe('ff');
      tips.main = head;
    });

    it('three-way merges into a two-parent merge commit', async () => {
      const pr = await open('merging', 'threeway');
      const merged = (await cc.send(new MergePullRequestByThreeWayCommand({ pullRequestId: pr.pullRequestId, repositoryName: 'merging', commitMessage: 'Merge threeway' }))).pullRequest!;
      const head = git('merging', 'rev-parse', 'refs/heads/main');
      expect(merged.pullRequestTargets![0].mergeMetadata).toMatchObject({ isMerged: true, mergeCommitId: head, mergeOption: 'THREE_WAY_MERGE' });
      expect(git('merging', 'log', '-1', '--format=%P', head)).toBe(`${tips.main} ${tips.threeway}`);
      expect(git('merging', 'fsck', '--no-progress', '--strict')).toBe('');
      tips.main = head;
    });

    it('serializes concurrent merges into one branch: both land, neither is lost', async () => {
      const [one, two] = [await open('merging', 'c1'), await open('merging', 'c2')];
      const results = await Promise.all([one, two].map((pr) => cc.send(new MergePullRequestByThreeWayCommand({ pullRequestId: pr.pullRequestId, repositoryName: 'merging' }))));
      const head = git('merging', 'rev-parse', 'refs/heads/main');
      expect(results.map((r) => r.pullRequest!.pullRequestTargets![0].mergeMetadata!.mergeCommitId)).toContain(head);
      expect(git('merging', 'show', `${head}:c1.txt`)).toBe('c1');
      expect(git('merging', 'show', `${head}:c2.txt`)).toBe('c2');
      expect(git('merging', 'show', `${head}:threeway.txt`)).toBe('threeway');
      tips.main = head;
    });

    it('leaves conflicts to the caller: ManualMergeRequiredException, then a resolution strategy', async () => {
      await cc.send(new CreateBranchCommand({ repositoryName: 'merging', branchName: 'clash', commitId: tips.main }));
      await cc.send(new PutFileCommand({ repositoryName: 'merging', branchName: 'clash', filePath: 'README.md', fileContent: text('from clash\n'), parentCommitId: tips.main }));
      tips.main = (await cc.send(new PutFileCommand({ repositoryName: 'merging', branchName: 'main', filePath: 'README.md', fileContent: text('from main\n'), parentCommitId: tips.main }))).commitId!;
      const pr = await open('merging', 'clash');
      await expectAwsError(cc.send(new MergePullRequestByThreeWayCommand({ pullRequestId: pr.pullRequestId, repositoryName: 'merging' })), { code: 'ManualMergeRequiredException', status: 400 });
      expect(git('merging', 'rev-parse', 'refs/heads/main')).toBe(tips.main);
      expect((await get(pr.pullRequestId!)).pullRequestStatus).toBe('OPEN');

      await cc.send(new MergePullRequestByThreeWayCommand({ pullRequestId: pr.pullRequestId, repositoryName: 'merging', conflictResolutionStrategy: 'ACCEPT_SOURCE' }));
      const head = git('merging', 'rev-parse', 'refs/heads/main');
      expect(git('merging', 'show', `${head}:README.md`)).toBe('from clash');
      const reference = events.filter((e) => e['detail-type'] === 'CodeCommit Repository State Change').at(-1)!;
      expect(reference.detail).toMatchObject({ commitId: head, mergeOption: 'THREE_WAY_MERGE', conflictResolutionStrategy: 'ACCEPT_SOURCE', conflictDetailsLevel: 'FILE_LEVEL' });
      tips.main = head;
    });

    it('marks a pull request merged when its source becomes reachable from the destination by git push', async () => {
      const pr = await open('merging', 'late');
      const gitRunner = new GitRunner();
      const work = gitRunner.dir('late');
      await gitRunner.ok(['clone', '--quiet', rootUrl(server, 'merging'), work]);
      await gitRunner.ok(['checkout', '--quiet', '-B', 'main', 'origin/main'], { cwd: work });
      await gitRunner.ok(['merge', '--quiet', '--no-edit', 'origin/late'], { cwd: work });
      await gitRunner.ok(['push', '--quiet', 'origin', 'HEAD:main'], { cwd: work });
      const head = git('merging', 'rev-parse', 'refs/heads/main');
      expect(git('merging', 'merge-base', '--is-ancestor', tips.late, head)).toBe('');

      const after = await get(pr.pullRequestId!);
      expect(after.pullRequestStatus).toBe('CLOSED');
      expect(after.pullRequestTargets![0]).toMatchObject({ destinationCommit: head, mergeMetadata: { isMerged: true, mergedBy: ROOT } });
      expect(prEvents(pr.pullRequestId!).at(-1)!.detail).toMatchObject({ event: 'pullRequestMergeStatusUpdated', isMerged: 'True', pullRequestStatus: 'Closed' });
    });
  });

  describe('lifetime', () => {
    it('goes with its repository', async () => {
      await repository('doomed', ['topic']);
      const pr = await open('doomed', 'topic');
      await cc.send(new DeleteRepositoryCommand({ repositoryName: 'doomed' }));
      await expectAwsError(cc.send(new GetPullRequestCommand({ pullRequestId: pr.pullRequestId })), { code: 'PullRequestDoesNotExistException', status: 400 });
    });

    it('survives a restart, and numbering continues where it stopped', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'drydock-pr-restart-'));
      try {
        let first = await startTestServer({ dataDir });
        let client = new CodeCommitClient(first.clientConfig);
        await client.send(new CreateRepositoryCommand({ repositoryName: 'kept' }));
        const base = (await client.send(new PutFileCommand({ repositoryName: 'kept', branchName: 'main', filePath: 'a', fileContent: text('a') }))).commitId!;
        await client.send(new CreateBranchCommand({ repositoryName: 'kept', branchName: 'topic', commitId: base }));
        await client.send(new PutFileCommand({ repositoryName: 'kept', branchName: 'topic', filePath: 'b', fileContent: text('b'), parentCommitId: base }));
        const created = (await client.send(new CreatePullRequestCommand({ title: 'kept', targets: [{ repositoryName: 'kept', sourceReference: 'topic' }] }))).pullRequest!;
        await first.stop();

        first = await startTestServer({ dataDir });
        client = new CodeCommitClient(first.clientConfig);
        try {
          expect((await client.send(new GetPullRequestCommand({ pullRequestId: created.pullRequestId }))).pullRequest).toEqual(created);
          const next = (await client.send(new CreatePullRequestCommand({ title: 'next', targets: [{ repositoryName: 'kept', sourceReference: 'topic' }] }))).pullRequest!;
          expect(Number(next.pullRequestId)).toBe(Number(created.pullRequestId) + 1);
        } finally {
          await first.stop();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  it('answers generated requests to every pull request operation without a server fault', async () => {
    const tips = await repository('swept', ['topic']);
    const pr = await open('swept', 'topic');
    const existing: Record<string, unknown> = {
      repositoryName: 'swept',
      pullRequestId: pr.pullRequestId,
      revisionId: pr.revisionId,
      sourceCommitId: tips.topic,
      targets: [{ repositoryName: 'swept', sourceReference: 'topic', destinationReference: 'main' }],
    };
    const operations = [
      'CreatePullRequest',
      'GetPullRequest',
      'ListPullRequests',
      'DescribePullRequestEvents',
      'UpdatePullRequestTitle',
      'UpdatePullRequestDescription',
      'UpdatePullRequestStatus',
      'MergePullRequestByFastForward',
      'MergePullRequestBySquash',
      'MergePullRequestByThreeWay',
      'GetPullRequestApprovalStates',
      'UpdatePullRequestApprovalState',
      'CreatePullRequestApprovalRule',
      'UpdatePullRequestApprovalRuleContent',
      'DeletePullRequestApprovalRule',
      'EvaluatePullRequestApprovalRules',
      'OverridePullRequestApprovalRules',
      'GetPullRequestOverrideState',
    ];
    const model = loadModel('codecommit');
    const client = new CodeCommitClient({ ...server.clientConfig, maxAttempts: 1 });
    const variants: { sample: SamplerOptions; existing: boolean }[] = [
      { sample: {}, existing: false },
      { sample: { empty: true }, existing: false },
      { sample: { withinBounds: true }, existing: true },
    ];
    const faults: string[] = [];
    for (const variant of variants) {
      const sampler = new Sampler(model, variant.sample);
      for (const name of operations) {
        const op = model.operations.get(name)!;
        const input = sampler.value(op.input!, 0, 'body') as Record<string, unknown>;
        if (variant.existing) for (const [member, value] of Object.entries(existing)) if (op.input!.members?.[member]) input[member] = value;
        const Command = (codecommitSdk as unknown as Record<string, new (input: unknown) => Parameters<CodeCommitClient['send']>[0]>)[`${name}Command`];
        try {
          await client.send(new Command(input));
        } catch (err) {
          const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
          if (status === undefined || status >= 500) faults.push(`${name} ${JSON.stringify(variant)}: ${status} ${(err as Error).name} ${(err as Error).message.slice(0, 200)}`);
        }
      }
    }
    client.destroy();
    expect(faults).toEqual([]);
  });
});
