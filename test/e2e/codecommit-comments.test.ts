/**
 * CodeCommit comments end to end: comments on compared commits and on pull requests, replies,
 * edits, content deletion and reactions, through the SDK and the aws CLI, checked against the
 * commits and files of the real repository, with AWS's comment events and exact exceptions.
 */

import { randomUUID } from 'node:crypto';
import {
  CodeCommitClient,
  CreateBranchCommand,
  CreatePullRequestCommand,
  CreateRepositoryCommand,
  DeleteCommentContentCommand,
  GetCommentCommand,
  GetCommentReactionsCommand,
  GetCommentsForComparedCommitCommand,
  GetCommentsForPullRequestCommand,
  PostCommentForComparedCommitCommand,
  type PostCommentForComparedCommitCommandInput,
  PostCommentForPullRequestCommand,
  PostCommentReplyCommand,
  PutCommentReactionCommand,
  PutFileCommand,
  UpdateCommentCommand,
} from '@aws-sdk/client-codecommit';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsEvent } from '../../src/core/events.js';
import { expectAwsError, useServer } from '../helpers.js';
import { bareGit } from './codecommit-git-helpers.js';

const ROOT = 'arn:aws:iam::000000000000:root';
const REVIEWER = 'arn:aws:iam::000000000000:user/reviewer';
const MISSING_COMMIT = 'a'.repeat(40);

