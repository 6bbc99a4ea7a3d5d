/**
 * Rule/AWS/VariableCheck/1: compares a variable (`Variable`, usually a `#{Namespace.Name}`
 * reference, already resolved) with `Value` by `Operator`: EQ, NE, CONTAINS, or MATCHES (the whole
 * value against a regular expression, as Java's Pattern.matches does).
 */
import { ActionFailure } from '../../actions/types.js';
import type { RuleProvider } from './types.js';

const OPERATORS: Record<string, { describe: string; test(variable: string, value: string): boolean }> = {
  EQ: { describe: 'equal to', test: (variable, value) => variable === value },
  NE: { describe: 'not equal to', test: (variable, value) => variable !== value },
  CONTAINS: { describe: 'containing', test: (variable, value) => variable.includes(value) },
  MATCHES: { describe: 'matching', test: (variable, value) => new RegExp(`^(?:${value})$`, 'u').test(variable) },
};

export const variableCheck: RuleProvider = {
  provider: 'VariableCheck',
  configurationProperties: [
    { name: 'Operator', required: true, key: true, secret: false, description: 'The operator that indicates which operation to perform for the variable check: EQ, CONTAINS, MATCHES or NE.' },
    { name: 'Value', required: true, key: false, secret: false, description: 'The value of the expression to check against.' },
    { name: 'Variable', required: true, key: false, secret: false, description: 'The pipeline variable to check.' },
  ],
  validate(configuration) {
    const operator = configuration.Operator;
    if (operator !== undefined && !OPERATORS[operator]) return `Operator '${operator}' is not valid: it must be one of EQ, CONTAINS, MATCHES, NE`;
    return undefined;
  },
  async evaluate(ctx) {
    const { Variable: variable = '', Value: value = '', Operator: operatorName = '' } = ctx.configuration;
    const operator = OPERATORS[operatorName];
    if (!operator) throw new ActionFailure(`Operator '${operatorName}' is not valid: it must be one of EQ, CONTAINS, MATCHES, NE`, 'ConfigurationError');
    let passed: boolean;
    try {
      passed = operator.test(variable, value);
    } catch (err) {
      throw new ActionFailure(`The value '${value}' is not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`, 'ConfigurationError');
    }
    const comparison = `the variable value '${variable}' ${passed ? 'is' : 'is not'} ${operator.describe} '${value}'`;
    if (!passed) throw new ActionFailure(`Variable check failed: ${comparison}`);
    return { summary: `Variable check passed: ${comparison}` };
  },
};
