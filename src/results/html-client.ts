/**
 * The HTML report's browser script (inlined into the report). It reads the
 * embedded JSON, filters and sorts the server-rendered rule rows, and builds a
 * rule's details (text, evidence, remediation) only when the rule is opened.
 * Text always goes into the page as text nodes; the only HTML it inserts is
 * rule markup that the writer has already sanitized.
 *
 * When it has run, it sets `data-vigil-ready="true"` on <body>; an exception
 * sets `data-vigil-error`.
 */
export const REPORT_JS = String.raw`
(function () {
  'use strict';
  var body = document.body;
  function fail(e) { body.setAttribute('data-vigil-error', String((e && e.message) || e)); }
  window.addEventListener('error', function (e) { fail(e.error || e.message); });
  try { main(); } catch (e) { fail(e); throw e; }

  function main() {
    var DATA = JSON.parse(document.getElementById('vigil-data').textContent);
    var RULES = DATA.rules, OVAL = DATA.oval;
    var list = document.getElementById('rules');
    var rows = Array.prototype.slice.call(list.querySelectorAll('details.rule'));
    var shown = document.getElementById('shown');
    var empty = document.getElementById('empty');

    // ------------------------------------------------------------ DOM helpers
    function add(e, kids) {
      if (kids === null || kids === undefined || kids === false) return e;
      if (Array.isArray(kids)) { for (var i = 0; i < kids.length; i++) add(e, kids[i]); return e; }
      e.appendChild(typeof kids === 'object' ? kids : document.createTextNode(String(kids)));
      return e;
    }
    function el(tag, cls, kids) { var e = document.createElement(tag); if (cls) e.className = cls; return add(e, kids); }
    function safeHtml(cls, html) { var e = el('div', cls); e.innerHTML = html; return e; }
    function code(s) { return el('code', null, s); }
    function cls(s) { return String(s).replace(/[^a-z0-9]+/gi, '-').toLowerCase(); }
    function opill(r) { return el('span', 'o o-' + (r ? cls(r) : 'none'), r || 'not evaluated'); }
    function flag(f) { return el('span', 'o f-' + cls(f), f); }
    function sect(title, kids, extra) { return el('div', 'sect' + (extra ? ' ' + extra : ''), [el('h3', null, title), kids]); }
    function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }

    // ------------------------------------------------------------ rule details
    function render(row) {
      var b = row.querySelector('.rule-body');
      if (!b || b.getAttribute('data-done')) return;
      b.setAttribute('data-done', '1');
      var r = RULES[+row.getAttribute('data-i')];
      if (!r) return;
      b.textContent = '';
      if (r.na) add(b, el('p', 'nawhy', [el('b', null, 'Why not applicable: '), r.na]));
      if (r.ev.length) add(b, evidenceTable(r));
      if (r.ms.length) {
        add(b, el('ul', 'msgs', r.ms.map(function (m) { return el('li', 'm-' + m[0], [el('b', null, m[0] + ': '), m[1]]); })));
      }
      var main = el('div', 'rule-main');
      if (r.d) add(main, sect('Description', safeHtml('prose', r.d)));
      if (r.ra) add(main, sect('Rationale', safeHtml('prose', r.ra)));
      if (r.w.length) add(main, sect('Warnings', r.w.map(function (w) { return safeHtml('prose warnbox', w); })));
      if (!r.d && !r.ra) add(main, el('p', 'note', 'The content gives no description for this rule.'));
      var side = el('aside', 'side');
      if (r.id.length) add(side, sect('Identifiers', el('div', 'tags', r.id.map(function (i) { var t = el('span', 'tag', i[1]); t.title = i[0]; return t; }))));
      var facts = [['Rule id', code(r.rid)], ['Weight', String(r.wt)], ['Role', r.ro], ['Evaluated', r.tm]];
      add(side, sect('Details', el('dl', 'kv', facts.map(function (f) { return [el('dt', null, f[0]), el('dd', null, f[1])]; }))));
      add(b, el('div', 'rule-grid', [main, side]));
      if (r.rf.length) {
        add(b, el('div', 'block', [el('h3', null, 'References'), el('div', 'refs', r.rf.map(function (g) {
          var src = g[1] ? el('a', 'src', g[0]) : el('span', 'src', g[0]);
          if (g[1]) { src.href = g[1]; src.target = '_blank'; src.rel = 'noopener noreferrer'; src.title = g[1]; }
          return [src, el('div', 'tags', g[2].map(function (t) { return el('span', 'tag', t); }))];
        }))]));
      }
      if (r.ck) add(b, el('div', 'block', [el('h3', null, 'OVAL evidence (tests, objects, states, items)'), check(r.ck, exportsOf(r.ck, {}))]));
      if (r.fx.length || r.ft.length) add(b, el('div', 'block', [el('h3', null, 'Remediation'), remediation(r)]));
    }

    // What a sysadmin asks first: which file, which setting, what is there, what should be.
    function evidenceTable(r) {
      var head = el('tr', null, [el('th', null, ''), el('th', null, 'File'), el('th', null, 'Setting'), el('th', null, 'Value found'), el('th', null, 'Expected')]);
      var tb = el('tbody', null, r.ev.map(function (x) {
        var mark = x[4] === 1 ? el('span', 'o o-true', 'ok') : x[4] === 0 ? el('span', 'o o-false', 'wrong') : el('span', 'o o-none', '?');
        return el('tr', x[4] === 0 ? 'bad' : null, [el('td', null, mark), el('td', null, x[0] === null ? el('span', 'st', '—') : code(x[0])), el('td', null, x[1]),
          el('td', 'v', x[2] === null ? el('span', 'st', 'not found') : x[2]), el('td', 'v', x[3])]);
      }));
      var box = el('div', 'block plain', [el('h3', null, 'What was checked'), el('div', 'tablewrap', el('table', 'evtab', [el('thead', null, head), tb]))]);
      if (r.evm) add(box, el('div', 'capnote', r.evm + ' more ' + (r.evm === 1 ? 'row is' : 'rows are') + ' in the OVAL evidence below.'));
      return box;
    }

    function exportsOf(ck, into) {
      (ck.ex || []).forEach(function (x) { into[x[1]] = x; });
      if (ck.cx) ck.cx.ch.forEach(function (c) { exportsOf(c, into); });
      return into;
    }

    function check(ck, exps) {
      var out = el('div', 'check');
      if (ck.cx) {
        add(out, el('div', 'checkline', ['Complex check: ', el('b', null, ck.cx.op === 'AND' ? 'all of' : 'any of'), ck.ng ? ' (negated)' : '', ' the checks below']));
        ck.cx.ch.forEach(function (c) { add(out, check(c, exps)); });
        return out;
      }
      var sys = ck.yl;
      add(out, el('div', 'checkline', ['Checked by ', el('b', null, sys), ck.n ? [' definition ', code(ck.n)] : '', ck.h ? [' in ', code(ck.h)] : '', ck.ng ? ' (result negated)' : '']));
      if (ck.ex.length) {
        add(out, el('div', 'checkline', ['Values passed to the check: ', ck.ex.map(function (x, i) {
          return [i ? ', ' : '', code(x[1]), ' = ', el('span', 'sub', x[2])];
        })]));
      }
      if (ck.x < 0) { add(out, el('p', 'note', sys === 'OVAL' ? 'No OVAL evidence was recorded for this check.' : 'Vigil records no evidence for this check system.')); return out; }
      if (!ck.n) { add(out, el('p', 'note', 'The check evaluates every definition of ' + ck.h + '; see the OVAL results for details.')); return out; }
      var doc = OVAL[ck.x];
      add(out, definition(doc, ck.n, exps, {}));
      return out;
    }

    function definition(doc, id, exps, seen) {
      var d = doc.d[id];
      var wrap = el('div', 'def');
      if (!d) { add(wrap, el('p', 'note', 'Definition ' + id + ' is not in ' + doc.h + '.')); return wrap; }
      add(wrap, el('div', 'defhead', [opill(d.r), el('span', 't', d.t || id), el('span', 'idc', id)]));
      if (!d.c) { add(wrap, el('p', 'note', d.r ? 'The definition has no criteria.' : 'The definition was not evaluated.')); return wrap; }
      seen[id] = true;
      add(wrap, el('ul', 'tree', crit(doc, d.c, exps, seen, d.r)));
      return wrap;
    }

    var OPS = { AND: 'ALL', OR: 'ANY', ONE: 'ONE', XOR: 'XOR' };
    // Tests whose result agrees with the verdict explain it and start open; the others start closed.
    function crit(doc, c, exps, seen, verdict) {
      var li = el('li');
      var neg = c.ng ? el('span', 'neg', 'NOT') : null;
      if (c.k === 'c') {
        add(li, el('div', 'node', [opill(c.r), neg, el('span', 'op', (OPS[c.op] || c.op) + ' of'), c.cm ? el('span', 'cm', c.cm) : null]));
        add(li, el('ul', null, c.ch.map(function (k) { return crit(doc, k, exps, seen, verdict); })));
      } else if (c.k === 't') {
        var t = doc.t[c.id];
        var det = el('details', 'tdet', el('summary', 'node', [opill(c.r), neg, el('span', 'cm', (t && t.c) || c.cm || 'Test'), el('span', 'idc', c.id)]));
        var built = false;
        var build = function () { if (!built) { built = true; add(det, test(doc, c.id, exps)); } };
        det.addEventListener('toggle', function () { if (det.open) build(); });
        if (!c.r || !verdict || c.r === verdict) { build(); det.open = true; }
        add(li, det);
      } else {
        var d = doc.d[c.id];
        add(li, el('div', 'node', [opill(c.r), neg, el('span', 'op', 'DEFINITION'), el('span', 'cm', (d && d.t) || c.cm || c.id), el('span', 'idc', c.id)]));
        if (d && d.c && !seen[c.id]) {
          var inner = Object.create(seen); inner[c.id] = true;
          add(li, el('ul', null, crit(doc, d.c, exps, inner, verdict)));
        }
      }
      return li;
    }

    function valueOf(e, exps, doc, bindings) {
      // e = [name, operation, value, datatype, var_ref, check]
      if (!e[4]) return e[2];
      var parts = [code(e[4])];
      var vals = null;
      if (bindings) vals = bindings.filter(function (b) { return b[0] === e[4]; }).map(function (b) { return b[1]; });
      if ((!vals || !vals.length) && exps[e[4]]) vals = [exps[e[4]][2]];
      if ((!vals || !vals.length) && doc.v[e[4]] && doc.v[e[4]].v.length) vals = doc.v[e[4]].v;
      if (vals && vals.length) parts.push(' = ', vals.map(function (v, i) { return [i ? ', ' : '', el('span', 'sub', v)]; }));
      else parts.push(el('span', 'note', ' (computed at scan time)'));
      return parts;
    }

    function entTable(ents, exps, doc, bindings, expected) {
      if (!ents.length) return null;
      return el('table', 'ents', [
        el('tr', null, [el('th', null, 'Entity'), el('th', null, 'Operation'), el('th', null, expected ? 'Expected value' : 'Value')]),
        ents.map(function (e) {
          var op = e[1] + (e[3] && e[3] !== 'string' ? ' (' + e[3] + ')' : '') + (e[5] ? ', ' + e[5] : '');
          return el('tr', null, [el('td', null, e[0]), el('td', 'opn', op), el('td', 'v', valueOf(e, exps, doc, bindings))]);
        }),
      ]);
    }

    function test(doc, id, exps) {
      var t = doc.t[id];
      var box = el('div', 'test');
      if (!t) { add(box, el('p', 'note', 'Test ' + id + ' is not in the definitions document.')); return box; }
      var facts = [el('span', null, ['existence ', el('b', null, t.ce)]), ' · ', el('span', null, ['check ', el('b', null, t.ck)])];
      if (t.s.length > 1) facts.push(' · ', el('span', null, ['states ', el('b', null, t.so)]));
      add(box, el('div', 'test-head', [el('span', 'kind', 'Test'), el('span', 'ty', t.ty), el('span', 'idc', id), el('span', 'facts', facts)]));
      var parts = el('div', 'test-parts');
      if (t.o) add(parts, object(doc, t.o, exps));
      t.s.forEach(function (sid) { add(parts, state(doc, sid, exps)); });
      if (parts.childNodes.length) add(box, parts);
      add(box, items(doc, t));
      return box;
    }

    function object(doc, id, exps) {
      var o = doc.o[id];
      var p = el('div', 'part');
      if (!o) { add(p, el('p', 'note', 'Object ' + id + ' is not in the definitions document.')); return p; }
      add(p, el('div', 'ph', [el('span', 'kind', 'Object'), el('span', 'ty', o.ty), o.f ? flag(o.f) : null, el('span', 'idc', id), o.c ? el('span', 'cm', o.c) : null]));
      add(p, entTable(o.e, exps, doc, o.bi, false));
      var beh = Object.keys(o.b);
      if (beh.length) add(p, el('div', 'extra', ['Behaviors: ', beh.map(function (k, i) { return [i ? ', ' : '', code(k + '=' + o.b[k])]; })]));
      if (o.set) add(p, el('div', 'extra', ['Set: ', o.set]));
      o.fl.forEach(function (f) {
        var s = doc.s[f[1]];
        add(p, el('div', 'extra', [f[0] === 'include' ? 'Keeps only items matching ' : 'Drops items matching ', code(f[1]), s && s.c ? ' (' + s.c + ')' : '']));
      });
      o.m.forEach(function (m) { add(p, el('div', 'extra', ['Message: ', m])); });
      return p;
    }

    function state(doc, id, exps) {
      var s = doc.s[id];
      var p = el('div', 'part');
      if (!s) { add(p, el('p', 'note', 'State ' + id + ' is not in the definitions document.')); return p; }
      add(p, el('div', 'ph', [el('span', 'kind', 'State'), el('span', 'ty', s.ty), el('span', 'idc', id), s.c ? el('span', 'cm', s.c) : null]));
      add(p, entTable(s.e, exps, doc, null, true));
      if (s.e.length > 1 && s.op !== 'AND') add(p, el('div', 'extra', ['Entities combined with ', el('b', null, s.op)]));
      return p;
    }

    function items(doc, t) {
      var w = el('div', 'items');
      if (t.n === null) { add(w, el('p', 'note', 'This test was not evaluated, so no items were compared.')); return w; }
      var o = t.o ? doc.o[t.o] : null;
      var counts = Object.keys(t.rc).map(function (k) { return [opill(k), ' ', String(t.rc[k])]; });
      add(w, el('div', 'ih', [el('b', null, plural(t.n, 'item', 'items')), ' collected', t.n ? [' · per-item results:', counts] : '']));
      if (!t.n) {
        add(w, el('p', 'note', 'No items were collected' + (o && o.f ? ' (object flag: ' + o.f + ').' : '.')));
        return w;
      }
      var cmp = {};
      t.cmp.forEach(function (c) { cmp[c] = true; });
      var head = el('tr', null, [el('th', null, 'Item'), el('th', null, 'Result')]);
      t.cols.forEach(function (c) { var th = el('th', cmp[c] ? 'cmp' : null, c); if (cmp[c]) th.title = 'Compared with the state'; add(head, th); });
      var tb = el('tbody');
      t.rows.forEach(function (row) {
        var tr = el('tr', null, [el('td', 'idn', '#' + row[0]), el('td', null, [opill(row[1]), row[2] ? [' ', el('span', 'st', row[2])] : null])]);
        for (var i = 0; i < t.cols.length; i++) {
          var v = row[3 + i];
          var c = (cmp[t.cols[i]] ? 'cmp' : '') + (typeof v === 'string' && v.length > 60 ? ' long' : '');
          add(tr, el('td', c || null, v === null || v === undefined ? el('span', 'st', '—') : v));
        }
        add(tb, tr);
      });
      add(w, el('div', 'tablewrap', el('table', 'itab', [el('thead', null, head), tb])));
      if (t.more) add(w, el('div', 'capnote', 'Showing the first ' + t.rows.length + ' of ' + t.n + ' items (items that failed first); ' + t.more + ' more ' + (t.more === 1 ? 'is' : 'are') + ' not included in this report.'));
      return w;
    }

    function remediation(r) {
      var out = el('div');
      r.ft.forEach(function (f) { add(out, safeHtml('prose', f)); });
      if (!r.fx.length) return out;
      var tabs = el('div', 'tabs');
      tabs.setAttribute('role', 'tablist');
      var panes = [];
      r.fx.forEach(function (fx, i) {
        var b = el('button', null, fx.l);
        b.type = 'button';
        b.setAttribute('role', 'tab');
        b.setAttribute('aria-selected', i === 0 ? 'true' : 'false');
        b.title = fx.u;
        add(tabs, b);
        var text = fx.c.map(function (s) { return typeof s === 'string' ? s : s[1]; }).join('');
        var copy = el('button', 'btn', 'Copy');
        copy.type = 'button';
        copy.addEventListener('click', function () { copyText(text, copy); });
        var meta = el('div', 'fixmeta', [
          el('span', null, ['Strategy ', el('b', null, fx.st)]), el('span', null, ['Complexity ', el('b', null, fx.cx)]),
          el('span', null, ['Disruption ', el('b', null, fx.di)]), el('span', null, ['Reboot ', el('b', null, fx.rb ? 'required' : 'not required')]), copy,
        ]);
        var pre = el('pre', 'code', fx.c.map(function (s) { if (typeof s === 'string') return s; var x = el('span', 'sub', s[1]); x.title = s[0]; return x; }));
        var pane = el('div', 'fixpane', [meta, pre]);
        pane.setAttribute('role', 'tabpanel');
        if (i) pane.hidden = true;
        panes.push(pane);
        b.addEventListener('click', function () {
          Array.prototype.forEach.call(tabs.children, function (x, j) { x.setAttribute('aria-selected', j === i ? 'true' : 'false'); });
          panes.forEach(function (p, j) { p.hidden = j !== i; });
        });
      });
      add(out, tabs);
      add(out, panes);
      return out;
    }

    function copyText(text, btn) {
      function done() { btn.textContent = 'Copied'; setTimeout(function () { btn.textContent = 'Copy'; }, 1500); }
      function legacy() {
        var ta = el('textarea'); ta.value = text; ta.style.position = 'fixed'; ta.style.opacity = '0';
        document.body.appendChild(ta); ta.select();
        try { document.execCommand('copy'); done(); } catch (e) { /* nothing to do */ }
        ta.remove();
      }
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, legacy);
      else legacy();
    }

    // ------------------------------------------------------------ filters
    var resOn = {}, sevOn = {}, query = [];
    var resChips = Array.prototype.slice.call(document.querySelectorAll('[data-fr]'));
    var sevChips = Array.prototype.slice.call(document.querySelectorAll('[data-fs]'));
    resChips.forEach(function (c) { resOn[c.getAttribute('data-fr')] = c.getAttribute('aria-pressed') === 'true'; });
    sevChips.forEach(function (c) { sevOn[c.getAttribute('data-fs')] = c.getAttribute('aria-pressed') === 'true'; });
    function haystack(row) {
      if (row._q === undefined) {
        var r = RULES[+row.getAttribute('data-i')];
        row._q = (row.querySelector('summary').textContent + ' ' + row.getAttribute('data-id') + ' ' + (r ? r.q : '')).toLowerCase();
      }
      return row._q;
    }
    function apply() {
      var n = 0;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i];
        var ok = resOn[row.getAttribute('data-r')] !== false && sevOn[row.getAttribute('data-s')] !== false;
        if (ok && query.length) {
          var h = haystack(row);
          for (var j = 0; j < query.length && ok; j++) ok = h.indexOf(query[j]) >= 0;
        }
        row.hidden = !ok;
        if (ok) n++;
      }
      shown.textContent = n === rows.length ? plural(n, 'rule', 'rules') : n + ' of ' + plural(rows.length, 'rule', 'rules');
      empty.hidden = n !== 0;
    }
    function sync() {
      resChips.forEach(function (c) { c.setAttribute('aria-pressed', resOn[c.getAttribute('data-fr')] ? 'true' : 'false'); });
      sevChips.forEach(function (c) { c.setAttribute('aria-pressed', sevOn[c.getAttribute('data-fs')] ? 'true' : 'false'); });
      apply();
    }
    resChips.forEach(function (c) { c.addEventListener('click', function () { var k = c.getAttribute('data-fr'); resOn[k] = !resOn[k]; sync(); }); });
    sevChips.forEach(function (c) { c.addEventListener('click', function () { var k = c.getAttribute('data-fs'); sevOn[k] = !sevOn[k]; sync(); }); });
    Array.prototype.forEach.call(document.querySelectorAll('[data-only]'), function (b) {
      b.addEventListener('click', function () {
        var only = b.getAttribute('data-only');
        Object.keys(resOn).forEach(function (k) { resOn[k] = k === only; });
        Object.keys(sevOn).forEach(function (k) { sevOn[k] = true; });
        sync();
        document.getElementById('toolbar').scrollIntoView({ behavior: 'smooth' });
      });
    });
    var search = document.getElementById('q');
    var timer = 0;
    search.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { query = search.value.toLowerCase().split(/\s+/).filter(Boolean); apply(); }, 90);
    });
    document.addEventListener('keydown', function (e) {
      if (e.key === '/' && document.activeElement !== search && !(e.target && /INPUT|TEXTAREA|SELECT/.test(e.target.tagName))) { e.preventDefault(); search.focus(); }
    });
    document.getElementById('reset').addEventListener('click', function () {
      resChips.forEach(function (c) { resOn[c.getAttribute('data-fr')] = c.getAttribute('data-default') === 'true'; });
      Object.keys(sevOn).forEach(function (k) { sevOn[k] = true; });
      search.value = ''; query = [];
      sync();
    });

    // ------------------------------------------------------------ sort, expand
    var RANK = { res: DATA.resultOrder, sev: DATA.severityOrder };
    document.getElementById('sort').addEventListener('change', function (e) {
      var by = e.target.value;
      var sorted = rows.slice().sort(function (a, b) {
        var ia = +a.getAttribute('data-i'), ib = +b.getAttribute('data-i');
        if (by === 'doc') return ia - ib;
        var k = by === 'res' ? 'data-r' : 'data-s';
        var d = RANK[by].indexOf(a.getAttribute(k)) - RANK[by].indexOf(b.getAttribute(k));
        if (d) return d;
        if (by === 'sev') { d = RANK.res.indexOf(a.getAttribute('data-r')) - RANK.res.indexOf(b.getAttribute('data-r')); if (d) return d; }
        if (by === 'res') { d = RANK.sev.indexOf(a.getAttribute('data-s')) - RANK.sev.indexOf(b.getAttribute('data-s')); if (d) return d; }
        return ia - ib;
      });
      sorted.forEach(function (r) { list.appendChild(r); });
      list.appendChild(empty);
    });
    // An opened rule is built when it comes near the viewport, so expanding thousands costs nothing up front.
    var io = typeof IntersectionObserver === 'function' ? new IntersectionObserver(function (entries) {
      entries.forEach(function (en) { if (en.isIntersecting) { io.unobserve(en.target); render(en.target.parentNode); } });
    }, { rootMargin: '800px 0px' }) : null;
    function lazy(row) {
      var b = row.querySelector('.rule-body');
      if (!io || b.getBoundingClientRect().top < window.innerHeight + 800) render(row);
      else io.observe(b);
    }
    document.getElementById('expand').addEventListener('click', function () {
      rows.forEach(function (r) { if (!r.hidden) r.open = true; });
    });
    document.getElementById('collapse').addEventListener('click', function () { rows.forEach(function (r) { r.open = false; }); });
    list.addEventListener('toggle', function (e) { if (e.target.classList && e.target.classList.contains('rule') && e.target.open) lazy(e.target); }, true);
    window.addEventListener('beforeprint', function () { rows.forEach(function (r) { if (r.open) render(r); }); });

    // The fragment selects a view: #r-N opens one rule; otherwise '&'-separated
    // q=TEXT (search), result=fail,error and severity=high,medium (filters), and
    // all (expand every shown rule), e.g. #result=fail&q=ssh&all.
    function openHash() {
      var h = decodeURIComponent(location.hash.replace(/^#/, ''));
      var m = /^r-(\d+)$/.exec(h);
      if (m) {
        var row = document.getElementById('r-' + m[1]);
        if (!row) return;
        var k = row.getAttribute('data-r');
        if (resOn[k] === false) { resOn[k] = true; sync(); }
        render(row);
        row.open = true;
        row.scrollIntoView();
        return;
      }
      var expand = false;
      h.split('&').forEach(function (part) {
        var kv = part.split('='), key = kv[0], val = kv.slice(1).join('=');
        if (key === 'all') expand = true;
        else if (key === 'q') { search.value = val; query = val.toLowerCase().split(/\s+/).filter(Boolean); }
        else if (key === 'result' || key === 'severity') {
          var on = key === 'result' ? resOn : sevOn, want = val.split(',');
          Object.keys(on).forEach(function (x) { on[x] = want.indexOf(x) >= 0; });
        }
      });
      sync();
      if (expand) rows.forEach(function (r) { if (!r.hidden) { render(r); r.open = true; } });
    }
    window.addEventListener('hashchange', openHash);

    apply();
    openHash();
    body.setAttribute('data-vigil-ready', 'true');
  }
})();
`;
