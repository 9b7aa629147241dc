import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core' with { 'resolution-mode': 'import' };
import { bootTestApp, TEST_ADMIN_KEY, TEST_API_KEY, type TestApp } from '../support/app';

/**
 * The admin dashboard (issue 17) in a real browser: Debian's chromium driven by puppeteer-core
 * (no browser download), against a gateway booted in TEST_MODE and seeded through the API.
 * One browser, one gateway, one page shared by the steps below (they run in order). Screenshots
 * of every page go to test-artifacts/dashboard/ (gitignored; CI keeps them as artefacts).
 * Skipped, with a message, when no chromium is installed (CHROMIUM_PATH overrides the lookup).
 */

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']
  .filter((path): path is string => Boolean(path))
  .find((path) => existsSync(path));
const ARTEFACTS = join(__dirname, '..', '..', 'test-artifacts', 'dashboard');

if (!CHROMIUM) {
  console.warn(
    'dashboard browser tests skipped: no chromium (apt-get install chromium, or set CHROMIUM_PATH)',
  );
}

// What the page callbacks below use: they run in the browser, the test program has no DOM types.
interface Field {
  value: string;
}
interface Found {
  textContent: string | null;
}
declare const window: { location: { hash: string } };
interface Canvas2d {
  fillStyle: string;
  fillRect(x: number, y: number, w: number, h: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
}
declare const document: {
  cookie: string;
  documentElement: unknown;
  createElement(tag: 'canvas'): { getContext(kind: '2d'): Canvas2d };
  getElementById(id: string): Found | null;
  querySelector(selector: string): Found | null;
  querySelectorAll(selector: string): { length: number };
};
declare const localStorage: Record<string, string>;
declare const sessionStorage: Record<string, string>;
declare function getComputedStyle(element: unknown): { getPropertyValue(name: string): string };
declare const navigator: { clipboard: { readText(): Promise<string> } };

const describeWithBrowser = CHROMIUM ? describe : describe.skip;

describeWithBrowser('dashboard in headless chromium', () => {
  let gateway: TestApp;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  /** Admin API calls the page made (path and query), in order. */
  const adminCalls: string[] = [];
  const admin = () => gateway.http;
  const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
  let acmeId = '';

  /** Waits until the page has rendered `name` (app.js sets data-ready when a page is drawn). */
  async function open(name: string): Promise<void> {
    await page.evaluate((hash) => {
      window.location.hash = hash;
    }, `#/${name}`);
    await page.waitForSelector(`#page[data-ready="${name}"]`);
  }

  /**
   * Waits until uPlot (the charting library) has drawn `selector`'s chart, then returns how many
   * values it was given and how many canvas pixels have the first series' colour (the data
   * drawn, not only axes and grid).
   */
  async function chartDrawn(selector: string): Promise<{ points: number; seriesPixels: number }> {
    await page.waitForSelector(`${selector}[data-points] .uplot canvas`);
    return page.$eval(selector, (plot) => {
      const element = plot as unknown as {
        dataset: { points: string };
        querySelector(s: string): {
          width: number;
          height: number;
          getContext(k: '2d'): { getImageData(...a: number[]): { data: Uint8ClampedArray } };
        };
      };
      const canvas = element.querySelector('.uplot canvas');
      const probe = document.createElement('canvas').getContext('2d');
      probe.fillStyle = getComputedStyle(document.documentElement).getPropertyValue('--s0').trim();
      probe.fillRect(0, 0, 1, 1);
      const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let seriesPixels = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i] === r && pixels[i + 1] === g && pixels[i + 2] === b && pixels[i + 3] === 255)
          seriesPixels++;
      }
      return { points: Number(element.dataset.points), seriesPixels };
    });
  }

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true });
  }

  const text = (selector: string) => page.$eval(selector, (element) => element.textContent?.trim() ?? '');

  async function chat(key: string): Promise<number> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'auto',
        messages: [{ role: 'user', content: 'Say hello to the dashboard' }],
      }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  beforeAll(async () => {
    mkdirSync(ARTEFACTS, { recursive: true });
    gateway = await bootTestApp({ ADMIN_API_KEY: TEST_ADMIN_KEY }, { listen: true });
    // Seed: a tenant with a key and a few requests (the usage writer flushes them in the
    // background; wait until the usage API counts them all).
    const acme = await admin().post('/admin/tenants').set(auth).send({ name: 'acme' }).expect(201);
    acmeId = acme.body.id;
    const key = await admin()
      .post(`/admin/tenants/${acmeId}/keys`)
      .set(auth)
      .send({ name: 'seed' })
      .expect(201);
    for (let i = 0; i < 3; i++) expect(await chat(key.body.key)).toBe(200);
    expect(await chat(TEST_API_KEY)).toBe(200);
    for (;;) {
      const usage = await admin().get(`/admin/tenants/${acmeId}/usage`).set(auth).expect(200);
      if (usage.body.totals.requests === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { default: puppeteer } = await import('puppeteer-core');
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    await browser
      .defaultBrowserContext()
      .overridePermissions(gateway.url, ['clipboard-read', 'clipboard-write']);
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('console', (message) => {
      // Refused API calls (the wrong key, endpoints not on this gateway) are expected; a CSP
      // violation ("Refused to …") or any other error is not.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        problems.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/admin/')) adminCalls.push(url.pathname + url.search);
    });
    page.on('dialog', (dialog) => void dialog.accept());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('signs in with the admin key only (a wrong key is refused), and keeps it out of the URL and storage', async () => {
    const response = await page.goto(`${gateway.url}/dashboard`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('#sign-in-form');
    await shot('sign-in');
    await page.type('#admin-key', 'mm-wrong-admin-key-0123456789');
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('sign-in-error')?.textContent !== '');
    expect(await text('#sign-in-error')).toMatch(/Sign-in refused/);
    await page.$eval('#admin-key', (input) => ((input as unknown as Field).value = ''));
    await page.type('#admin-key', TEST_ADMIN_KEY);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#page[data-ready="overview"]');
    expect(page.url()).not.toContain(TEST_ADMIN_KEY);
    const stored = await page.evaluate(() => [
      JSON.stringify({ ...localStorage }),
      JSON.stringify({ ...sessionStorage }),
      document.cookie,
    ]);
    expect(stored.join('')).not.toContain(TEST_ADMIN_KEY);
    expect(await page.$eval('#admin-key', (input) => (input as unknown as Field).value)).toBe('');
  });

  it('shows overview numbers that match the usage API', async () => {
    const report = await admin().get('/admin/usage').set(auth);
    if (report.status === 404) {
      // Without the cross-tenant report, the overview says so and shows one tenant at a time.
      expect(await text('.notice')).toMatch(/not available on this gateway/);
      await page.select('select[name=tenant]', acmeId);
      await page.waitForFunction(
        () => document.querySelector('[data-metric=requests] .tile-value')?.textContent === '3',
      );
      const usage = await admin().get(`/admin/tenants/${acmeId}/usage`).set(auth).expect(200);
      expect(await text('[data-metric=requests] .tile-value')).toBe(String(usage.body.totals.requests));
      expect(await text('[data-metric=errors] .tile-value')).toBe(String(usage.body.totals.errors));
      expect(await text('[data-metric=spend] .tile-value')).toBe(usd(usage.body.totals.cost_usd));
    } else {
      expect(report.status).toBe(200);
      expect(await text('[data-metric=requests] .tile-value')).toBe(
        report.body.totals.requests.toLocaleString('en-US'),
      );
      expect(await text('[data-metric=spend] .tile-value')).toBe(usd(report.body.totals.cost_usd));
    }
    // Latency from the stored roll-up (every replica, across restarts), as the API gives it.
    await page.waitForSelector('[data-metric=p50]');
    const latency = await admin().get('/admin/usage/latency').set(auth).expect(200);
    expect(latency.body.totals.requests).toBeGreaterThanOrEqual(4);
    expect(await text('[data-metric=p50] .tile-value')).toBe(
      `${latency.body.totals.p50_ms.toLocaleString('en-US')} ms`,
    );
    expect(await text('[data-metric=p99] .tile-value')).toBe(
      `${latency.body.totals.p99_ms.toLocaleString('en-US')} ms`,
    );
    // Charts drawn by uPlot from the data: 30 days of requests and errors; the latency of the
    // days with requests; top models as bars (tenants too, named from the one report request).
    const charts = await page.$$eval('.chart-plot[role=img]', (plots) => plots.length);
    expect(charts).toBeGreaterThanOrEqual(report.status === 404 ? 3 : 5);
    const requests = await chartDrawn('.chart-plot[aria-label^="Requests and errors per day"]');
    expect(requests.points).toBe(60);
    expect(requests.seriesPixels).toBeGreaterThan(0);
    expect((await chartDrawn('.chart-plot[aria-label^="p50 and p99 latency"]')).points).toBeGreaterThan(0);
    const models = await chartDrawn('.chart-plot[aria-label^="Top models by spend"]');
    expect(models.seriesPixels).toBeGreaterThan(0);
    if (report.status !== 404) {
      const tenants = await chartDrawn('.chart-plot[aria-label^="Top tenants by spend"]');
      expect(tenants.points).toBeGreaterThanOrEqual(1);
      expect(
        await page.$$eval('.chart-plot[aria-label^="Top tenants by spend"] ~ details td', (cells) =>
          cells.map((c) => c.textContent),
        ),
      ).toContain('acme');
      // One request per panel: the tenants' names come with the report, not from /admin/tenants.
      // (Sign-in's key checks, /admin/tenants?limit=1, are the only tenant-list calls so far.)
      const overviewCalls = adminCalls.filter((call) => call !== '/admin/tenants?limit=1');
      expect(overviewCalls.filter((call) => call.startsWith('/admin/tenants'))).toEqual([]);
      expect(new Set(overviewCalls).size).toBe(overviewCalls.length);
    }
    await shot('overview');
  });

  it('creates a tenant and a key shown once (copyable, working), and sets a budget with its bar', async () => {
    await open('tenants');
    await page.type('form[aria-label="Create a tenant"] input[name=name]', 'browser-team');
    await page.type('form[aria-label="Create a tenant"] input[name=rpm]', '120');
    await page.click('form[aria-label="Create a tenant"] button[type=submit]');
    await page.waitForSelector('form[aria-label="Create a key"]');
    const tenants = await admin().get('/admin/tenants').set(auth).expect(200);
    const team = tenants.body.data.find((tenant: { name: string }) => tenant.name === 'browser-team');
    expect(team).toMatchObject({ rate_limit_rpm: 120, status: 'active' });

    await page.type('form[aria-label="Create a key"] input[name=name]', 'ci-key');
    await page.click('form[aria-label="Create a key"] button[type=submit]');
    await page.waitForSelector('#new-key');
    const key = await page.$eval('#new-key', (input) => (input as unknown as Field).value);
    expect(key.length).toBeGreaterThan(20);
    expect(await chat(key)).toBe(200);
    await page.click('.key-once button');
    await page.waitForFunction(() =>
      /Copied|Selected/.test(document.querySelector('.key-once [role=status]')?.textContent ?? ''),
    );
    if ((await text('.key-once [role=status]')) === 'Copied.') {
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    }
    await shot('tenants-key-once');
    await page.click('.key-once button.secondary');
    expect(await page.content()).not.toContain(key);

    await page.type('form[aria-label="Budget"] input[name=limit]', '5');
    await page.click('form[aria-label="Budget"] button[type=submit]');
    await page.waitForSelector('.budget svg.budget-bar');
    expect(await text('.budget [data-field=limit]')).toBe('$5.00');
    expect(await page.$eval('.budget svg.budget-bar', (bar) => bar.getAttribute('aria-label'))).toMatch(
      /of \$5\.00/,
    );
    const budget = await admin().get(`/admin/tenants/${team.id}/budget`).set(auth).expect(200);
    expect(budget.body).toMatchObject({ limit_usd: 5, period: 'monthly' });

    // A key budget inside the tenant budget: both are shown, both apply.
    await page.click('button[aria-label="Budget of key ci-key"]');
    await page.waitForSelector('form[aria-label="Key budget"]');
    expect(await text('.key-budget p.muted')).toContain('tenant budget ($5.00 monthly)');
    await page.type('form[aria-label="Key budget"] input[name=limit]', '1');
    await page.click('form[aria-label="Key budget"] button[type=submit]');
    await page.waitForSelector('.key-budget svg.budget-bar');
    expect(await page.$eval('.key-budget svg.budget-bar', (bar) => bar.getAttribute('aria-label'))).toMatch(
      /^Key ci-key budget: .* of \$1\.00/,
    );
    await shot('tenants');

    // The Budgets page: every budget (the tenant's and its key's) from ONE request.
    const calls: string[] = [];
    const record = (request: { url(): string; method(): string }) => {
      const url = new URL(request.url());
      if (
        url.pathname.startsWith('/admin/') ||
        url.pathname.startsWith('/v1/') ||
        url.pathname.startsWith('/metrics')
      )
        calls.push(`${request.method()} ${url.pathname}`);
    };
    page.on('request', record);
    await open('budgets');
    page.off('request', record);
    await page.waitForSelector(`.budget[data-budget="${budget.body.id}"] svg.budget-bar`);
    expect(calls).toEqual(['GET /admin/budgets']);
    const listed = await admin().get('/admin/budgets').set(auth).expect(200);
    const teamBudgets = listed.body.data.filter((b: { tenant_id: string }) => b.tenant_id === team.id);
    expect(teamBudgets.map((b: { scope: string; limit_usd: number }) => [b.scope, b.limit_usd])).toEqual([
      ['tenant', 5],
      ['key', 1],
    ]);
    for (const b of teamBudgets) {
      expect(
        await page.$eval(`.budget[data-budget="${b.id}"] [data-field=remaining]`, (e) => e.textContent),
      ).toBe(usd(b.remaining_usd));
    }
    expect(await text(`.budget[data-budget="${teamBudgets[1].id}"] .budget-head strong`)).toBe(
      'browser-team / key ci-key',
    );
    await shot('budgets');

    // Revoke: the key is refused from then on.
    await open('tenants');
    await page.click(`button[aria-label="Manage browser-team"]`);
    await page.waitForSelector('button[aria-label="Revoke key ci-key"]');
    await page.click('button[aria-label="Revoke key ci-key"]');
    await page.waitForSelector('[data-status=revoked]');
    expect(await chat(key)).toBe(401);
  });

  it('edits a policy: invalid JSON is refused, the diff is shown before anything is saved', async () => {
    const team = (await admin().get('/admin/tenants').set(auth)).body.data.find(
      (tenant: { name: string }) => tenant.name === 'browser-team',
    );
    await open('policies');
    await page.select('select[name=tenant]', team.id);
    await page.waitForFunction(() => document.querySelector('#policy-text') !== null);
    await page.$eval('#policy-text', (area) => ((area as unknown as Field).value = '{ not json'));
    await page.click('xpath/.//button[contains(., "Review changes")]');
    await page.waitForSelector('#policy-review .error');
    expect(await text('#policy-review .error')).toMatch(/Not valid JSON/);

    const before = (await admin().get(`/admin/tenants/${team.id}/policy`).set(auth).expect(200)).body;
    await page.$eval(
      '#policy-text',
      (area, policy) =>
        ((area as unknown as Field).value = JSON.stringify({ ...policy, max_output_tokens: 1234 }, null, 2)),
      before.policy,
    );
    await page.click('xpath/.//button[contains(., "Review changes")]');
    await page.waitForSelector('#policy-review .diff ins');
    expect(await text('#policy-review .diff ins')).toContain('"max_output_tokens": 1234');
    await shot('policies-diff');
    // Nothing saved yet.
    expect((await admin().get(`/admin/tenants/${team.id}/policy`).set(auth)).body).toEqual(before);
    await page.click('xpath/.//button[contains(., "Save policy")]');
    await page.waitForSelector('#policy-review .success');
    const after = await admin().get(`/admin/tenants/${team.id}/policy`).set(auth).expect(200);
    expect(after.body).toMatchObject({ customised: true, policy: { max_output_tokens: 1234 } });
  });

  it('shows the audit trail (filterable) or says it is not available', async () => {
    const audit = await admin().get('/admin/audit').set(auth);
    await open('audit');
    if (audit.status === 404) {
      await page.waitForSelector('.panel .notice');
      expect(await text('.panel .notice')).toMatch(/audit trail .* not available on this gateway/);
    } else {
      await page.type('form[aria-label="Filter the audit trail"] input[name=decision]', 'admin_change');
      await page.click('form[aria-label="Filter the audit trail"] button[type=submit]');
      await page.waitForFunction(() => document.querySelectorAll('table tbody tr').length > 0);
      const decisions = await page.$$eval('table tbody tr td:nth-child(2)', (cells) =>
        cells.map((c) => c.textContent),
      );
      expect(new Set(decisions)).toEqual(new Set(['admin_change']));
    }
    await shot('audit');
  });

  it('lists the models (with a client key) and provider health; routing page renders', async () => {
    await open('models');
    await page.waitForSelector('[data-health]');
    expect(await text('[data-health]')).toBe('ok');
    await page.type('input[name=client-key]', TEST_API_KEY);
    await page.click('form[aria-label="Client key for the catalog"] button[type=submit]');
    // The health panel has a table too: wait for the catalog's own rows.
    await page.waitForSelector('.panel:last-of-type table tbody tr');
    const models = await fetch(`${gateway.url}/v1/models`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    const catalog = (await models.json()) as { data: Array<{ id: string }> };
    const rows = await page.$$eval('.panel:last-of-type table tbody tr', (trs) => trs.length);
    expect(rows).toBe(catalog.data.length);
    await shot('models');

    // Auto-routing savings against always-premium: the seeded requests asked for `auto`.
    await open('routing');
    await page.waitForSelector('[data-metric=routing-savings]');
    const routing = await admin().get('/admin/usage/routing').set(auth).expect(200);
    expect(routing.body.savings.requests).toBeGreaterThanOrEqual(4);
    expect(await text('[data-metric=routed-requests] .tile-value')).toBe(
      routing.body.savings.requests.toLocaleString('en-US'),
    );
    expect(await text('[data-metric=routing-savings] .tile-value')).toBe(usd(routing.body.savings.saved_usd));
    expect(await text('[data-metric=premium-cost] .tile-value')).toBe(
      usd(routing.body.savings.premium_cost_usd),
    );
    const modelMix = await chartDrawn('.chart-plot[aria-label^="Model mix"]');
    expect(modelMix.points).toBeGreaterThanOrEqual(1);
    expect(modelMix.seriesPixels).toBeGreaterThan(0);
    await shot('routing');
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    await open('overview');
    await page.waitForSelector('[data-metric=p50]');
    // Redrawn in the dark theme's colours (the series colour is read from the CSS at draw time).
    expect(
      (await chartDrawn('.chart-plot[aria-label^="Requests and errors per day"]')).seriesPixels,
    ).toBeGreaterThan(0);
    await shot('overview-dark');
    await page.setViewport({ width: 390, height: 844 });
    await shot('overview-mobile');
  });

  it('confines a tenant admin to its tenant (gateways with admin roles)', async () => {
    const created = await admin()
      .post(`/admin/tenants/${acmeId}/keys`)
      .set(auth)
      .send({ name: 'acme admin', role: 'tenant_admin' });
    if (created.status === 400) {
      // No admin roles on this gateway: the key DTO refuses `role`. Nothing to sign in with.
      expect(created.body.error.code).toBe('invalid_value');
      return;
    }
    expect(created.status).toBe(201);
    await page.setViewport({ width: 1280, height: 900 });
    await page.click('#sign-out');
    await page.waitForSelector('#admin-key');
    await page.type('#admin-key', created.body.key);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#page[data-ready]');
    await open('tenants');
    const names = await page.$$eval('table tbody tr td:first-child', (cells) =>
      cells.map((c) => c.textContent),
    );
    expect(names).toEqual(['acme']);
    await page.type('form[aria-label="Create a tenant"] input[name=name]', 'not-allowed');
    await page.click('form[aria-label="Create a tenant"] button[type=submit]');
    await page.waitForSelector('form[aria-label="Create a tenant"] .error');
    expect(await text('form[aria-label="Create a tenant"] .error')).toMatch(/403/);
    await shot('tenant-admin');
  });

  it('raised no CSP violation or script error on any page', () => {
    expect(problems).toEqual([]);
  });
});

/** The dashboard's USD format (js/dom.js): cents, or three significant digits under a cent. */
function usd(value: number): string {
  const small = value !== 0 && Math.abs(value) < 0.01;
  const options = small ? { maximumSignificantDigits: 3 } : {};
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', ...options }).format(value);
}
