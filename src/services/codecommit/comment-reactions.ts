/**
 * CodeCommit operations: emoji reactions to comments (PutCommentReaction, GetCommentReactions).
 */
import type * as C from '@aws-sdk/client-codecommit';
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { commentDeleted, commentDoesNotExist, requireComment } from './comment-common.js';
import type { ReactionRow } from './comment-store.js';
import type { ReviewContext } from './common.js';
import { invalidToken, keyToken, pageSize, readKeyToken } from './paging.js';

/**
 * The reactions CodeCommit supports, by the value its comments report (callerReactions and the
 * reactionCounts keys); a request may name one by emoji, short code (with or without colons),
 * Unicode code point (`U+1F44D`) or this name.
 */
const REACTIONS: { name: string; emoji: string; shortCode: string; unicode: string; aliases?: string[] }[] = [
  { name: 'THUMBSUP', emoji: '👍', shortCode: 'thumbsup', unicode: 'U+1F44D', aliases: ['+1'] },
  { name: 'THUMBSDOWN', emoji: '👎', shortCode: 'thumbsdown', unicode: 'U+1F44E', aliases: ['-1'] },
  { name: 'SMILE', emoji: '😄', shortCode: 'smile', unicode: 'U+1F604' },
  { name: 'LAUGHING', emoji: '😆', shortCode: 'laughing', unicode: 'U+1F606', aliases: ['laugh'] },
  { name: 'CONFUSED', emoji: '😕', shortCode: 'confused', unicode: 'U+1F615' },
  { name: 'HEART', emoji: '❤️', shortCode: 'heart', unicode: 'U+2764' },
  { name: 'CLAP', emoji: '👏', shortCode: 'clap', unicode: 'U+1F44F' },
  { name: 'HOORAY', emoji: '🎉', shortCode: 'tada', unicode: 'U+1F389', aliases: ['hooray'] },
  { name: 'ROCKET', emoji: '🚀', shortCode: 'rocket', unicode: 'U+1F680' },
  { name: 'EYES', emoji: '👀', shortCode: 'eyes', unicode: 'U+1F440' },
];
const REACTION_BY_NAME = new Map(REACTIONS.map((r) => [r.name, r]));
const REACTION_LOOKUP = new Map<string, string>();
for (const r of REACTIONS) {
  for (const key of [r.name, r.shortCode, `:${r.shortCode}:`, r.unicode, r.emoji, r.emoji.replace('\uFE0F', ''), ...(r.aliases ?? []).flatMap((a) => [a, `:${a}:`])]) {
    REACTION_LOOKUP.set(key.toUpperCase(), r.name);
  }
}

/** What a reaction request asks for: a reaction name, or null to remove the caller's reaction. */
function parseReaction(value: unknown): string | null {
  if (value === undefined || value === null) throw new AwsError('ReactionValueRequiredException', 'A reaction value is required.');
  if (typeof value !== 'string') throw new AwsError('InvalidReactionValueException', 'The value of the reaction is not valid.');
  const text = value.trim();
  if (text === '' || text.toLowerCase() === 'none') return null;
  const name = REACTION_LOOKUP.get(text.toUpperCase());
  if (!name) throw new AwsError('InvalidReactionValueException', `The value of the reaction is not valid: ${value}. For more information, see the AWS CodeCommit User Guide.`);
  return name;
}

export function commentReactionsHandlers(c: ReviewContext): Handlers {
  return {
    PutCommentReaction(input: C.PutCommentReactionInput, ctx: RequestContext): Record<string, never> {
      const { row: current } = requireComment(c, ctx, input.commentId);
      const reaction = parseReaction(input.reactionValue);
      c.comments.tx(() => {
        const fresh = c.comments.getComment(ctx.account, ctx.region, current.id);
        if (!fresh) throw commentDoesNotExist();
        if (fresh.deleted) throw commentDeleted();
        // One reaction per user and comment: a new value replaces the old one.
        if (reaction === null) c.comments.removeReaction(fresh.id, ctx.principal.arn);
        else c.comments.setReaction({ comment_id: fresh.id, user_arn: ctx.principal.arn, reaction, created_at: c.rt.clock.now() });
      });
      return {};
    },

    GetCommentReactions(input: C.GetCommentReactionsInput, ctx: RequestContext): C.GetCommentReactionsOutput {
      const { row } = requireComment(c, ctx, input.commentId);
      const size = pageSize(input.maxResults, 1000);
      const filter = input.reactionUserArn;
      if (filter !== undefined && (typeof filter !== 'string' || !parseArn(filter))) {
        throw new AwsError('InvalidReactionUserArnException', 'The Amazon Resource Name (ARN) of the user or identity is not valid.');
      }
      if (row.deleted) throw commentDeleted();
      const byReaction = new Map<string, ReactionRow[]>();
      for (const r of c.comments.reactions(row.id)) {
        if (filter !== undefined && r.user_arn !== filter) continue;
        byReaction.set(r.reaction, [...(byReaction.get(r.reaction) ?? []), r]);
      }
      // Reactions are listed in CodeCommit's reaction order; the token names the last one returned.
      const order = (name: string) => REACTIONS.findIndex((r) => r.name === name);
      const after = readKeyToken(input.nextToken);
      if (after !== undefined && !REACTION_BY_NAME.has(after)) throw invalidToken();
      const rest = REACTIONS.map((r) => r.name).filter((name) => byReaction.has(name) && (after === undefined || order(name) > order(after)));
      const page = rest.slice(0, size);
      return {
        reactionsForComment: page.map((name) => {
          const r = REACTION_BY_NAME.get(name);
          return {
            reaction: { emoji: r?.emoji, shortCode: r?.shortCode, unicode: r?.unicode },
            reactionUsers: (byReaction.get(name) ?? []).map((x) => x.user_arn),
            reactionsFromDeletedUsersCount: 0,
          };
        }),
        ...(rest.length > size ? { nextToken: keyToken(page[page.length - 1]) } : {}),
      };
    },
  };
}
