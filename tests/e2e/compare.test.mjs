// End-to-end: the "Compare two fits" panel — paste two run tables, see where the frontiers cross
// and the chart, share the link, and get clear messages for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useBrowser, openPage, settle, text, shotDir } from './harness.mjs';

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

// Two Chinchilla laws with the same frontier exponent s = αβ/(α+β) (α and β swapped), so that
// L* = E + K·(C/6)^(−s) for both and the crossing has a closed form.
const frontierK = (l) => {
  const g = Math.pow((l.alpha * l.a) / (l.beta * l.b), 1 / (l.alpha + l.beta));
  return { k: l.a * Math.pow(g, -l.alpha) + l.b * Math.pow(g, l.beta), s: (l.alpha * l.beta) / (l.alpha + l.beta), g };
};
const lawA = { e: 1.7, a: 400, b: 1200, alpha: 0.34, beta: 0.36 };
const base = { e: 1.9, a: 400, b: 1200, alpha: 0.36, beta: 0.34 };
const { k: kA, s } = frontierK(lawA);
const kB = kA - (base.e - lawA.e) / Math.pow(3e19 / 6, -s);
const f = kB / frontierK(base).k;
const lawB = { ...base, a: base.a * f, b: base.b * f };
const trueCrossing = 6 * Math.pow((kA - frontierK(lawB).k) / (lawB.e - lawA.e), 1 / s);

function table(law, seed) {
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const { g, s: _ } = frontierK(law);
  const rows = ['N,D,loss'];
  for (let k = 0; k < 5; k++) {
    const c = 1e17 * 10 ** k;
    const nOpt = g * Math.pow(c / 6, law.beta / (law.alpha + law.beta));
    for (let j = 0; j < 9; j++) {
      const n = nOpt * Math.pow(8, (j - 4) / 4);
      const d = c / (6 * n);
      const loss = (law.e + law.a / n ** law.alpha + law.b / d ** law.beta) * Math.exp(0.003 * (rand() - 0.5) * 3.4);
      rows.push(`${n.toPrecision(4)},${d.toPrecision(4)},${loss.toFixed(5)}`);
    }
  }
  return rows.join('\n');
}

async function shot(page, name) {
  await page.locator('#tool-cmp').screenshot({ path: join(shotDir, `${name}.png`) });
}

async function fill(page, a, b) {
  await page.fill('#cmp-name-a', 'Dense');
  await page.fill('#cmp-name-b', 'MoE');
  await page.fill('#cmp-a', a);
  await page.fill('#cmp-b', b);
  await settle(page);
}

const parseFlop = (t) => Number(t.match(/^([\d.]+e[+-]?\d+)/)?.[1]);

test('two tables: the crossing, its interval, the chart, and the link round trip', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'cmp' });
  const chartBefore = await page.evaluate(() => document.querySelector('canvas[data-chart="cmp-frontiers"]').toDataURL());
  await fill(page, table(lawA, 1), table(lawB, 2));
  const cross = await text(page, 'out-cmp_cross');
  assert.match(cross, /^[\d.]+e\d+ FLOP$/);
  const c = parseFlop(cross);
  assert.ok(Math.abs(Math.log(c / trueCrossing)) < Math.log(2), `crossing ${c} vs true ${trueCrossing}`);
  const [lo, hi] = (await text(page, 'out-cmp_ci')).match(/^([\d.]+e[+-]?\d+) – ([\d.]+e[+-]?\d+) FLOP$/).slice(1).map(Number);
  assert.ok(lo <= trueCrossing && trueCrossing <= hi, `[${lo}, ${hi}] misses ${trueCrossing}`);
  assert.equal(await text(page, 'out-cmp_verdict'), 'MoE is lower below the crossing, Dense above it');
  assert.match(await text(page, 'out-cmp_law_a'), /^E 1\.\d+, A .* \(45 runs/);
  assert.match(await page.locator('#tbl-cmp').textContent(), /Dense.*MoE/);
  const chartAfter = await page.evaluate(() => document.querySelector('canvas[data-chart="cmp-frontiers"]').toDataURL());
  assert.notEqual(chartAfter, chartBefore, 'the chart was not drawn');
  await shot(page, 'compare-wide-light');

  const copy = await context.newPage();
  await copy.goto(page.url());
  await copy.waitForSelector('#loading[hidden]', { state: 'attached' });
  await settle(copy);
  assert.equal(await text(copy, 'out-cmp_cross'), cross);
  assert.equal(await copy.inputValue('#cmp-name-b'), 'MoE');
  assert.deepEqual(problems, []);
  await context.close();
});

test('bad input names the table, row and column; the other table still fits', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'cmp' });
  const good = table(lawA, 3);
  await fill(page, good, '');
  assert.match(await text(page, 'err-cmp_b'), /Table B is empty/);
  assert.match(await text(page, 'out-cmp_law_a'), /45 runs/);
  const bad = good.replace('\n', '\n1e8,2e9,abc\n');
  await page.fill('#cmp-b', bad);
  await settle(page);
  assert.match(await text(page, 'err-cmp_b'), /^Table B: .*row 2, column "loss": "abc" is not a number/s);
  assert.match(await text(page, 'out-cmp_law_a'), /45 runs/);
  await page.fill('#cmp-b', good.replace(/0\.\d+\n/, 'x\n'));
  await page.fill('#cmp-boot', 'lots');
  await settle(page);
  assert.match(await text(page, 'err-cmp_boot'), /Resamples/);
  const results = await page.evaluate(() => [...document.querySelectorAll('#tool-cmp dd')].map((e) => e.textContent).join('\n'));
  assert.doesNotMatch(results, /NaN|Infinity|undefined/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('parallel frontiers: no crossing, and the better one named; narrow and dark screenshots', async () => {
  for (const [colorScheme, viewport, name] of [['dark', { width: 1280, height: 900 }, 'compare-wide-dark'], ['light', { width: 390, height: 844 }, 'compare-narrow-light'], ['dark', { width: 390, height: 844 }, 'compare-narrow-dark']]) {
    const { page, context, problems } = await openPage(browser, origin, { tool: 'cmp', viewport, colorScheme });
    if (name === 'compare-wide-dark') {
      await fill(page, table(lawA, 4), table({ ...lawA, e: lawA.e + 0.1 }, 5));
      assert.equal(await text(page, 'out-cmp_cross'), 'None in the plotted range');
      assert.match(await text(page, 'out-cmp_verdict'), /^Dense is lower throughout/);
    } else {
      await fill(page, table(lawA, 1), table(lawB, 2));
      assert.match(await text(page, 'out-cmp_cross'), /FLOP/);
    }
    await shot(page, name);
    assert.deepEqual(problems, []);
    await context.close();
  }
});
