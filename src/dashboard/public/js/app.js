// The dashboard shell: sign-in, hash routing between pages, sign-out. Pages render into #page.
import { ApiError, get, setAdminKey, setClientKey } from './api.js';
import { announce } from './dom.js';
import { auditPage } from './pages/audit.js';
import { budgetsPage } from './pages/budgets.js';
import { modelsPage } from './pages/models.js';
import { overviewPage } from './pages/overview.js';
import { policiesPage } from './pages/policies.js';
import { routingPage } from './pages/routing.js';
import { tenantsPage } from './pages/tenants.js';

const PAGES = {
  overview: { title: 'Overview', render: overviewPage },
  routing: { title: 'Routing', render: routingPage },
  budgets: { title: 'Budgets', render: budgetsPage },
  tenants: { title: 'Tenants & keys', render: tenantsPage },
  policies: { title: 'Policies', render: policiesPage },
  audit: { title: 'Audit', render: auditPage },
  models: { title: 'Models', render: modelsPage },
};

let signedIn = false;
const $ = (id) => document.getElementById(id);

function currentPage() {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0];
  return PAGES[name] ? name : 'overview';
}

async function show() {
  if (!signedIn) return;
  const name = currentPage();
  const page = PAGES[name];
  for (const link of $('nav').querySelectorAll('a')) {
    if (link.getAttribute('href') === `#/${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${page.title} · ModelMuxer dashboard`;
  // Each visit renders into its own element: a page still loading when the user moves on
  // finishes into a detached element instead of mixing into the next page.
  const container = $('page');
  const view = document.createElement('div');
  delete container.dataset.ready;
  container.dataset.page = name;
  container.replaceChildren(view);
  await page.render(view);
  if (view.parentNode !== container) return;
  container.dataset.ready = name;
  $('main').focus({ preventScroll: true });
  announce(`${page.title} loaded`);
}

async function signIn(event) {
  event.preventDefault();
  const input = $('admin-key');
  const error = $('sign-in-error');
  error.textContent = '';
  setAdminKey(input.value.trim());
  try {
    // The cheapest admin call both roles may make: it checks the key exactly as curl would.
    await get('/admin/tenants?limit=1');
  } catch (caught) {
    setAdminKey(null);
    error.textContent =
      caught instanceof ApiError && caught.status === 404
        ? 'The admin API is off on this gateway (ADMIN_API_KEY is not set).'
        : `Sign-in refused: ${caught.message}`;
    return;
  }
  input.value = '';
  signedIn = true;
  $('sign-in').hidden = true;
  $('nav').hidden = false;
  $('sign-out').hidden = false;
  $('page').hidden = false;
  if (!location.hash) location.hash = '#/overview';
  else await show();
}

function signOut() {
  setAdminKey(null);
  setClientKey(null);
  signedIn = false;
  $('page').replaceChildren();
  delete $('page').dataset.ready;
  $('page').hidden = true;
  $('nav').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('admin-key').focus();
}

$('sign-in-form').addEventListener('submit', signIn);
$('sign-out').addEventListener('click', signOut);
window.addEventListener('hashchange', () => void show());
