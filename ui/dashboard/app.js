// Vigil's dashboard: a page over `vigil serve`'s HTTP API (/api/v1), with no
// framework and nothing fetched from the network. Every API call carries the
// bearer token, entered once and kept in sessionStorage for the tab's life.
// Target-supplied text (host names, rule titles, paths, messages) is only
// ever set as text, never parsed as HTML.

const TOKEN_KEY = 'vigil-token';
const STALE_HOURS = 24;
const main = document.getElementById('main');
const liveBadge = document.getElementById('live');
const logoutButton = document.getElementById('logout');

// ------------------------------------------------------------------ helpers

/** An element: h('td.num', {title: 'x'}, child, 'text', ...). */
function h(spec, attrs, ...children) {
  const tag = /^[a-z][a-z0-9]*/.exec(spec)?.[0] ?? 'div';
  const el = document.createElement(tag);
  const id = /#([\w-]+)/.exec(spec)?.[1];
  if (id) el.id = id;
  const classes = [...spec.matchAll(/\.([\w-]+)/g)].map((m) => m[1]);
  if (classes.length) el.className = classes.join(' ');
  if (attrs !== undefined && (attrs === null || typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = undefined;
  }
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces an element's children; null, undefined and false are left out, arrays flattened. */
function put(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false).map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
}

const svgNS = 'http://www.w3.org/2000/svg';
const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' }) : '—');
const ageHours = (iso) => (iso ? (Date.now() - Date.parse(iso)) / 3600_000 : Infinity);
const enc = encodeURIComponent;
const shortRule = (id) => id.replace(/^xccdf_[^_]+(?:\.[^_]+)*_rule_/, '');
const countOf = (counts, k) => (counts && counts[k]) || 0;

function resultBadge(r) {
  return h(`span.res.res-${String(r).replace(/\s+/g, '')}`, r);
}

function scoreCell(score, max) {
  if (score === null || score === undefined) return h('span.muted', '—');
  const pct = max ? (100 * score) / max : score;
  const bar = h(`span.bar${pct < 50 ? '.low' : pct < 80 ? '.mid' : ''}`, h('i'));
  bar.firstChild.style.width = `${Math.max(0, Math.min(100, pct))}%`;
  return h('span.score', bar, pct.toFixed(1));
}

function sparkline(points) {
  const svg = document.createElementNS(svgNS, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 110 24');
  const ys = points.map((p) => p.score).filter((v) => typeof v === 'number');
  if (ys.length < 2) return svg;
  const lo = Math.min(...ys, 0);
  const hi = Math.max(...ys, 100);
  const step = 108 / (ys.length - 1);
  const d = ys.map((y, i) => `${i ? 'L' : 'M'}${(1 + i * step).toFixed(1)},${(22 - ((y - lo) / (hi - lo || 1)) * 20).toFixed(1)}`).join('');
  const path = document.createElementNS(svgNS, 'path');
  path.setAttribute('d', d);
  svg.append(path);
  const title = document.createElementNS(svgNS, 'title');
  title.textContent = `score over the last ${ys.length} scans: ${ys.map((y) => y.toFixed(1)).join(', ')}`;
  svg.append(title);
  return svg;
}

function countsCell(counts) {
  return h('span.counts', h('span.c-fail', `${countOf(counts, 'fail')} fail`), h('span.c-pass', `${countOf(counts, 'pass')} pass`), countOf(counts, 'error') ? h('span.c-error', `${countOf(counts, 'error')} error`) : null);
}

// ------------------------------------------------------------------ API

class Unauthorized extends Error {}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function api(path, init = {}) {
  const t = token();
  if (!t) throw new Unauthorized('no token');
  const res = await fetch(`api/v1/${path}`, { ...init, headers: { ...(init.headers ?? {}), Authorization: `Bearer ${t}` } });
  if (res.status === 401) throw new Unauthorized('the token was refused');
  if (!res.ok) {
    let msg = `${res.status} ${res.statusText}`;
    try {
      msg = (await res.json()).error ?? msg;
    } catch {
      // not JSON
    }
    throw new Error(msg);
  }
  return res;
}
const getJson = async (path) => (await api(path)).json();

// ------------------------------------------------------------------ login

function showLogin(reason) {
  logoutButton.hidden = true;
  stopLive();
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'current-password', placeholder: 'bearer token', 'aria-label': 'API token' });
  const form = h(
    'form.login',
    {
      onsubmit: async (e) => {
        e.preventDefault();
        const t = input.value.trim();
        if (!t) return;
        sessionStorage.setItem(TOKEN_KEY, t);
        try {
          await api('hosts?trend=0');
        } catch (err) {
          sessionStorage.removeItem(TOKEN_KEY);
          return showLogin(err instanceof Unauthorized ? 'That token was refused.' : `The server did not answer: ${err.message}`);
        }
        route();
      },
    },
    h('h1', 'Vigil'),
    h('p', 'Enter the API token of this server (the file given to --token-file). It is kept for this browser tab only.'),
    reason ? h('p.error-box', reason) : null,
    input,
    h('button.primary', { type: 'submit' }, 'Open the dashboard'),
  );
  put(main, form);
  input.focus();
}

