/**
 * The CloudFormation resource specification as the engine and the providers read it: which
 * resource types exist, each property's update behaviour, the attributes `Fn::GetAtt` accepts, and
 * the check of a resource's properties against the schema. The index (`resource-types.json`,
 * written by `npm run generate-cfn-spec`) is read on first use, so a server start never pays for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsError } from '../../../core/errors.js';
import { once } from '../../../core/lazy.js';
import { PACKAGE_ROOT } from '../../../core/paths.js';
import type { PropertySpec, ResourceSpecIndex, ResourceTypeSpec, UpdateBehaviour } from './types.js';
import { schemaViolations } from './validate.js';

const INDEX_FILE = join(PACKAGE_ROOT, 'src', 'services', 'cloudformation', 'spec', 'resource-types.json');
const CUSTOM_RESOURCE = 'AWS::CloudFormation::CustomResource';
/** AWS: a custom type name is `Custom::` and up to 60 alphanumerics or `_@-`. */
const CUSTOM_TYPE = /^Custom::[A-Za-z0-9_@-]{1,60}$/;

const loadIndex = once(() => JSON.parse(readFileSync(INDEX_FILE, 'utf8')) as ResourceSpecIndex);

function isCustomResourceType(type: string): boolean {
  return type === CUSTOM_RESOURCE || CUSTOM_TYPE.test(type);
}

/** Whether CloudFormation knows the type (it may still be one Drydock has no provider for). */
export function isKnownResourceType(type: string): boolean {
  return isCustomResourceType(type) || Object.hasOwn(loadIndex().types, type);
}

/**
 * The specification of a type Drydock provides (`Custom::*` answers AWS::CloudFormation::CustomResource's);
 * undefined for types the index only names, and for unknown ones.
 */
export function resourceTypeSpec(type: string): ResourceTypeSpec | undefined {
  const types = loadIndex().types;
  const name = isCustomResourceType(type) ? CUSTOM_RESOURCE : type;
  return Object.hasOwn(types, name) ? (types[name] ?? undefined) : undefined;
}

/** How a change of `property` is applied: in place (Mutable, also for properties the index does not describe), by replacement (Immutable), or it depends (Conditional). */
export function updateBehaviour(type: string, property: string): UpdateBehaviour {
  const spec = resourceTypeSpec(type);
  const propertySpec: PropertySpec | undefined = spec && Object.hasOwn(spec.properties, property) ? spec.properties[property] : undefined;
  return propertySpec?.update ?? 'Mutable';
}

/**
 * The attribute names `Fn::GetAtt` accepts for the type. A custom resource's attributes are
 * whatever its response's `Data` holds, so for custom types this lists only the documented ones.
 */
export function attributeNames(type: string): string[] {
  return resourceTypeSpec(type)?.attributes ?? [];
}

/**
 * Types resource import does not take: CloudFormation's own custom resources, wait conditions and
 * handles, macros and CDK metadata ("Resource type support" in the CloudFormation user guide lists
 * none of them as importable; nested stacks are); Lambda permissions and IAM inline policies (the
 * console's "The following resource types are not supported for resource import: …" names them,
 * pbudzon/aws-maintenance#16, amazon-connect/amazon-connect-realtime-transcription#34); CodeCommit
 * repositories, which have no registry handlers to import with (ProvisioningType NON_PROVISIONABLE).
 */
const NOT_IMPORTABLE = new Set([
  'AWS::Lambda::Permission',
  'AWS::IAM::Policy',
  'AWS::CodeCommit::Repository',
  'AWS::CloudFormation::CustomResource',
  'AWS::CloudFormation::WaitCondition',
  'AWS::CloudFormation::WaitConditionHandle',
  'AWS::CloudFormation::Macro',
  'AWS::CDK::Metadata',
]);

/** GetTemplateSummary's ResourceIdentifiers for a type: its primary identifier, empty for a type import does not take or the index does not detail. */
export function importIdentifiers(type: string): string[] {
  return type.startsWith('Custom::') || NOT_IMPORTABLE.has(type) ? [] : primaryIdentifier(type);
}

/** The members of the type's primary identifier (resource import's ResourceIdentifier keys); empty for types the index does not detail. */
export function primaryIdentifier(type: string): string[] {
  return resourceTypeSpec(type)?.primaryIdentifier ?? [];
}

/**
 * Checks a resource's resolved properties against its type's schema and throws what CloudFormation
 * reports as the resource's status reason when they do not fit, e.g.
 * `Properties validation failed for resource MyQueue with message: [#: extraneous key [Foo] is not permitted]`.
 *
 * The wording is that of the registry-schema validation CloudFormation runs for these types today
 * (stack events quoted in public write-ups, 2024–2025: `… with message: [#/Content: expected type:
 * String, found: JSONObject]`, `[#/LifecycleConfiguration/Rules/1: extraneous key [TransitionInDays]
 * is not permitted, #/LifecycleConfiguration/Rules/1: extraneous key [StorageClass] is not
 * permitted]`, `[#/Type: SecureString is not a valid enum value]`); the older "Encountered
 * unsupported property Foo" belongs to resource types that predate the registry. Several
 * violations are reported together, comma-separated inside the brackets.
 *
 * A custom resource takes any properties besides its required ServiceToken. Types the index only
 * names have no schema here: the engine refuses them before this matters.
 */
export function validateProperties(type: string, properties: Record<string, unknown>, logicalId: string): void {
  const spec = resourceTypeSpec(type);
  if (!spec) return;
  const violations = schemaViolations(spec, properties, { allowExtraneous: isCustomResourceType(type) });
  if (violations.length > 0) throw new AwsError('ValidationError', `Properties validation failed for resource ${logicalId} with message: [${violations.join(', ')}]`);
}
