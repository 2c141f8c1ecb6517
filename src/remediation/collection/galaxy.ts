/**
 * Collection metadata as `ansible-galaxy collection build` writes it:
 * galaxy.yml (the source form), MANIFEST.json (collection_info and the
 * checksum of FILES.json) and FILES.json (every directory and file with a
 * sha256 of each file), each JSON document indented by one space.
 */
import { createHash } from 'node:crypto';
import { yamlScalar } from '../yaml-scalar.js';

export interface CollectionInfo {
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
  readonly authors: readonly string[];
  readonly description: string;
  readonly license: readonly string[];
  readonly tags: readonly string[];
}

export const NAME_PATTERN = /^(?!_)[a-z0-9_]+$/;
export const VERSION_PATTERN = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function galaxyYml(info: CollectionInfo): string {
  const list = (xs: readonly string[]): string => (xs.length ? `\n${xs.map((x) => `  - ${yamlScalar(x)}`).join('\n')}` : ' []');
  return [
    '---',
    `namespace: ${info.namespace}`,
    `name: ${info.name}`,
    `version: ${yamlScalar(info.version)}`,
    'readme: README.md',
    `authors:${list(info.authors)}`,
    `description: ${yamlScalar(info.description)}`,
    `license:${list(info.license)}`,
    `tags:${list(info.tags)}`,
    'dependencies: {}',
    'build_ignore: []',
    '',
  ].join('\n');
}

export interface ManifestFile {
  readonly name: string;
  readonly ftype: 'file' | 'dir';
  readonly chksum_type: 'sha256' | null;
  readonly chksum_sha256: string | null;
  readonly format: 1;
}

/** FILES.json: `.` first, then every entry given (directories and files, in archive order). */
export function filesJson(entries: ReadonlyArray<{ readonly path: string; readonly data?: Buffer }>): string {
  const files: ManifestFile[] = [
    { name: '.', ftype: 'dir', chksum_type: null, chksum_sha256: null, format: 1 },
    ...entries.map(
      (e): ManifestFile =>
        e.data === undefined
          ? { name: e.path, ftype: 'dir', chksum_type: null, chksum_sha256: null, format: 1 }
          : { name: e.path, ftype: 'file', chksum_type: 'sha256', chksum_sha256: sha256(e.data), format: 1 },
    ),
  ];
  return JSON.stringify({ files, format: 1 }, null, 1);
}

export function manifestJson(info: CollectionInfo, filesJsonText: string): string {
  return JSON.stringify(
    {
      collection_info: {
        namespace: info.namespace,
        name: info.name,
        version: info.version,
        authors: info.authors,
        readme: 'README.md',
        tags: info.tags,
        description: info.description,
        license: info.license,
        license_file: null,
        dependencies: {},
        repository: null,
        documentation: null,
        homepage: null,
        issues: null,
      },
      file_manifest_file: { name: 'FILES.json', ftype: 'file', chksum_type: 'sha256', chksum_sha256: sha256(filesJsonText), format: 1 },
      format: 1,
    },
    null,
    1,
  );
}
