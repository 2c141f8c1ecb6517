/**
 * The HTML report in a real browser: headless Chromium takes a screenshot
 * (which must be a sensible, non-blank PNG with the result colours on it) and
 * dumps the DOM after the report's script ran (which must have marked
 * <body> ready, with no error, and built the evidence of the opened rules).
 * Set VIGIL_SCREENSHOT_DIR to keep the screenshot.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { oracleMissing, run } from '../testing/oracle.js';
import { writeHtmlReport } from './html-report.js';
import { sampleScanReport } from './scan-report.case.js';

const CHROMIUM = process.env['VIGIL_CHROMIUM'] ?? 'chromium';
const dir = mkdtempSync(join(tmpdir(), 'vigil-shot-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let available: boolean;
const reportFile = join(dir, 'report.html');
before(async () => {
  available = await run(CHROMIUM, ['--version'], { timeoutMs: 60_000 }).then(
    (r) => r.code === 0 && /chrom/i.test(r.stdout),
    () => false,
  );
  await writeHtmlReport(reportFile, sampleScanReport({ manyItems: 250 }));
});

function chromium(args: readonly string[], url: string) {
  return run(
    CHROMIUM,
    ['--headless', '--disable-gpu', '--no-sandbox', '--no-first-run', '--hide-scrollbars', `--user-data-dir=${join(dir, 'profile')}`, ...args, url],
    { cwd: dir, timeoutMs: 120_000 },
  );
}

interface Png {
  readonly width: number;
  readonly height: number;
  /** RGB(A) rows without filter bytes. */
  readonly pixels: Buffer;
  readonly channels: number;
}

/** Decodes an 8-bit RGB or RGBA PNG (what Chromium writes): chunks, inflate, unfilter. */
function decodePng(buf: Buffer): Png {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  let p = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (p < buf.length) {
    const len = buf.readUInt32BE(p);
    const type = buf.toString('latin1', p + 4, p + 8);
    const data = buf.subarray(p + 8, p + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, 'bit depth');
      assert.ok(data[9] === 2 || data[9] === 6, `colour type ${data[9]}`);
      assert.equal(data[12], 0, 'not interlaced');
      channels = data[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    p += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[y * stride + x - channels]! : 0;
      const b = y > 0 ? px[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels]! : 0;
      let v = raw[src + x]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const pp = a + b - c;
        const pa = Math.abs(pp - a);
        const pb = Math.abs(pp - b);
        const pc = Math.abs(pp - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, pixels: px, channels };
}

test('the HTML report renders in headless Chromium: a sensible, non-blank screenshot with the result colours', async (t) => {
  if (!available) {
    oracleMissing(t, `${CHROMIUM} (Debian package chromium) is not installed`);
    return;
  }
  const out = join(dir, 'report.png');
  const r = await chromium([`--screenshot=${out}`, '--window-size=1400,1000'], pathToFileURL(reportFile).href);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(out), `no screenshot; chromium said:\n${r.stderr}`);
  const keep = process.env['VIGIL_SCREENSHOT_DIR'];
  if (keep) {
    mkdirSync(keep, { recursive: true });
    copyFileSync(out, join(keep, 'html-report.png'));
  }
  const png = decodePng(readFileSync(out));
  assert.equal(png.width, 1400);
  assert.equal(png.height, 1000);

  const colours = new Set<number>();
  let sum = 0;
  let sumSq = 0;
  let red = 0;
  let green = 0;
  const n = png.width * png.height;
  for (let i = 0; i < n; i++) {
    const o = i * png.channels;
    const [rr, gg, bb] = [png.pixels[o]!, png.pixels[o + 1]!, png.pixels[o + 2]!];
    colours.add((rr << 16) | (gg << 8) | bb);
    const lum = 0.2126 * rr + 0.7152 * gg + 0.0722 * bb;
    sum += lum;
    sumSq += lum * lum;
    // The fail and pass colours of the light theme (#d1242f, #1f883d), within a small tolerance.
    if (Math.abs(rr - 0xd1) < 24 && Math.abs(gg - 0x24) < 24 && Math.abs(bb - 0x2f) < 24) red++;
    if (Math.abs(rr - 0x1f) < 24 && Math.abs(gg - 0x88) < 24 && Math.abs(bb - 0x3d) < 24) green++;
  }
  const sd = Math.sqrt(sumSq / n - (sum / n) ** 2);
  t.diagnostic(`${colours.size} colours, luminance sd ${sd.toFixed(1)}, fail-red pixels ${red}, pass-green pixels ${green}`);
  assert.ok(colours.size > 200, `only ${colours.size} colours: a blank or unstyled page`);
  assert.ok(sd > 15, `luminance standard deviation ${sd.toFixed(1)}: a blank page`);
  assert.ok(red > 500, `${red} fail-red pixels: the summary chart and badges did not render`);
  assert.ok(green > 100, `${green} pass-green pixels`);
});

test("the report's script runs without error and builds the opened rules' evidence (--dump-dom)", async (t) => {
  if (!available) {
    oracleMissing(t, `${CHROMIUM} (Debian package chromium) is not installed`);
    return;
  }
  const r = await chromium(['--dump-dom', '--virtual-time-budget=5000'], `${pathToFileURL(reportFile).href}#all`);
  assert.equal(r.code, 0, r.stderr);
  const dom = r.stdout;
  const bodyTag = /<body[^>]*>/.exec(dom)?.[0] ?? '';
  assert.match(bodyTag, /data-vigil-ready="true"/, `the script did not finish: ${bodyTag}\n${r.stderr}`);
  assert.doesNotMatch(bodyTag, /data-vigil-error/);
  // The default filters hide the unselected rule and count the rest.
  assert.match(dom, /<span class="shown" id="shown">7 of 8 rules<\/span>/);
  assert.match(dom, /<details class="rule" id="r-4"[^>]* hidden="">/);
  // Built by the script from the embedded data: criteria tree, test parts, item table with its cap, remediation tabs.
  assert.match(dom, /<ul class="tree">/);
  // The plain evidence table comes before the OVAL details: file, setting, value found, expected.
  assert.match(dom, /<table class="evtab">.*<th>File<\/th><th>Setting<\/th><th>Value found<\/th><th>Expected<\/th>/s);
  assert.match(dom, /<tr class="bad"><td><span class="o o-false">wrong<\/span><\/td><td><code>\/etc\/ssh\/sshd_config<\/code><\/td><td>PermitRootLogin<\/td><td class="v">yes<\/td><td class="v">no<\/td><\/tr>/);
  assert.ok(dom.indexOf('class="evtab"') < dom.indexOf('class="tree"'), 'the plain table comes first');
  assert.match(dom, /<p class="nawhy"><b>Why not applicable: <\/b>/);
  // Failures first in the list.
  assert.ok(dom.indexOf('id="r-5"') < dom.indexOf('id="r-1"'), 'the second failure comes before the pass');
  assert.match(dom, /<span class="kind">Object<\/span>/);
  assert.match(dom, /<table class="itab">/);
  assert.match(dom, /<td>PermitRootLogin yes<\/td>/);
  assert.match(dom, /<td>\/srv\/share\/file-0099\.txt<\/td>/);
  assert.doesNotMatch(dom, /<td>\/srv\/share\/file-0100\.txt<\/td>/);
  assert.match(dom, /Showing the first 100 of 250 items/);
  assert.match(dom, /<button[^>]*role="tab"[^>]*aria-selected="true"[^>]*>Shell script<\/button>/);
  assert.match(dom, /PermitRootLogin <span class="sub" title="[^"]*">no<\/span>/);
  // Hostile rule text stayed inert: no element it could have made, no event handler attribute.
  const elements = dom.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '');
  assert.doesNotMatch(elements, /<img\b|<[a-z][^>]*\son[a-z]+=|alert\("pwned"\)/i);
  assert.match(elements, /&lt;img src=x onerror=alert\(3\)&gt;/, 'shown as text');
});

