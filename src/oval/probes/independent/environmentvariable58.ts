/**
 * independent:environmentvariable58_object: environment variables of
 * processes, from /proc/PID/environ. A nil pid means the scanning process
 * itself, as OpenSCAP reads its own environment: the target's own process
 * (Target.self), never the scanner's pid when the target is elsewhere.
 * Needs the live process table; on an offline root the object is "not
 * applicable": an image has no running processes. (OpenSCAP 1.3.7 reads
 * `<root>/proc/<its own pid>`, which gives "does not exist", or an error
 * without a `proc` there.)
 *
 * A process that is gone (ENOENT) has no variables; one whose environment
 * cannot be read otherwise (EACCES for another user's process, say) is an
 * error item naming the pid, never an absence.
 */
import { isNotFound } from '../../../target/target.js';
import type { ItemData, Probe, ProbeResult } from '../../types.js';
import { entityMatches, field } from '../entity.js';

export const environmentvariable58Probe: Probe = {
  family: 'independent',
  objectType: 'environmentvariable58_object',
  needs: ['processes'],
  unavailable: 'not applicable',
  description: 'environment of live processes (/proc/PID/environ); not applicable offline',
  async collect(req, ctx): Promise<ProbeResult> {
    const pid = req.entities.get('pid');
    const name = req.entities.get('name');
    if (!pid || !name) return { flag: 'error', items: [], messages: ['environmentvariable58_object needs pid and name'] };
    ctx.reads.input('environment', pid.entity.nil || pid.value === '' ? 'self' : '*');
    const pids: string[] = [];
    if (pid.entity.nil || pid.value === '') pids.push(String((await ctx.target.self()).pid));
    else if (pid.entity.operation === 'equals') pids.push(pid.value.trim());
    else {
      for (const e of await ctx.target.readdir('/proc')) if (/^\d+$/.test(e.name) && (await entityMatches(pid, e.name))) pids.push(e.name);
    }
    const items: ItemData[] = [];
    for (const p of pids) {
      let env: string;
      try {
        env = (await ctx.target.readFile(`/proc/${p}/environ`)).toString('utf8');
      } catch (e) {
        if (isNotFound(e)) continue; // the process has exited
        items.push({ family: 'independent', type: 'environmentvariable58_item', status: 'error', messages: [`cannot read /proc/${p}/environ: ${e instanceof Error ? e.message : String(e)}`], entities: [field('pid', p, 'int')] });
        continue;
      }
      for (const kv of env.split('\0')) {
        const eq = kv.indexOf('=');
        if (eq <= 0) continue;
        const k = kv.slice(0, eq);
        if (!(await entityMatches(name, k))) continue;
        items.push({ family: 'independent', type: 'environmentvariable58_item', status: 'exists', entities: [field('pid', p, 'int'), field('name', k), field('value', kv.slice(eq + 1))] });
      }
    }
    return { items };
  },
};
