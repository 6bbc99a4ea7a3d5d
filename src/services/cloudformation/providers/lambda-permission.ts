/**
 * AWS::Lambda::Permission through AddPermission and RemovePermission (every property replaces it).
 * The statement id is AWS's generated `<stack>-<LogicalId>-<random>`; Ref is `<FunctionName>|<Id>`
 * (CloudFormation's two-part identifier, which the CDK splits on `|`), GetAtt Id the statement id.
 */
import { requiredStringProp, stringProp, unlessGone } from './foundation-helpers.js';
import type { CurrentResource, ResourceProvider } from './types.js';

/** Lambda's limit on a statement id. */
const MAX_STATEMENT_ID = 100;

function statementOf(current: CurrentResource): { functionName: string; statementId: string } {
  const bar = current.physicalId.lastIndexOf('|');
  return { functionName: current.physicalId.slice(0, bar), statementId: current.physicalId.slice(bar + 1) };
}

export const lambdaPermissionProvider: ResourceProvider = {
  async create(ctx, props) {
    const functionName = requiredStringProp(props, 'FunctionName');
    const statementId = ctx.physicalName({ maxLength: MAX_STATEMENT_ID });
    await ctx.call('lambda', 'AddPermission', {
      FunctionName: functionName,
      StatementId: statementId,
      Action: requiredStringProp(props, 'Action'),
      Principal: requiredStringProp(props, 'Principal'),
      SourceArn: stringProp(props, 'SourceArn'),
      SourceAccount: stringProp(props, 'SourceAccount'),
      EventSourceToken: stringProp(props, 'EventSourceToken'),
      PrincipalOrgID: stringProp(props, 'PrincipalOrgID'),
      FunctionUrlAuthType: stringProp(props, 'FunctionUrlAuthType') as 'NONE' | undefined,
      InvokedViaFunctionUrl: props.InvokedViaFunctionUrl === undefined ? undefined : String(props.InvokedViaFunctionUrl) === 'true',
    });
    return { physicalId: `${functionName}|${statementId}`, attributes: { Id: statementId } };
  },

  async delete(ctx, current) {
    const { functionName, statementId } = statementOf(current);
    await unlessGone(() => ctx.call('lambda', 'RemovePermission', { FunctionName: functionName, StatementId: statementId }), 'ResourceNotFoundException');
  },

  async read(ctx, current) {
    const { functionName, statementId } = statementOf(current);
    const policy = await unlessGone(() => ctx.call('lambda', 'GetPolicy', { FunctionName: functionName }), 'ResourceNotFoundException');
    const statements = policy?.Policy ? ((JSON.parse(policy.Policy) as { Statement?: { Sid?: string }[] }).Statement ?? []) : [];
    return statements.some((statement) => statement.Sid === statementId) ? current.props : undefined;
  },
};
