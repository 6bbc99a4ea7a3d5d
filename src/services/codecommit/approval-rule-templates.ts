/**
 * CodeCommit operations: approval rule templates (per account and region) and their associations
 * with repositories, publishing AWS's "CodeCommit Approval Rule Template Change" events.
 */
import { createHash } from 'node:crypto';
import type * as C from '@aws-sdk/client-codecommit';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { AwsError } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import { arn } from '../../core/arn.js';
import { authorize, checkRepositoryName, repositoryArn, requireRepository, type CodeCommitContext } from './common.js';
import type { RepositoryRow } from './store.js';
import { ApprovalRuleTemplateStore, type TemplateRow } from './template-store.js';
import { parseApprovalRuleContent } from './approval-rules.js';

/** CodeCommit quotas: templates per Region, templates per repository, names per batch call. */
const MAX_TEMPLATES_PER_REGION = 1000;
const MAX_TEMPLATES_PER_REPOSITORY = 25;
const MAX_BATCH_REPOSITORY_NAMES = 100;
const MAX_CONTENT_LENGTH = 3000;
const MAX_DESCRIPTION_LENGTH = 1000;
const DEFAULT_PAGE_SIZE = 100;

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

// ---------------------------------------------------------------------------------------------
// Pagination shared by the CodeCommit list operations of this area (and comments.ts).

/** maxResults as CodeCommit checks it: a positive integer, or absent for the default. */
export function pageSize(maxResults: unknown, defaultSize: number, maxSize = defaultSize): number {
  if (maxResults === undefined || maxResults === null) return defaultSize;
  if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1) {
    throw new AwsError('InvalidMaxResultsException', 'The specified number of maximum results is not valid.');
  }
  return Math.min(maxResults, maxSize);
}

/** An opaque continuation token naming the last key returned. */
export const encodeToken = (lastKey: string): string => Buffer.from(JSON.stringify({ after: lastKey }), 'utf8').toString('base64url');

export function decodeToken(token: unknown): string | undefined {
  if (token === undefined || token === null || token === '') return undefined;
  const invalid = () => new AwsError('InvalidContinuationTokenException', 'The specified continuation token is not valid.');
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { after?: unknown }).after === 'string') return (parsed as { after: string }).after;
  } catch {
    // Falls through to the invalid-token answer.
  }
  throw invalid();
}

/** One page of `items` (already sorted by `key`, keys unique) after the token's key. */
export function paginate<T>(items: T[], key: (item: T) => string, nextToken: unknown, size: number): { page: T[]; nextToken?: string } {
  const after = decodeToken(nextToken);
  const start = after === undefined ? 0 : items.findIndex((item) => key(item) > after);
  const rest = start < 0 ? [] : items.slice(start);
  const page = rest.slice(0, size);
  return { page, nextToken: rest.length > size ? encodeToken(key(page[page.length - 1])) : undefined };
}

// ---------------------------------------------------------------------------------------------

function checkTemplateName(name: unknown): string {
  if (name === undefined || name === null || name === '') throw new AwsError('ApprovalRuleTemplateNameRequiredException', 'An approval rule template name is required, but was not specified.');
  if (typeof name !== 'string' || name.length > 100 || name.trim() === '') {
    throw new AwsError('InvalidApprovalRuleTemplateNameException', 'The name of the approval rule template is not valid. Template names must be between 1 and 100 valid characters in length.');
  }
  return name;
}

function checkDescription(description: unknown): string {
  if (typeof description !== 'string' || description.length > MAX_DESCRIPTION_LENGTH) {
    throw new AwsError('InvalidApprovalRuleTemplateDescriptionException', 'The description for the approval rule template is not valid because it exceeds the maximum characters allowed for a description (1000).');
  }
  return description;
}

