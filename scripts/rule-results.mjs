// The per-rule results that `oscap xccdf eval` and `vigil xccdf eval` print:
// rule id → result, from their `Rule` and `Result` lines (the same parse as
// evalResults in src/testing/oracle.ts, for the plain-JavaScript scripts).
export function parseRuleResults(stdout) {
  const out = new Map();
  let rule;
  for (const line of stdout.split('\n')) {
    const m = /^(Rule|Result)\r?\t(\S+)/.exec(line);
    if (!m) continue;
    if (m[1] === 'Rule') rule = m[2];
    else if (rule) out.set(rule, m[2]);
  }
  return out;
}
