// Exports: every chart as PNG (2× pixel density) and SVG (the same plotters drawing on its SVG
// backend, from Rust), every result table and list of results as CSV, JSON and tab-separated
// text on the clipboard (what a spreadsheet pastes). File names come from Rust. No math here:
// tables are written out as the page shows them.

const $ = (id) => document.getElementById(id);
let page = null;

/// Saves `blob` as a file called `name`.
export function download(blob, name) {
  const a = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function button(label, action, title) {
  const b = Object.assign(document.createElement('button'), { type: 'button', textContent: label, title });
  b.className = 'export';
  b.dataset.export = action;
  b.setAttribute('aria-label', title);
  return b;
}

function status(tools, text) {
  tools.querySelector('.export-status').textContent = text;
}

/// A chart as PNG at twice the pixels of its CSS size, or as SVG.
async function exportChart(canvas, kind, tools) {
  const sc = page.module();
  const inputs = page.inputs();
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const chart = canvas.dataset.chart;
  const name = sc.exportName(chart, inputs);
  const fit = chart.startsWith('fit-');
  try {
    if (kind === 'svg') {
      const svg = fit ? sc.fitChartSvg(chart, canvas, inputs, dark) : sc.chartSvg(chart, canvas, inputs, dark);
      download(new Blob([svg], { type: 'image/svg+xml' }), `${name}.svg`);
    } else {
      const off = document.createElement('canvas');
      off.width = Math.round(canvas.clientWidth * 2);
      off.height = Math.round(canvas.clientHeight * 2);
      if (fit) sc.drawFitChart(chart, off, inputs, dark, 2);
      else sc.drawChart(chart, off, inputs, dark, 2);
      // A fit chart remembers where it drew each run for clicks: draw the one on screen again.
      if (fit) page.redraw(canvas);
      const blob = await new Promise((ok) => off.toBlob(ok, 'image/png'));
      download(blob, `${name}.png`);
    }
    status(tools, '');
  } catch (e) {
    status(tools, `Could not export: ${e.message ?? e}`);
  }
}

/// The rows of a table, or of a list of results (<dl>: label, value), as shown.
function rowsOf(el) {
  if (el.tagName === 'DL') {
    return [['quantity', 'value'], ...[...el.querySelectorAll('dt')].map((dt) => [dt.textContent.trim(), dt.nextElementSibling?.textContent.trim() ?? ''])];
  }
  return [...el.querySelectorAll('tr')].map((tr) => [...tr.children].map((c) => c.textContent.trim()));
}

const csvCell = (s) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

async function exportTable(el, kind, tools) {
  const rows = rowsOf(el).filter((r) => r.length);
  const key = el.id.replace(/^(tbl|out)-/, '') || `${el.closest('section')?.getAttribute('aria-labelledby')?.replace(/-h$/, '') ?? 'page'}-results`;
  const name = page.module().exportName(key, page.inputs());
  try {
    if (kind === 'csv') {
      download(new Blob([`${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`], { type: 'text/csv' }), `${name}.csv`);
      status(tools, '');
    } else if (kind === 'json') {
      const [head, ...body] = rows;
      const objects = body.map((r) => Object.fromEntries(head.map((h, i) => [h || 'label', r[i] ?? ''])));
      download(new Blob([`${JSON.stringify(objects, null, 2)}\n`], { type: 'application/json' }), `${name}.json`);
      status(tools, '');
    } else {
      await navigator.clipboard.writeText(rows.map((r) => r.map((c) => c.replace(/[\t\n]/g, ' ')).join('\t')).join('\n'));
      status(tools, 'Copied: paste into a spreadsheet.');
    }
  } catch (e) {
    status(tools, `Could not export: ${e.message ?? e}`);
  }
}

function toolbar(what, buttons) {
  const tools = document.createElement('div');
  tools.className = 'export-tools';
  tools.setAttribute('role', 'group');
  tools.setAttribute('aria-label', `Export ${what}`);
  tools.append(...buttons, Object.assign(document.createElement('span'), { className: 'export-status', role: 'status' }));
  return tools;
}

/// Adds export buttons under every chart and every result table or list of results. `hooks`:
/// module() (the wasm module answering now), inputs(), redraw(canvas).
export function setupExports(hooks) {
  page = hooks;
  for (const canvas of document.querySelectorAll('figure.chart > canvas[data-chart]')) {
    const label = canvas.getAttribute('aria-label') ?? canvas.dataset.chart;
    const tools = toolbar(`the chart: ${label}`, [
      button('PNG', 'png', `Download this chart as PNG (2× pixels): ${label}`),
      button('SVG', 'svg', `Download this chart as SVG: ${label}`),
    ]);
    tools.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-export]');
      if (b) exportChart(canvas, b.dataset.export, tools);
    });
    canvas.closest('figure').append(tools);
  }
  for (const el of document.querySelectorAll('main table[id], main dl.results')) {
    const what = el.tagName === 'DL' ? 'these results' : 'this table';
    const tools = toolbar(what, [
      button('CSV', 'csv', `Download ${what} as CSV`),
      button('JSON', 'json', `Download ${what} as JSON`),
      button('Copy', 'copy', `Copy ${what} as tab-separated text`),
    ]);
    tools.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-export]');
      if (b) exportTable(el, b.dataset.export, tools);
    });
    const after = el.parentElement.classList.contains('table-scroll') ? el.parentElement : el;
    after.after(tools);
  }
}

/// The Cite panel: BibTeX for the papers the open view cites (its text names them by arXiv id;
/// Rust holds the verified entries).
export function setupCite() {
  const panel = $('cite-panel');
  const open = (focus = true) => {
    const view = [...document.querySelectorAll('[data-view]')].filter((el) => !el.hidden);
    const text = `${view.map((el) => el.textContent).join('\n')}\n${$('out-law_citation').textContent}`;
    const cited = page.module().bibtex(text);
    $('cite-text').value = cited.bibtex;
    $('cite-info').textContent = cited.count
      ? `${cited.count} paper${cited.count === 1 ? '' : 's'} cited by this view (the law in use, its method and the tools' sources).`
      : 'This view cites no paper.';
    $('cite-status').textContent = '';
    panel.hidden = false;
    $('cite').setAttribute('aria-expanded', 'true');
    if (focus) $('cite-text').focus();
  };
  const close = () => { panel.hidden = true; $('cite').setAttribute('aria-expanded', 'false'); };
  $('cite').addEventListener('click', () => (panel.hidden ? open() : close()));
  $('cite-close').addEventListener('click', close);
  $('cite-copy').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText($('cite-text').value);
      $('cite-status').textContent = 'Copied.';
    } catch {
      $('cite-text').select();
      $('cite-status').textContent = 'Copy the selected text.';
    }
  });
  $('cite-download').addEventListener('click', () => {
    download(new Blob([$('cite-text').value], { type: 'application/x-bibtex' }), `${page.module().exportName('references', page.inputs())}.bib`);
  });
  // Without moving the focus: the user may be typing in a field.
  return { refresh: () => { if (!panel.hidden) open(false); } };
}