logoutButton.addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin();
});

// ------------------------------------------------------------------ live drift

let liveAbort;
let unseen = 0;
const driftListeners = new Set();

function setTitle(base) {
  document.title = `${unseen ? `(${unseen}) ` : ''}${base} · Vigil`;
  document.body.dataset.title = base;
}

async function startLive() {
  if (liveAbort) return;
  liveAbort = new AbortController();
  const signal = liveAbort.signal;
  let lastId;
  while (!signal.aborted) {
    try {
      const res = await api(`events${lastId !== undefined ? `?since=${lastId}` : ''}`, { signal, headers: { Accept: 'text/event-stream' } });
      liveBadge.textContent = 'live';
      liveBadge.classList.add('on');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let cut;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data += line.slice(5).trim();
            else if (line.startsWith('id:')) lastId = Number(line.slice(3).trim());
          }
          if (event === 'drift' && data) {
            const d = JSON.parse(data);
            unseen++;
            for (const l of driftListeners) l(d);
            setTitle(document.body.dataset.title ?? 'Fleet');
          }
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof Unauthorized) return showLogin('The token was refused.');
    }
    liveBadge.textContent = 'reconnecting';
    liveBadge.classList.remove('on');
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function stopLive() {
  liveAbort?.abort();
  liveAbort = undefined;
  liveBadge.textContent = 'offline';
  liveBadge.classList.remove('on');
}


// ------------------------------------------------------------------ fleet

const FIRST_ROWS = 100;
const ROW_SLICE = 300;
let renderGeneration = 0;
const fleetState = { sort: 'score', dir: 1, text: '', group: '', os: '', profile: '', min: '', max: '', changedHours: '', selected: new Set() };

