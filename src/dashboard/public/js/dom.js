// Small DOM helpers: elements are built with createElement and textContent only (no innerHTML),
// so nothing from the API is ever parsed as HTML.

/** h('tag.class#id', { attr: value, onclick: fn }, ...children) */
export function h(spec, attrs = {}, ...children) {
  const [tagAndClasses, id] = spec.split('#');
  const [tag, ...classes] = tagAndClasses.split('.');
  const element = document.createElement(tag || 'div');
  if (id) element.id = id;
  if (classes.length) element.className = classes.join(' ');
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** SVG element (charts). */
export function svg(tag, attrs = {}, ...children) {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

const usdFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
/** Amounts under a cent (a request costs micro-dollars): three significant digits. */
const smallUsdFormat = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumSignificantDigits: 3,
});
const intFormat = new Intl.NumberFormat('en-US');

export const usd = (value) => {
  const amount = Number(value ?? 0);
  return (amount !== 0 && Math.abs(amount) < 0.01 ? smallUsdFormat : usdFormat).format(amount);
};
export const int = (value) => intFormat.format(Number(value ?? 0));
export const pct = (value) => `${(Number(value ?? 0) * 100).toFixed(1)}%`;
export const date = (iso) => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '—');

/** A panel: a titled section; `body` is filled later (loading state meanwhile). */
export function panel(title, ...children) {
  const titleId = `panel-${Math.random().toString(36).slice(2, 9)}`;
  const body = h('div.panel-body', {}, h('p.muted', {}, 'Loading…'));
  const section = h(
    'section.panel',
    { 'aria-labelledby': titleId },
    h('h2', { id: titleId }, title),
    ...children,
    body,
  );
  section.body = body;
  return section;
}

/** Replaces a panel's body. */
export function fill(target, ...children) {
  const body = target.body ?? target;
  body.replaceChildren();
  append(body, children);
}

/** The state shown when an endpoint answers 404: the feature is not on this gateway. */
export function notAvailable(what) {
  return h(
    'p.notice',
    { role: 'note' },
    `${what} is not available on this gateway (its endpoint answered 404).`,
  );
}

/** An API error, as a visible alert. */
export function errorBox(error) {
  const code = error && error.code ? ` (${error.status} ${error.code})` : '';
  return h('p.error', { role: 'alert' }, `${error?.message ?? String(error)}${code}`);
}

/** Renders into a panel what a promise gives, or its error / the not-available state. */
export async function load(target, promise, render, what) {
  try {
    fill(target, render(await promise));
  } catch (error) {
    if (error && error.notAvailable && what) fill(target, notAvailable(what));
    else fill(target, errorBox(error));
  }
}

/** A table: columns [{ label, value(row) → node|string, numeric }]. */
export function table(caption, columns, rows, emptyText = 'Nothing yet.') {
  if (rows.length === 0) return h('p.muted', {}, emptyText);
  return h(
    'div.table-wrap',
    {},
    h(
      'table',
      {},
      h('caption.visually-hidden', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((c) => h(c.numeric ? 'th.num' : 'th', { scope: 'col' }, c.label)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            {},
            columns.map((c) => h(c.numeric ? 'td.num' : 'td', {}, c.value(row))),
          ),
        ),
      ),
    ),
  );
}

/** Announces a message to screen readers (the live region). */
export function announce(message) {
  const status = document.getElementById('status');
  if (status) status.textContent = message;
}

/** A labelled form field. */
export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  return h(
    'div.field',
    {},
    h('label', { for: id }, label),
    input,
    hint ? h('small', { id: hintId }, hint) : null,
  );
}
