/** Purging deleted stacks: what belonged to a stack deleted more than the retention ago goes with it; live and recent stacks keep theirs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../core/store.js';
import { CloudFormationStore, type NewStackRow } from './store.js';

const SCOPE = { account: '000000000000', region: 'us-east-1' };

function stackRow(name: string): NewStackRow {
  return {
    stack_id: `arn:aws:cloudformation:us-east-1:000000000000:stack/${name}/1`,
    ...SCOPE,
    name,
    status: 'CREATE_COMPLETE',
    status_reason: null,
    description: null,
    created_at: 0,
    template_body: '{}',
    processed_template: '{"Resources":{}}',
    parameters: '{}',
    capabilities: '[]',
    notification_arns: '[]',
    role_arn: null,
    tags: '[]',
    termination_protection: 0,
    disable_rollback: 0,
    on_failure: 'ROLLBACK',
    retain_except_on_create: 0,
    timeout_minutes: null,
    stack_policy: null,
    parent_id: null,
    root_id: null,
    caller: '{}',
    client_request_token: null,
    operation_options: '{}',
  };
}

describe('CloudFormationStore.purgeDeleted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-cfn-store-'));
  const store = new Store(dir);
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes the resources, events, change sets and request tokens of stacks deleted before the cut-off, and only theirs', () => {
    const cfn = new CloudFormationStore(store);
    const ids = ['old', 'recent', 'live'].map((name) => {
      const row = stackRow(name);
      cfn.insertStack(row);
      cfn.putResource({
        stack_id: row.stack_id,
        logical_id: 'R',
        type: 'AWS::SSM::Parameter',
        physical_id: 'p',
        status: 'DELETE_COMPLETE',
        status_reason: null,
        props: '{}',
        attributes: '{}',
        updated_at: 0,
        prior: null,
        removed: 0,
        position: 0,
      });
      cfn.insertEvent({
        stack_id: row.stack_id,
        event_id: `${name}-1`,
        stack_name: name,
        logical_id: name,
        physical_id: row.stack_id,
        type: 'AWS::CloudFormation::Stack',
        status: 'CREATE_COMPLETE',
        reason: null,
        props: null,
        timestamp: 0,
        client_request_token: null,
      });
      cfn.insertChangeSet({
        change_set_id: `cs-${row.stack_id}`,
        stack_id: row.stack_id,
        ...SCOPE,
        name: 'cs',
        change_set_type: 'UPDATE',
        status: 'CREATE_COMPLETE',
        status_reason: null,
        execution_status: 'AVAILABLE',
        description: null,
        created_at: 0,
        data: '{}',
      });
      cfn.rememberRequestToken(row.stack_id, 'token', 'CreateStack');
      return row.stack_id;
    });
    const [old, recent, live] = ids as [string, string, string];
    cfn.updateStack(old, { status: 'DELETE_COMPLETE', deleted_at: 100 });
    cfn.updateStack(recent, { status: 'DELETE_COMPLETE', deleted_at: 300 });

    cfn.purgeDeleted(SCOPE, 200);

    expect(cfn.stack(old)).toBeUndefined();
    expect(cfn.resources(old)).toEqual([]);
    expect(cfn.events(old, Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    expect(cfn.changeSet(`cs-${old}`)).toBeUndefined();
    expect(cfn.requestTokenOperation(old, 'token')).toBeUndefined();
    for (const kept of [recent, live]) {
      expect(cfn.stack(kept)).toBeDefined();
      expect(cfn.resources(kept)).toHaveLength(1);
      expect(cfn.events(kept, Number.MAX_SAFE_INTEGER, 10)).toHaveLength(1);
      expect(cfn.changeSet(`cs-${kept}`)).toBeDefined();
      expect(cfn.requestTokenOperation(kept, 'token')).toBe('CreateStack');
    }
  });
});
