/**
 * Stack operations survive kill -9: the real server runs as a child process (the built CLI), is
 * SIGKILLed while a stack is being deleted and while another is being created (300-parameter
 * dependency chains, so the work is sequential and long enough to interrupt), and after a restart
 * on the same data directory neither stays IN_PROGRESS: the creation fails explicitly into its
 * rollback (the interrupted resource marked failed, everything it made deleted), the deletion
 * resumes and completes. A resource with a generated name is recorded before it is made, so even
 * the one in flight at the kill is deleted in the rollback; an update interrupted the same way
 * rolls back with every parameter, the one in flight included, holding its old value again.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { DescribeParametersCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, startBuiltDrydock } from './cli-helpers.js';
import { eventLog, settled } from './cloudformation-helpers.js';

const CHAIN = 300;

function clients(url: string) {
  const config = { endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
  return { cfn: new CloudFormationClient(config), ssm: new SSMClient(config) };
}

/** Parameters `/<prefix>/p<i>` (CloudFormation's generated `CFN-P<i>-…` names without a prefix), each depending on the one before when `chained`. */
function parameters(prefix: string | undefined, count: number, chained: boolean): string {
  const resources: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const name = prefix === undefined ? {} : { Name: `/${prefix}/p${i}` };
    resources[`P${i}`] = { Type: 'AWS::SSM::Parameter', ...(chained && i > 0 ? { DependsOn: `P${i - 1}` } : {}), Properties: { ...name, Type: 'String', Value: 'v' } };
  }
  return JSON.stringify({ Resources: resources });
}

/** Parameters `/<prefix>/p<i>` with `value`, each depending on the one before. */
function valuedParameters(prefix: string, count: number, value: string): string {
  const resources: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    resources[`P${i}`] = { Type: 'AWS::SSM::Parameter', ...(i > 0 ? { DependsOn: `P${i - 1}` } : {}), Properties: { Name: `/${prefix}/p${i}`, Type: 'String', Value: value } };
  }
  return JSON.stringify({ Resources: resources });
}

/** The parameters whose names begin with `prefix`. */
async function parametersNamed(ssm: SSMClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: [prefix] }], NextToken }));
    names.push(...page.Parameters!.map((p) => p.Name!));
    NextToken = page.NextToken;
  } while (NextToken);
  return names;
}

async function parametersUnder(ssm: SSMClient, path: string): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(new GetParametersByPathCommand({ Path: path, NextToken }));
    names.push(...page.Parameters!.map((p) => p.Name!));
    NextToken = page.NextToken;
  } while (NextToken);
  return names;
}

/**
 * Kills the server as soon as the request that started a stack operation is answered: the engine
 * needs a few hundred milliseconds for a 300-resource chain, so the kill lands mid-operation.
 */
async function killRightAfter(child: ChildProcess, request: Promise<unknown>): Promise<void> {
  const exited = new Promise((done) => child.once('exit', done));
  await request;
  child.kill('SIGKILL');
  await exited;
}

