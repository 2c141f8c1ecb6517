/** YAML as Ansible reads Vigil's playbooks: YAML 1.1, and `!unsafe` (a string Ansible never templates) read as a string. */
import { parse, type ScalarTag } from 'yaml';

const UNSAFE: ScalarTag = { tag: '!unsafe', resolve: (s: string) => s };

export function parseAnsibleYaml(text: string): any {
  return parse(text, { version: '1.1', customTags: [UNSAFE] });
}