async function fleetPage() {
  setTitle('Fleet');
  const t0 = performance.now();
  const { hosts } = await getJson('hosts?trend=30');
  const groups = [...new Set(hosts.flatMap((x) => x.group))].sort();
  const oses = [...new Set(hosts.map((x) => x.os).filter(Boolean))].sort();
  const profiles = [...new Set(hosts.map((x) => x.latest?.profile).filter(Boolean))].sort();
  const changed = new Set();

  const tbody = h('tbody');
  const summary = h('div.cards');
  const fixArea = h('div');
  const select = (name, values, label = (v) => v) => h('select', { name, onchange: (e) => ((fleetState[name] = e.target.value), render()) }, h('option', { value: '' }, 'all'), values.map((v) => h('option', { value: v, selected: fleetState[name] === v }, label(v))));
  const num = (name, placeholder) => h('input', { type: 'number', name, placeholder, value: fleetState[name], min: 0, max: 100, oninput: (e) => ((fleetState[name] = e.target.value), render()) });

  const columns = [
    ['', null],
    ['Host', 'name'],
    ['Group', 'group'],
    ['OS', 'os'],
    ['Profile', 'profile'],
    ['Score', 'score'],
    ['Results', 'fail'],
    ['Trend', null],
    ['Last scan', 'time'],
    ['Last drift', 'drift'],
  ];
  const keyOf = {
    name: (x) => x.name,
    group: (x) => x.group.join(','),
    os: (x) => x.os ?? '',
    profile: (x) => x.latest?.profile ?? '',
    score: (x) => x.latest?.score ?? -1,
    fail: (x) => countOf(x.latest?.counts, 'fail'),
    time: (x) => x.latest?.startTime ?? '',
    drift: (x) => x.lastDrift ?? '',
  };
  const headRow = h(
    'tr',
    columns.map(([label, key]) =>
      h(
        `th${key ? '.sortable' : ''}${fleetState.sort === key ? (fleetState.dir > 0 ? '.sorted-asc' : '.sorted-desc') : ''}`,
        {
          dataset: key ? { sort: key } : undefined,
          onclick: key
            ? () => {
                fleetState.dir = fleetState.sort === key ? -fleetState.dir : 1;
                fleetState.sort = key;
                for (const th of headRow.children) th.classList.remove('sorted-asc', 'sorted-desc');
                headRow.querySelector(`[data-sort="${key}"]`).classList.add(fleetState.dir > 0 ? 'sorted-asc' : 'sorted-desc');
                render();
              }
            : undefined,
        },
        label,
      ),
    ),
  );

  function visible() {
    const text = fleetState.text.toLowerCase();
    const min = fleetState.min === '' ? -Infinity : Number(fleetState.min);
    const max = fleetState.max === '' ? Infinity : Number(fleetState.max);
    const within = fleetState.changedHours === '' ? Infinity : Number(fleetState.changedHours);
    return hosts.filter((x) => {
      const s = x.latest?.score ?? null;
      if (text && !x.name.toLowerCase().includes(text)) return false;
      if (fleetState.group && !x.group.includes(fleetState.group)) return false;
      if (fleetState.os && x.os !== fleetState.os) return false;
      if (fleetState.profile && x.latest?.profile !== fleetState.profile) return false;
      if ((min !== -Infinity || max !== Infinity) && (s === null || s < min || s > max)) return false;
      if (within !== Infinity && !(ageHours(x.lastDrift) <= within || changed.has(x.name))) return false;
      return true;
    });
  }

  function render() {
    const key = keyOf[fleetState.sort] ?? keyOf.score;
    const rows = visible().sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      return (ka < kb ? -1 : ka > kb ? 1 : a.name < b.name ? -1 : 1) * fleetState.dir;
    });
    // the first rows at once, the rest in slices after the page has drawn (a thousand rows of
    // sparklines would hold the first paint); a newer render stops an older one's slices
    const generation = ++renderGeneration;
    const rowOf = (x) => {
      const l = x.latest;
      const stale = ageHours(l?.startTime) > STALE_HOURS;
      const box = h('input', { type: 'checkbox', 'aria-label': `select ${x.name}`, checked: fleetState.selected.has(x.name), onchange: (e) => (e.target.checked ? fleetState.selected.add(x.name) : fleetState.selected.delete(x.name), fixButton.disabled = fleetState.selected.size === 0) });
      return h(
        `tr${stale ? '.stale' : ''}${changed.has(x.name) ? '.changed' : ''}`,
        { dataset: { host: x.name } },
        h('td', box),
        h('td', h('a', { href: `#/host/${enc(x.name)}` }, x.name)),
        h('td', x.group.join(', ')),
        h('td', x.os ?? ''),
        h('td', l?.profile ? shortProfile(l.profile) : h('span.muted', 'default')),
        h('td.num', scoreCell(l?.score ?? null, l?.maximum)),
        h('td', l ? countsCell(l.counts) : h('span.muted', 'no scan')),
        h('td', sparkline(x.trend ?? [])),
        h('td.fresh', { title: stale ? `not scanned for more than ${STALE_HOURS} hours` : '' }, fmtTime(l?.startTime), stale ? ' (stale)' : ''),
        h('td', fmtTime(x.lastDrift)),
      );
    };
    const first = document.createDocumentFragment();
    for (const x of rows.slice(0, FIRST_ROWS)) first.append(rowOf(x));
    put(tbody, first);
    // since the navigation started, as the browser's own paint timings count
    document.body.dataset.firstRowsAt ??= String(Math.round(performance.now()));
    let done = FIRST_ROWS;
    const more = () => {
      if (generation !== renderGeneration || done >= rows.length) return;
      const frag = document.createDocumentFragment();
      for (const x of rows.slice(done, done + ROW_SLICE)) frag.append(rowOf(x));
      tbody.append(frag);
      done += ROW_SLICE;
      if (done < rows.length) setTimeout(more, 0);
      else document.body.dataset.allRows = String(rows.length);
    };
    if (rows.length > FIRST_ROWS) setTimeout(more, 0);
    else document.body.dataset.allRows = String(rows.length);
    const scored = rows.map((x) => x.latest?.score).filter((s) => typeof s === 'number');
    put(summary, 
      h('div.card', h('b', rows.length), `hosts${rows.length !== hosts.length ? ` of ${hosts.length}` : ''}`),
      h('div.card', h('b', scored.length ? (scored.reduce((a, b) => a + b, 0) / scored.length).toFixed(1) : '—'), 'mean score'),
      h('div.card', h('b', rows.filter((x) => countOf(x.latest?.counts, 'fail') > 0).length), 'hosts failing a rule'),
      h('div.card', h('b', rows.filter((x) => ageHours(x.latest?.startTime) > STALE_HOURS).length), `stale (> ${STALE_HOURS} h)`),
    );
    document.body.dataset.rows = String(rows.length);
  }

  const fixButton = h('button.primary', { type: 'button', disabled: fleetState.selected.size === 0, onclick: () => fixPanel([...fleetState.selected], fixArea) }, 'Fix failed rules of the selected hosts…');
  put(main, 
    h('h1', 'Fleet'),
    summary,
    h(
      'div.filters',
      h('label', 'Host', h('input', { type: 'search', name: 'text', value: fleetState.text, placeholder: 'name contains', oninput: (e) => ((fleetState.text = e.target.value), render()) })),
      h('label', 'Group', select('group', groups)),
      h('label', 'OS', select('os', oses)),
      h('label', 'Profile', select('profile', profiles, shortProfile)),
      h('label', 'Score from', num('min', '0')),
      h('label', 'to', num('max', '100')),
      h('label', 'Changed in the last … hours', h('input', { type: 'number', name: 'changedHours', min: 0, value: fleetState.changedHours, oninput: (e) => ((fleetState.changedHours = e.target.value), render()) })),
    ),
    h('div.toolbar', fixButton),
    fixArea,
    hosts.length ? h('table#fleet', h('thead', headRow), tbody) : h('div.empty', 'No host has been scanned into this store yet. Run `vigil scan --store …`, `vigil fleet scan --store …` or `vigil watch --report-to …`.'),
  );
  render();
  driftListeners.clear();
  driftListeners.add((d) => {
    changed.add(d.host);
    const row = tbody.querySelector(`tr[data-host="${CSS.escape(d.host)}"]`);
    row?.classList.add('changed');
    const host = hosts.find((x) => x.name === d.host);
    if (host) host.lastDrift = d.time;
  });
  document.body.dataset.renderMs = String(Math.round(performance.now() - t0));
  document.body.dataset.page = 'fleet';
}