describe('CloudFormation durability', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'drydock-cfn-durability-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails an interrupted creation into its rollback and resumes an interrupted deletion', { timeout: 90_000 }, async () => {
    expect(existsSync(CLI), `${CLI} is missing: npm test builds it (npm run build)`).toBe(true);
    const first = await startBuiltDrydock(dataDir);
    child = first.child;
    let c = clients(first.url);
    const { StackId: longId } = await c.cfn.send(new CreateStackCommand({ StackName: 'long', TemplateBody: parameters('long', CHAIN, true) }));
    expect((await settled(c.cfn, 'long', 60_000)).StackStatus).toBe('CREATE_COMPLETE');
    await killRightAfter(child, c.cfn.send(new DeleteStackCommand({ StackName: 'long' })));

    const second = await startBuiltDrydock(dataDir);
    child = second.child;
    c = clients(second.url);
    expect((await settled(c.cfn, longId!, 60_000)).StackStatus).toBe('DELETE_COMPLETE');
    expect(await parametersUnder(c.ssm, '/long')).toEqual([]);

    await killRightAfter(child, c.cfn.send(new CreateStackCommand({ StackName: 'chain', TemplateBody: parameters('chain', CHAIN, true) })));

    const third = await startBuiltDrydock(dataDir);
    child = third.child;
    c = clients(third.url);
    const stack = await settled(c.cfn, 'chain', 60_000);
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    const log = await eventLog(c.cfn, 'chain');
    const rollback = log.find(([id, status]) => id === 'chain' && status === 'ROLLBACK_IN_PROGRESS');
    expect(rollback?.[2]).toMatch(/^(The following resource\(s\) failed to create: \[P\d+\]\. |Drydock stopped while the stack was being created\. )Rollback requested by user\.$/);
    // The one resource in flight at the kill may exist in SSM without the stack knowing it (stated in the Gaps): its name was the template's.
    expect((await parametersUnder(c.ssm, '/chain')).length).toBeLessThanOrEqual(1);
  });

  it('deletes in the rollback a generated-name resource whose create the kill interrupted, recorded before it was made', { timeout: 90_000 }, async () => {
    expect(existsSync(CLI), `${CLI} is missing: npm test builds it (npm run build)`).toBe(true);
    if (child && child.exitCode === null) await killRightAfter(child, Promise.resolve());
    const first = await startBuiltDrydock(dataDir);
    child = first.child;
    let c = clients(first.url);
    await killRightAfter(child, c.cfn.send(new CreateStackCommand({ StackName: 'generated', TemplateBody: parameters(undefined, CHAIN, true) })));

    const second = await startBuiltDrydock(dataDir);
    child = second.child;
    c = clients(second.url);
    expect((await settled(c.cfn, 'generated', 60_000)).StackStatus).toBe('ROLLBACK_COMPLETE');
    const log = await eventLog(c.cfn, 'generated');
    const interrupted = log.filter(([, status]) => status === 'CREATE_FAILED').map(([id]) => id);
    expect(interrupted.length).toBeLessThanOrEqual(1);
    // The resource in flight had its intended name recorded before SSM made it: the rollback deletes it (or finds it never made).
    for (const id of interrupted) expect(log).toContainEqual([id, 'DELETE_COMPLETE', undefined]);
    expect(await parametersNamed(c.ssm, 'CFN-P')).toEqual([]);
  });

  it('updates back in the rollback a resource whose in-place update the kill interrupted', { timeout: 90_000 }, async () => {
    expect(existsSync(CLI), `${CLI} is missing: npm test builds it (npm run build)`).toBe(true);
    if (child && child.exitCode === null) await killRightAfter(child, Promise.resolve());
    const first = await startBuiltDrydock(dataDir);
    child = first.child;
    let c = clients(first.url);
    await c.cfn.send(new CreateStackCommand({ StackName: 'valued', TemplateBody: valuedParameters('valued', CHAIN, 'old') }));
    expect((await settled(c.cfn, 'valued', 60_000)).StackStatus).toBe('CREATE_COMPLETE');
    await killRightAfter(child, c.cfn.send(new UpdateStackCommand({ StackName: 'valued', TemplateBody: valuedParameters('valued', CHAIN, 'new') })));

    const second = await startBuiltDrydock(dataDir);
    child = second.child;
    c = clients(second.url);
    expect((await settled(c.cfn, 'valued', 60_000)).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    // The parameter in flight at the kill held its new value or not: either way the rollback put the old one back.
    const values = new Set<string>();
    let NextToken: string | undefined;
    do {
      const page = await c.ssm.send(new GetParametersByPathCommand({ Path: '/valued', NextToken }));
      for (const parameter of page.Parameters!) values.add(parameter.Value!);
      NextToken = page.NextToken;
    } while (NextToken);
    expect([...values]).toEqual(['old']);
  });
});
