/**
 * The small offline root the walk read-ahead tests share: a link inside the
 * root, a dangling one, an absolute link that on the host leads to a decoy
 * outside the root (inside the root it leads nowhere), a setuid file and a
 * wide directory of 40 × 5 entries. Returns the root, made under `base`
 * (the decoy is `base/decoy`).
 */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function decoyRoot(base: string): string {
  const root = join(base, 'root');
  mkdirSync(join(root, 'd/sub/deeper'), { recursive: true });
  writeFileSync(join(root, 'd/file'), 'x');
  chmodSync(join(root, 'd/file'), 0o4757);
  symlinkSync('sub', join(root, 'd/link'));
  symlinkSync('/nowhere', join(root, 'd/dangling'));
  mkdirSync(join(base, 'decoy/inner'), { recursive: true });
  writeFileSync(join(base, 'decoy/inner/secret'), 's');
  symlinkSync(join(base, 'decoy'), join(root, 'd/abs'));
  for (let i = 0; i < 40; i++) {
    mkdirSync(join(root, 'wide', `w${i}`), { recursive: true });
    for (let k = 0; k < 5; k++) writeFileSync(join(root, 'wide', `w${i}`, `f${k}`), '');
  }
  return root;
}