const shortProfile = (id) => id.replace(/^xccdf_[^_]+(?:\.[^_]+)*_profile_/, '');

async function fixPanel(hostNames, area) {
  put(area, h('div.fixpanel', h('p.muted', 'Reading the latest scans…')));
  const scans = await Promise.all(hostNames.map((n) => getJson(`hosts/${enc(n)}/latest`).catch(() => null)));
  const failed = new Map();
  for (const s of scans) {
    for (const r of s?.document?.rules ?? []) if (r.result === 'fail') failed.set(r.id, { title: r.title, severity: r.severity, hosts: (failed.get(r.id)?.hosts ?? 0) + 1 });
  }
  const boxes = [...failed].sort((a, b) => b[1].hosts - a[1].hosts).map(([id, r]) => h('li', h('label', h('input', { type: 'checkbox', name: 'rule', value: id, checked: true }), ` ${r.title} `, h(`span.sev-${r.severity}`, `(${r.severity})`), h('span.muted', ` ${r.hosts} host(s)`))));
  const type = h('select', { name: 'fixType' }, h('option', { value: 'ansible' }, 'Ansible playbook'), h('option', { value: 'bash' }, 'bash script'));
  const status = h('span.muted');
  const download = async () => {
    const rules = [...area.querySelectorAll('input[name=rule]:checked')].map((i) => i.value);
    status.textContent = 'Generating…';
    try {
      const res = await api('fix', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ hosts: hostNames, rules, fixType: type.value }) });
      const blob = await res.blob();
      const name = res.headers.get('Content-Disposition')?.match(/filename="([^"]+)"/)?.[1] ?? `vigil-fix.${type.value === 'bash' ? 'sh' : 'yml'}`;
      const a = h('a', { href: URL.createObjectURL(blob), download: name });
      document.body.append(a);
      a.click();
      a.remove();
      status.textContent = `Downloaded ${name} (${rules.length} rules, ${hostNames.length} hosts).`;
    } catch (e) {
      if (e instanceof Unauthorized) return showLogin('The token was refused.');
      status.textContent = `Could not generate the fix: ${e.message}`;
    }
  };
  put(area, 
    h(
      'div.fixpanel',
      h('h2', `Failed rules on ${hostNames.length} selected host(s)`),
      failed.size ? h('ul', boxes) : h('p.muted', 'The selected hosts fail no rule.'),
      h('div.toolbar', type, h('button.primary', { type: 'button', disabled: failed.size === 0, onclick: download }, 'Download the fix'), status),
      h('p.muted', 'The fix is generated from the scans’ own data stream and profile, as `vigil xccdf generate fix` does; rehearse it before applying (vigil remediate).'),
    ),
  );
}