test('the empty state in a browser: nothing checked, the benchmark platform and the target named (screenshot)', async (t) => {
  if (!available) {
    oracleMissing(t, `${CHROMIUM} (Debian package chromium) is not installed`);
    return;
  }
  const base = sampleScanReport({ manyItems: 1 });
  const tr = base.testResult;
  const file = join(dir, 'empty.html');
  await writeHtmlReport(file, {
    ...base,
    benchmark: { ...base.benchmark, platforms: ['cpe:/o:debian:debian_linux:11'] },
    system: { ...base.system, osName: 'Debian GNU/Linux', osVersion: '12 (bookworm)' },
    testResult: { ...tr, platforms: [], ruleResults: tr.ruleResults.map((r) => (r.result === 'notselected' ? r : { ...r, result: 'notapplicable' as const })) },
  });
  const out = join(dir, 'empty.png');
  const r = await chromium([`--screenshot=${out}`, '--window-size=1400,900'], pathToFileURL(file).href);
  assert.equal(r.code, 0, r.stderr);
  const keep = process.env['VIGIL_SCREENSHOT_DIR'];
  if (keep) copyFileSync(out, join(keep, 'html-report-empty.png'));
  const png = decodePng(readFileSync(out));
  // No pass-green anywhere above the rule list: the page does not look like a success.
  let green = 0;
  for (let y = 0; y < 600; y++) {
    for (let x = 0; x < png.width; x++) {
      const o = (y * png.width + x) * png.channels;
      const [rr, gg, bb] = [png.pixels[o]!, png.pixels[o + 1]!, png.pixels[o + 2]!];
      if (Math.abs(rr - 0x1f) < 24 && Math.abs(gg - 0x88) < 24 && Math.abs(bb - 0x3d) < 24) green++;
    }
  }
  t.diagnostic(`pass-green pixels in the summary: ${green}`);
  // The legend's pass swatch (0) is some 90 pixels; a green ring or verdict would be thousands.
  assert.ok(green < 150, `${green} pass-green pixels: an empty scan looks green`);
  const dom = await chromium(['--dump-dom', '--virtual-time-budget=3000'], pathToFileURL(file).href);
  assert.match(dom.stdout, /Nothing was checked/);
  assert.doesNotMatch(dom.stdout, /Every checked rule passed/);
});

test('an opened failing rule in a browser (screenshot)', async (t) => {
  if (!available) {
    oracleMissing(t, `${CHROMIUM} (Debian package chromium) is not installed`);
    return;
  }
  const out = join(dir, 'rule.png');
  const r = await chromium([`--screenshot=${out}`, '--window-size=1400,1400', '--virtual-time-budget=3000'], `${pathToFileURL(reportFile).href}#r-0`);
  assert.equal(r.code, 0, r.stderr);
  const keep = process.env['VIGIL_SCREENSHOT_DIR'];
  if (keep) copyFileSync(out, join(keep, 'html-report-rule.png'));
  const png = decodePng(readFileSync(out));
  assert.equal(png.width, 1400);
});
