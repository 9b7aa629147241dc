// Models: the catalog (GET /v1/models: prices, capabilities, context) and provider health
// (GET /health/ready, whose details the admin key may read).
import { get, hasClientKey, setClientKey } from '../api.js';
import { errorBox, field, fill, h, int, load, panel, table } from '../dom.js';

const perMillion = (value) => (value === undefined || value === null ? '—' : `$${Number(value).toFixed(2)}`);

function capabilities(model) {
  const caps = model.capabilities ?? {};
  return (
    Object.entries(caps)
      .filter(([, on]) => on === true)
      .map(([name]) => name)
      .join(', ') || '—'
  );
}

function catalogTable(models) {
  const sorted = [...models].sort((a, b) => (a.owned_by + a.id).localeCompare(b.owned_by + b.id));
  return table(
    'Model catalog',
    [
      { label: 'Model', value: (m) => h('code', {}, m.id) },
      { label: 'Provider', value: (m) => m.owned_by },
      { label: 'Type', value: (m) => m.type ?? 'chat' },
      { label: 'Tier', value: (m) => m.tier ?? '—' },
      { label: 'Input $/1M', numeric: true, value: (m) => perMillion(m.pricing?.input_per_1m_usd) },
      { label: 'Output $/1M', numeric: true, value: (m) => perMillion(m.pricing?.output_per_1m_usd) },
      { label: 'Cached $/1M', numeric: true, value: (m) => perMillion(m.pricing?.cached_input_per_1m_usd) },
      { label: 'Context', numeric: true, value: (m) => (m.context_window ? int(m.context_window) : '—') },
      { label: 'Capabilities', value: capabilities },
    ],
    sorted,
    'No model is served: no provider is configured.',
  );
}

function healthView(result) {
  const checks = { ...(result.info ?? {}), ...(result.error ?? {}) };
  const rows = Object.entries(checks).map(([name, check]) => ({ name, ...check }));
  return [
    h('p', {}, 'Readiness: ', h('strong', { dataset: { health: result.status } }, result.status)),
    table(
      'Dependencies and providers',
      [
        { label: 'Check', value: (r) => r.name },
        { label: 'Status', value: (r) => r.status },
        {
          label: 'Details',
          value: (r) => (r.available ? `available: ${r.available.join(', ') || 'none'}` : (r.message ?? '—')),
        },
      ],
      rows,
      'No details: this key may not read them.',
    ),
  ];
}

/** GET /v1/models takes a client key: ask for one (held in memory like the admin key). */
function clientKeyForm(retry) {
  const input = h('input', {
    name: 'client-key',
    type: 'password',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const form = h(
    'form.inline-form',
    { 'aria-label': 'Client key for the catalog' },
    h(
      'p',
      {},
      'The catalog (GET /v1/models) is served to client keys. Paste one to list the models it can use; it is kept in memory only.',
    ),
    field('Client API key', input),
    h('button', { type: 'submit' }, 'Show catalog'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setClientKey(input.value.trim());
    void retry();
  });
  return form;
}

export async function modelsPage(container) {
  const catalog = panel('Catalog');
  const health = panel('Provider health');
  container.append(h('h1', {}, 'Models'), health, catalog);
  const showCatalog = async () => {
    if (!hasClientKey()) return void fill(catalog, clientKeyForm(showCatalog));
    try {
      fill(catalog, catalogTable((await get('/v1/models', { as: 'client' })).data));
    } catch (error) {
      setClientKey(null);
      fill(catalog, errorBox(error), clientKeyForm(showCatalog));
    }
  };
  await Promise.all([
    load(
      health,
      get('/health/ready').catch((error) => {
        if (error.status === 503) return error.body ?? { status: 'not ready' };
        throw error;
      }),
      healthView,
    ),
    showCatalog(),
  ]);
}