// ------------------------------------------------------------------ host

const DRIFT_PAGE = 200;
const RESULT_ORDER = ['fail', 'error', 'unknown', 'pass', 'notchecked', 'notapplicable', 'notselected', 'informational', 'fixed'];
const hostState = { result: '', severity: '', text: '' };

function evidence(rule) {
  const box = h('div.evidence');
  // what the check looked at, in a sysadmin's terms (file, setting, value found, value expected)
  if (rule.evidence?.length) {
    box.append(
      h(
        'table.ev',
        h('thead', h('tr', h('th', 'File'), h('th', 'Setting'), h('th', 'Found'), h('th', 'Expected'), h('th', ''))),
        h(
          'tbody',
          rule.evidence.map((e) => h('tr', h('td', e.file ? h('code', e.file) : h('span.muted', '—')), h('td', e.setting), h('td', e.found === null ? h('span.muted', 'nothing found') : h('code', e.found)), h('td', e.expected), h('td', e.ok === true ? '✓' : e.ok === false ? '✗' : '?'))),
        ),
      ),
    );
    if (rule.evidenceMore) box.append(h('p.muted', `and ${rule.evidenceMore} more`));
  }
  if (rule.notApplicableReason) box.append(h('p', h('b', 'Not applicable: '), rule.notApplicableReason));
  if (rule.messages?.length) box.append(h('table', h('thead', h('tr', h('th', 'Message'), h('th', ''))), h('tbody', rule.messages.map((m) => h('tr', h('td', m.severity), h('td', m.text))))));
  const reads = rule.reads;
  if (reads && (reads.paths.length || reads.walks.length || reads.inputs.length)) {
    box.append(
      h('p', h('b', 'What the rule read: ')),
      h('ul', reads.paths.slice(0, 50).map((p) => h('li', h('code', p))), reads.walks.slice(0, 10).map((w) => h('li', 'walk of ', h('code', w.start), w.pattern ? ` (${w.pattern})` : '')), reads.inputs.slice(0, 20).map((i) => h('li', `${i.kind}: `, h('code', i.key)))),
    );
  }
  if (rule.skipped?.length) box.append(h('p.muted', `Not collected here: ${rule.skipped.map((s) => `${s.type} (needs ${s.needs.join(', ')})`).join('; ')}`));
  if (!box.childNodes.length) box.append(h('p.muted', rule.check ? 'The scan kept no evidence for this rule.' : 'This rule has no automated check.'));
  return [box];
}

