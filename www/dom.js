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
  parts.push(body);
  table.replaceChildren(...parts);
}
