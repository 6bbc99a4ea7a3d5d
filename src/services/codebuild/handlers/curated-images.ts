import type * as CB from '@aws-sdk/client-codebuild';

/**
 * A fixed copy of AWS's current curated image catalog (the images CodeBuild manages); Drydock
 * records a project's image and runs builds on the host or in a container engine, so the list
 * is informative. Patch versions are not listed: AWS updates them continually.
 */
export const CURATED_IMAGES: CB.EnvironmentPlatform[] = [
  {
    platform: 'AMAZON_LINUX',
    languages: [
      {
        language: 'BASE',
        images: [
          { name: 'aws/codebuild/amazonlinux-x86_64-standard:5.0', description: 'Amazon Linux 2023 x86_64 standard:5.0' },
          { name: 'aws/codebuild/amazonlinux2-x86_64-standard:5.0', description: 'Amazon Linux 2023 x86_64 standard:5.0 (earlier name)' },
          { name: 'aws/codebuild/amazonlinux-x86_64-standard:4.0', description: 'Amazon Linux 2 x86_64 standard:4.0' },
          { name: 'aws/codebuild/amazonlinux2-x86_64-standard:4.0', description: 'Amazon Linux 2 x86_64 standard:4.0 (earlier name)' },
          { name: 'aws/codebuild/amazonlinux-x86_64-standard:corretto8', description: 'Amazon Linux 2 x86_64 with Corretto 8' },
          { name: 'aws/codebuild/amazonlinux-x86_64-standard:corretto11', description: 'Amazon Linux 2 x86_64 with Corretto 11' },
          { name: 'aws/codebuild/amazonlinux-aarch64-standard:3.0', description: 'Amazon Linux 2023 aarch64 standard:3.0' },
          { name: 'aws/codebuild/amazonlinux-aarch64-standard:2.0', description: 'Amazon Linux 2 aarch64 standard:2.0' },
          { name: 'aws/codebuild/amazonlinux2-aarch64-standard:3.0', description: 'Amazon Linux 2023 aarch64 standard:3.0 (earlier name)' },
          { name: 'aws/codebuild/amazonlinux2-aarch64-standard:2.0', description: 'Amazon Linux 2 aarch64 standard:2.0 (earlier name)' },
        ],
      },
    ],
  },
  {
    platform: 'UBUNTU',
    languages: [
      {
        language: 'BASE',
        images: [
          { name: 'aws/codebuild/standard:7.0', description: 'Ubuntu 22.04 standard:7.0' },
          { name: 'aws/codebuild/standard:6.0', description: 'Ubuntu 22.04 standard:6.0' },
          { name: 'aws/codebuild/standard:5.0', description: 'Ubuntu 20.04 standard:5.0' },
        ],
      },
    ],
  },
  {
    platform: 'WINDOWS_SERVER',
    languages: [
      {
        language: 'BASE',
        images: [
          { name: 'aws/codebuild/windows-base:2019-3.0', description: 'Windows Server Core 2019 base:3.0' },
          { name: 'aws/codebuild/windows-base:2019-2.0', description: 'Windows Server Core 2019 base:2.0' },
          { name: 'aws/codebuild/windows-base:2019-1.0', description: 'Windows Server Core 2019 base:1.0' },
          { name: 'aws/codebuild/windows-base:2022-1.0', description: 'Windows Server Core 2022 base:1.0' },
        ],
      },
    ],
  },
];