async function hostPage(name) {
  setTitle(name);
  const t0 = performance.now();
  const [latest, { scans }, { drift }] = await Promise.all([getJson(`hosts/${enc(name)}/latest`).catch((e) => (e instanceof Unauthorized ? Promise.reject(e) : null)), getJson(`hosts/${enc(name)}/scans?limit=1000`), getJson(`hosts/${enc(name)}/drift?limit=${DRIFT_PAGE + 1}`)]);
  // the newest events first; more are fetched on demand (a busy host has tens of thousands)
  let driftComplete = drift.length <= DRIFT_PAGE;
  if (!driftComplete) drift.length = DRIFT_PAGE;
  const rules = [...(latest?.document?.rules ?? [])].sort((a, b) => RESULT_ORDER.indexOf(a.result) - RESULT_ORDER.indexOf(b.result) || a.title.localeCompare(b.title));
  const list = h('div#rules');
  const renderRules = () => {
    const text = hostState.text.toLowerCase();
    const shown = rules.filter((r) => (!hostState.result || r.result === hostState.result) && (!hostState.severity || r.severity === hostState.severity) && (!text || r.title.toLowerCase().includes(text) || r.id.toLowerCase().includes(text)));
    put(list, 
      ...shown.slice(0, 500).map((r) => {
        const d = h('details.rule', { dataset: { rule: r.id, result: r.result } }, h('summary', resultBadge(r.result), h('span.title', r.title), h(`span.sev-${r.severity}`, r.severity), h('a', { href: `#/rule/${enc(r.id)}`, onclick: (e) => e.stopPropagation() }, shortRule(r.id))));
        d.addEventListener('toggle', () => {
          if (d.open && d.children.length === 1) d.append(...evidence(r));
        }, { once: false });
        return d;
      }),
      shown.length > 500 ? h('p.muted', `${shown.length - 500} more: narrow the filter.`) : null,
      shown.length === 0 ? h('div.empty', rules.length ? 'No rule matches the filter.' : 'This host has no stored rule results.') : null,
    );
  };
  const timeline = h('ul.timeline#drift');
  const driftTitle = () => `Drift (${drift.length}${driftComplete ? '' : '+'})`;
  const driftMore = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        const want = Math.min(10_000, drift.length * 5);
        const more = (await getJson(`hosts/${enc(name)}/drift?limit=${want + 1}`)).drift;
        driftComplete = more.length <= want || want >= 10_000;
        drift.splice(0, drift.length, ...more.slice(0, want));
        renderDrift();
      },
    },
    'Show older events',
  );
  const renderDrift = () => {
    const h2 = [...main.querySelectorAll('h2')].find((x) => x.textContent.startsWith('Drift'));
    if (h2) h2.textContent = driftTitle();
    put(timeline, 
      ...drift.map((d) => h('li', { dataset: { rule: d.rule } }, h('time', fmtTime(d.time)), h('a', { href: `#/rule/${enc(d.rule)}` }, shortRule(d.rule)), ' ', d.from ? resultBadge(d.from) : h('span.muted', 'new'), ' → ', resultBadge(d.to), d.paths.length ? h('span.muted', ' because of ', d.paths.slice(0, 5).join(', '), d.paths.length > 5 ? ` and ${d.paths.length - 5} more` : '') : null)),
    );
    driftMore.hidden = driftComplete;
  };
  const chart = h('div.chart#history');
  const sel = (name, values) => h('select', { name, onchange: (e) => ((hostState[name] = e.target.value), renderRules()) }, h('option', { value: '' }, 'all'), values.map((v) => h('option', { value: v, selected: hostState[name] === v }, v)));
  const counts = latest?.counts ?? {};
  const compareA = h('select', { name: 'a' }, scans.map((s) => h('option', { value: s.id }, `#${s.id} ${fmtTime(s.startTime)} (${s.score?.toFixed(1) ?? '—'})`)));
  const compareB = h('select', { name: 'b' }, scans.map((s, i) => h('option', { value: s.id, selected: i === 1 }, `#${s.id} ${fmtTime(s.startTime)} (${s.score?.toFixed(1) ?? '—'})`)));
  put(main, 
    h('h1', name),
    latest
      ? h('div.cards', h('div.card', h('b', latest.score?.toFixed(1) ?? '—'), 'score'), ...['fail', 'pass', 'error', 'notapplicable'].map((k) => h('div.card', h('b', countOf(counts, k)), k)), h('div.card', h('b', fmtTime(latest.startTime)), shortProfile(latest.profile ?? 'default selection')))
      : h('div.empty', 'No scan of this host is stored.'),
    h('h2', 'Score history'),
    chart,
    scans.length > 1 ? h('div.toolbar', 'Compare scan ', compareA, ' with ', compareB, h('button', { type: 'button', onclick: () => (location.hash = `#/compare?a=${compareA.value}&b=${compareB.value}`) }, 'Compare')) : null,
    h('h2', driftTitle()),
    drift.length ? timeline : h('p.muted', 'No drift recorded.'),
    driftMore,
    h('h2', 'Latest results'),
    h('div.filters', h('label', 'Result', sel('result', [...new Set(rules.map((r) => r.result))])), h('label', 'Severity', sel('severity', [...new Set(rules.map((r) => r.severity))])), h('label', 'Rule', h('input', { type: 'search', value: hostState.text, placeholder: 'title or id', oninput: (e) => ((hostState.text = e.target.value), renderRules()) }))),
    list,
  );
  renderRules();
  renderDrift();
  drawHistory(chart, scans);
  driftListeners.clear();
  driftListeners.add((d) => {
    if (d.host !== name) return;
    drift.unshift(d);
    const h2 = [...main.querySelectorAll('h2')].find((x) => x.textContent.startsWith('Drift'));
    if (!timeline.isConnected) h2?.nextElementSibling?.replaceWith(timeline);
    renderDrift();
  });
  document.body.dataset.renderMs = String(Math.round(performance.now() - t0));
  document.body.dataset.page = 'host';
}

