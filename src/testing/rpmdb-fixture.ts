/**
 * The packages the rpmdb tests install, and the query format that prints
 * what a reader must find, both through rpm (the oracle) and from parsed
 * headers (the reader under test).
 */
import type { SpecPackage } from './rpm-build.js';
import { rpmFileList, type RpmFile } from '../target/rpmdb/files.js';
import { RpmHeader, RPMTAG } from '../target/rpmdb/header.js';
import { RPMSIGTAG } from '../target/rpmdb/package-file.js';

export const PACKAGES: readonly SpecPackage[] = [
  {
    name: 'vigil-demo',
    version: '1.2.3',
    release: '4.el9',
    epoch: 2,
    provides: ['demo-virtual = 1.0'],
    files: [
      { path: '/etc/demo', dir: true },
      { path: '/etc/demo/demo.conf', content: 'key = value\n', config: true, noreplace: true },
      { path: '/etc/demo/plain.conf', content: 'x\n', config: true, verifyNot: ['md5', 'size', 'mtime'] },
      { path: '/usr/bin/demo', content: '#!/bin/sh\necho hi\n', mode: '0755' },
      { path: '/usr/bin/demo-link', symlink: 'demo' },
      { path: '/usr/share/doc/demo/README', content: 'read me\n', doc: true },
      { path: '/var/log/demo.log', ghost: true },
      { path: '/usr/sbin/demo-suid', content: 'suid\n', mode: '4755' },
    ],
  },
  { name: 'vigil-empty', version: '0', release: '1', summary: 'a package without files' },
  {
    name: 'vigil-many',
    version: '10.0',
    release: '0.1.rc1',
    files: Array.from({ length: 40 }, (_, i) => ({ path: `/usr/share/many/d${i % 5}/file-${i}.txt`, content: 'z'.repeat(i * 37) })),
  },
];

/** One line per package and one per file, as `rpm -qa --qf QUERY_FORMAT` prints them (rpm prints a line of (none) for a package without files: see oracleLines). */
export const QUERY_FORMAT =
  'P %{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH} %{SIGMD5} %{INSTALLTIME} %{SOURCERPM} %{FILEDIGESTALGO} [%{PROVIDENAME},]\n' +
  '[F %{=NAME} %{FILENAMES} %{FILESIZES} %{FILEMODES} %{FILERDEVS} %{FILEMTIMES} %{FILEDIGESTS} %{FILELINKTOS} %{FILEFLAGS} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILEVERIFYFLAGS} %{FILESTATES}\n]';

const none = '(none)';

/** The same lines from a parsed header (a package file's SIGMD5 is in its signature header). */
export function linesOf(h: RpmHeader, signature?: RpmHeader): string[] {
  const name = h.string(RPMTAG.NAME)!;
  const sigmd5 = (h.binary(RPMTAG.SIGMD5) ?? signature?.binary(RPMSIGTAG.MD5))?.toString('hex') ?? none;
  const epoch = h.number(RPMTAG.EPOCH);
  const provides = (h.strings(RPMTAG.PROVIDENAME) ?? []).map((p) => `${p},`).join('');
  const out = [
    `P ${name} ${epoch ?? none} ${h.string(RPMTAG.VERSION)} ${h.string(RPMTAG.RELEASE)} ${h.string(RPMTAG.ARCH)} ${sigmd5} ${h.number(RPMTAG.INSTALLTIME) ?? none} ${h.string(RPMTAG.SOURCERPM) ?? none} ${h.number(RPMTAG.FILEDIGESTALGO) ?? none} ${provides}`,
  ];
  for (const f of rpmFileList(h)) out.push(fileLine(name, f));
  return out;
}

function fileLine(name: string, f: RpmFile): string {
  const num = (n: number | undefined): string => (n === undefined ? none : String(n));
  return `F ${name} ${f.path} ${f.size} ${f.mode} ${f.rdev} ${f.mtime} ${f.digest} ${f.linkto} ${f.flags} ${f.user} ${f.group} ${num(f.verifyFlags)} ${f.state ?? none}`;
}

/** rpm's output of QUERY_FORMAT, sorted, without the line of (none) it prints for a package without files. */
export function oracleLines(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !/^F \S+ \(none\) /.test(l))
    .sort();
}
