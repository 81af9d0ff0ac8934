// End-to-end: the Schedule panel — the paper's Fig. 2 fit on the page, the WSD answer, a link
// round trip, bad input messages, and screenshots of the panel (wide and phone, light and dark).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useBrowser, openPage, settle, text, shotDir } from './harness.mjs';

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

const OUTS = ['sched_tissue', 'sched_tissue_r2', 'sched_mpl', 'sched_mpl_r2', 'sched_pred_tissue', 'sched_pred_mpl', 'sched_wsd_best'];
async function outputs(page) {
  const v = {};
  for (const k of OUTS) v[k] = await text(page, `out-${k}`);
  return v;
}
async function shot(page, name) {
  await mkdir(shotDir, { recursive: true });
  await page.locator('#tool-sched').screenshot({ path: join(shotDir, `${name}.png`) });
}
const NON_FINITE = /NaN|Infinity|undefined/;
// The paper's own Fig. 2 curves are not shipped (no licence to copy them): the tests paste them
// from ../shared/data with their schedules.
const FIG2 = (await readFile(new URL('../../../shared/data/lr_tissue_fig2/tissue594m_fig2_val_loss.csv', import.meta.url), 'utf8'))
  .trim().split('\n').map((l) => l.split(',').slice(0, 3).join(',')).join('\n');
const FIG2_SPECS = 'cosine: cosine:steps=20000,peak=2e-4,warmup=500,min=0\nconstant: constant:steps=20000,peak=2e-4,warmup=500';
async function pasteFig2(page) {
  await page.fill('#sched-data', FIG2);
  await page.fill('#sched-specs', FIG2_SPECS);
  await settle(page);
}

test('Fig. 2 is fitted live on the page and the WSD question is answered', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'sched' });
  // The defaults: synthetic curves drawn from the Fig. 2 law (three schedules), fitted live.
  assert.match(await page.inputValue('#sched-data'), /^# Synthetic example/);
  assert.match(await text(page, 'out-sched_tissue'), /^L = 2\.6\d+ \+ 0\.4\d+·S₁/);
  assert.equal(await page.locator('#tbl-sched_curves tr').count(), 4);
  await pasteFig2(page);
  const v = await outputs(page);
  // Paper: L = 2.628 + 0.429·S₁^(−0.550) − 0.411·S₂, R² 0.99964 (re-fit: 2.6278, 0.42967, 0.54985, 0.41077).
  assert.equal(v.sched_tissue, 'L = 2.628 + 0.4297·S₁^(−0.5498) − 0.4108·S₂');
  assert.match(v.sched_tissue_r2, /^0\.99963\d? \(40 points/);
  assert.ok(Number(v.sched_mpl_r2.split(' ')[0]) >= 0.99963, v.sched_mpl_r2);
  assert.match(v.sched_wsd_best, /decay the last \d+(\.\d+)?%/);
  for (const [k, val] of Object.entries(v)) assert.ok(val && !NON_FINITE.test(val) && val !== '—', `${k} = ${val}`);
  const scanRows = await page.locator('#tbl-sched_scan tr').count();
  assert.equal(scanRows, 11);
  assert.equal(await page.locator('#tbl-sched_curves tr').count(), 3);
  for (const kind of ['sched-loss', 'sched-lr', 'sched-scan']) {
    const blank = await page.evaluate((k) => {
      const c = document.querySelector(`canvas[data-chart="${k}"]`);
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let colours = new Set();
      for (let i = 0; i < d.length; i += 397 * 4) colours.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
      return colours.size;
    }, kind);
    assert.ok(blank > 3, `${kind} looks blank`);
  }
  await page.locator('#tool-sched').scrollIntoViewIfNeeded();
  await shot(page, 'sched-wide-light');
  assert.deepEqual(problems, []);
});

test('a changed panel survives a share link', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'sched' });
  await page.fill('#sched-predict', 'wsd:steps=20000,peak=2e-4,warmup=500,decay=0.1,shape=linear,min=0');
  await page.fill('#sched-lambda', '0.995');
  await page.selectOption('#sched-warmup', 'ramp');
  await settle(page);
  const before = await outputs(page);
  assert.match(await text(page, 'out-sched_convention'), /ramp/);
  await page.waitForFunction(() => location.hash.length > 1);
  const url = page.url();
  const second = await openPage(browser, origin, { tool: 'sched', hash: url.slice(url.indexOf('#')) });
  assert.deepEqual(await outputs(second.page), before);
  assert.equal(await second.page.inputValue('#sched-lambda'), '0.995');
  assert.equal(await second.page.inputValue('#sched-warmup'), 'ramp');
  assert.deepEqual(problems, []);
  assert.deepEqual(second.problems, []);
  await context.close();
});

