/**
 * CloudFormation ClientRequestToken: a request retried with the same token is answered as the
 * first was and not run twice (one "User Initiated" event per operation), a token the stack took
 * for another operation is refused with TokenAlreadyExistsException, and every event of an
 * operation carries its token.
 */
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  ExecuteChangeSetCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventsOf, parametersTemplate, settled } from './cloudformation-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);

/** The stack's own "User Initiated" events, oldest first: one per operation started. */
async function operationsOf(stackName: string, stackId = stackName): Promise<[string | undefined, string | undefined][]> {
  const events = await eventsOf(cfn(), stackId);
  return events.filter((e) => e.LogicalResourceId === stackName && e.ResourceStatusReason === 'User Initiated').map((e) => [e.ResourceStatus, e.ClientRequestToken]);
}

describe('CloudFormation ClientRequestToken', () => {
  it('answers a retried CreateStack, UpdateStack and DeleteStack without running them again, and tags every event with the token', async () => {
    const create = { StackName: 'tokens', TemplateBody: parametersTemplate({ One: 'a' }), ClientRequestToken: 'create-1' };
    const { StackId } = await cfn().send(new CreateStackCommand(create));
    expect((await cfn().send(new CreateStackCommand(create))).StackId).toBe(StackId);
    await settled(cfn(), 'tokens');
    expect((await cfn().send(new CreateStackCommand(create))).StackId).toBe(StackId);
    const creation = await eventsOf(cfn(), 'tokens');
    expect(creation.length).toBeGreaterThan(3);
    expect(new Set(creation.map((e) => e.ClientRequestToken))).toEqual(new Set(['create-1']));

    const update = { StackName: 'tokens', TemplateBody: parametersTemplate({ One: 'b' }), ClientRequestToken: 'update-1' };
    expect((await cfn().send(new UpdateStackCommand(update))).StackId).toBe(StackId);
    // A retry while the update runs, and one after it ended (the template then has no changes left to make).
    expect((await cfn().send(new UpdateStackCommand(update))).StackId).toBe(StackId);
    expect((await settled(cfn(), 'tokens')).StackStatus).toBe('UPDATE_COMPLETE');
    expect((await cfn().send(new UpdateStackCommand(update))).StackId).toBe(StackId);
    const updateEvents = (await eventsOf(cfn(), 'tokens')).slice(creation.length);
    expect(new Set(updateEvents.map((e) => e.ClientRequestToken))).toEqual(new Set(['update-1']));

    await cfn().send(new DeleteStackCommand({ StackName: 'tokens', ClientRequestToken: 'delete-1' }));
    await cfn().send(new DeleteStackCommand({ StackName: 'tokens', ClientRequestToken: 'delete-1' }));
    expect((await settled(cfn(), StackId!)).StackStatus).toBe('DELETE_COMPLETE');
    await cfn().send(new DeleteStackCommand({ StackName: StackId, ClientRequestToken: 'delete-1' }));
    expect(await operationsOf('tokens', StackId!)).toEqual([
      ['CREATE_IN_PROGRESS', 'create-1'],
      ['UPDATE_IN_PROGRESS', 'update-1'],
      ['DELETE_IN_PROGRESS', 'delete-1'],
    ]);
  });

  it('refuses a token the stack took for another operation, and a CreateStack of an existing name with another token', async () => {
    await cfn().send(new CreateStackCommand({ StackName: 'reused', TemplateBody: parametersTemplate({ One: 'a' }), ClientRequestToken: 'first' }));
    await settled(cfn(), 'reused');
    await expectAwsError(cfn().send(new UpdateStackCommand({ StackName: 'reused', TemplateBody: parametersTemplate({ One: 'b' }), ClientRequestToken: 'first' })), {
      code: 'TokenAlreadyExistsException',
      status: 400,
      message: 'The client request token first has already been used for this stack. Retry the request with a different client request token',
    });
    await expectAwsError(cfn().send(new CreateStackCommand({ StackName: 'reused', TemplateBody: parametersTemplate({ One: 'a' }), ClientRequestToken: 'second' })), {
      code: 'AlreadyExistsException',
      status: 400,
      message: 'Stack [reused] already exists',
    });
    await expectAwsError(cfn().send(new CreateStackCommand({ StackName: 'reused', TemplateBody: parametersTemplate({ One: 'a' }) })), { code: 'AlreadyExistsException', status: 400 });
    expect(await operationsOf('reused')).toEqual([['CREATE_IN_PROGRESS', 'first']]);
  });

  it('refuses a CreateStack with a token a deleted stack of the same name took, as AWS does', async () => {
    const { StackId } = await cfn().send(new CreateStackCommand({ StackName: 'again', TemplateBody: parametersTemplate({ One: 'a' }), ClientRequestToken: 'again-create' }));
    await settled(cfn(), 'again');
    await cfn().send(new DeleteStackCommand({ StackName: 'again', ClientRequestToken: 'again-delete' }));
    expect((await settled(cfn(), StackId!)).StackStatus).toBe('DELETE_COMPLETE');
    for (const token of ['again-create', 'again-delete']) {
      await expectAwsError(cfn().send(new CreateStackCommand({ StackName: 'again', TemplateBody: parametersTemplate({ One: 'a' }), ClientRequestToken: token })), {
        code: 'TokenAlreadyExistsException',
        status: 400,
        message: `The client request token ${token} has already been used for this stack. Retry the request with a different client request token`,
      });
    }
    // Another name, or a new token, is not refused.
    await cfn().send(new CreateStackCommand({ StackName: 'again-elsewhere', TemplateBody: parametersTemplate({ One: 'a' }), ClientRequestToken: 'again-create' }));
    await cfn().send(new CreateStackCommand({ StackName: 'again', TemplateBody: parametersTemplate({ One: 'a' }), ClientRequestToken: 'again-fresh' }));
    expect((await settled(cfn(), 'again')).StackStatus).toBe('CREATE_COMPLETE');
  });

  it('answers a retried ExecuteChangeSet without executing it again', async () => {
    await cfn().send(new CreateStackCommand({ StackName: 'token-changes', TemplateBody: parametersTemplate({ One: 'a' }) }));
    await settled(cfn(), 'token-changes');
    await cfn().send(new CreateChangeSetCommand({ StackName: 'token-changes', ChangeSetName: 'next', TemplateBody: parametersTemplate({ One: 'b' }) }));
    for (let i = 0; i < 200; i++) {
      const status = (await cfn().send(new DescribeChangeSetCommand({ StackName: 'token-changes', ChangeSetName: 'next' }))).Status;
      if (status === 'CREATE_COMPLETE') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const execute = { StackName: 'token-changes', ChangeSetName: 'next', ClientRequestToken: 'execute-1' };
    await cfn().send(new ExecuteChangeSetCommand(execute));
    await cfn().send(new ExecuteChangeSetCommand(execute));
    expect((await settled(cfn(), 'token-changes')).StackStatus).toBe('UPDATE_COMPLETE');
    await cfn().send(new ExecuteChangeSetCommand(execute));
    expect(await operationsOf('token-changes')).toEqual([
      ['CREATE_IN_PROGRESS', undefined],
      ['UPDATE_IN_PROGRESS', 'execute-1'],
    ]);
  });
});
