/** The one place ARNs are built and taken apart. */
export interface ArnParts {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** The standard partition: every region that is not China, GovCloud or an isolated region. */
export const PARTITION = 'aws';

/** Region-name prefixes of the partitions other than `aws` (the longest prefix first). */
const PARTITIONS: [prefix: string, partition: string][] = [
  ['us-isob-', 'aws-iso-b'],
  ['us-iso-', 'aws-iso'],
  ['us-gov-', 'aws-us-gov'],
  ['cn-', 'aws-cn'],
];

/** The partition a region belongs to (`aws-cn` for cn-north-1, `aws` for us-east-1 or no region). */
export function partitionOf(region: string | undefined): string {
  if (region) for (const [prefix, partition] of PARTITIONS) if (region.startsWith(prefix)) return partition;
  return PARTITION;
}

/**
 * Builds an ARN in the partition of `region`. Global services (IAM), whose ARNs have no region,
 * pass the partition of the request's region explicitly.
 */
export function arn(service: string, region: string, account: string, resource: string, partition = partitionOf(region)): string {
  return `arn:${partition}:${service}:${region}:${account}:${resource}`;
}

/** Parses an ARN; undefined when the text is not one. */
export function parseArn(text: string): ArnParts | undefined {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || !parts[1] || !parts[2]) return undefined;
  return { partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts.slice(5).join(':') };
}