describe('CodeCommit comments', () => {
  const server = useServer();
  let cc: CodeCommitClient;
  let reviewer: CodeCommitClient;
  let repositoryId: string;
  /** c1 adds a.txt (3 lines) and docs/guide.md; c2 makes a.txt 4 lines; c3 (branch feature) adds c.txt. */
  let c1: string;
  let c2: string;
  let c3: string;
  let pullRequestId: string;
  const events: AwsEvent[] = [];

  function git(...args: string[]): string {
    return bareGit(server, repositoryId, args).trim();
  }

  const post = (input: Partial<PostCommentForComparedCommitCommandInput>, client = cc) =>
    client.send(new PostCommentForComparedCommitCommand({ repositoryName: 'reviewed', content: 'a comment', ...input } as PostCommentForComparedCommitCommandInput));
  const commentEvents = () => events.filter((e) => e['detail-type'].startsWith('CodeCommit Comment on'));

  beforeAll(async () => {
    cc = new CodeCommitClient(server.clientConfig);
    server.runtime.events.subscribe((event) => {
      if (event.source === 'aws.codecommit') events.push(event);
    });
    repositoryId = (await cc.send(new CreateRepositoryCommand({ repositoryName: 'reviewed' }))).repositoryMetadata!.repositoryId!;
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'elsewhere' }));
    const put = async (path: string, text: string, parent?: string, branch = 'main') =>
      (await cc.send(new PutFileCommand({ repositoryName: 'reviewed', branchName: branch, filePath: path, fileContent: Buffer.from(text), parentCommitId: parent }))).commitId!;
    const first = await put('a.txt', 'one\ntwo\nthree\n');
    c1 = await put('docs/guide.md', '# guide\n', first);
    c2 = await put('a.txt', 'one\ntwo\nthree\nfour\n', c1);
    await cc.send(new CreateBranchCommand({ repositoryName: 'reviewed', branchName: 'feature', commitId: c2 }));
    c3 = await put('c.txt', 'see\n', c2, 'feature');
    const pr = await cc.send(new CreatePullRequestCommand({ title: 'Add c', targets: [{ repositoryName: 'reviewed', sourceReference: 'feature', destinationReference: 'main' }] }));
    pullRequestId = pr.pullRequest!.pullRequestId!;

    const iam = new IAMClient(server.clientConfig);
    await iam.send(new CreateUserCommand({ UserName: 'reviewer' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'reviewer',
        PolicyName: 'cc',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'codecommit:*', Resource: '*' }] }),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'reviewer' }))).AccessKey!;
    reviewer = new CodeCommitClient({ ...server.clientConfig, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } });
  });

  describe('on compared commits', () => {
    let general: string;
    let onLine: string;
    let reply: string;

    it('posts a general comment on two commits and publishes "CodeCommit Comment on Commit"', async () => {
      events.length = 0;
      const posted = await post({ beforeCommitId: c1, afterCommitId: c2, content: 'Looks good overall', clientRequestToken: 'token-general' });
      general = posted.comment!.commentId!;
      expect(posted).toMatchObject({ repositoryName: 'reviewed', beforeCommitId: c1, afterCommitId: c2 });
      expect(posted.location).toBeUndefined();
      expect(posted.comment).toMatchObject({
        content: 'Looks good overall',
        authorArn: ROOT,
        deleted: false,
        clientRequestToken: 'token-general',
        callerReactions: [],
        reactionCounts: {},
      });
      expect(posted.comment?.creationDate).toBeInstanceOf(Date);

      const [event] = commentEvents();
      expect(event['detail-type']).toBe('CodeCommit Comment on Commit');
      expect(event.resources).toEqual(['arn:aws:codecommit:us-east-1:000000000000:reviewed']);
      expect(event.detail).toMatchObject({
        beforeCommitId: c1,
        afterCommitId: c2,
        callerUserArn: ROOT,
        commentId: general,
        event: 'commentOnCommitCreated',
        repositoryId,
        repositoryName: 'reviewed',
      });
      expect(event.detail.notificationBody).toContain(`The comment was made on the following comment ID: ${general}`);
      expect(event.detail.inReplyTo).toBeUndefined();
    });

    it('posts on a line of a file with the blob ids of both versions from the real repository', async () => {
      const posted = await post({
        beforeCommitId: c1,
        afterCommitId: c2,
        content: 'Why a fourth line?',
        clientRequestToken: 'token-line',
        location: { filePath: '/a.txt', filePosition: 4, relativeFileVersion: 'AFTER' },
      });
      onLine = posted.comment!.commentId!;
      expect(posted.location).toEqual({ filePath: 'a.txt', filePosition: 4, relativeFileVersion: 'AFTER' });
      expect(posted.afterBlobId).toBe(git('rev-parse', `${c2}:a.txt`));
      expect(posted.beforeBlobId).toBe(git('rev-parse', `${c1}:a.txt`));
      // BEFORE positions are lines of the before version.
      const before = await post({ beforeCommitId: c1, afterCommitId: c2, clientRequestToken: 'token-before', location: { filePath: 'a.txt', filePosition: 3, relativeFileVersion: 'BEFORE' } });
      expect(before.location?.relativeFileVersion).toBe('BEFORE');
      // A file that only the after version has: no before blob.
      const initial = await post({ afterCommitId: c1, clientRequestToken: 'token-initial', location: { filePath: 'docs/guide.md', filePosition: 1, relativeFileVersion: 'AFTER' } });
      expect(initial.beforeCommitId).toBeUndefined();
      expect(initial.beforeBlobId).toBeUndefined();
      expect(initial.afterBlobId).toBe(git('rev-parse', `${c1}:docs/guide.md`));
    });

    it('answers a repeated client request token with the first comment, and a reused one with IdempotencyParameterMismatchException', async () => {
      events.length = 0;
      const again = await post({ beforeCommitId: c1, afterCommitId: c2, content: 'Looks good overall', clientRequestToken: 'token-general' });
      expect(again.comment?.commentId).toBe(general);
      expect(commentEvents()).toHaveLength(0);
      await expectAwsError(post({ beforeCommitId: c1, afterCommitId: c2, content: 'Something else', clientRequestToken: 'token-general' }), {
        code: 'IdempotencyParameterMismatchException',
        status: 400,
      });
    });

    it('refuses bad input with the exact exceptions and writes nothing', async () => {
      const count = async () =>
        (await cc.send(new GetCommentsForComparedCommitCommand({ repositoryName: 'reviewed', beforeCommitId: c1, afterCommitId: c2 }))).commentsForComparedCommitData!.reduce(
          (n, g) => n + g.comments!.length,
          0,
        );
      const before = await count();
      const at = (location: object) => post({ beforeCommitId: c1, afterCommitId: c2, location: location as never });
      await expectAwsError(post({ repositoryName: undefined, afterCommitId: c2 }), { code: 'RepositoryNameRequiredException', status: 400 });
      await expectAwsError(post({ repositoryName: 'missing', afterCommitId: c2 }), { code: 'RepositoryDoesNotExistException', status: 400 });
      await expectAwsError(post({ repositoryName: 'bad name!', afterCommitId: c2 }), { code: 'InvalidRepositoryNameException', status: 400 });
      await expectAwsError(post({ afterCommitId: c2, content: undefined }), { code: 'CommentContentRequiredException', status: 400 });
      await expectAwsError(post({ afterCommitId: c2, content: 'x'.repeat(10241) }), { code: 'CommentContentSizeLimitExceededException', status: 400 });
      await expectAwsError(post({ afterCommitId: undefined }), { code: 'CommitIdRequiredException', status: 400 });
      await expectAwsError(post({ afterCommitId: 'main' }), { code: 'InvalidCommitIdException', status: 400 });
      await expectAwsError(post({ afterCommitId: MISSING_COMMIT }), { code: 'CommitDoesNotExistException', status: 400 });
      await expectAwsError(post({ beforeCommitId: MISSING_COMMIT, afterCommitId: c2 }), { code: 'CommitDoesNotExistException', status: 400 });
      await expectAwsError(post({ beforeCommitId: c2, afterCommitId: c2 }), { code: 'BeforeCommitIdAndAfterCommitIdAreSameException', status: 400 });
      await expectAwsError(at({ filePath: 'nope.txt', filePosition: 1, relativeFileVersion: 'AFTER' }), { code: 'PathDoesNotExistException', status: 400 });
      await expectAwsError(at({ filePath: 'c.txt', relativeFileVersion: 'AFTER' }), { code: 'PathDoesNotExistException', status: 400 });
      await expectAwsError(at({ filePath: 'a.txt', filePosition: 1, relativeFileVersion: 'SIDEWAYS' }), { code: 'InvalidRelativeFileVersionEnumException', status: 400 });
      await expectAwsError(post({ afterCommitId: c2, location: { filePath: 'a.txt', relativeFileVersion: 'BEFORE' } }), { code: 'InvalidRelativeFileVersionEnumException', status: 400 });
      await expectAwsError(at({ filePath: 'a.txt', filePosition: 5, relativeFileVersion: 'AFTER' }), { code: 'InvalidFilePositionException', status: 400 });
      await expectAwsError(at({ filePath: 'a.txt', filePosition: 4, relativeFileVersion: 'BEFORE' }), { code: 'InvalidFilePositionException', status: 400 });
      await expectAwsError(at({ filePath: 'a.txt', filePosition: -1, relativeFileVersion: 'AFTER' }), { code: 'InvalidFilePositionException', status: 400 });
      await expectAwsError(at({ filePath: '../etc/passwd', relativeFileVersion: 'AFTER' }), { code: 'InvalidPathException', status: 400 });
      await expectAwsError(at({ filePosition: 1, relativeFileVersion: 'AFTER' }), { code: 'PathRequiredException', status: 400 });
      await expectAwsError(at({ filePath: 'docs', relativeFileVersion: 'AFTER' }), { code: 'InvalidFileLocationException', status: 400 });
      expect(await count()).toBe(before);
    });

    it('replies in the thread and publishes the reply with inReplyTo', async () => {
      events.length = 0;
      const posted = await reviewer.send(new PostCommentReplyCommand({ inReplyTo: onLine, content: 'Because of the spec.', clientRequestToken: 'token-reply' }));
      reply = posted.comment!.commentId!;
      expect(posted.comment).toMatchObject({ inReplyTo: onLine, authorArn: REVIEWER, content: 'Because of the spec.' });
      expect(commentEvents()[0].detail).toMatchObject({ event: 'commentOnCommitCreated', inReplyTo: onLine, commentId: reply, callerUserArn: REVIEWER });
      await expectAwsError(cc.send(new PostCommentReplyCommand({ content: 'x', clientRequestToken: 't1' } as never)), { code: 'CommentIdRequiredException', status: 400 });
      await expectAwsError(cc.send(new PostCommentReplyCommand({ inReplyTo: 'not-an-id', content: 'x', clientRequestToken: 't2' })), { code: 'InvalidCommentIdException', status: 400 });
      await expectAwsError(cc.send(new PostCommentReplyCommand({ inReplyTo: randomUUID(), content: 'x', clientRequestToken: 't3' })), { code: 'CommentDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new PostCommentReplyCommand({ inReplyTo: onLine, content: '', clientRequestToken: 't4' })), { code: 'CommentContentRequiredException', status: 400 });
    });

    it('lists comments grouped by commit pair and location, replies with their parent, in pages', async () => {
      const all = await cc.send(new GetCommentsForComparedCommitCommand({ repositoryName: 'reviewed', beforeCommitId: c1, afterCommitId: c2 }));
      const groups = all.commentsForComparedCommitData!;
      expect(groups.map((g) => g.location?.filePath ?? null)).toEqual([null, 'a.txt', 'a.txt']);
      expect(groups[0].comments!.map((x) => x.commentId)).toEqual([general]);
      expect(groups[1]).toMatchObject({ repositoryName: 'reviewed', beforeCommitId: c1, afterCommitId: c2, location: { filePath: 'a.txt', filePosition: 4, relativeFileVersion: 'AFTER' } });
      expect(groups[1].afterBlobId).toBe(git('rev-parse', `${c2}:a.txt`));
      expect(groups[1].comments!.map((x) => x.commentId)).toEqual([onLine, reply]);
      expect(all.nextToken).toBeUndefined();

      const first = await cc.send(new GetCommentsForComparedCommitCommand({ repositoryName: 'reviewed', beforeCommitId: c1, afterCommitId: c2, maxResults: 2 }));
      expect(first.commentsForComparedCommitData!.flatMap((g) => g.comments!.map((x) => x.commentId))).toEqual([general, onLine]);
      const next = await cc.send(new GetCommentsForComparedCommitCommand({ repositoryName: 'reviewed', beforeCommitId: c1, afterCommitId: c2, maxResults: 2, nextToken: first.nextToken }));
      expect(next.commentsForComparedCommitData![0].comments!.map((x) => x.commentId)).toEqual([reply]);

      // The initial-commit comments are a different comparison (no before commit).
      const initial = await cc.send(new GetCommentsForComparedCommitCommand({ repositoryName: 'reviewed', afterCommitId: c1 }));
      expect(initial.commentsForComparedCommitData!.map((g) => g.location?.filePath)).toEqual(['docs/guide.md']);

      await expectAwsError(cc.send(new GetCommentsForComparedCommitCommand({ repositoryName: 'reviewed' } as never)), { code: 'CommitIdRequiredException', status: 400 });
      await expectAwsError(cc.send(new GetCommentsForComparedCommitCommand({ repositoryName: 'reviewed', afterCommitId: MISSING_COMMIT })), { code: 'CommitDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new GetCommentsForComparedCommitCommand({ repositoryName: 'reviewed', afterCommitId: c2, maxResults: 0 })), { code: 'InvalidMaxResultsException', status: 400 });
      await expectAwsError(cc.send(new GetCommentsForComparedCommitCommand({ repositoryName: 'reviewed', afterCommitId: c2, nextToken: '%%%' })), {
        code: 'InvalidContinuationTokenException',
        status: 400,
      });
      await expectAwsError(cc.send(new GetCommentsForComparedCommitCommand({ repositoryName: 'missing', afterCommitId: c2 })), { code: 'RepositoryDoesNotExistException', status: 400 });
    });

    it('lets only the author update a comment and publishes the update', async () => {
      events.length = 0;
      const updated = await cc.send(new UpdateCommentCommand({ commentId: general, content: 'Looks good overall (edited)' }));
      expect(updated.comment?.content).toBe('Looks good overall (edited)');
      expect(updated.comment!.lastModifiedDate!.getTime()).toBeGreaterThanOrEqual(updated.comment!.creationDate!.getTime());
      expect(commentEvents()[0].detail).toMatchObject({ event: 'commentOnCommitUpdated', commentId: general });
      await expectAwsError(reviewer.send(new UpdateCommentCommand({ commentId: general, content: 'hijacked' })), { code: 'CommentNotCreatedByCallerException', status: 400 });
      await expectAwsError(cc.send(new UpdateCommentCommand({ commentId: general, content: '' })), { code: 'CommentContentRequiredException', status: 400 });
      await expectAwsError(cc.send(new UpdateCommentCommand({ commentId: general, content: 'y'.repeat(10241) })), { code: 'CommentContentSizeLimitExceededException', status: 400 });
      await expectAwsError(cc.send(new UpdateCommentCommand({ commentId: randomUUID(), content: 'x' })), { code: 'CommentDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new UpdateCommentCommand({ commentId: '', content: 'x' })), { code: 'CommentIdRequiredException', status: 400 });
      const got = await cc.send(new GetCommentCommand({ commentId: general }));
      expect(got.comment?.content).toBe('Looks good overall (edited)');
      await expectAwsError(cc.send(new GetCommentCommand({ commentId: 'zzz' })), { code: 'InvalidCommentIdException', status: 400 });
    });

    it('keeps one reaction per user and comment, by emoji, short code or code point, and reports them', async () => {
      await cc.send(new PutCommentReactionCommand({ commentId: onLine, reactionValue: ':thumbsup:' }));
      await reviewer.send(new PutCommentReactionCommand({ commentId: onLine, reactionValue: '👍' }));
      let comment = (await cc.send(new GetCommentCommand({ commentId: onLine }))).comment!;
      expect(comment.reactionCounts).toEqual({ THUMBSUP: 2 });
      expect(comment.callerReactions).toEqual(['THUMBSUP']);

      // A new value replaces the user's reaction.
      await reviewer.send(new PutCommentReactionCommand({ commentId: onLine, reactionValue: 'U+1F615' }));
      comment = (await reviewer.send(new GetCommentCommand({ commentId: onLine }))).comment!;
      expect(comment.reactionCounts).toEqual({ THUMBSUP: 1, CONFUSED: 1 });
      expect(comment.callerReactions).toEqual(['CONFUSED']);

      const reactions = await cc.send(new GetCommentReactionsCommand({ commentId: onLine }));
      expect(reactions.reactionsForComment).toEqual([
        { reaction: { emoji: '👍', shortCode: 'thumbsup', unicode: 'U+1F44D' }, reactionUsers: [ROOT], reactionsFromDeletedUsersCount: 0 },
        { reaction: { emoji: '😕', shortCode: 'confused', unicode: 'U+1F615' }, reactionUsers: [REVIEWER], reactionsFromDeletedUsersCount: 0 },
      ]);
      const mine = await cc.send(new GetCommentReactionsCommand({ commentId: onLine, reactionUserArn: REVIEWER }));
      expect(mine.reactionsForComment!.map((r) => r.reaction?.shortCode)).toEqual(['confused']);
      const page = await cc.send(new GetCommentReactionsCommand({ commentId: onLine, maxResults: 1 }));
      expect(page.reactionsForComment!.map((r) => r.reaction?.shortCode)).toEqual(['thumbsup']);
      const rest = await cc.send(new GetCommentReactionsCommand({ commentId: onLine, maxResults: 1, nextToken: page.nextToken }));
      expect(rest.reactionsForComment!.map((r) => r.reaction?.shortCode)).toEqual(['confused']);
      expect(rest.nextToken).toBeUndefined();

      await expectAwsError(cc.send(new PutCommentReactionCommand({ commentId: onLine, reactionValue: ':notanemoji:' })), { code: 'InvalidReactionValueException', status: 400 });
      await expectAwsError(cc.send(new PutCommentReactionCommand({ commentId: onLine } as never)), { code: 'ReactionValueRequiredException', status: 400 });
      await expectAwsError(cc.send(new PutCommentReactionCommand({ commentId: randomUUID(), reactionValue: ':thumbsup:' })), { code: 'CommentDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new GetCommentReactionsCommand({ commentId: onLine, reactionUserArn: 'bob' })), { code: 'InvalidReactionUserArnException', status: 400 });
      await expectAwsError(cc.send(new GetCommentReactionsCommand({ commentId: onLine, maxResults: 0 })), { code: 'InvalidMaxResultsException', status: 400 });
      await expectAwsError(cc.send(new GetCommentReactionsCommand({ commentId: 'x' })), { code: 'InvalidCommentIdException', status: 400 });

      // An empty value (or "none") removes the caller's reaction.
      await cc.send(new PutCommentReactionCommand({ commentId: onLine, reactionValue: '' }));
      await reviewer.send(new PutCommentReactionCommand({ commentId: onLine, reactionValue: 'none' }));
      expect((await cc.send(new GetCommentCommand({ commentId: onLine }))).comment?.reactionCounts).toEqual({});
    });

    it('deletes the content of a comment, after which it is listed as deleted and can no longer be changed', async () => {
      const deleted = await reviewer.send(new DeleteCommentContentCommand({ commentId: reply }));
      expect(deleted.comment).toMatchObject({ commentId: reply, deleted: true, authorArn: REVIEWER, inReplyTo: onLine });
      expect(deleted.comment?.content).toBeUndefined();
      await expectAwsError(cc.send(new GetCommentCommand({ commentId: reply })), { code: 'CommentDeletedException', status: 400 });
      await expectAwsError(reviewer.send(new UpdateCommentCommand({ commentId: reply, content: 'back' })), { code: 'CommentDeletedException', status: 400 });
      await expectAwsError(cc.send(new DeleteCommentContentCommand({ commentId: reply })), { code: 'CommentDeletedException', status: 400 });
      await expectAwsError(cc.send(new PutCommentReactionCommand({ commentId: reply, reactionValue: ':heart:' })), { code: 'CommentDeletedException', status: 400 });
      await expectAwsError(cc.send(new DeleteCommentContentCommand({ commentId: randomUUID() })), { code: 'CommentDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new DeleteCommentContentCommand({} as never)), { code: 'CommentIdRequiredException', status: 400 });
      const listed = await cc.send(new GetCommentsForComparedCommitCommand({ repositoryName: 'reviewed', beforeCommitId: c1, afterCommitId: c2 }));
      const shown = listed.commentsForComparedCommitData!.flatMap((g) => g.comments!).find((x) => x.commentId === reply);
      expect(shown).toMatchObject({ deleted: true });
      expect(shown?.content).toBeUndefined();
    });
  });

  describe('on pull requests', () => {
    let prComment: string;

    it('posts on a pull request and publishes "CodeCommit Comment on Pull Request"', async () => {
      events.length = 0;
      const posted = await cc.send(
        new PostCommentForPullRequestCommand({
          pullRequestId,
          repositoryName: 'reviewed',
          beforeCommitId: c2,
          afterCommitId: c3,
          content: 'Please add a test',
          location: { filePath: 'c.txt', filePosition: 1, relativeFileVersion: 'AFTER' },
        }),
      );
      prComment = posted.comment!.commentId!;
      expect(posted).toMatchObject({ pullRequestId, repositoryName: 'reviewed', beforeCommitId: c2, afterCommitId: c3, afterBlobId: git('rev-parse', `${c3}:c.txt`) });
      expect(posted.beforeBlobId).toBeUndefined();
      // The SDK generated the idempotency token.
      expect(posted.comment?.clientRequestToken).toBeTruthy();
      const [event] = commentEvents();
      expect(event['detail-type']).toBe('CodeCommit Comment on Pull Request');
      expect(event.detail).toMatchObject({
        event: 'commentOnPullRequestCreated',
        pullRequestId,
        commentId: prComment,
        beforeCommitId: c2,
        afterCommitId: c3,
        callerUserArn: ROOT,
        repositoryId,
        repositoryName: 'reviewed',
      });
      expect(event.detail.notificationBody).toContain(`The comment was made on the following Pull Request: ${pullRequestId}`);

      events.length = 0;
      const reply = await reviewer.send(new PostCommentReplyCommand({ inReplyTo: prComment, content: 'Will do' }));
      expect(commentEvents()[0].detail).toMatchObject({ event: 'commentOnPullRequestCreated', pullRequestId, inReplyTo: prComment });
      await reviewer.send(new UpdateCommentCommand({ commentId: reply.comment!.commentId!, content: 'Done' }));
      expect(commentEvents()[1].detail).toMatchObject({ event: 'commentOnPullRequestUpdated', pullRequestId });
      await cc.send(new PostCommentForPullRequestCommand({ pullRequestId, repositoryName: 'reviewed', beforeCommitId: c2, afterCommitId: c3, content: 'General remark' }));
    });

    it('refuses bad pull request comments with the exact exceptions', async () => {
      const base = { pullRequestId, repositoryName: 'reviewed', beforeCommitId: c2, afterCommitId: c3, content: 'x' };
      const send = (input: object) => cc.send(new PostCommentForPullRequestCommand({ ...base, ...input } as never));
      await expectAwsError(send({ pullRequestId: undefined }), { code: 'PullRequestIdRequiredException', status: 400 });
      await expectAwsError(send({ pullRequestId: 'abc' }), { code: 'InvalidPullRequestIdException', status: 400 });
      await expectAwsError(send({ pullRequestId: '99999' }), { code: 'PullRequestDoesNotExistException', status: 400 });
      await expectAwsError(send({ repositoryName: 'elsewhere' }), { code: 'RepositoryNotAssociatedWithPullRequestException', status: 400 });
      await expectAwsError(send({ repositoryName: undefined }), { code: 'RepositoryNameRequiredException', status: 400 });
      await expectAwsError(send({ beforeCommitId: undefined }), { code: 'CommitIdRequiredException', status: 400 });
      await expectAwsError(send({ afterCommitId: MISSING_COMMIT }), { code: 'CommitDoesNotExistException', status: 400 });
      await expectAwsError(send({ afterCommitId: c2 }), { code: 'BeforeCommitIdAndAfterCommitIdAreSameException', status: 400 });
      await expectAwsError(send({ content: '' }), { code: 'CommentContentRequiredException', status: 400 });
      await expectAwsError(send({ location: { filePath: 'c.txt', filePosition: 1, relativeFileVersion: 'BEFORE' } }), { code: 'PathDoesNotExistException', status: 400 });
    });

    it('lists pull request comments grouped by location, filtered by commit pair, in pages', async () => {
      const all = await cc.send(new GetCommentsForPullRequestCommand({ pullRequestId }));
      const groups = all.commentsForPullRequestData!;
      expect(groups).toHaveLength(2);
      expect(groups[0]).toMatchObject({ pullRequestId, repositoryName: 'reviewed', beforeCommitId: c2, afterCommitId: c3, location: { filePath: 'c.txt' } });
      expect(groups[0].comments!.map((x) => x.content)).toEqual(['Please add a test', 'Done']);
      expect(groups[1].location).toBeUndefined();
      expect(groups[1].comments!.map((x) => x.content)).toEqual(['General remark']);

      const filtered = await cc.send(new GetCommentsForPullRequestCommand({ pullRequestId, repositoryName: 'reviewed', beforeCommitId: c2, afterCommitId: c3, maxResults: 2 }));
      expect(filtered.commentsForPullRequestData!.flatMap((g) => g.comments!.map((x) => x.content))).toEqual(['Please add a test', 'Done']);
      const next = await cc.send(
        new GetCommentsForPullRequestCommand({ pullRequestId, repositoryName: 'reviewed', beforeCommitId: c2, afterCommitId: c3, maxResults: 2, nextToken: filtered.nextToken }),
      );
      expect(next.commentsForPullRequestData!.flatMap((g) => g.comments!.map((x) => x.content))).toEqual(['General remark']);
      const otherPair = await cc.send(new GetCommentsForPullRequestCommand({ pullRequestId, repositoryName: 'reviewed', beforeCommitId: c1, afterCommitId: c3 }));
      expect(otherPair.commentsForPullRequestData).toEqual([]);

      await expectAwsError(cc.send(new GetCommentsForPullRequestCommand({} as never)), { code: 'PullRequestIdRequiredException', status: 400 });
      await expectAwsError(cc.send(new GetCommentsForPullRequestCommand({ pullRequestId: '-1' })), { code: 'InvalidPullRequestIdException', status: 400 });
      await expectAwsError(cc.send(new GetCommentsForPullRequestCommand({ pullRequestId: '4242' })), { code: 'PullRequestDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new GetCommentsForPullRequestCommand({ pullRequestId, repositoryName: 'reviewed' })), { code: 'CommitIdRequiredException', status: 400 });
      await expectAwsError(cc.send(new GetCommentsForPullRequestCommand({ pullRequestId, beforeCommitId: c2, afterCommitId: c3 })), { code: 'RepositoryNameRequiredException', status: 400 });
      await expectAwsError(cc.send(new GetCommentsForPullRequestCommand({ pullRequestId, repositoryName: 'elsewhere', beforeCommitId: c2, afterCommitId: c3 })), {
        code: 'RepositoryNotAssociatedWithPullRequestException',
        status: 400,
      });
      await expectAwsError(cc.send(new GetCommentsForPullRequestCommand({ pullRequestId, maxResults: 0 })), { code: 'InvalidMaxResultsException', status: 400 });
    });
  });

  it('works from the aws CLI, which generates the idempotency token', async () => {
    const { stdout } = await server.aws([
      'codecommit',
      'post-comment-for-compared-commit',
      '--repository-name',
      'reviewed',
      '--before-commit-id',
      c2,
      '--after-commit-id',
      c3,
      '--content',
      'From the CLI',
      '--location',
      'filePath=c.txt,filePosition=1,relativeFileVersion=AFTER',
    ]);
    const posted = JSON.parse(stdout) as { comment: { commentId: string; clientRequestToken: string }; afterBlobId: string };
    expect(posted.comment.clientRequestToken).toBeTruthy();
    expect(posted.afterBlobId).toBe(git('rev-parse', `${c3}:c.txt`));
    const listed = JSON.parse((await server.aws(['codecommit', 'get-comments-for-compared-commit', '--repository-name', 'reviewed', '--before-commit-id', c2, '--after-commit-id', c3])).stdout) as {
      commentsForComparedCommitData: { comments: { commentId: string; content: string }[] }[];
    };
    expect(listed.commentsForComparedCommitData[0].comments).toEqual([expect.objectContaining({ commentId: posted.comment.commentId, content: 'From the CLI' })]);
  });
});
