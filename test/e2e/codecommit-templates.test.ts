/**
 * CodeCommit approval rule templates end to end: the SDK and the aws CLI create, update, list and
 * associate templates; every bad input gets CodeCommit's own exception with nothing written; the
 * template-change events carry AWS's detail.
 */

import { createHash } from 'node:crypto';
import {
  AssociateApprovalRuleTemplateWithRepositoryCommand,
  BatchAssociateApprovalRuleTemplateWithRepositoriesCommand,
  BatchDisassociateApprovalRuleTemplateFromRepositoriesCommand,
  CodeCommitClient,
  CreateApprovalRuleTemplateCommand,
  CreateRepositoryCommand,
  DeleteApprovalRuleTemplateCommand,
  DeleteRepositoryCommand,
  DisassociateApprovalRuleTemplateFromRepositoryCommand,
  GetApprovalRuleTemplateCommand,
  ListApprovalRuleTemplatesCommand,
  ListAssociatedApprovalRuleTemplatesForRepositoryCommand,
  ListRepositoriesForApprovalRuleTemplateCommand,
  UpdateApprovalRuleTemplateContentCommand,
  UpdateApprovalRuleTemplateDescriptionCommand,
  UpdateApprovalRuleTemplateNameCommand,
} from '@aws-sdk/client-codecommit';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsEvent } from '../../src/core/events.js';
import { expectAwsError, failure, useServer } from '../helpers.js';

