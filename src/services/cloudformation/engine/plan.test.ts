/** The update plan change sets show: actions, replacement, scope and causes, for SSM parameters (Name immutable, Value mutable). */
import { describe, expect, it } from 'vitest';
import type { ResourceRow } from '../store.js';
import { parseTemplate, resolveParameters } from '../template/index.js';
import type { ParameterInput } from '../template/types.js';
import { type StackModel, stackModel } from './model.js';
import { planChanges } from './plan.js';

const PSEUDO = {
  accountId: '000000000000',
  region: 'us-east-1',
  partition: 'aws',
  urlSuffix: 'amazonaws.com',
  stackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/s/1',
  stackName: 's',
  notificationArns: [],
};
const noExternal = { ssmParameter: async () => '', secret: async () => '' };

async function model(template: object, parameters: ParameterInput[] = []): Promise<StackModel> {
  const parsed = parseTemplate(JSON.stringify(template));
  return stackModel(parsed, await resolveParameters(parsed, parameters, { external: noExternal, pseudo: PSEUDO }), PSEUDO);
}

function row(logicalId: string, physicalId: string, props: object): ResourceRow {
  return {
    stack_id: PSEUDO.stackId,
    logical_id: logicalId,
    type: 'AWS::SSM::Parameter',
    physical_id: physicalId,
    status: 'CREATE_COMPLETE',
    status_reason: null,
    props: JSON.stringify(props),
    attributes: JSON.stringify({ Type: 'String', Value: (props as { Value: string }).Value }),
    updated_at: 0,
    prior: null,
    removed: 0,
    position: 0,
  };
}

const param = (properties: object, extra: object = {}) => ({ Type: 'AWS::SSM::Parameter', ...extra, Properties: { Type: 'String', ...properties } });
const importValue = (name: string) => {
  throw new Error(`no export ${name}`);
};

describe('planChanges', () => {
  it('adds, modifies in place, replaces, follows references and removes', async () => {
    const current = await model(
      {
        Parameters: { V: { Type: 'String' } },
        Resources: {
          A: param({ Name: '/a', Value: { Ref: 'V' } }),
          B: param({ Name: '/b', Value: 'b' }),
          C: param({ Value: { Ref: 'B' } }),
          Gone: param({ Value: 'g' }, { DeletionPolicy: 'Retain' }),
        },
      },
      [{ ParameterKey: 'V', ParameterValue: 'one' }],
    );
    const next = await model(
      {
        Parameters: { V: { Type: 'String' } },
        Resources: { A: param({ Name: '/a', Value: { Ref: 'V' } }), B: param({ Name: '/b2', Value: 'b' }), C: param({ Value: { Ref: 'B' } }), New: param({ Value: 'n' }) },
      },
      [{ ParameterKey: 'V', ParameterValue: 'two' }],
    );
    const rows = [
      row('A', '/a', { Name: '/a', Type: 'String', Value: 'one' }),
      row('B', '/b', { Name: '/b', Type: 'String', Value: 'b' }),
      row('C', 'CFN-C-X', { Type: 'String', Value: '/b' }),
      row('Gone', 'CFN-Gone-X', { Type: 'String', Value: 'g' }),
    ];
    const changes = Object.fromEntries(planChanges({ rows, current, next, importValue }).map((c) => [c.ResourceChange!.LogicalResourceId, c.ResourceChange!]));

    expect(changes.A).toMatchObject({ Action: 'Modify', Replacement: 'False', Scope: ['Properties'] });
    expect(changes.A?.Details).toEqual([
      { Target: { Attribute: 'Properties', Name: 'Value', RequiresRecreation: 'Never' }, Evaluation: 'Static', ChangeSource: 'ParameterReference', CausingEntity: 'V' },
    ]);
    expect(changes.B).toMatchObject({ Action: 'Modify', Replacement: 'True', PolicyAction: 'ReplaceAndDelete', PhysicalResourceId: '/b' });
    expect(changes.B?.Details?.[0]).toMatchObject({ Target: { Name: 'Name', RequiresRecreation: 'Always' }, ChangeSource: 'DirectModification' });
    expect(changes.C).toMatchObject({ Action: 'Modify', Replacement: 'False' });
    expect(changes.C?.Details).toEqual([
      { Target: { Attribute: 'Properties', Name: 'Value', RequiresRecreation: 'Never' }, Evaluation: 'Dynamic', ChangeSource: 'ResourceReference', CausingEntity: 'B' },
    ]);
    expect(changes.New).toMatchObject({ Action: 'Add', ResourceType: 'AWS::SSM::Parameter' });
    expect(changes.Gone).toMatchObject({ Action: 'Remove', PolicyAction: 'Retain', PhysicalResourceId: 'CFN-Gone-X' });
  });

  it('plans nothing for an unchanged stack, everything as Add for a new one, and scopes attribute-only edits', async () => {
    const template = { Resources: { A: param({ Name: '/a', Value: 'v' }) } };
    const rows = [row('A', '/a', { Name: '/a', Type: 'String', Value: 'v' })];
    expect(planChanges({ rows, current: await model(template), next: await model(template), importValue })).toEqual([]);
    expect(planChanges({ rows: [], next: await model(template), importValue })).toEqual([
      { Type: 'Resource', ResourceChange: { Action: 'Add', LogicalResourceId: 'A', ResourceType: 'AWS::SSM::Parameter', Scope: [], Details: [] } },
    ]);
    const retained = await model({ Resources: { A: param({ Name: '/a', Value: 'v' }, { DeletionPolicy: 'Retain' }) } });
    expect(planChanges({ rows, current: await model(template), next: retained, importValue })[0]?.ResourceChange).toMatchObject({
      Action: 'Modify',
      Replacement: 'False',
      Scope: ['DeletionPolicy'],
    });
  });

  it('reads a GetAtt of a resource being replaced as Dynamic, and refuses one of an attribute the type or the resource does not have, as the engine would', async () => {
    const rows = [row('A', '/a', { Name: '/a', Type: 'String', Value: 'v' }), row('B', 'CFN-B-X', { Type: 'String', Value: 'v' })];
    const reading = (attribute: string, name = '/a') => model({ Resources: { A: param({ Name: name, Value: 'v' }), B: param({ Value: { 'Fn::GetAtt': ['A', attribute] } }) } });
    const current = await reading('Value');
    const replaced = Object.fromEntries(planChanges({ rows, current, next: await reading('Value', '/a2'), importValue }).map((c) => [c.ResourceChange!.LogicalResourceId, c.ResourceChange!]));
    expect(replaced.A).toMatchObject({ Action: 'Modify', Replacement: 'True' });
    expect(replaced.B?.Details?.[0]).toMatchObject({ Evaluation: 'Dynamic', ChangeSource: 'ResourceAttribute', CausingEntity: 'A.Value' });
    // An unchanged resource's recorded attribute is read as it is: B's Value becomes 'String'.
    expect(planChanges({ rows, current, next: await reading('Type'), importValue })[0]?.ResourceChange?.Details?.[0]).toMatchObject({ Evaluation: 'Static' });
    await expect(async () => planChanges({ rows, current, next: await reading('Nope', '/a2'), importValue })).rejects.toThrow(
      'Template error: resource A does not support attribute type Nope in Fn::GetAtt (AWS::SSM::Parameter)',
    );
    const withoutValue = [{ ...rows[0]!, attributes: JSON.stringify({ Type: 'String' }) }, rows[1]!];
    expect(() => planChanges({ rows: withoutValue, current, next: current, importValue })).toThrow("Attribute 'Value' does not exist");
  });
});