function drawHistory(el, scans) {
  const points = [...scans].filter((s) => typeof s.score === 'number').sort((a, b) => a.startTime.localeCompare(b.startTime));
  if (points.length < 2 || typeof window.uPlot !== 'function') {
    put(el, h('p.muted', points.length < 2 ? 'One scan so far: the history starts with the next.' : 'The chart library did not load.'));
    return;
  }
  const data = [points.map((s) => Date.parse(s.startTime) / 1000), points.map((s) => s.score), points.map((s) => countOf(s.counts, 'fail'))];
  const width = Math.max(320, el.clientWidth - 16);
  put(el, );
  // eslint-disable-next-line no-new
  new window.uPlot(
    {
      width,
      height: 220,
      series: [{}, { label: 'score', stroke: '#1565c0', width: 2, scale: 'score' }, { label: 'failed rules', stroke: '#c62828', width: 1, scale: 'n' }],
      axes: [{}, { scale: 'score', label: 'score' }, { scale: 'n', side: 1, grid: { show: false }, label: 'failed' }],
      scales: { score: { range: [0, 100] } },
    },
    data,
    el,
  );
}

// ------------------------------------------------------------------ rule

async function rulePage(ruleId) {
  setTitle(shortRule(ruleId));
  const r = await getJson(`rules/${enc(ruleId)}`);
  const failing = r.hosts.filter((x) => x.result === 'fail' || x.result === 'error');
  const side = h('div.side#evidence');
  put(main, 
    h('h1', shortRule(ruleId)),
    h('p.muted', ruleId),
    h('div.cards', ...['fail', 'pass', 'error', 'notapplicable'].map((k) => h('div.card', h('b', countOf(r.counts, k)), k)), r.severity ? h('div.card', h('b', r.severity), 'severity') : null),
    h('h2', `Hosts (${r.hosts.length})`),
    r.hosts.length
      ? h('table#rule-hosts', h('thead', h('tr', h('th', 'Host'), h('th', 'Result'), h('th', 'Since'))), h('tbody', r.hosts.map((x) => h('tr', h('td', h('a', { href: `#/host/${enc(x.host)}` }, x.host)), h('td', resultBadge(x.result)), h('td', fmtTime(x.since))))))
      : h('div.empty', 'No stored scan evaluated this rule.'),
    h('h2', 'Evidence side by side'),
    failing.length ? side : h('p.muted', 'No host fails this rule.'),
  );
  const shown = failing.slice(0, 6);
  const scans = await Promise.all(shown.map((x) => getJson(`scans/${x.scanId}`).catch(() => null)));
  put(side, 
    ...shown.map((x, i) => {
      const rule = scans[i]?.document?.rules?.find((y) => y.id === ruleId);
      return h('section.card', { dataset: { host: x.host } }, h('h2', x.host, ' ', resultBadge(x.result)), rule ? [h('p', rule.title), ...evidence(rule)] : h('p.muted', 'The scan’s rule results were pruned by retention.'));
    }),
    failing.length > shown.length ? h('p.muted', `${failing.length - shown.length} more failing hosts are listed above.`) : null,
  );
  document.body.dataset.page = 'rule';
}

