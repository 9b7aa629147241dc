// Audit: the audit trail (GET /admin/audit), newest first, filtered by decision, tenant and time,
// keyset-paginated: "Older entries" follows next_cursor (each page is one request).
import { get, query } from '../api.js';
import { date, errorBox, field, h, notAvailable, panel, table, fill } from '../dom.js';
import { tenants } from './shared.js';

const PAGE_SIZE = 50;
const DECISIONS = [
  'refused_policy',
  'refused_safety',
  'refused_budget',
  'refused_rate_limit',
  'pii_redacted',
  'model_downgraded',
  'fallback_used',
  'admin_change',
];

function entriesTable(entries, names) {
  return table(
    'Audit entries',
    [
      { label: 'When', value: (e) => date(e.created_at) },
      { label: 'Decision', value: (e) => e.decision },
      {
        label: 'Tenant',
        value: (e) => (e.tenant_id ? (names.get(e.tenant_id) ?? e.tenant_id.slice(0, 8)) : '—'),
      },
      { label: 'Actor', value: (e) => e.actor },
      { label: 'Action', value: (e) => e.action },
      {
        label: 'Target',
        value: (e) => `${e.target_type}${e.target_id ? ` ${e.target_id.slice(0, 8)}` : ''}`,
      },
      { label: 'Route', value: (e) => e.route ?? '—' },
      {
        label: 'Model',
        value: (e) =>
          e.model_before || e.model_after ? `${e.model_before ?? '—'} → ${e.model_after ?? '—'}` : '—',
      },
      {
        label: 'Details',
        value: (e) =>
          e.details
            ? h('details', {}, h('summary', {}, 'show'), h('pre', {}, JSON.stringify(e.details, null, 2)))
            : '—',
      },
    ],
    entries,
    'No entry matches.',
  );
}

function filterForm(tenantList, onSubmit) {
  const form = h(
    'form.inline-form',
    { 'aria-label': 'Filter the audit trail' },
    field(
      'Decision',
      h('input', { name: 'decision', list: 'audit-decisions', autocomplete: 'off', placeholder: 'any' }),
      'One or more, comma-separated',
    ),
    h(
      'datalist#audit-decisions',
      {},
      DECISIONS.map((d) => h('option', { value: d })),
    ),
    field(
      'Tenant',
      h(
        'select',
        { name: 'tenant_id' },
        h('option', { value: '' }, 'any'),
        tenantList.map((t) => h('option', { value: t.id }, t.name)),
      ),
    ),
    field('From', h('input', { name: 'from', type: 'date' })),
    field('To', h('input', { name: 'to', type: 'date' })),
    h('button', { type: 'submit' }, 'Apply filters'),
    h('div.form-result'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    onSubmit({
      decision: String(data.get('decision') ?? '').replace(/\s+/g, ''),
      tenant_id: data.get('tenant_id'),
      from: data.get('from') ? `${data.get('from')}T00:00:00Z` : '',
      to: data.get('to') ? `${data.get('to')}T23:59:59Z` : '',
    });
  });
  return form;
}

export async function auditPage(container) {
  const results = panel('Entries');
  container.append(h('h1', {}, 'Audit'));
  const tenantList = await tenants(1000).catch(() => []);
  const names = new Map(tenantList.map((t) => [t.id, t.name]));
  let filters = {};
  const pages = [];
  const more = h('button.secondary', { type: 'button' }, 'Older entries');
  const show = async (cursor) => {
    try {
      const page = await get(`/admin/audit${query({ ...filters, limit: PAGE_SIZE, cursor })}`);
      if (!cursor) pages.length = 0;
      pages.push(...page.data);
      more.hidden = !page.next_cursor;
      more.onclick = () => void show(page.next_cursor);
      fill(
        results,
        h(
          'p.muted',
          { role: 'status' },
          `${pages.length} entr${pages.length === 1 ? 'y' : 'ies'} shown${page.has_more ? ', more available' : ''}.`,
        ),
        entriesTable(pages, names),
        more,
      );
    } catch (error) {
      fill(
        results,
        error.notAvailable ? notAvailable('The audit trail (GET /admin/audit)') : errorBox(error),
      );
    }
  };
  container.append(
    filterForm(tenantList, (next) => {
      filters = next;
      void show();
    }),
    results,
  );
  await show();
}