function checkContent(content: unknown): string {
  if (content === undefined || content === null || content === '') {
    throw new AwsError('ApprovalRuleTemplateContentRequiredException', 'The content for the approval rule template is empty. You must provide some content for an approval rule template. The content cannot be null.');
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
  new AwsError('ApprovalRuleTemplateDoesNotExistException', `The specified approval rule template does not exist: ${name}. Verify that the name is correct and that you are signed in to the AWS Region where the template was created, and then try again.`);

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

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** The date format of CodeCommit's event details: Java's Date.toString in UTC (`Wed Nov 06 19:02:14 UTC 2019`). */
export function eventDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

type TemplateEvent =
  | 'approvalRuleTemplateCreated'
  | 'approvalRuleTemplateUpdated'
  | 'approvalRuleTemplateDeleted'
  | 'approvalRuleTemplateAssociatedWithRepository'
  | 'approvalRuleTemplateDisassociatedFromRepository'
  | 'batchAssociateApprovalRuleTemplateWithRepositories'
  | 'batchDisassociateApprovalRuleTemplateFromRepositories';

export function approvalRuleTemplatesHandlers(c: CodeCommitContext): Handlers {
  const templates = new ApprovalRuleTemplateStore(c.rt.store);

  const requireTemplate = (ctx: RequestContext, name: string): TemplateRow => {
    const row = templates.getTemplate(ctx.account, ctx.region, name);
    if (!row) throw doesNotExist(name);
    return row;
  };

  /** The repositories a template is associated with that still exist, sorted by name. */
  const liveRepositories = (template: TemplateRow): RepositoryRow[] =>
    templates
      .repositoryIdsOf(template.id)
      .map((id) => c.store.repositoryById(id))
      .filter((r): r is RepositoryRow => r !== undefined && r.account === template.account && r.region === template.region)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const publish = (ctx: RequestContext, row: TemplateRow, event: TemplateEvent, info: string, repositories: RepositoryRow[] = []): void => {
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
  };

  const authorizeTemplates = (ctx: RequestContext) => authorize(c, ctx.principal, ctx.region, ctx.operation, '*');

  /** Checks every name of a batch call and authorizes the call on each valid one before anything changes. */
  const batchRepositories = (ctx: RequestContext, names: unknown) => {
    if (names === undefined || names === null || (Array.isArray(names) && names.length === 0)) {
      throw new AwsError('RepositoryNamesRequiredException', 'At least one repository name object is required, but was not specified.');
    }
    if (!Array.isArray(names)) throw new AwsError('RepositoryNamesRequiredException', 'repositoryNames must be a list of repository names.');
    if (names.length > MAX_BATCH_REPOSITORY_NAMES) {
      throw new AwsError('MaximumRepositoryNamesExceededException', 'The maximum number of allowed repository names was exceeded. Currently, this number is 100.');
    }
    const found: RepositoryRow[] = [];
    const errors: { repositoryName: string; errorCode: string; errorMessage: string }[] = [];
    const seen = new Set<string>();
    for (const raw of names as unknown[]) {
      const label = typeof raw === 'string' ? raw : String(raw);
      if (seen.has(label)) continue;
      seen.add(label);
      let name: string;
      try {
        name = checkRepositoryName(raw);
      } catch (err) {
        if (!(err instanceof AwsError)) throw err;
        errors.push({ repositoryName: label, errorCode: err.code, errorMessage: err.message });
        continue;
      }
      authorize(c, ctx.principal, ctx.region, ctx.operation, arn('codecommit', ctx.region, ctx.account, name));
      const row = c.store.getRepository(ctx.account, ctx.region, name);
      if (!row) errors.push({ repositoryName: name, errorCode: 'RepositoryDoesNotExistException', errorMessage: `${name} does not exist` });
      else found.push(row);
    }
    return { found, errors };
  };

  return {
    CreateApprovalRuleTemplate(input: C.CreateApprovalRuleTemplateInput, ctx: RequestContext): C.CreateApprovalRuleTemplateOutput {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const content = checkContent(input.approvalRuleTemplateContent);
      const description = input.approvalRuleTemplateDescription === undefined ? '' : checkDescription(input.approvalRuleTemplateDescription);
      authorizeTemplates(ctx);
      const now = c.rt.clock.now();
      const row: TemplateRow = {
        account: ctx.account, region: ctx.region, name, id: uuid(), description, content,
        content_sha256: sha256Hex(content), last_modified_user: ctx.principal.arn, created_at: now, modified_at: now,
      };
      templates.tx(() => {
        if (templates.getTemplate(ctx.account, ctx.region, name)) {
          throw new AwsError('ApprovalRuleTemplateNameAlreadyExistsException', `You cannot create an approval rule template with that name because a template with that name already exists in this AWS Region for your AWS account: ${name}. Approval rule template names must be unique.`);
        }
        if (templates.countTemplates(ctx.account, ctx.region) >= MAX_TEMPLATES_PER_REGION) {
          throw new AwsError('NumberOfRuleTemplatesExceededException', 'The maximum number of approval rule templates has been exceeded for this AWS Region (1000).');
        }
        templates.insertTemplate(row);
      });
      publish(ctx, row, 'approvalRuleTemplateCreated', `An approval rule template with the following name has been created: ${row.name}. The ID of the created template is: ${row.id}.`);
      return { approvalRuleTemplate: toTemplate(row) };
    },

    GetApprovalRuleTemplate(input: C.GetApprovalRuleTemplateInput, ctx: RequestContext): C.GetApprovalRuleTemplateOutput {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      authorizeTemplates(ctx);
      return { approvalRuleTemplate: toTemplate(requireTemplate(ctx, name)) };
    },

    DeleteApprovalRuleTemplate(input: C.DeleteApprovalRuleTemplateInput, ctx: RequestContext): Partial<C.DeleteApprovalRuleTemplateOutput> {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      authorizeTemplates(ctx);
      const row = templates.tx(() => {
        const found = templates.getTemplate(ctx.account, ctx.region, name);
        // AWS: "If the template has been previously deleted, the only response is a 200 OK."
        if (!found) return undefined;
        if (liveRepositories(found).length > 0) {
          throw new AwsError('ApprovalRuleTemplateInUseException', 'The approval rule template is associated with one or more repositories. You cannot delete a template that is associated with a repository. Remove all associations, and then try again.');
        }
        templates.deleteTemplate(found.id);
        return found;
      });
      if (!row) return {};
      publish(ctx, row, 'approvalRuleTemplateDeleted', `An approval rule template with the following name has been deleted: ${row.name}. The ID of the updated template is: ${row.id}.`);
      return { approvalRuleTemplateId: row.id };
    },

    ListApprovalRuleTemplates(input: C.ListApprovalRuleTemplatesInput, ctx: RequestContext): C.ListApprovalRuleTemplatesOutput {
      const size = pageSize(input.maxResults, DEFAULT_PAGE_SIZE);
      authorizeTemplates(ctx);
      const { page, nextToken } = paginate(templates.listTemplates(ctx.account, ctx.region), (t) => t.name, input.nextToken, size);
      return { approvalRuleTemplateNames: page.map((t) => t.name), ...(nextToken ? { nextToken } : {}) };
    },

    UpdateApprovalRuleTemplateContent(input: C.UpdateApprovalRuleTemplateContentInput, ctx: RequestContext): C.UpdateApprovalRuleTemplateContentOutput {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const content = checkContent(input.newRuleContent);
      authorizeTemplates(ctx);
      const row = templates.tx(() => {
        const current = requireTemplate(ctx, name);
        if (input.existingRuleContentSha256 !== undefined && input.existingRuleContentSha256 !== current.content_sha256) {
          throw new AwsError('InvalidRuleContentSha256Exception', 'The SHA-256 hash signature for the rule content is not valid: it does not match the current content of the approval rule template.');
        }
        const updated: TemplateRow = { ...current, content, content_sha256: sha256Hex(content), last_modified_user: ctx.principal.arn, modified_at: c.rt.clock.now() };
        templates.updateTemplate(updated);
        return updated;
      });
      publish(ctx, row, 'approvalRuleTemplateUpdated', `An approval rule template with the following name has been updated: ${row.name}. The ID of the updated template is: ${row.id}. The after rule template content SHA256 is ${row.content_sha256}.`, liveRepositories(row));
      return { approvalRuleTemplate: toTemplate(row) };
    },

    UpdateApprovalRuleTemplateName(input: C.UpdateApprovalRuleTemplateNameInput, ctx: RequestContext): C.UpdateApprovalRuleTemplateNameOutput {
      const oldName = checkTemplateName(input.oldApprovalRuleTemplateName);
      const newName = checkTemplateName(input.newApprovalRuleTemplateName);
      authorizeTemplates(ctx);
      const row = templates.tx(() => {
        const current = requireTemplate(ctx, oldName);
        if (templates.getTemplate(ctx.account, ctx.region, newName)) {
          throw new AwsError('ApprovalRuleTemplateNameAlreadyExistsException', `You cannot create an approval rule template with that name because a template with that name already exists in this AWS Region for your AWS account: ${newName}. Approval rule template names must be unique.`);
        }
        const updated: TemplateRow = { ...current, name: newName, last_modified_user: ctx.principal.arn, modified_at: c.rt.clock.now() };
        templates.updateTemplate(updated);
        return updated;
      });
      publish(ctx, row, 'approvalRuleTemplateUpdated', `An approval rule template with the following name has been updated: ${row.name}. The ID of the updated template is: ${row.id}.`, liveRepositories(row));
      return { approvalRuleTemplate: toTemplate(row) };
    },

    UpdateApprovalRuleTemplateDescription(input: C.UpdateApprovalRuleTemplateDescriptionInput, ctx: RequestContext): C.UpdateApprovalRuleTemplateDescriptionOutput {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const description = checkDescription(input.approvalRuleTemplateDescription);
      authorizeTemplates(ctx);
      const row = templates.tx(() => {
        const updated: TemplateRow = { ...requireTemplate(ctx, name), description, last_modified_user: ctx.principal.arn, modified_at: c.rt.clock.now() };
        templates.updateTemplate(updated);
        return updated;
      });
      publish(ctx, row, 'approvalRuleTemplateUpdated', `An approval rule template with the following name has been updated: ${row.name}. The ID of the updated template is: ${row.id}.`, liveRepositories(row));
      return { approvalRuleTemplate: toTemplate(row) };
    },

    AssociateApprovalRuleTemplateWithRepository(input: C.AssociateApprovalRuleTemplateWithRepositoryInput, ctx: RequestContext): Record<string, never> {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const repository = requireRepository(c, ctx, input.repositoryName);
      const { template, added } = templates.tx(() => {
        const found = requireTemplate(ctx, name);
        if (templates.templatesOfRepository(repository.id).some((t) => t.id === found.id)) return { template: found, added: false };
        if (templates.templatesOfRepository(repository.id).length >= MAX_TEMPLATES_PER_REPOSITORY) {
          throw new AwsError('MaximumRuleTemplatesAssociatedWithRepositoryException', 'The maximum number of approval rule templates for a repository has been exceeded. You cannot associate more than 25 approval rule templates with a repository.');
        }
        return { template: found, added: templates.associate(found.id, repository.id) };
      });
      if (added) publish(ctx, template, 'approvalRuleTemplateAssociatedWithRepository', `An approval rule template has been associated with the following repository: [${repository.name}].`, [repository]);
      return {};
    },

    DisassociateApprovalRuleTemplateFromRepository(input: C.DisassociateApprovalRuleTemplateFromRepositoryInput, ctx: RequestContext): Record<string, never> {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const repository = requireRepository(c, ctx, input.repositoryName);
      const { template, removed } = templates.tx(() => {
        const found = requireTemplate(ctx, name);
        return { template: found, removed: templates.disassociate(found.id, repository.id) };
      });
      if (removed) publish(ctx, template, 'approvalRuleTemplateDisassociatedFromRepository', `An approval rule template has been disassociated from the following repository: [${repository.name}].`, [repository]);
      return {};
    },

    BatchAssociateApprovalRuleTemplateWithRepositories(
      input: C.BatchAssociateApprovalRuleTemplateWithRepositoriesInput,
      ctx: RequestContext,
    ): C.BatchAssociateApprovalRuleTemplateWithRepositoriesOutput {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const { found, errors } = batchRepositories(ctx, input.repositoryNames);
      const { template, associated, added } = templates.tx(() => {
        const t = requireTemplate(ctx, name);
        const ok: RepositoryRow[] = [];
        const fresh: RepositoryRow[] = [];
        for (const repository of found) {
          const current = templates.templatesOfRepository(repository.id);
          if (current.some((x) => x.id === t.id)) {
            ok.push(repository);
          } else if (current.length >= MAX_TEMPLATES_PER_REPOSITORY) {
            errors.push({
              repositoryName: repository.name,
              errorCode: 'MaximumRuleTemplatesAssociatedWithRepositoryException',
              errorMessage: 'The maximum number of approval rule templates for a repository has been exceeded. You cannot associate more than 25 approval rule templates with a repository.',
            });
          } else {
            templates.associate(t.id, repository.id);
            ok.push(repository);
            fresh.push(repository);
          }
        }
        return { template: t, associated: ok, added: fresh };
      });
      if (added.length > 0) {
        publish(ctx, template, 'batchAssociateApprovalRuleTemplateWithRepositories', `An approval rule template has been batch associated with the following repository names: [${added.map((r) => r.name).join(', ')}].`, added);
      }
      return { associatedRepositoryNames: associated.map((r) => r.name), errors };
    },

    BatchDisassociateApprovalRuleTemplateFromRepositories(
      input: C.BatchDisassociateApprovalRuleTemplateFromRepositoriesInput,
      ctx: RequestContext,
    ): C.BatchDisassociateApprovalRuleTemplateFromRepositoriesOutput {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const { found, errors } = batchRepositories(ctx, input.repositoryNames);
      const { template, removed } = templates.tx(() => {
        const t = requireTemplate(ctx, name);
        return { template: t, removed: found.filter((repository) => templates.disassociate(t.id, repository.id)) };
      });
      if (removed.length > 0) {
        publish(ctx, template, 'batchDisassociateApprovalRuleTemplateFromRepositories', `An approval rule template has been batch disassociated from the following repository names: [${removed.map((r) => r.name).join(', ')}].`, removed);
      }
      return { disassociatedRepositoryNames: found.map((r) => r.name), errors };
    },

    ListAssociatedApprovalRuleTemplatesForRepository(
      input: C.ListAssociatedApprovalRuleTemplatesForRepositoryInput,
      ctx: RequestContext,
    ): C.ListAssociatedApprovalRuleTemplatesForRepositoryOutput {
      const repository = requireRepository(c, ctx, input.repositoryName);
      const size = pageSize(input.maxResults, DEFAULT_PAGE_SIZE);
      const { page, nextToken } = paginate(templates.templatesOfRepository(repository.id), (t) => t.name, input.nextToken, size);
      return { approvalRuleTemplateNames: page.map((t) => t.name), ...(nextToken ? { nextToken } : {}) };
    },

    ListRepositoriesForApprovalRuleTemplate(input: C.ListRepositoriesForApprovalRuleTemplateInput, ctx: RequestContext): C.ListRepositoriesForApprovalRuleTemplateOutput {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const size = pageSize(input.maxResults, DEFAULT_PAGE_SIZE);
      authorizeTemplates(ctx);
      const template = requireTemplate(ctx, name);
      const { page, nextToken } = paginate(liveRepositories(template), (r) => r.name, input.nextToken, size);
      return { repositoryNames: page.map((r) => r.name), ...(nextToken ? { nextToken } : {}) };
    },
  };
}
