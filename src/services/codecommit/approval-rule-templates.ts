/**
 * CodeCommit operations: approval rule templates (per account and region), publishing AWS's
 * "CodeCommit Approval Rule Template Change" events in the transaction of the change. Their
 * associations with repositories are in template-associations.ts.
 */
import type * as C from '@aws-sdk/client-codecommit';
import { AwsError } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { parseApprovalRuleContent } from './approval-rules.js';
import { eventDate, type ReviewContext, repositoryArn, sha256Hex } from './common.js';
import { pageSize, paginate } from './paging.js';
import type { RepositoryRow } from './store.js';
import type { TemplateRow } from './template-store.js';

/** CodeCommit quotas: templates per Region. */
const MAX_TEMPLATES_PER_REGION = 1000;
const MAX_CONTENT_LENGTH = 3000;
const MAX_DESCRIPTION_LENGTH = 1000;
export const DEFAULT_PAGE_SIZE = 100;

export function checkTemplateName(name: unknown): string {
  if (name === undefined || name === null || name === '') throw new AwsError('ApprovalRuleTemplateNameRequiredException', 'An approval rule template name is required, but was not specified.');
  if (typeof name !== 'string' || name.length > 100 || name.trim() === '') {
    throw new AwsError('InvalidApprovalRuleTemplateNameException', 'The name of the approval rule template is not valid. Template names must be between 1 and 100 valid characters in length.');
  }
  return name;
}

function checkDescription(description: unknown): string {
  if (typeof description !== 'string' || description.length > MAX_DESCRIPTION_LENGTH) {
    throw new AwsError(
      'InvalidApprovalRuleTemplateDescriptionException',
      'The description for the approval rule template is not valid because it exceeds the maximum characters allowed for a description (1000).',
    );
  }
  return description;
}

function checkContent(content: unknown): string {
  if (content === undefined || content === null || content === '') {
    throw new AwsError(
      'ApprovalRuleTemplateContentRequiredException',
      'The content for the approval rule template is empty. You must provide some content for an approval rule template. The content cannot be null.',
    );
  }
  if (typeof content !== 'string' || content.length > MAX_CONTENT_LENGTH) {
    throw new AwsError('InvalidApprovalRuleTemplateContentException', 'The content of the approval rule template is not valid: it must be a string of at most 3000 characters.');
  }
  try {
    parseApprovalRuleContent(content);
  } catch (err) {
    // Templates and pull-request rules share one content language; only the exception differs.
    if (err instanceof AwsError && err.code === 'InvalidApprovalRuleContentException') {
      throw new AwsError('InvalidApprovalRuleTemplateContentException', err.message.replace('approval rule', 'approval rule template'));
    }
    throw err;
  }
  return content;
}

const doesNotExist = (name: string) =>
  new AwsError(
    'ApprovalRuleTemplateDoesNotExistException',
    `The specified approval rule template does not exist: ${name}. Verify that the name is correct and that you are signed in to the AWS Region where the template was created, and then try again.`,
  );

function toTemplate(row: TemplateRow): C.ApprovalRuleTemplate {
  return {
    approvalRuleTemplateId: row.id,
    approvalRuleTemplateName: row.name,
    approvalRuleTemplateDescription: row.description,
    approvalRuleTemplateContent: row.content,
    ruleContentSha256: row.content_sha256,
    lastModifiedDate: new Date(row.modified_at),
    creationDate: new Date(row.created_at),
    lastModifiedUser: row.last_modified_user,
  };
}

export type TemplateEvent =
  | 'approvalRuleTemplateCreated'
  | 'approvalRuleTemplateUpdated'
  | 'approvalRuleTemplateDeleted'
  | 'approvalRuleTemplateAssociatedWithRepository'
  | 'approvalRuleTemplateDisassociatedFromRepository'
  | 'batchAssociateApprovalRuleTemplateWithRepositories'
  | 'batchDisassociateApprovalRuleTemplateFromRepositories';

/** The template a request names, in the caller's account and Region. */
export function requireTemplate(c: ReviewContext, ctx: RequestContext, name: string): TemplateRow {
  const row = c.templates.getTemplate(ctx.account, ctx.region, name);
  if (!row) throw doesNotExist(name);
  return row;
}

