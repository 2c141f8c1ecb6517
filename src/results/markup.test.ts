import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEntities, markupToText, safeHref, sanitizeMarkup } from './markup.js';

const values: Record<string, string> = { v1: 'no', evil: '<script>x</script>' };
const resolve = (id: string): string | undefined => values[id];

test('sanitizeMarkup keeps the whitelist and drops everything else', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['plain & <code>code</code>', 'plain &amp; <code>code</code>'],
    ['<p>a<br/>b</p><p/>', '<p>a<br>b</p><p></p>'],
    ['<ul><li>one</li><li>two</li></ul>', '<ul><li>one</li><li>two</li></ul>'],
    ['<html:pre>x  y</html:pre>', '<pre>x  y</pre>'],
    ['<span class="x">kept text</span>', 'kept text'],
    ['a<script>alert(1)</script>b', 'ab'],
    ['a<script src="x"/>b', 'ab'],
    ['a<style>body{}</style>b', 'ab'],
    ['a<svg><script>alert(1)</script></svg>b', 'ab'],
    ['<img src="x" onerror="alert(1)"/>after', 'after'],
    ['<p onclick="evil()" style="x">t</p>', '<p>t</p>'],
    ['<a href="javascript:alert(1)">j</a>', '<a>j</a>'],
    ['<a href="java&#x09;script:alert(1)">j</a>', '<a>j</a>'],
    ['<a href=" JAVASCRIPT:alert(1)">j</a>', '<a>j</a>'],
    ['<a href="data:text/html,x">d</a>', '<a>d</a>'],
    ['<a href="https://example.org/?a=1&amp;b=&quot;2&quot;">ok</a>', '<a href="https://example.org/?a=1&amp;b=&quot;2&quot;" rel="noopener noreferrer" target="_blank">ok</a>'],
    ['&lt;script&gt;alert(1)&lt;/script&gt;', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['<!-- <script>x</script> -->c', 'c'],
    ['<![CDATA[<b>raw</b>]]>', '&lt;b&gt;raw&lt;/b&gt;'],
    ['<b><i>unclosed', '<b><i>unclosed</i></b>'],
    ['<b>x</i></b>', '<b>x</b>'],
    ['<b><i>x</b>y', '<b><i>x</i></b>y'],
    ['1 < 2 > 0', '1 &lt; 2 &gt; 0'],
    ['<td colspan="2" rowspan="x">c</td>', '<td colspan="2">c</td>'],
    ['<sub idref="v1" use="legacy"/>', '<span class="sub" title="v1">no</span>'],
    ['<sub idref="evil"/>', '<span class="sub" title="evil">&lt;script&gt;x&lt;/script&gt;</span>'],
    ['<sub idref="missing"/>', '<span class="sub" title="missing">[missing]</span>'],
    ['<sub>subscript</sub>', 'subscript'],
  ];
  for (const [input, want] of cases) assert.equal(sanitizeMarkup(input, resolve), want, input);
});

test('sanitizeMarkup output never carries an event handler or a script, whatever the input', () => {
  const hostile = [
    '<scr<script>ipt>alert(1)</script>',
    '<<script>script>alert(1)<</script>/script>',
    '<a href="x" onmouseover="alert(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<div><p>open<script>',
    '<a href=javascript:alert(1)>x</a>',
    '"><img src=x onerror=alert(1)>',
  ];
  for (const h of hostile) {
    const out = sanitizeMarkup(h);
    assert.doesNotMatch(out, /<script|<img|<iframe|\son\w+=|javascript:/i, `${h} → ${out}`);
  }
});

test('safeHref allows http(s), mailto and fragments only', () => {
  assert.equal(safeHref('https://x.org/a'), 'https://x.org/a');
  assert.equal(safeHref('mailto:a@b.c'), 'mailto:a@b.c');
  assert.equal(safeHref('#frag'), '#frag');
  for (const bad of ['javascript:x', 'vbscript:x', 'data:x', 'file:///etc/passwd', '//evil.org', 'https:', 'relative/path']) assert.equal(safeHref(bad), undefined, bad);
});

test('decodeEntities decodes XML references, leaves unknown entities alone', () => {
  assert.equal(decodeEntities('&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&foo;'), '<>&"\'AB&foo;');
  assert.equal(decodeEntities('&#0;&#xD800;'), '\ufffd\ufffd');
});

test('markupToText: tags dropped, soft line breaks joined, pre and lists kept, subs resolved', () => {
  const m = 'To disable it,\nedit <code>/etc/x</code>:\n<pre>Key <sub idref="v1"/>\n  indented</pre>Then:<ul><li>one</li><li>two</li></ul><script>no()</script>';
  assert.equal(markupToText(m, resolve), 'To disable it, edit /etc/x:\nKey no\n  indented\nThen:\n- one\n- two');
  assert.equal(markupToText('a &amp; b<br/>c'), 'a & b\nc');
});
