/**
 * CodeCommit operations: associations of approval rule templates with repositories (one at a time
 * and in batches) and their listings, publishing AWS's "CodeCommit Approval Rule Template Change"
 * events in the transaction of the change.
 */
import type * as C from '@aws-sdk/client-codecommit';
import { AwsError } from '../../core/errors.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { checkTemplateName, DEFAULT_PAGE_SIZE, liveRepositories, publishTemplateChange, requireTemplate, type TemplateEvent } from './approval-rule-templates.js';
import { checkRepositoryName, type ReviewContext, requireRepository } from './common.js';
import { pageSize, paginate } from './paging.js';
import type { RepositoryRow } from './store.js';
import type { TemplateRow } from './template-store.js';

/** CodeCommit quotas: templates per repository, names per batch call. */
const MAX_TEMPLATES_PER_REPOSITORY = 25;
const MAX_BATCH_REPOSITORY_NAMES = 100;

const TOO_MANY_TEMPLATES = 'The maximum number of approval rule templates for a repository has been exceeded. You cannot associate more than 25 approval rule templates with a repository.';

type BatchError = { repositoryName: string; errorCode: string; errorMessage: string };

/** Checks every name of a batch call (the call was authorized on each before the handler ran). */
function batchRepositories(c: ReviewContext, ctx: RequestContext, names: unknown): { found: RepositoryRow[]; errors: BatchError[] } {
  if (names === undefined || names === null || (Array.isArray(names) && names.length === 0)) {
    throw new AwsError('RepositoryNamesRequiredException', 'At least one repository name object is required, but was not specified.');
  }
  if (!Array.isArray(names)) throw new AwsError('RepositoryNamesRequiredException', 'repositoryNames must be a list of repository names.');
  if (names.length > MAX_BATCH_REPOSITORY_NAMES) {
    throw new AwsError('MaximumRepositoryNamesExceededException', 'The maximum number of allowed repository names was exceeded. Currently, this number is 100.');
  }
  const found: RepositoryRow[] = [];
  const errors: BatchError[] = [];
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
    const row = c.store.getRepository(ctx.account, ctx.region, name);
    if (!row) errors.push({ repositoryName: name, errorCode: 'RepositoryDoesNotExistException', errorMessage: `${name} does not exist` });
    else found.push(row);
  }
  return { found, errors };
}

/** Inside a transaction: associates a template with each repository that has room; the rest become batch errors. */
function associateAll(c: ReviewContext, templateId: string, repositories: RepositoryRow[], errors: BatchError[]): { associated: RepositoryRow[]; added: RepositoryRow[] } {
  const associated: RepositoryRow[] = [];
  const added: RepositoryRow[] = [];
  for (const repository of repositories) {
    const current = c.templates.templatesOfRepository(repository.id);
    if (current.some((x) => x.id === templateId)) {
      associated.push(repository);
    } else if (current.length >= MAX_TEMPLATES_PER_REPOSITORY) {
      errors.push({ repositoryName: repository.name, errorCode: 'MaximumRuleTemplatesAssociatedWithRepositoryException', errorMessage: TOO_MANY_TEMPLATES });
    } else {
      c.templates.associate(templateId, repository.id);
      associated.push(repository);
      added.push(repository);
    }
  }
  return { associated, added };
}

/** Inside the batch's transaction: its event, when it changed any association. */
function publishBatch(c: ReviewContext, ctx: RequestContext, template: TemplateRow, event: TemplateEvent, verb: string, changed: RepositoryRow[]): void {
  if (changed.length === 0) return;
  const names = changed.map((r) => r.name).join(', ');
  publishTemplateChange(c, ctx, template, event, `An approval rule template has been batch ${verb} the following repository names: [${names}].`, changed);
}

