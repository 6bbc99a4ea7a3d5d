/** The CloudFormation template layer: parsing, validation and evaluation of templates (pure; the engine supplies every outside value). */
export { checkTemplate } from './check.js';
export { evaluateConditions } from './conditions.js';
export { resourceDependencies } from './dependencies.js';
export { requiredCapabilities, templateSummaryOutput, validateTemplateOutput } from './describe.js';
export { resolveDynamicReferences } from './dynamic-references.js';
export { containsDynamic, DYNAMIC, evaluate } from './intrinsics.js';
export { TEMPLATE_BODY_MAX, TEMPLATE_URL_MAX, templateBodyTooLarge, templateUrlLocation, templateUrlTooLarge } from './location.js';
export { resolveParameters } from './parameters.js';
export { parseTemplate } from './parse.js';
export { processTransforms } from './transforms.js';
export type * from './types.js';
