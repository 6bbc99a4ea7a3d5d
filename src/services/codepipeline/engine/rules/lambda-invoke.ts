/**
 * Rule/AWS/LambdaInvoke/1: invokes FunctionName exactly as the Invoke Lambda action does (the same
 * CodePipeline job event with UserParameters, input artifacts and artifact credentials; the same
 * job-worker results), by running that action's provider: the rule passes when the function calls
 * PutJobSuccessResult and fails with the message of its PutJobFailureResult.
 */
import { lambdaInvoke as invokeLambdaAction } from '../../actions/lambda.js';
import type { RuleProvider } from './types.js';

export const lambdaInvoke: RuleProvider = {
  provider: 'LambdaInvoke',
  configurationProperties: [
    { name: 'FunctionName', required: true, key: true, secret: false, description: 'The name of the Lambda function.' },
    { name: 'UserParameters', required: false, key: false, secret: false, description: 'Parameters provided as input for the function.' },
  ],
  async evaluate(ctx) {
    // The job is the Invoke action's own, so GetJobDetails shows that action type.
    const result = await invokeLambdaAction.run({ ...ctx, actionTypeId: invokeLambdaAction.typeId });
    return { summary: result.summary, externalExecutionId: result.externalExecutionId };
  },
};