// ------------------------------------------------------------------ compare

async function comparePage(params) {
  setTitle('Compare');
  const a = params.get('a');
  const b = params.get('b');
  const { hosts } = await getJson('hosts?trend=0');
  const pickA = h('select', { name: 'hostA' }, hosts.map((x) => h('option', { value: x.latest?.id ?? '', disabled: !x.latest }, x.name)));
  const pickB = h('select', { name: 'hostB' }, hosts.map((x, i) => h('option', { value: x.latest?.id ?? '', disabled: !x.latest, selected: i === 1 }, x.name)));
  const form = h('div.toolbar', 'Latest scan of ', pickA, ' against ', pickB, h('button', { type: 'button', onclick: () => (location.hash = `#/compare?a=${pickA.value}&b=${pickB.value}`) }, 'Compare'));
  if (!a || !b) {
    put(main, h('h1', 'Compare'), h('p', 'Two scans side by side: pick two hosts here, or two scans of one host on its page.'), form);
    document.body.dataset.page = 'compare';
    return;
  }
  const d = await getJson(`diff?a=${enc(a)}&b=${enc(b)}`);
  const label = (s) => `${s.host} #${s.id} (${fmtTime(s.startTime)}, score ${s.score?.toFixed(1) ?? '—'})`;
  const worse = d.changed.filter((c) => c.from === 'pass' && c.to !== 'pass');
  const better = d.changed.filter((c) => c.from !== 'pass' && c.to === 'pass');
  const other = d.changed.filter((c) => !worse.includes(c) && !better.includes(c));
  const table = (rows) => h('table', h('thead', h('tr', h('th', 'Rule'), h('th', label(d.a)), h('th', label(d.b)))), h('tbody', rows.map((c) => h('tr', h('td', h('a', { href: `#/rule/${enc(c.rule)}` }, shortRule(c.rule))), h('td', resultBadge(c.from)), h('td', resultBadge(c.to))))));
  put(main, 
    h('h1', 'Compare'),
    form,
    h('p', `${d.changed.length} rules differ; ${d.onlyA.length} only in the first, ${d.onlyB.length} only in the second.`),
    h('h2', `Pass in the first, not in the second (${worse.length})`),
    worse.length ? table(worse) : h('p.muted', 'None.'),
    h('h2', `Pass in the second, not in the first (${better.length})`),
    better.length ? table(better) : h('p.muted', 'None.'),
    other.length ? [h('h2', `Other differences (${other.length})`), table(other)] : null,
  );
  document.body.dataset.page = 'compare';
}

// ------------------------------------------------------------------ routing

async function route() {
  if (!token()) return showLogin();
  unseen = 0;
  logoutButton.hidden = false;
  startLive();
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  const [path, query] = hash.split('?');
  const params = new URLSearchParams(query ?? '');
  document.body.dataset.page = 'loading';
  try {
    if (path.startsWith('host/')) await hostPage(path.slice(5));
    else if (path.startsWith('rule/')) await rulePage(path.slice(5));
    else if (path === 'compare') await comparePage(params);
    else await fleetPage();
  } catch (e) {
    if (e instanceof Unauthorized) return showLogin(token() ? 'The token was refused.' : undefined);
    put(main, h('h1', 'Something went wrong'), h('p.error-box', e.message), h('p', h('a', { href: '#/' }, 'Back to the fleet')));
    document.body.dataset.page = 'error';
  }
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', route);
route();