test('bad input gives a message under its field and keeps the rest', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'sched' });
  const good = await outputs(page);
  await page.fill('#sched-predict', 'cosine:steps=20000,peak=-1');
  await settle(page);
  assert.match(await text(page, 'err-sched_predict'), /peak learning rate must be greater than 0/);
  assert.equal(await text(page, 'out-sched_tissue'), good.sched_tissue);
  await page.fill('#sched-predict', 'wsd:steps=20000,peak=2e-4,warmup=500,decay=0.2,shape=1-sqrt,min=0');
  await page.fill('#sched-lambda', '2');
  await settle(page);
  assert.match(await text(page, 'err-sched_lambda'), /below 1/);
  assert.equal(await text(page, 'out-sched_tissue'), good.sched_tissue, 'the fit falls back to the paper\'s λ');
  assert.match(await text(page, 'out-sched_lambda_used'), /0\.999 \(the paper's/);
  await page.fill('#sched-lambda', '0.999');
  await page.fill('#sched-specs', 'cosine: cosine:steps=10000,peak=2e-4\nconstant: constant:steps=20000,peak=2e-4,warmup=500');
  await settle(page);
  assert.match(await text(page, 'err-sched_specs'), /longer than its schedule/);
  await page.fill('#sched-specs', 'cosine: cosine:steps=20000,peak=2e-4,warmup=500\nconstant: constant:steps=20000,peak=2e-4,warmup=500');
  await page.fill('#sched-data', 'step,loss\n1000,3.1');
  await settle(page);
  assert.match(await text(page, 'err-sched_data'), /at least 5/);
  await page.fill('#sched-data', 'schedule,step,val_loss\ncosine,2000,3\ncosine,1000,3.1\ncosine,3000,2.9\ncosine,4000,2.8\ncosine,5000,2.7\nconstant,1000,3');
  await settle(page);
  assert.match(await text(page, 'err-sched_data'), /must increase/);
  assert.ok(!NON_FINITE.test(await page.evaluate(() => document.getElementById('tool-sched').textContent)));
  await shot(page, 'sched-errors');
  assert.deepEqual(problems, []);
});

test('screenshots: phone width and dark mode', async () => {
  for (const [name, viewport, colorScheme] of [
    ['sched-narrow-light', { width: 390, height: 900 }, 'light'],
    ['sched-narrow-dark', { width: 390, height: 900 }, 'dark'],
    ['sched-wide-dark', { width: 1280, height: 900 }, 'dark'],
  ]) {
    const { page, problems, context } = await openPage(browser, origin, { tool: 'sched', viewport, colorScheme });
    await page.locator('#tool-sched').scrollIntoViewIfNeeded();
    await settle(page);
    await shot(page, name);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    assert.ok(!overflow, `${name}: the page scrolls sideways`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('other loss curves are predicted by both fitted laws, scored and drawn, and kept in the link', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'sched' });
  await pasteFig2(page);
  // The paper's constant curve (a run the laws were fitted on with the cosine one).
  const constant = (await page.inputValue('#sched-data')).split('\n').filter((l) => !l.startsWith('cosine')).join('\n');
  await page.fill('#sched-other', constant);
  await settle(page);
  assert.equal(await text(page, 'err-sched_other'), '');
  const rows = await page.evaluate(() => [...document.querySelectorAll('#tbl-sched_other tr')].map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(rows[0], ['Curve predicted', 'Points', 'MAE Tissue', 'R² Tissue', 'MAE MPL', 'R² MPL', 'Last point, Tissue', 'Last point, MPL']);
  assert.equal(rows.length, 2);
  assert.equal(rows[1][0], 'constant');
  assert.ok(Number(rows[1][3]) > 0.99 && Number(rows[1][2]) < 0.02, JSON.stringify(rows[1]));
  for (const cell of rows[1]) assert.ok(!NON_FINITE.test(cell), cell);
  assert.match(await page.evaluate(() => location.hash), /sot=/);
  await shot(page, 'schedule-other-wide-light');
  // A curve with no schedule: named under the box, the fit above still shown.
  await page.fill('#sched-other', 'schedule,step,val_loss\nwsd,1000,3.6\nwsd,2000,3.3\nwsd,3000,3.2\nwsd,4000,3.1\nwsd,5000,3.05');
  await settle(page);
  assert.match(await text(page, 'err-sched_other'), /no schedule for curve "wsd"/);
  assert.match(await text(page, 'out-sched_tissue'), /^L = 2\.628/);
  assert.deepEqual(problems, []);
  await page.close();
});