export function templateAssociationsHandlers(c: ReviewContext): Handlers {
  return {
    AssociateApprovalRuleTemplateWithRepository(input: C.AssociateApprovalRuleTemplateWithRepositoryInput, ctx: RequestContext): Record<string, never> {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const repository = requireRepository(c, ctx, input.repositoryName);
      c.templates.tx(() => {
        const template = requireTemplate(c, ctx, name);
        if (c.templates.templatesOfRepository(repository.id).some((t) => t.id === template.id)) return;
        if (c.templates.templatesOfRepository(repository.id).length >= MAX_TEMPLATES_PER_REPOSITORY) {
          throw new AwsError('MaximumRuleTemplatesAssociatedWithRepositoryException', TOO_MANY_TEMPLATES);
        }
        if (!c.templates.associate(template.id, repository.id)) return;
        publishTemplateChange(c, ctx, template, 'approvalRuleTemplateAssociatedWithRepository', `An approval rule template has been associated with the following repository: [${repository.name}].`, [
          repository,
        ]);
      });
      return {};
    },

    DisassociateApprovalRuleTemplateFromRepository(input: C.DisassociateApprovalRuleTemplateFromRepositoryInput, ctx: RequestContext): Record<string, never> {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const repository = requireRepository(c, ctx, input.repositoryName);
      c.templates.tx(() => {
        const template = requireTemplate(c, ctx, name);
        if (!c.templates.disassociate(template.id, repository.id)) return;
        publishTemplateChange(
          c,
          ctx,
          template,
          'approvalRuleTemplateDisassociatedFromRepository',
          `An approval rule template has been disassociated from the following repository: [${repository.name}].`,
          [repository],
        );
      });
      return {};
    },

    BatchAssociateApprovalRuleTemplateWithRepositories(
      input: C.BatchAssociateApprovalRuleTemplateWithRepositoriesInput,
      ctx: RequestContext,
    ): C.BatchAssociateApprovalRuleTemplateWithRepositoriesOutput {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const { found, errors } = batchRepositories(c, ctx, input.repositoryNames);
      const associated = c.templates.tx(() => {
        const template = requireTemplate(c, ctx, name);
        const result = associateAll(c, template.id, found, errors);
        publishBatch(c, ctx, template, 'batchAssociateApprovalRuleTemplateWithRepositories', 'associated with', result.added);
        return result.associated;
      });
      return { associatedRepositoryNames: associated.map((r) => r.name), errors };
    },

    BatchDisassociateApprovalRuleTemplateFromRepositories(
      input: C.BatchDisassociateApprovalRuleTemplateFromRepositoriesInput,
      ctx: RequestContext,
    ): C.BatchDisassociateApprovalRuleTemplateFromRepositoriesOutput {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const { found, errors } = batchRepositories(c, ctx, input.repositoryNames);
      c.templates.tx(() => {
        const template = requireTemplate(c, ctx, name);
        const removed = found.filter((repository) => c.templates.disassociate(template.id, repository.id));
        publishBatch(c, ctx, template, 'batchDisassociateApprovalRuleTemplateFromRepositories', 'disassociated from', removed);
      });
      return { disassociatedRepositoryNames: found.map((r) => r.name), errors };
    },

    ListAssociatedApprovalRuleTemplatesForRepository(input: C.ListAssociatedApprovalRuleTemplatesForRepositoryInput, ctx: RequestContext): C.ListAssociatedApprovalRuleTemplatesForRepositoryOutput {
      const repository = requireRepository(c, ctx, input.repositoryName);
      const size = pageSize(input.maxResults, DEFAULT_PAGE_SIZE);
      const { page, nextToken } = paginate(c.templates.templatesOfRepository(repository.id), (t) => t.name, input.nextToken, size);
      return { approvalRuleTemplateNames: page.map((t) => t.name), ...(nextToken ? { nextToken } : {}) };
    },

    ListRepositoriesForApprovalRuleTemplate(input: C.ListRepositoriesForApprovalRuleTemplateInput, ctx: RequestContext): C.ListRepositoriesForApprovalRuleTemplateOutput {
      const name = checkTemplateName(input.approvalRuleTemplateName);
      const size = pageSize(input.maxResults, DEFAULT_PAGE_SIZE);
      const template = requireTemplate(c, ctx, name);
      const { page, nextToken } = paginate(liveRepositories(c, template), (r) => r.name, input.nextToken, size);
      return { repositoryNames: page.map((r) => r.name), ...(nextToken ? { nextToken } : {}) };
    },
  };
}
