// The console's tables: one row per item, kept by key and updated in place at each snapshot, so a
// button under the pointer stays the same element while the numbers around it change. Each cell
// carries its column's name (data-label) for the stacked cards of narrow screens.
'use strict';

(function () {
  /**
   * Renders `items` into `tbody`. `spec`: key(item) → string and keyAttr (the row's data-* name,
   * camelCase); columns: [{label, text(item), state(item)?}] (state sets the cell's data-state);
   * actions(item) → [{action, label}] as buttons with data-action in a last cell; empty: the text
   * of the row shown when there is no item. The item of a row is `row.consoleItem`.
   */
  function renderRows(tbody, items, spec) {
    const rows = tbody.consoleRows || (tbody.consoleRows = new Map());
    const seen = new Set();
    items.forEach((item, index) => {
      const key = spec.key(item);
      seen.add(key);
      let row = rows.get(key);
      if (!row) {
        row = newRow(spec);
        row.dataset[spec.keyAttr] = key;
        rows.set(key, row);
      }
      updateRow(row, item, spec);
      if (tbody.children[index] !== row) tbody.insertBefore(row, tbody.children[index] || null);
    });
    for (const [key, row] of rows) {
      if (!seen.has(key)) {
        row.remove();
        rows.delete(key);
      }
    }
    showEmpty(tbody, items.length === 0, spec);
  }

  function newRow(spec) {
    const row = document.createElement('tr');
    for (const column of spec.columns) {
      const td = row.appendChild(document.createElement('td'));
      td.dataset.label = column.label;
      if (column.className) td.className = column.className;
    }
    if (spec.actions) row.appendChild(document.createElement('td')).className = 'actions';
    return row;
  }

  function updateRow(row, item, spec) {
    row.consoleItem = item;
    spec.columns.forEach((column, i) => {
      const td = row.children[i];
      setText(td, column.text(item));
      if (column.state) {
        const state = column.state(item) || '';
        if (td.dataset.state !== state) td.dataset.state = state;
      }
    });
    if (spec.actions) updateActions(row.lastElementChild, spec.actions(item));
  }

  /** Rebuilds the buttons only when they change, so a click in progress is not lost. */
  function updateActions(td, actions) {
    const signature = actions.map((a) => a.action + ':' + a.label).join('|');
    if (td.dataset.signature === signature) return;
    td.dataset.signature = signature;
    td.replaceChildren(
      ...actions.map((a) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.dataset.action = a.action;
        button.textContent = a.label;
        return button;
      }),
    );
  }

  function showEmpty(tbody, empty, spec) {
    let row = tbody.querySelector('tr.empty');
    if (!empty) {
      if (row) row.remove();
      return;
    }
    if (!row) {
      row = document.createElement('tr');
      row.className = 'empty';
      const td = row.appendChild(document.createElement('td'));
      td.colSpan = spec.columns.length + (spec.actions ? 1 : 0);
      td.textContent = spec.empty;
      tbody.appendChild(row);
    }
  }

  function setText(element, text) {
    const value = text === undefined || text === null ? '' : String(text);
    if (element.textContent !== value) element.textContent = value;
  }

  window.GatewayConsole.renderRows = renderRows;
})();