const ROOT = 'arn:aws:iam::000000000000:root';
const content = (needed: number, extra: object = {}): string =>
  JSON.stringify({
    Version: '2018-11-08',
    DestinationReferences: ['refs/heads/main'],
    Statements: [{ Type: 'Approvers', NumberOfApprovalsNeeded: needed, ApprovalPoolMembers: ['arn:aws:sts::000000000000:assumed-role/CodeCommitReview/*'] }],
    ...extra,
  });
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('CodeCommit approval rule templates', () => {
  const server = useServer();
  let cc: CodeCommitClient;
  const events: AwsEvent[] = [];

  const names = async (): Promise<string[]> => (await cc.send(new ListApprovalRuleTemplatesCommand({}))).approvalRuleTemplateNames ?? [];
  const create = (name: string, text = content(2), description?: string) =>
    cc.send(new CreateApprovalRuleTemplateCommand({ approvalRuleTemplateName: name, approvalRuleTemplateContent: text, approvalRuleTemplateDescription: description }));
  const templateEvents = () => events.filter((e) => e['detail-type'] === 'CodeCommit Approval Rule Template Change');

  beforeAll(async () => {
    cc = new CodeCommitClient(server.clientConfig);
    server.runtime.events.subscribe((event) => {
      if (event.source === 'aws.codecommit') events.push(event);
    });
    for (const name of ['repo-a', 'repo-b', 'repo-c']) await cc.send(new CreateRepositoryCommand({ repositoryName: name }));
  });

  it('creates a template with its SHA-256, dates and caller, gets it back, and publishes the creation', async () => {
    events.length = 0;
    const text = content(2);
    const created = (await create('two-approvers', text, 'Two reviewers for main')).approvalRuleTemplate!;
    expect(created.approvalRuleTemplateId).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.approvalRuleTemplateName).toBe('two-approvers');
    expect(created.approvalRuleTemplateDescription).toBe('Two reviewers for main');
    expect(created.approvalRuleTemplateContent).toBe(text);
    expect(created.ruleContentSha256).toBe(sha256(text));
    expect(created.lastModifiedUser).toBe(ROOT);
    expect(created.creationDate).toBeInstanceOf(Date);
    expect(created.lastModifiedDate?.getTime()).toBe(created.creationDate?.getTime());

    const got = (await cc.send(new GetApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'two-approvers' }))).approvalRuleTemplate!;
    expect(got).toEqual(created);

    const [event] = templateEvents();
    expect(event.resources).toEqual([]);
    expect(event.detail).toMatchObject({
      approvalRuleTemplateContentSha256: sha256(text),
      approvalRuleTemplateId: created.approvalRuleTemplateId,
      approvalRuleTemplateName: 'two-approvers',
      callerUserArn: ROOT,
      event: 'approvalRuleTemplateCreated',
      repositories: {},
    });
    expect(event.detail.creationDate).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$/);
  });

  it('refuses bad names, descriptions and content with the exact exceptions and writes nothing', async () => {
    const before = await names();
    await expectAwsError(cc.send(new CreateApprovalRuleTemplateCommand({ approvalRuleTemplateContent: content(1) } as never)), { code: 'ApprovalRuleTemplateNameRequiredException', status: 400 });
    await expectAwsError(create('x'.repeat(101)), { code: 'InvalidApprovalRuleTemplateNameException', status: 400 });
    await expectAwsError(cc.send(new CreateApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'no-content' } as never)), { code: 'ApprovalRuleTemplateContentRequiredException', status: 400 });
    await expectAwsError(create('bad-json', '{not json'), { code: 'InvalidApprovalRuleTemplateContentException', status: 400 });
    await expectAwsError(create('bad-version', content(1, { Version: '2012-10-17' })), { code: 'InvalidApprovalRuleTemplateContentException', status: 400 });
    await expectAwsError(create('no-statements', content(1, { Statements: [] })), { code: 'InvalidApprovalRuleTemplateContentException', status: 400 });
    await expectAwsError(create('zero-approvals', content(0)), { code: 'InvalidApprovalRuleTemplateContentException', status: 400 });
    await expectAwsError(create('bad-type', content(1, { Statements: [{ Type: 'Reviewers', NumberOfApprovalsNeeded: 1 }] })), { code: 'InvalidApprovalRuleTemplateContentException', status: 400 });
    await expectAwsError(create('bad-pool', content(1, { Statements: [{ Type: 'Approvers', NumberOfApprovalsNeeded: 1, ApprovalPoolMembers: ['Mary'] }] })), {
      code: 'InvalidApprovalRuleTemplateContentException',
      status: 400,
    });
    await expectAwsError(create('bad-refs', content(1, { DestinationReferences: 'main' })), { code: 'InvalidApprovalRuleTemplateContentException', status: 400 });
    await expectAwsError(create('unknown-member', content(1, { Effect: 'Allow' })), { code: 'InvalidApprovalRuleTemplateContentException', status: 400 });
    await expectAwsError(
      create(
        'too-long',
        JSON.stringify({ Version: '2018-11-08', Statements: [{ Type: 'Approvers', NumberOfApprovalsNeeded: 1, ApprovalPoolMembers: Array(200).fill('CodeCommitApprovers:000000000000:Mary_Major') }] }),
      ),
      { code: 'InvalidApprovalRuleTemplateContentException', status: 400 },
    );
    await expectAwsError(create('long-description', content(1), 'd'.repeat(1001)), { code: 'InvalidApprovalRuleTemplateDescriptionException', status: 400 });
    await expectAwsError(create('two-approvers', content(1)), { code: 'ApprovalRuleTemplateNameAlreadyExistsException', status: 400 });
    expect(await names()).toEqual(before);
    // The existing template was not overwritten by the duplicate.
    expect((await cc.send(new GetApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'two-approvers' }))).approvalRuleTemplate?.approvalRuleTemplateContent).toBe(content(2));
    await expectAwsError(cc.send(new GetApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'missing' })), { code: 'ApprovalRuleTemplateDoesNotExistException', status: 400 });
    await expectAwsError(cc.send(new GetApprovalRuleTemplateCommand({} as never)), { code: 'ApprovalRuleTemplateNameRequiredException', status: 400 });
  });

  it('accepts CodeCommitApprovers pool members and content without destination references or pool', async () => {
    const text = JSON.stringify({ Version: '2018-11-08', Statements: [{ Type: 'Approvers', NumberOfApprovalsNeeded: 1, ApprovalPoolMembers: ['CodeCommitApprovers:000000000000:Mary_Major'] }] });
    expect((await create('pool-template', text)).approvalRuleTemplate?.ruleContentSha256).toBe(sha256(text));
    const open = JSON.stringify({ Version: '2018-11-08', Statements: [{ Type: 'Approvers', NumberOfApprovalsNeeded: 3 }] });
    expect((await create('any-three', open)).approvalRuleTemplate?.approvalRuleTemplateDescription).toBe('');
  });

  it('lists templates in pages with continuation tokens and rejects bad tokens and page sizes', async () => {
    const all = await names();
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(['any-three', 'pool-template', 'two-approvers']));
    const first = await cc.send(new ListApprovalRuleTemplatesCommand({ maxResults: 2 }));
    expect(first.approvalRuleTemplateNames).toEqual(all.slice(0, 2));
    expect(first.nextToken).toBeTruthy();
    const second = await cc.send(new ListApprovalRuleTemplatesCommand({ maxResults: 2, nextToken: first.nextToken }));
    expect(second.approvalRuleTemplateNames).toEqual(all.slice(2, 4));
    await expectAwsError(cc.send(new ListApprovalRuleTemplatesCommand({ nextToken: 'not-a-token!' })), { code: 'InvalidContinuationTokenException', status: 400 });
    await expectAwsError(cc.send(new ListApprovalRuleTemplatesCommand({ maxResults: 0 })), { code: 'InvalidMaxResultsException', status: 400 });
  });

  it('updates content only when the SHA-256 of the current content matches', async () => {
    const current = (await cc.send(new GetApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'two-approvers' }))).approvalRuleTemplate!;
    await expectAwsError(
      cc.send(new UpdateApprovalRuleTemplateContentCommand({ approvalRuleTemplateName: 'two-approvers', newRuleContent: content(3), existingRuleContentSha256: sha256('something else') })),
      { code: 'InvalidRuleContentSha256Exception', status: 400 },
    );
    await expectAwsError(cc.send(new UpdateApprovalRuleTemplateContentCommand({ approvalRuleTemplateName: 'two-approvers', newRuleContent: content(-1) })), {
      code: 'InvalidApprovalRuleTemplateContentException',
      status: 400,
    });
    await expectAwsError(cc.send(new UpdateApprovalRuleTemplateContentCommand({ approvalRuleTemplateName: 'two-approvers' } as never)), {
      code: 'ApprovalRuleTemplateContentRequiredException',
      status: 400,
    });
    await expectAwsError(cc.send(new UpdateApprovalRuleTemplateContentCommand({ approvalRuleTemplateName: 'missing', newRuleContent: content(3) })), {
      code: 'ApprovalRuleTemplateDoesNotExistException',
      status: 400,
    });
    expect((await cc.send(new GetApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'two-approvers' }))).approvalRuleTemplate).toEqual(current);

    events.length = 0;
    const updated = (
      await cc.send(
        new UpdateApprovalRuleTemplateContentCommand({
          approvalRuleTemplateName: 'two-approvers',
          newRuleContent: content(3),
          existingRuleContentSha256: current.ruleContentSha256,
        }),
      )
    ).approvalRuleTemplate!;
    expect(updated.approvalRuleTemplateContent).toBe(content(3));
    expect(updated.ruleContentSha256).toBe(sha256(content(3)));
    expect(updated.approvalRuleTemplateId).toBe(current.approvalRuleTemplateId);
    expect(updated.creationDate).toEqual(current.creationDate);
    expect(templateEvents()[0].detail).toMatchObject({ event: 'approvalRuleTemplateUpdated', approvalRuleTemplateContentSha256: sha256(content(3)) });
    // Without a hash the update is unconditional.
    const again = await cc.send(new UpdateApprovalRuleTemplateContentCommand({ approvalRuleTemplateName: 'two-approvers', newRuleContent: content(2) }));
    expect(again.approvalRuleTemplate?.ruleContentSha256).toBe(sha256(content(2)));
  });

  it('renames and redescribes templates, refusing names in use', async () => {
    await create('rename-me', content(1));
    await expectAwsError(cc.send(new UpdateApprovalRuleTemplateNameCommand({ oldApprovalRuleTemplateName: 'rename-me', newApprovalRuleTemplateName: 'two-approvers' })), {
      code: 'ApprovalRuleTemplateNameAlreadyExistsException',
      status: 400,
    });
    await expectAwsError(cc.send(new UpdateApprovalRuleTemplateNameCommand({ oldApprovalRuleTemplateName: 'missing', newApprovalRuleTemplateName: 'whatever' })), {
      code: 'ApprovalRuleTemplateDoesNotExistException',
      status: 400,
    });
    await expectAwsError(cc.send(new UpdateApprovalRuleTemplateNameCommand({ oldApprovalRuleTemplateName: 'rename-me', newApprovalRuleTemplateName: 'n'.repeat(101) })), {
      code: 'InvalidApprovalRuleTemplateNameException',
      status: 400,
    });
    const renamed = await cc.send(new UpdateApprovalRuleTemplateNameCommand({ oldApprovalRuleTemplateName: 'rename-me', newApprovalRuleTemplateName: 'renamed' }));
    expect(renamed.approvalRuleTemplate?.approvalRuleTemplateName).toBe('renamed');
    expect(await names()).toContain('renamed');
    expect(await names()).not.toContain('rename-me');

    await expectAwsError(cc.send(new UpdateApprovalRuleTemplateDescriptionCommand({ approvalRuleTemplateName: 'renamed', approvalRuleTemplateDescription: 'x'.repeat(1001) })), {
      code: 'InvalidApprovalRuleTemplateDescriptionException',
      status: 400,
    });
    await expectAwsError(cc.send(new UpdateApprovalRuleTemplateDescriptionCommand({ approvalRuleTemplateName: 'missing', approvalRuleTemplateDescription: 'x' })), {
      code: 'ApprovalRuleTemplateDoesNotExistException',
      status: 400,
    });
    const described = await cc.send(new UpdateApprovalRuleTemplateDescriptionCommand({ approvalRuleTemplateName: 'renamed', approvalRuleTemplateDescription: 'Now described' }));
    expect(described.approvalRuleTemplate?.approvalRuleTemplateDescription).toBe('Now described');
    expect((await cc.send(new GetApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'renamed' }))).approvalRuleTemplate?.approvalRuleTemplateDescription).toBe('Now described');
  });

  it('associates templates with repositories, one and in batches, and lists both directions', async () => {
    events.length = 0;
    await cc.send(new AssociateApprovalRuleTemplateWithRepositoryCommand({ approvalRuleTemplateName: 'two-approvers', repositoryName: 'repo-a' }));
    // Associating again is harmless and changes nothing.
    await cc.send(new AssociateApprovalRuleTemplateWithRepositoryCommand({ approvalRuleTemplateName: 'two-approvers', repositoryName: 'repo-a' }));
    const associated = templateEvents();
    expect(associated).toHaveLength(1);
    expect(associated[0].resources).toEqual(['arn:aws:codecommit:us-east-1:000000000000:repo-a']);
    expect(associated[0].detail.event).toBe('approvalRuleTemplateAssociatedWithRepository');
    expect(Object.keys(associated[0].detail.repositories as object)).toEqual(['repo-a']);

    const batch = await cc.send(
      new BatchAssociateApprovalRuleTemplateWithRepositoriesCommand({
        approvalRuleTemplateName: 'two-approvers',
        repositoryNames: ['repo-b', 'repo-c', 'no-such-repo', 'bad/name'],
      }),
    );
    expect(batch.associatedRepositoryNames).toEqual(['repo-b', 'repo-c']);
    expect(batch.errors).toEqual([
      { repositoryName: 'no-such-repo', errorCode: 'RepositoryDoesNotExistException', errorMessage: expect.any(String) },
      { repositoryName: 'bad/name', errorCode: 'InvalidRepositoryNameException', errorMessage: expect.any(String) },
    ]);
    await cc.send(new AssociateApprovalRuleTemplateWithRepositoryCommand({ approvalRuleTemplateName: 'any-three', repositoryName: 'repo-a' }));

    const repos = await cc.send(new ListRepositoriesForApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'two-approvers' }));
    expect(repos.repositoryNames).toEqual(['repo-a', 'repo-b', 'repo-c']);
    const page = await cc.send(new ListRepositoriesForApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'two-approvers', maxResults: 2 }));
    expect(page.repositoryNames).toEqual(['repo-a', 'repo-b']);
    const rest = await cc.send(new ListRepositoriesForApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'two-approvers', maxResults: 2, nextToken: page.nextToken }));
    expect(rest.repositoryNames).toEqual(['repo-c']);
    expect(rest.nextToken).toBeUndefined();

    const forA = await cc.send(new ListAssociatedApprovalRuleTemplatesForRepositoryCommand({ repositoryName: 'repo-a' }));
    expect(forA.approvalRuleTemplateNames).toEqual(['any-three', 'two-approvers']);
    const forB = await cc.send(new ListAssociatedApprovalRuleTemplatesForRepositoryCommand({ repositoryName: 'repo-b' }));
    expect(forB.approvalRuleTemplateNames).toEqual(['two-approvers']);
  });

  it('refuses bad association requests with the exact exceptions and changes nothing', async () => {
    await expectAwsError(cc.send(new AssociateApprovalRuleTemplateWithRepositoryCommand({ approvalRuleTemplateName: 'missing', repositoryName: 'repo-b' })), {
      code: 'ApprovalRuleTemplateDoesNotExistException',
      status: 400,
    });
    await expectAwsError(cc.send(new AssociateApprovalRuleTemplateWithRepositoryCommand({ approvalRuleTemplateName: 'renamed', repositoryName: 'missing-repo' })), {
      code: 'RepositoryDoesNotExistException',
      status: 400,
    });
    await expectAwsError(cc.send(new AssociateApprovalRuleTemplateWithRepositoryCommand({ approvalRuleTemplateName: 'renamed', repositoryName: 'bad name' })), {
      code: 'InvalidRepositoryNameException',
      status: 400,
    });
    await expectAwsError(cc.send(new AssociateApprovalRuleTemplateWithRepositoryCommand({ approvalRuleTemplateName: 'renamed' } as never)), { code: 'RepositoryNameRequiredException', status: 400 });
    await expectAwsError(cc.send(new AssociateApprovalRuleTemplateWithRepositoryCommand({ repositoryName: 'repo-b' } as never)), { code: 'ApprovalRuleTemplateNameRequiredException', status: 400 });
    await expectAwsError(cc.send(new BatchAssociateApprovalRuleTemplateWithRepositoriesCommand({ approvalRuleTemplateName: 'renamed', repositoryNames: [] })), {
      code: 'RepositoryNamesRequiredException',
      status: 400,
    });
    const many = Array.from({ length: 101 }, (_, i) => `repo-${i}`);
    await expectAwsError(cc.send(new BatchAssociateApprovalRuleTemplateWithRepositoriesCommand({ approvalRuleTemplateName: 'renamed', repositoryNames: many })), {
      code: 'MaximumRepositoryNamesExceededException',
      status: 400,
    });
    await expectAwsError(cc.send(new BatchAssociateApprovalRuleTemplateWithRepositoriesCommand({ approvalRuleTemplateName: 'missing', repositoryNames: ['repo-b'] })), {
      code: 'ApprovalRuleTemplateDoesNotExistException',
      status: 400,
    });
    await expectAwsError(cc.send(new BatchDisassociateApprovalRuleTemplateFromRepositoriesCommand({ approvalRuleTemplateName: 'renamed', repositoryNames: [] })), {
      code: 'RepositoryNamesRequiredException',
      status: 400,
    });
    await expectAwsError(cc.send(new ListAssociatedApprovalRuleTemplatesForRepositoryCommand({ repositoryName: 'missing-repo' })), { code: 'RepositoryDoesNotExistException', status: 400 });
    await expectAwsError(cc.send(new ListAssociatedApprovalRuleTemplatesForRepositoryCommand({ repositoryName: 'repo-a', maxResults: -1 })), { code: 'InvalidMaxResultsException', status: 400 });
    await expectAwsError(cc.send(new ListRepositoriesForApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'missing' })), { code: 'ApprovalRuleTemplateDoesNotExistException', status: 400 });
    await expectAwsError(cc.send(new ListRepositoriesForApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'two-approvers', nextToken: 'eyJub3BlIjoxfQ' })), {
      code: 'InvalidContinuationTokenException',
      status: 400,
    });
    expect((await cc.send(new ListRepositoriesForApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'renamed' }))).repositoryNames).toEqual([]);
    expect((await cc.send(new ListAssociatedApprovalRuleTemplatesForRepositoryCommand({ repositoryName: 'repo-b' }))).approvalRuleTemplateNames).toEqual(['two-approvers']);
  });

  it('refuses to delete a template in use; disassociation (one and batch) frees it; a second delete is a plain 200', async () => {
    await expectAwsError(cc.send(new DeleteApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'two-approvers' })), { code: 'ApprovalRuleTemplateInUseException', status: 400 });
    expect(await names()).toContain('two-approvers');

    await cc.send(new DisassociateApprovalRuleTemplateFromRepositoryCommand({ approvalRuleTemplateName: 'two-approvers', repositoryName: 'repo-a' }));
    // Disassociating what is not associated is harmless.
    await cc.send(new DisassociateApprovalRuleTemplateFromRepositoryCommand({ approvalRuleTemplateName: 'two-approvers', repositoryName: 'repo-a' }));
    await expectAwsError(cc.send(new DisassociateApprovalRuleTemplateFromRepositoryCommand({ approvalRuleTemplateName: 'missing', repositoryName: 'repo-a' })), {
      code: 'ApprovalRuleTemplateDoesNotExistException',
      status: 400,
    });
    events.length = 0;
    const batch = await cc.send(new BatchDisassociateApprovalRuleTemplateFromRepositoriesCommand({ approvalRuleTemplateName: 'two-approvers', repositoryNames: ['repo-b', 'repo-c', 'ghost'] }));
    expect(batch.disassociatedRepositoryNames).toEqual(['repo-b', 'repo-c']);
    expect(batch.errors).toEqual([{ repositoryName: 'ghost', errorCode: 'RepositoryDoesNotExistException', errorMessage: expect.any(String) }]);
    expect(templateEvents()[0].detail).toMatchObject({ event: 'batchDisassociateApprovalRuleTemplateFromRepositories' });
    expect((await cc.send(new ListRepositoriesForApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'two-approvers' }))).repositoryNames).toEqual([]);

    const id = (await cc.send(new GetApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'two-approvers' }))).approvalRuleTemplate?.approvalRuleTemplateId;
    const deleted = await cc.send(new DeleteApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'two-approvers' }));
    expect(deleted.approvalRuleTemplateId).toBe(id);
    expect(await names()).not.toContain('two-approvers');
    const again = await cc.send(new DeleteApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'two-approvers' }));
    expect(again.$metadata.httpStatusCode).toBe(200);
    expect(again.approvalRuleTemplateId).toBeUndefined();
    await expectAwsError(cc.send(new GetApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'two-approvers' })), { code: 'ApprovalRuleTemplateDoesNotExistException', status: 400 });
    await expectAwsError(cc.send(new DeleteApprovalRuleTemplateCommand({ approvalRuleTemplateName: '' })), { code: 'ApprovalRuleTemplateNameRequiredException', status: 400 });
  });

  it('forgets the associations of a deleted repository', async () => {
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'short-lived' }));
    await cc.send(new AssociateApprovalRuleTemplateWithRepositoryCommand({ approvalRuleTemplateName: 'pool-template', repositoryName: 'short-lived' }));
    await expectAwsError(cc.send(new DeleteApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'pool-template' })), { code: 'ApprovalRuleTemplateInUseException', status: 400 });
    await cc.send(new DeleteRepositoryCommand({ repositoryName: 'short-lived' }));
    expect((await cc.send(new ListRepositoriesForApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'pool-template' }))).repositoryNames).toEqual([]);
    // A new repository of the same name is a different repository: no association carries over.
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'short-lived' }));
    expect((await cc.send(new ListAssociatedApprovalRuleTemplatesForRepositoryCommand({ repositoryName: 'short-lived' }))).approvalRuleTemplateNames).toEqual([]);
    expect((await cc.send(new DeleteApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'pool-template' }))).approvalRuleTemplateId).toBeTruthy();
  });

  it('allows at most 25 templates per repository', async () => {
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'crowded' }));
    const names25 = Array.from({ length: 25 }, (_, i) => `limit-${String(i).padStart(2, '0')}`);
    for (const name of names25) {
      await create(name, content(1));
      await cc.send(new AssociateApprovalRuleTemplateWithRepositoryCommand({ approvalRuleTemplateName: name, repositoryName: 'crowded' }));
    }
    await create('limit-extra', content(1));
    await expectAwsError(cc.send(new AssociateApprovalRuleTemplateWithRepositoryCommand({ approvalRuleTemplateName: 'limit-extra', repositoryName: 'crowded' })), {
      code: 'MaximumRuleTemplatesAssociatedWithRepositoryException',
      status: 400,
    });
    const batch = await cc.send(new BatchAssociateApprovalRuleTemplateWithRepositoriesCommand({ approvalRuleTemplateName: 'limit-extra', repositoryNames: ['crowded', 'repo-b'] }));
    expect(batch.associatedRepositoryNames).toEqual(['repo-b']);
    expect(batch.errors?.map((e) => [e.repositoryName, e.errorCode])).toEqual([['crowded', 'MaximumRuleTemplatesAssociatedWithRepositoryException']]);
    const listed = await cc.send(new ListAssociatedApprovalRuleTemplatesForRepositoryCommand({ repositoryName: 'crowded' }));
    expect(listed.approvalRuleTemplateNames).toEqual(names25);
  });

  it('denies an IAM user without a policy before looking anything up', async () => {
    const iam = new IAMClient(server.clientConfig);
    await iam.send(new CreateUserCommand({ UserName: 'no-templates' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'no-templates' }))).AccessKey!;
    const user = new CodeCommitClient({ ...server.clientConfig, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } });
    const err = await failure(user.send(new CreateApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'sneaky', approvalRuleTemplateContent: content(1) })));
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toContain('codecommit:CreateApprovalRuleTemplate');
    expect((await failure(user.send(new GetApprovalRuleTemplateCommand({ approvalRuleTemplateName: 'missing' })))).name).toBe('AccessDeniedException');
    expect(await names()).not.toContain('sneaky');
  });

  it('works from the aws CLI', async () => {
    const text = JSON.stringify({ Version: '2018-11-08', Statements: [{ Type: 'Approvers', NumberOfApprovalsNeeded: 1 }] });
    const { stdout } = await server.aws(['codecommit', 'create-approval-rule-template', '--approval-rule-template-name', 'from-cli', '--approval-rule-template-content', text]);
    const created = JSON.parse(stdout) as { approvalRuleTemplate: { ruleContentSha256: string; lastModifiedUser: string } };
    expect(created.approvalRuleTemplate.ruleContentSha256).toBe(sha256(text));
    expect(created.approvalRuleTemplate.lastModifiedUser).toBe(ROOT);
    const listed = JSON.parse((await server.aws(['codecommit', 'list-approval-rule-templates'])).stdout) as { approvalRuleTemplateNames: string[] };
    expect(listed.approvalRuleTemplateNames).toContain('from-cli');
    const bad = await server.aws(['codecommit', 'get-approval-rule-template', '--approval-rule-template-name', 'nope']).catch((err: { stderr: string }) => err);
    expect((bad as { stderr: string }).stderr).toContain('ApprovalRuleTemplateDoesNotExistException');
  });
});
