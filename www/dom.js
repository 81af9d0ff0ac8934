// DOM helpers the page's modules share: lists and tables filled from text, never from HTML.

export function fillList(list, texts) {
  list.replaceChildren(...texts.map((t) => Object.assign(document.createElement('li'), { textContent: t })));
}

/// Fills `table` with a header row (skipped when empty) and body rows; cells of column
/// `valueColumn` in the body are marked as values.
export function fillTable(table, head, rows, valueColumn = -1) {
  const row = (cells, tag) => {
    const tr = document.createElement('tr');
    tr.replaceChildren(...cells.map((text, c) => {
      // An empty corner of a header row is a plain cell: a header must name something.
      const cell = Object.assign(document.createElement(tag === 'th' && text === '' ? 'td' : tag), { textContent: text });
      if (tag === 'td' && c === valueColumn) cell.className = 'value';
      // A long string without spaces may break anywhere (see style.css).
      if (tag === 'td' && /\S{25,}/.test(text)) cell.classList.add('long');
      return cell;
    }));
    return tr;
  };
  const parts = [];
  if (head.length) {
    const thead = document.createElement('thead');
    thead.append(row(head, 'th'));
    parts.push(thead);
  }
  const body = document.createElement('tbody');
  body.replaceChildren(...rows.map((r) => row(r, 'td')));
  alignDecimals(body);
  parts.push(body);
  table.replaceChildren(...parts);
}

// A number as the page writes it: a sign or ×, digits, maybe a fraction, an exponent or a unit,
// and nothing after a space (an interval "1.2 – 3.4" is not one number).
const NUMERIC = /^[−\-+×≈~]?\d[\d,]*(\.\d+)?\S*$/;

/// Aligns the numbers of each mostly-numeric column on their decimal point: each cell's text is
/// split at its first '.', the fraction in a box as wide as the column's widest fraction.
function alignDecimals(body) {
  const rows = [...body.rows];
  const columns = Math.max(0, ...rows.map((r) => r.cells.length));
  for (let c = 0; c < columns; c++) {
    const cells = rows.map((r) => r.cells[c]).filter(Boolean);
    const numeric = cells.filter((cell) => NUMERIC.test(cell.textContent));
    if (numeric.length === 0 || numeric.length < cells.length / 2) continue;
    const split = numeric.map((cell) => {
      const text = cell.textContent;
      const m = text.match(NUMERIC);
      const dot = m[1] ? m.index + m[0].indexOf('.') : m.index + m[0].length;
      return [cell, text.slice(0, dot), text.slice(dot)];
    });
    const width = Math.max(...split.map(([, , frac]) => frac.length));
    for (const [cell, whole, frac] of split) {
      const tail = Object.assign(document.createElement('span'), { className: 'frac', textContent: frac });
      tail.style.minWidth = `${width}ch`;
      cell.replaceChildren(whole, tail);
      cell.classList.add('num');
    }
  }
}