/** The repositories a template is associated with that still exist, sorted by name. */
export function liveRepositories(c: ReviewContext, template: TemplateRow): RepositoryRow[] {
  return c.templates
    .repositoryIdsOf(template.id)
    .map((id) => c.store.repositoryById(id))
    .filter((r): r is RepositoryRow => r !== undefined && r.account === template.account && r.region === template.region)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** "CodeCommit Approval Rule Template Change" with AWS's detail members; called inside the change's transaction. */
export function publishTemplateChange(c: ReviewContext, ctx: RequestContext, row: TemplateRow, event: TemplateEvent, info: string, repositories: RepositoryRow[] = []): void {
  c.rt.events.publish({
    source: 'aws.codecommit',
    'detail-type': 'CodeCommit Approval Rule Template Change',
    account: row.account,
    region: row.region,
    resources: repositories.map((r) => repositoryArn(r)),
    detail: {
      approvalRuleTemplateContentSha256: row.content_sha256,
      approvalRuleTemplateId: row.id,
      approvalRuleTemplateName: row.name,
      callerUserArn: ctx.principal.arn,
      creationDate: eventDate(row.created_at),
      event,
      lastModifiedDate: eventDate(row.modified_at),
      notificationBody: `A approval rule template event occurred in the following AWS CodeCommit account: ${row.account}. User: ${ctx.principal.arn}. Additional information: ${info} For more information, go to the AWS CodeCommit console.`,
      repositories: Object.fromEntries(repositories.map((r) => [r.name, r.id])),
    },
  });
}

const nameTaken = (name: string) =>
  new AwsError(
    'ApprovalRuleTemplateNameAlreadyExistsException',
    `You cannot create an approval rule template with that name because a template with that name already exists in this AWS Region for your AWS account: ${name}. Approval rule template names must be unique.`,
  );

/** Saves a changed template and publishes the update to the repositories it is associated with, in one transaction. */
function updateTemplate(c: ReviewContext, ctx: RequestContext, name: string, change: (current: TemplateRow) => Partial<TemplateRow>, info: (row: TemplateRow) => string): TemplateRow {
  return c.templates.tx(() => {
    const current = requireTemplate(c, ctx, name);
    const updated: TemplateRow = { ...current, ...change(current), last_modified_user: ctx.principal.arn, modified_at: c.rt.clock.now() };
    c.templates.updateTemplate(updated);
    publishTemplateChange(c, ctx, updated, 'approvalRuleTemplateUpdated', info(updated), liveRepositories(c, updated));
    return updated;
  });
}

const updatedInfo = (row: TemplateRow) => `An approval rule template with the following name has been updated: ${row.name}. The ID of the updated template is: ${row.id}.`;

export function approvalRuleTemplatesHandlers(c: ReviewContext): Handlers {
  return {
    CreateApprovalRuleTemplate(input: C.CreateApprovalRuleTemplateInput, ctx: RequestContext): C.CreateApprovalRuleTemplateOutput {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const content = checkContent(input.approvalRuleTemplateContent);
      const description = input.approvalRuleTemplateDescription === undefined ? '' : checkDescription(input.approvalRuleTemplateDescription);
      const now = c.rt.clock.now();
      const row: TemplateRow = {
        account: ctx.account,
        region: ctx.region,
        name,
        id: uuid(),
        description,
        content,
        content_sha256: sha256Hex(content),
        last_modified_user: ctx.principal.arn,
        created_at: now,
        modified_at: now,
      };
      c.templates.tx(() => {
        if (c.templates.getTemplate(ctx.account, ctx.region, name)) throw nameTaken(name);
        if (c.templates.countTemplates(ctx.account, ctx.region) >= MAX_TEMPLATES_PER_REGION) {
          throw new AwsError('NumberOfRuleTemplatesExceededException', 'The maximum number of approval rule templates has been exceeded for this AWS Region (1000).');
        }
        c.templates.insertTemplate(row);
        publishTemplateChange(
          c,
          ctx,
          row,
          'approvalRuleTemplateCreated',
          `An approval rule template with the following name has been created: ${row.name}. The ID of the created template is: ${row.id}.`,
        );
      });
      return { approvalRuleTemplate: toTemplate(row) };
    },

    GetApprovalRuleTemplate(input: C.GetApprovalRuleTemplateInput, ctx: RequestContext): C.GetApprovalRuleTemplateOutput {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      return { approvalRuleTemplate: toTemplate(requireTemplate(c, ctx, name)) };
    },

    DeleteApprovalRuleTemplate(input: C.DeleteApprovalRuleTemplateInput, ctx: RequestContext): Partial<C.DeleteApprovalRuleTemplateOutput> {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const row = c.templates.tx(() => {
        const found = c.templates.getTemplate(ctx.account, ctx.region, name);
        // AWS: "If the template has been previously deleted, the only response is a 200 OK."
        if (!found) return undefined;
        if (liveRepositories(c, found).length > 0) {
          throw new AwsError(
            'ApprovalRuleTemplateInUseException',
            'The approval rule template is associated with one or more repositories. You cannot delete a template that is associated with a repository. Remove all associations, and then try again.',
          );
        }
        c.templates.deleteTemplate(found.id);
        publishTemplateChange(
          c,
          ctx,
          found,
          'approvalRuleTemplateDeleted',
          `An approval rule template with the following name has been deleted: ${found.name}. The ID of the updated template is: ${found.id}.`,
        );
        return found;
      });
      return row ? { approvalRuleTemplateId: row.id } : {};
    },

    ListApprovalRuleTemplates(input: C.ListApprovalRuleTemplatesInput, ctx: RequestContext): C.ListApprovalRuleTemplatesOutput {
      const size = pageSize(input.maxResults, DEFAULT_PAGE_SIZE);
      const { page, nextToken } = paginate(c.templates.listTemplates(ctx.account, ctx.region), (t) => t.name, input.nextToken, size);
      return { approvalRuleTemplateNames: page.map((t) => t.name), ...(nextToken ? { nextToken } : {}) };
    },

    UpdateApprovalRuleTemplateContent(input: C.UpdateApprovalRuleTemplateContentInput, ctx: RequestContext): C.UpdateApprovalRuleTemplateContentOutput {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const content = checkContent(input.newRuleContent);
      const row = updateTemplate(
        c,
        ctx,
        name,
        (current) => {
          if (input.existingRuleContentSha256 !== undefined && input.existingRuleContentSha256 !== current.content_sha256) {
            throw new AwsError(
              'InvalidRuleContentSha256Exception',
              'The SHA-256 hash signature for the rule content is not valid: it does not match the current content of the approval rule template.',
            );
          }
          return { content, content_sha256: sha256Hex(content) };
        },
        (updated) => `${updatedInfo(updated)} The after rule template content SHA256 is ${updated.content_sha256}.`,
      );
      return { approvalRuleTemplate: toTemplate(row) };
    },

    UpdateApprovalRuleTemplateName(input: C.UpdateApprovalRuleTemplateNameInput, ctx: RequestContext): C.UpdateApprovalRuleTemplateNameOutput {
      const oldName = checkTemplateName(input.oldApprovalRuleTemplateName);
      const newName = checkTemplateName(input.newApprovalRuleTemplateName);
      const row = updateTemplate(
        c,
        ctx,
        oldName,
        () => {
          if (c.templates.getTemplate(ctx.account, ctx.region, newName)) throw nameTaken(newName);
          return { name: newName };
        },
        updatedInfo,
      );
      return { approvalRuleTemplate: toTemplate(row) };
    },

    UpdateApprovalRuleTemplateDescription(input: C.UpdateApprovalRuleTemplateDescriptionInput, ctx: RequestContext): C.UpdateApprovalRuleTemplateDescriptionOutput {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const description = checkDescription(input.approvalRuleTemplateDescription);
      return { approvalRuleTemplate: toTemplate(updateTemplate(c, ctx, name, () => ({ description }), updatedInfo)) };
    },
  };
}
