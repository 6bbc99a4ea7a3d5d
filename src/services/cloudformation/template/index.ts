/** The CloudFormation template layer: parsing, validation and evaluation of templates (pure; the engine supplies every outside value). */
export { evaluateConditions } from './conditions.js';
export { resourceDependencies } from './dependencies.js';
export { containsDynamic, DYNAMIC, evaluate } from './intrinsics.js';
export { resolveParameters } from './parameters.js';
export { parseTemplate } from './parse.js';
export type * from './types.js';
