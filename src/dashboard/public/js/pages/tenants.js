// Tenants & keys: create a tenant; per tenant: status and rate limit, budget, keys (create —
// the key is shown once, with a copy button —, revoke, key budgets).
import { api, get } from '../api.js';
import { announce, date, errorBox, field, fill, h, load, panel, table, usd } from '../dom.js';
import { budgetView } from './budget-view.js';
import { tenants, tenantsCut } from './shared.js';

const BUDGET_PERIODS = ['daily', 'weekly', 'monthly', 'total'];
/** client: calls the model API; tenant_admin: manages its tenant (gateways with admin roles). */
const KEY_ROLES = ['client', 'tenant_admin'];

/** The body of a key creation: the role only when it is not the default (older gateways refuse it). */
function keyBody(data) {
  const body = { name: String(data.get('name')).trim() };
  if (data.get('role') !== 'client') body.role = data.get('role');
  return body;
}

/** Runs an action from a form: disables its button, shows the error or calls done(result). */
function submitting(form, action, done) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    const output = form.querySelector('.form-result');
    button.disabled = true;
    output.replaceChildren();
    try {
      await done(await action(new FormData(form)));
    } catch (error) {
      output.append(errorBox(error));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function createTenantForm(refresh) {
  const form = h(
    'form.inline-form',
    { 'aria-label': 'Create a tenant' },
    field('Name', h('input', { name: 'name', required: true, maxlength: 200, autocomplete: 'off' })),
    field(
      'Rate limit (requests/min)',
      h('input', { name: 'rpm', type: 'number', min: 0, step: 1, inputmode: 'numeric' }),
      'Empty: the gateway default',
    ),
    h('button', { type: 'submit' }, 'Create tenant'),
    h('div.form-result', { 'aria-live': 'polite' }),
  );
  return submitting(
    form,
    (data) => {
      const body = { name: String(data.get('name')).trim() };
      if (data.get('rpm') !== '') body.rate_limit_rpm = Number(data.get('rpm'));
      return api('POST', '/admin/tenants', { body });
    },
    async (tenant) => {
      form.reset();
      announce(`Tenant ${tenant.name} created`);
      await refresh(tenant.id);
    },
  );
}

function tenantTable(list, select) {
  return table(
    'Tenants',
    [
      { label: 'Name', value: (t) => t.name },
      { label: 'Id', value: (t) => h('code', {}, t.id) },
      { label: 'Status', value: (t) => t.status },
      {
        label: 'Rate limit',
        numeric: true,
        value: (t) => (t.rate_limit_rpm === null ? 'default' : `${t.rate_limit_rpm}/min`),
      },
      { label: 'Created', value: (t) => date(t.created_at) },
      {
        label: 'Actions',
        value: (t) =>
          h(
            'button.secondary',
            { type: 'button', onclick: () => select(t.id), 'aria-label': `Manage ${t.name}` },
            'Manage',
          ),
      },
    ],
    list,
    'No tenant yet.',
  );
}

function settingsForm(tenant, reload) {
  const form = h(
    'form.inline-form',
    { 'aria-label': 'Tenant settings' },
    field(
      'Status',
      h(
        'select',
        { name: 'status' },
        ['active', 'suspended'].map((s) => h('option', { value: s, selected: s === tenant.status }, s)),
      ),
    ),
    field(
      'Rate limit (requests/min)',
      h('input', { name: 'rpm', type: 'number', min: 0, step: 1, value: tenant.rate_limit_rpm ?? '' }),
      'Empty: the gateway default; 0: unlimited',
    ),
    h('button', { type: 'submit' }, 'Save settings'),
    h('div.form-result', { 'aria-live': 'polite' }),
  );
  return submitting(
    form,
    (data) =>
      api('PATCH', `/admin/tenants/${tenant.id}`, {
        body: {
          status: data.get('status'),
          rate_limit_rpm: data.get('rpm') === '' ? null : Number(data.get('rpm')),
        },
      }),
    async () => {
      announce('Settings saved');
      await reload();
    },
  );
}

/** A labelled <select> of values, `chosen` selected. */
function choice(label, name, values, chosen) {
  return field(
    label,
    h(
      'select',
      { name },
      values.map((v) => h('option', { value: v, selected: v === chosen }, v)),
    ),
  );
}

function budgetForm(path, current, reload, label = 'Budget') {
  const limit = {
    name: 'limit',
    type: 'number',
    min: 0,
    step: 'any',
    required: true,
    value: current?.limit_usd ?? '',
  };
  const soft = {
    name: 'soft',
    type: 'number',
    min: 0,
    max: 1,
    step: 0.05,
    value: current?.soft_limit_ratio ?? 0.8,
  };
  const form = h(
    'form.inline-form',
    { 'aria-label': label },
    field('Limit (USD)', h('input', limit)),
    choice('Period', 'period', BUDGET_PERIODS, current?.period ?? 'monthly'),
    field('Soft limit (0–1)', h('input', soft)),
    choice('At the soft limit', 'action', ['downgrade', 'alert'], current?.action ?? 'downgrade'),
    h('button', { type: 'submit' }, 'Save budget'),
    h('div.form-result', { 'aria-live': 'polite' }),
  );
  const body = (data) => ({
    limit_usd: Number(data.get('limit')),
    period: data.get('period'),
    soft_limit_ratio: Number(data.get('soft')),
    action: data.get('action'),
  });
  return submitting(
    form,
    (data) => api('PUT', path, { body: body(data) }),
    async () => {
      announce('Budget saved');
      await reload();
    },
  );
}

async function optional(promise) {
  try {
    return await promise;
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

/** The new key, shown once: a read-only field, a copy button, and a dismiss button. */
function keyOnce(created, onDismiss) {
  const input = h('input#new-key', {
    type: 'text',
    readonly: true,
    value: created.key,
    spellcheck: 'false',
    'aria-describedby': 'new-key-hint',
  });
  const copied = h('span', { role: 'status' });
  const box = h(
    'div.key-once',
    { role: 'alert' },
    h(
      'p',
      {},
      h('strong', {}, `Key "${created.name}" created. `),
      h(
        'span#new-key-hint',
        {},
        'Copy it now: it is shown only this once, and the gateway stores only its digest.',
      ),
    ),
    h('label', { for: 'new-key' }, 'New API key'),
    input,
    h(
      'button',
      {
        type: 'button',
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(created.key);
            copied.textContent = 'Copied.';
          } catch {
            input.select();
            copied.textContent = 'Selected: press Ctrl+C (or ⌘C) to copy.';
          }
        },
      },
      'Copy',
    ),
    h(
      'button.secondary',
      {
        type: 'button',
        onclick: () => {
          box.remove();
          onDismiss();
        },
      },
      'Done, hide it',
    ),
    copied,
  );
  return box;
}

/** Revokes a key after confirmation. */
async function revoke(key, button, reload) {
  if (!window.confirm(`Revoke key "${key.name}"? Requests with it are refused from now on.`)) return;
  button.disabled = true;
  try {
    await api('DELETE', `/admin/keys/${key.id}`);
    announce(`Key ${key.name} revoked`);
    await reload();
  } catch (error) {
    button.replaceWith(errorBox(error));
  }
}

/** A key's own budget, shown with the tenant budget it sits inside (both apply). */
async function keyBudget(slot, key, tenantBudget) {
  const budget = await optional(get(`/admin/keys/${key.id}/budget`));
  const context = tenantBudget
    ? `Requests with this key are held to both this budget and the tenant budget (${usd(tenantBudget.limit_usd)} ${tenantBudget.period}).`
    : 'The tenant has no budget: a key budget is the only spending limit of this key.';
  fill(
    slot,
    h('h3', { tabindex: '-1' }, `Budget of key ${key.name}`),
    h('p.muted', {}, context),
    budget ? budgetView(budget, `Key ${key.name} budget`) : h('p.muted', {}, 'No budget of its own.'),
    budgetForm(
      `/admin/keys/${key.id}/budget`,
      budget,
      () => keyBudget(slot, key, tenantBudget),
      'Key budget',
    ),
  );
  slot.querySelector('h3').focus();
}

function keyActions(key, reload, showBudget) {
  if (key.status !== 'active') return `revoked ${date(key.revoked_at)}`;
  const budget = h(
    'button.secondary',
    { type: 'button', 'aria-label': `Budget of key ${key.name}` },
    'Budget',
  );
  budget.addEventListener('click', () => void showBudget(key));
  const revokeButton = h(
    'button.danger',
    { type: 'button', 'aria-label': `Revoke key ${key.name}` },
    'Revoke',
  );
  revokeButton.addEventListener('click', () => void revoke(key, revokeButton, reload));
  return h('div.actions', {}, budget, revokeButton);
}

function keysTable(keys, reload, showBudget) {
  return table(
    'API keys',
    [
      { label: 'Name', value: (k) => k.name },
      { label: 'Prefix', value: (k) => h('code', {}, `${k.prefix}…`) },
      { label: 'Role', value: (k) => k.role ?? 'client' },
      { label: 'Status', value: (k) => h('span', { dataset: { status: k.status } }, k.status) },
      { label: 'Last used', value: (k) => date(k.last_used_at) },
      { label: 'Expires', value: (k) => date(k.expires_at) },
      { label: 'Actions', value: (k) => keyActions(k, reload, showBudget) },
    ],
    keys,
    'No key yet.',
  );
}

async function tenantDetail(target, id) {
  const reload = () => tenantDetail(target, id);
  const showBudget = (key) =>
    keyBudget(keySlot, key, budget).catch((error) => fill(keySlot, errorBox(error)));
  const keySlot = h('div.key-budget', { 'aria-live': 'polite' });
  const [tenant, keys, budget] = await Promise.all([
    get(`/admin/tenants/${id}`),
    get(`/admin/tenants/${id}/keys`),
    optional(get(`/admin/tenants/${id}/budget`)),
  ]);
  const newKey = h('div#key-slot');
  const keyForm = h(
    'form.inline-form',
    { 'aria-label': 'Create a key' },
    field('Key name', h('input', { name: 'name', required: true, maxlength: 200, autocomplete: 'off' })),
    choice('Role', 'role', KEY_ROLES, 'client'),
    h('button', { type: 'submit' }, 'Create key'),
    h('div.form-result', { 'aria-live': 'polite' }),
  );
  submitting(
    keyForm,
    (data) => api('POST', `/admin/tenants/${id}/keys`, { body: keyBody(data) }),
    async (created) => {
      keyForm.reset();
      const list = target.querySelector('.keys-list');
      fill(list, keysTable((await get(`/admin/tenants/${id}/keys`)).data, reload, showBudget));
      newKey.replaceChildren(keyOnce(created, () => keyForm.querySelector('input').focus()));
      newKey.querySelector('input').focus();
    },
  );
  fill(
    target,
    h('h3', {}, `${tenant.name} `, h('code.muted', {}, tenant.id)),
    settingsForm(tenant, reload),
    h('h3', {}, 'Budget'),
    budget
      ? budgetView(budget, `${tenant.name} budget`)
      : h('p.muted', {}, 'No budget: spending is not limited.'),
    budgetForm(`/admin/tenants/${id}/budget`, budget, reload),
    h('h3', {}, 'Keys'),
    keyForm,
    newKey,
    h('div.keys-list', {}, keysTable(keys.data, reload, showBudget)),
    keySlot,
  );
}

export async function tenantsPage(container) {
  const listPanel = panel('Tenants');
  const createPanel = panel('New tenant');
  const detail = panel('Tenant');
  detail.hidden = true;
  const select = async (id) => {
    detail.hidden = false;
    fill(detail, h('p.muted', {}, 'Loading…'));
    try {
      await tenantDetail(detail.body, id);
    } catch (error) {
      fill(detail, errorBox(error));
    }
    detail.querySelector('h2').focus?.();
  };
  const refresh = async (selectId) => {
    await load(listPanel, tenants(), (list) => [tenantTable(list, select), tenantsCut(list)]);
    if (selectId) await select(selectId);
  };
  detail.querySelector('h2').setAttribute('tabindex', '-1');
  fill(createPanel, createTenantForm(refresh));
  container.append(h('h1', {}, 'Tenants & keys'), listPanel, createPanel, detail);
  await refresh();
}
