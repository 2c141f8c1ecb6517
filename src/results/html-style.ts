/** The HTML report's style sheet (inlined into the report). */
export const REPORT_CSS = String.raw`
:root {
  --bg: #f5f6f8; --card: #ffffff; --text: #1f2328; --muted: #5b6570; --faint: #8a939c; --border: #dde1e6; --soft: #eef1f4;
  --accent: #2456c7; --code-bg: #f3f5f7; --row-hover: #f8f9fb; --shadow: 0 1px 2px rgba(16, 24, 40, .05), 0 1px 3px rgba(16, 24, 40, .06);
  --pass: #1f883d; --fail: #d1242f; --error: #c2410c; --unknown: #8250df; --notchecked: #9a6700; --informational: #0969da;
  --fixed: #0f766e; --notapplicable: #6e7781; --notselected: #98a1aa;
  --sev-high: #d1242f; --sev-medium: #e16f24; --sev-low: #d4a72c; --sev-info: #54aeff; --sev-unknown: #98a1aa;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace;
  color-scheme: light;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1318; --card: #171c22; --text: #e6e9ed; --muted: #9aa4ae; --faint: #6f7983; --border: #2b323a; --soft: #202730;
    --accent: #6ea8ff; --code-bg: #11161c; --row-hover: #1b2129; --shadow: none;
    --pass: #3fb950; --fail: #f85149; --error: #f0883e; --unknown: #bc8cff; --notchecked: #d29922; --informational: #58a6ff;
    --fixed: #2dd4bf; --notapplicable: #8b949e; --notselected: #6e7681;
    color-scheme: dark;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text); font: 14px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", "DejaVu Sans", Arial, sans-serif;
}
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
a:not([href]) { color: inherit; text-decoration: none; }
code, pre, tt, kbd, samp, .mono { font-family: var(--mono); font-size: 12.5px; }
.wrap { max-width: 1320px; margin: 0 auto; padding: 0 28px; }

/* ---- top bar and title */
.topbar { background: #111827; color: #e5e7eb; }
.topbar .wrap { display: flex; align-items: center; gap: 14px; height: 46px; }
.brand { display: flex; align-items: center; gap: 8px; font-weight: 650; letter-spacing: .02em; color: #fff; }
.brand svg { display: block; }
.topbar .gen { margin-left: auto; color: #9ca3af; font-size: 12.5px; }
.hero { padding: 26px 0 8px; }
.eyebrow { font-size: 13px; color: var(--muted); }
.eyebrow b { color: var(--text); font-weight: 600; }
h1 { font-size: 26px; line-height: 1.25; margin: 4px 0 6px; font-weight: 680; letter-spacing: -.01em; }
.subtitle { color: var(--muted); font-size: 15px; }
.subtitle b { color: var(--text); font-weight: 600; }
.verdict { margin-top: 14px; display: inline-flex; align-items: center; gap: 10px; padding: 7px 14px; border-radius: 999px; font-weight: 600; font-size: 14px;
  background: color-mix(in srgb, var(--c) 12%, transparent); color: var(--c); border: 1px solid color-mix(in srgb, var(--c) 30%, transparent); }
.verdict .dot { width: 9px; height: 9px; border-radius: 50%; background: var(--c); }

/* ---- summary cards */
.cards { display: grid; grid-template-columns: minmax(220px, .8fr) minmax(360px, 1.5fr) minmax(260px, 1fr); gap: 16px; margin: 18px 0 16px; }
.cards.two { grid-template-columns: 1fr 1fr; margin-top: 0; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 10px; padding: 16px 18px; box-shadow: var(--shadow); min-width: 0; }
.card h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .07em; color: var(--muted); margin: 0 0 12px; font-weight: 650; }
.score { display: flex; align-items: center; gap: 18px; }
.score-ring { position: relative; width: 116px; height: 116px; flex: none; }
.score-ring svg { width: 116px; height: 116px; transform: rotate(-90deg); }
.score-ring .num { position: absolute; inset: 0; display: flex; flex-direction: column; align-items: center; justify-content: center; }
.score-ring .num b { font-size: 27px; font-weight: 700; letter-spacing: -.02em; line-height: 1; }
.score-ring .num span { font-size: 11.5px; color: var(--muted); margin-top: 3px; }
.score-list { list-style: none; margin: 0; padding: 0; font-size: 13px; }
.score-list li { display: flex; justify-content: space-between; gap: 12px; padding: 3px 0; border-bottom: 1px dashed var(--border); }
.score-list li:last-child { border-bottom: 0; }
.score-list .k { color: var(--muted); }
.score-list .v { font-variant-numeric: tabular-nums; font-weight: 600; white-space: nowrap; }
.passrate { margin-top: 10px; font-size: 12.5px; color: var(--muted); }
.results { display: flex; gap: 22px; align-items: center; }
.donut { width: 132px; height: 132px; flex: none; position: relative; }
.donut svg { width: 132px; height: 132px; transform: rotate(-90deg); }
.donut .num { position: absolute; inset: 0; display: flex; flex-direction: column; align-items: center; justify-content: center; }
.donut .num b { font-size: 26px; font-weight: 700; line-height: 1; }
.donut .num span { font-size: 11.5px; color: var(--muted); margin-top: 3px; }
.legend { list-style: none; margin: 0; padding: 0; flex: 1; display: grid; grid-template-columns: 1fr 1fr; gap: 2px 14px; min-width: 0; }
.legend button { all: unset; box-sizing: border-box; width: 100%; display: flex; align-items: center; gap: 8px; padding: 4px 6px; border-radius: 6px; cursor: pointer; font-size: 13px; }
.legend button:hover, .legend button:focus-visible { background: var(--soft); }
.legend .sw { width: 10px; height: 10px; border-radius: 3px; background: var(--c); flex: none; }
.legend .n { margin-left: auto; font-variant-numeric: tabular-nums; font-weight: 650; }
.legend .zero { color: var(--faint); }
.sevbars { display: grid; grid-template-columns: auto 1fr auto; gap: 9px 12px; align-items: center; font-size: 13px; }
.sevbars .bar { height: 10px; background: var(--soft); border-radius: 5px; overflow: hidden; }
.sevbars .bar i { display: block; height: 100%; background: var(--c); border-radius: 5px; min-width: 0; }
.sevbars .n { font-variant-numeric: tabular-nums; font-weight: 650; text-align: right; min-width: 2ch; }
.sevnote { margin-top: 12px; font-size: 12.5px; color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 5px 16px; margin: 0; font-size: 13px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
details.more { margin-top: 10px; font-size: 13px; }
details.more summary { cursor: pointer; color: var(--accent); }

/* ---- toolbar */
.toolbar { position: sticky; top: 0; z-index: 5; background: color-mix(in srgb, var(--bg) 92%, transparent); backdrop-filter: blur(6px); border-bottom: 1px solid var(--border); margin: 8px 0 0; }
.toolbar .wrap { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 18px; padding-top: 10px; padding-bottom: 10px; }
.fgroup { display: flex; align-items: center; gap: 5px; flex-wrap: wrap; }
.fgroup .lbl { font-size: 11.5px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); font-weight: 650; margin-right: 3px; }
.chip { font: inherit; font-size: 12.5px; display: inline-flex; align-items: center; gap: 6px; padding: 3px 10px; border-radius: 999px; cursor: pointer;
  border: 1px solid var(--border); background: var(--card); color: var(--muted); }
.chip .sw { width: 8px; height: 8px; border-radius: 50%; background: var(--c); opacity: .45; }
.chip .n { font-variant-numeric: tabular-nums; color: var(--faint); }
.chip[aria-pressed="true"] { color: var(--text); border-color: color-mix(in srgb, var(--c) 55%, var(--border)); background: color-mix(in srgb, var(--c) 10%, var(--card)); }
.chip[aria-pressed="true"] .sw { opacity: 1; }
.chip[aria-pressed="true"] .n { color: var(--muted); }
.search { position: relative; flex: 1 1 240px; max-width: 380px; margin-left: auto; }
.search input { width: 100%; font: inherit; padding: 6px 10px 6px 30px; border: 1px solid var(--border); border-radius: 8px; background: var(--card); color: var(--text); }
.search input:focus { outline: 2px solid color-mix(in srgb, var(--accent) 40%, transparent); border-color: var(--accent); }
.search svg { position: absolute; left: 9px; top: 50%; transform: translateY(-50%); color: var(--faint); }
.tools { display: flex; gap: 8px; align-items: center; font-size: 12.5px; color: var(--muted); }
.tools select, .btn { font: inherit; font-size: 12.5px; padding: 4px 9px; border: 1px solid var(--border); border-radius: 7px; background: var(--card); color: var(--text); cursor: pointer; }
.btn:hover { background: var(--soft); }
.shown { font-size: 12.5px; color: var(--muted); font-variant-numeric: tabular-nums; }

/* ---- rule list */
.list { margin: 14px 0 40px; background: var(--card); border: 1px solid var(--border); border-radius: 10px; box-shadow: var(--shadow); overflow: hidden; }
details.rule { border-top: 1px solid var(--border); scroll-margin-top: 64px; }
details.rule:first-child { border-top: 0; }
details.rule > summary { list-style: none; display: grid; grid-template-columns: 108px 96px 1fr 20px; align-items: center; gap: 12px; padding: 10px 16px; cursor: pointer; }
details.rule > summary::-webkit-details-marker { display: none; }
details.rule > summary:hover { background: var(--row-hover); }
details.rule[open] > summary { background: var(--soft); border-bottom: 1px solid var(--border); }
details.rule > summary::after { content: ""; width: 8px; height: 8px; border-right: 2px solid var(--faint); border-bottom: 2px solid var(--faint); transform: rotate(-45deg); justify-self: center; transition: transform .12s; }
details.rule[open] > summary::after { transform: rotate(45deg); }
.rt { min-width: 0; }
.rt .title { font-weight: 600; font-size: 14.5px; display: block; overflow-wrap: anywhere; }
.rt .meta { display: flex; flex-wrap: wrap; gap: 2px 10px; color: var(--muted); font-size: 12.5px; margin-top: 1px; }
.rt .meta code { font-size: 12px; color: var(--muted); }
.rt .ident { font-family: var(--mono); font-size: 12px; }
.rt .grp { color: var(--faint); }
.res { display: inline-flex; align-items: center; justify-content: center; gap: 6px; font-size: 12px; font-weight: 650; padding: 2px 9px; border-radius: 6px; white-space: nowrap;
  color: var(--c); background: color-mix(in srgb, var(--c) 12%, transparent); border: 1px solid color-mix(in srgb, var(--c) 28%, transparent); }
.sev { display: inline-flex; align-items: center; gap: 6px; font-size: 12.5px; color: var(--muted); white-space: nowrap; }
.sev .bars { display: inline-flex; align-items: flex-end; gap: 2px; height: 12px; }
.sev .bars i { width: 4px; background: var(--border); border-radius: 1px; }
.sev .bars i:nth-child(1) { height: 5px; } .sev .bars i:nth-child(2) { height: 8.5px; } .sev .bars i:nth-child(3) { height: 12px; }
.sev .bars i.on { background: var(--c); }
.r-pass { --c: var(--pass); } .r-fail { --c: var(--fail); } .r-error { --c: var(--error); } .r-unknown { --c: var(--unknown); }
.r-notchecked { --c: var(--notchecked); } .r-informational { --c: var(--informational); } .r-fixed { --c: var(--fixed); }
.r-notapplicable { --c: var(--notapplicable); } .r-notselected { --c: var(--notselected); }
.s-high { --c: var(--sev-high); } .s-medium { --c: var(--sev-medium); } .s-low { --c: var(--sev-low); } .s-info { --c: var(--sev-info); } .s-unknown { --c: var(--sev-unknown); }
.empty { padding: 40px; text-align: center; color: var(--muted); }

/* ---- rule details */
.rule-body { padding: 18px 20px 22px; }
.rule-body .placeholder { color: var(--muted); }
.rule-grid { display: grid; grid-template-columns: minmax(0, 1fr) 320px; gap: 24px; }
.sect h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .07em; color: var(--muted); margin: 0 0 6px; font-weight: 650; }
.sect + .sect { margin-top: 16px; }
.prose { max-width: 860px; overflow-wrap: anywhere; }
.prose p { margin: 0 0 8px; }
.prose pre, pre.code { background: var(--code-bg); border: 1px solid var(--border); border-radius: 7px; padding: 9px 12px; overflow: auto; white-space: pre; margin: 6px 0; }
.prose code { background: var(--code-bg); border: 1px solid var(--border); border-radius: 4px; padding: 0 4px; }
.prose pre code { border: 0; padding: 0; background: none; }
.prose table { border-collapse: collapse; margin: 6px 0; }
.prose td, .prose th { border: 1px solid var(--border); padding: 3px 8px; text-align: left; }
.sub { background: color-mix(in srgb, var(--accent) 14%, transparent); color: inherit; border-radius: 3px; padding: 0 3px; box-shadow: inset 0 -1px 0 color-mix(in srgb, var(--accent) 55%, transparent); }
.warnbox { border-left: 3px solid var(--notchecked); background: color-mix(in srgb, var(--notchecked) 8%, transparent); padding: 8px 12px; border-radius: 0 6px 6px 0; margin: 6px 0; }
.msgs { list-style: none; margin: 0 0 14px; padding: 0; }
.msgs li { padding: 7px 12px; border-radius: 6px; margin-bottom: 5px; font-size: 13px; border-left: 3px solid var(--c); background: color-mix(in srgb, var(--c) 8%, transparent); overflow-wrap: anywhere; }
.msgs .m-info { --c: var(--informational); } .msgs .m-warning { --c: var(--notchecked); } .msgs .m-error { --c: var(--fail); }
.side { font-size: 13px; }
.side .sect + .sect { margin-top: 14px; }
.tags { display: flex; flex-wrap: wrap; gap: 4px; }
.tag { font-size: 12px; padding: 1px 7px; border-radius: 5px; background: var(--soft); border: 1px solid var(--border); font-family: var(--mono); overflow-wrap: anywhere; }
.refs { display: grid; grid-template-columns: minmax(120px, max-content) 1fr; gap: 6px 16px; align-items: baseline; font-size: 13px; }
.refs .src { white-space: nowrap; }
span.src { color: var(--muted); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 12px; margin: 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }
.block { margin-top: 22px; border-top: 1px solid var(--border); padding-top: 16px; }
.block > h3 { font-size: 13px; text-transform: uppercase; letter-spacing: .07em; color: var(--muted); margin: 0 0 10px; font-weight: 650; }

/* ---- OVAL evidence */
.o { display: inline-block; font-size: 11.5px; font-weight: 650; padding: 0 7px; border-radius: 5px; line-height: 18px; white-space: nowrap;
  color: var(--c); background: color-mix(in srgb, var(--c) 12%, transparent); border: 1px solid color-mix(in srgb, var(--c) 28%, transparent); }
.o-true { --c: var(--pass); } .o-false { --c: var(--fail); } .o-error { --c: var(--error); } .o-unknown { --c: var(--unknown); }
.o-not-evaluated, .o-not-applicable, .o-none { --c: var(--notapplicable); }
.f-complete { --c: var(--pass); } .f-incomplete, .f-partial { --c: var(--notchecked); } .f-error { --c: var(--error); }
.f-does-not-exist, .f-not-collected, .f-not-applicable { --c: var(--notapplicable); }
.defhead { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; margin-bottom: 8px; }
.defhead .t { font-weight: 600; }
.idc { font-family: var(--mono); font-size: 11.5px; color: var(--faint); overflow-wrap: anywhere; }
ul.tree, ul.tree ul { list-style: none; margin: 0; padding: 0; }
ul.tree ul { margin-left: 11px; padding-left: 18px; border-left: 1.5px solid var(--border); }
ul.tree li { margin: 6px 0; }
.node { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.node .op { font-size: 11px; font-weight: 700; letter-spacing: .05em; padding: 0 6px; border-radius: 4px; background: var(--soft); border: 1px solid var(--border); color: var(--muted); line-height: 18px; }
.node .neg { font-size: 11px; font-weight: 700; padding: 0 6px; border-radius: 4px; background: color-mix(in srgb, var(--unknown) 14%, transparent); color: var(--unknown); line-height: 18px; }
.node .cm { font-weight: 550; }
details.tdet > summary { cursor: pointer; list-style: none; }
details.tdet > summary::-webkit-details-marker { display: none; }
details.tdet > summary::before { content: ""; width: 6px; height: 6px; border-right: 1.5px solid var(--faint); border-bottom: 1.5px solid var(--faint); transform: rotate(-45deg); margin: 0 2px 0 -1px; align-self: center; transition: transform .12s; }
details.tdet[open] > summary::before { transform: rotate(45deg); }
details.tdet > summary:hover .cm { text-decoration: underline; text-decoration-color: var(--faint); }
.test { margin: 8px 0 4px; border: 1px solid var(--border); border-radius: 8px; background: var(--card); overflow: hidden; }
.test-head { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; padding: 7px 12px; background: var(--soft); border-bottom: 1px solid var(--border); font-size: 12.5px; }
.test-head .ty { font-family: var(--mono); font-weight: 600; }
.test-head .kind, .part .kind { font-size: 11px; text-transform: uppercase; letter-spacing: .07em; color: var(--muted); font-weight: 700; }
.test-head .facts { color: var(--muted); margin-left: auto; }
.test-head .facts b { color: var(--text); font-weight: 550; }
.test-parts { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 10px; padding: 10px 12px 4px; }
.part { border: 1px solid var(--border); border-radius: 7px; padding: 8px 10px; min-width: 0; }
.part .ph { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; margin-bottom: 6px; }
.part .ty { font-family: var(--mono); font-size: 12px; }
.part .cm { color: var(--muted); font-size: 12.5px; width: 100%; }
.part .extra { font-size: 12.5px; color: var(--muted); margin-top: 5px; overflow-wrap: anywhere; }
table.ents { border-collapse: collapse; width: 100%; font-size: 12.5px; }
table.ents th { text-align: left; font-weight: 600; color: var(--muted); font-size: 11.5px; padding: 2px 8px 2px 0; border-bottom: 1px solid var(--border); }
table.ents td { padding: 3px 8px 3px 0; vertical-align: top; border-bottom: 1px solid var(--soft); overflow-wrap: anywhere; }
table.ents td.v { font-family: var(--mono); font-size: 12px; }
table.ents td.opn { color: var(--muted); white-space: nowrap; }
table.ents th:not(:last-child), table.ents td:not(:last-child) { width: 1%; white-space: nowrap; padding-right: 18px; }
.items { padding: 6px 12px 12px; }
.items .ih { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; font-size: 12.5px; margin: 4px 0 6px; color: var(--muted); }
.items .ih b { color: var(--text); }
.tablewrap { max-height: 420px; overflow: auto; border: 1px solid var(--border); border-radius: 7px; }
table.itab { border-collapse: separate; border-spacing: 0; width: max-content; min-width: 100%; font-size: 12px; }
table.itab th { position: sticky; top: 0; background: var(--soft); text-align: left; font-weight: 600; padding: 5px 10px; border-bottom: 1px solid var(--border); white-space: nowrap; color: var(--muted); font-size: 11.5px; }
table.itab th.cmp { color: var(--text); }
table.itab th.cmp::after { content: " \25C6"; color: var(--accent); font-size: 9px; }
table.itab td { padding: 4px 10px; border-bottom: 1px solid var(--soft); vertical-align: top; font-family: var(--mono); white-space: pre; }
table.itab td.long { white-space: pre-wrap; overflow-wrap: anywhere; min-width: 280px; max-width: 560px; }
table.itab td.idn { color: var(--faint); white-space: nowrap; }
table.itab th:nth-child(-n+2), table.itab td:nth-child(-n+2) { width: 1%; white-space: nowrap; }
table.itab td.cmp { background: color-mix(in srgb, var(--accent) 5%, transparent); }
table.itab td .st { font-family: inherit; font-style: italic; color: var(--muted); }
table.itab tr:last-child td { border-bottom: 0; }
.capnote { margin-top: 6px; font-size: 12.5px; color: var(--muted); }
.note { color: var(--muted); font-size: 13px; }
.checkline { font-size: 13px; margin-bottom: 10px; color: var(--muted); overflow-wrap: anywhere; }
.checkline b { color: var(--text); font-weight: 600; }

/* ---- remediation */
.tabs { display: flex; gap: 2px; border-bottom: 1px solid var(--border); flex-wrap: wrap; }
.tabs button { font: inherit; font-size: 13px; padding: 6px 12px; border: 1px solid transparent; border-bottom: 0; border-radius: 7px 7px 0 0; background: none; color: var(--muted); cursor: pointer; margin-bottom: -1px; }
.tabs button[aria-selected="true"] { background: var(--card); border-color: var(--border); color: var(--text); font-weight: 600; }
.fixpane { border: 1px solid var(--border); border-top: 0; border-radius: 0 0 8px 8px; padding: 10px 12px; }
.fixmeta { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; font-size: 12.5px; color: var(--muted); margin-bottom: 6px; }
.fixmeta b { color: var(--text); font-weight: 550; }
.fixmeta .btn { margin-left: auto; }
pre.code { margin: 0; max-height: 460px; font-size: 12.5px; line-height: 1.5; }

@media (max-width: 1080px) {
  .cards { grid-template-columns: 1fr 1fr; }
  .cards > .card:nth-child(3) { grid-column: 1 / -1; }
  .rule-grid { grid-template-columns: 1fr; }
}
@media (max-width: 720px) {
  .wrap { padding: 0 14px; }
  .cards, .cards.two { grid-template-columns: 1fr; }
  details.rule > summary { grid-template-columns: auto 1fr 16px; }
  details.rule > summary .sev { display: none; }
  .legend { grid-template-columns: 1fr; }
}
@media print {
  .toolbar, .topbar .gen, .btn { display: none !important; }
  body { background: #fff; }
  .card, .list { box-shadow: none; }
  .tablewrap, pre.code { max-height: none; }
}

/* the plain evidence table, the not-applicable reason, the empty state */
.block.plain { margin-top: 0; margin-bottom: 14px; }
table.evtab { border-collapse: collapse; width: 100%; font-size: 13px; }
table.evtab th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; padding: 5px 10px; border-bottom: 1px solid var(--border); background: var(--soft); }
table.evtab td { padding: 5px 10px; border-bottom: 1px solid var(--soft); vertical-align: top; }
table.evtab td.v { font-family: var(--mono); white-space: pre-wrap; overflow-wrap: anywhere; }
table.evtab tr.bad td.v:nth-child(4) { color: var(--fail); font-weight: 600; }
table.evtab th:first-child, table.evtab td:first-child { width: 1%; white-space: nowrap; }
.nawhy { margin: 0 0 12px; padding: 8px 12px; border-left: 3px solid var(--notapplicable, var(--border)); background: var(--soft); border-radius: 4px; }
.emptywhy { max-width: 860px; margin: 10px 0 0; color: var(--text); line-height: 1.5; }
.okmark { color: var(--pass); font-size: 12px; }
.nomark { color: var(--fail); font-size: 12px; font-weight: 600; }
details.rule { scroll-margin-top: 130px; }
`;
