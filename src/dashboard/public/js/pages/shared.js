// Helpers several pages share.
import { get, query } from '../api.js';
import { h } from '../dom.js';

export const RANGE_DAYS = 30;
const DAY_MS = 86_400_000;

/** The report range: the last RANGE_DAYS whole UTC days up to now. */
export function range(now = new Date()) {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = new Date(today - (RANGE_DAYS - 1) * DAY_MS);
  return {
    from: from.toISOString(),
    to: new Date(now.getTime() + 1000).toISOString(),
    labels: dayLabels(from),
  };
}

function dayLabels(from) {
  return Array.from({ length: RANGE_DAYS }, (_, i) =>
    new Date(from.getTime() + i * DAY_MS).toISOString().slice(0, 10),
  );
}

/** Values per day label from report groups (`day` of /admin/usage, `key` of per-tenant usage). */
export function perDay(labels, groups, dayOf, valueOf) {
  const byDay = new Map(groups.map((group) => [String(dayOf(group)).slice(0, 10), valueOf(group)]));
  return labels.map((label) => byDay.get(label) ?? 0);
}

/** GET /admin/usage (the spend report across tenants; tenant admins get their own tenant). */
export function usageReport(params) {
  return get(`/admin/usage${query(params)}`);
}

/** Tenants the caller may see (a tenant admin: its own), at most `limit`. */
export const TENANT_PAGE = 200;

export async function tenants(limit = TENANT_PAGE) {
  return (await get(`/admin/tenants${query({ limit })}`)).data;
}

/** Said under a list that may be cut at TENANT_PAGE tenants. */
export function tenantsCut(list) {
  return list.length >= TENANT_PAGE
    ? h('p.muted', {}, `The first ${TENANT_PAGE} tenants are shown (oldest first).`)
    : null;
}

/** A labelled <select> of tenants; calls onChange(id) on change (and once for the first). */
export function tenantPicker(list, onChange, label = 'Tenant') {
  const id = `tenant-${Math.random().toString(36).slice(2, 8)}`;
  const select = h(
    'select',
    { id, name: 'tenant' },
    list.map((t) => h('option', { value: t.id }, `${t.name} (${t.id.slice(0, 8)})`)),
  );
  select.addEventListener('change', () => onChange(select.value));
  return h('div.field.inline', {}, h('label', { for: id }, label), select);
}

/** A key figure tile. */
export function tile(label, value, name) {
  return h(
    'div.tile',
    { dataset: { metric: name } },
    h('span.tile-label', {}, label),
    h('span.tile-value', {}, value),
  );
}
