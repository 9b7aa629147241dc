import { readFileSync } from 'node:fs';
import { ConfigError, loadAppConfig } from '../../src/config/app-config';
import { DASHBOARD_CSP, loadDashboardAssets } from '../../src/dashboard/dashboard-assets';
import { bootTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';

/**
 * The dashboard's static files (issue 17): served from memory with a strict CSP, nothing else
 * reachable through /dashboard, no inline script or style in the page, and nothing at all
 * when DASHBOARD_ENABLED=false.
 */
describe('dashboard static files', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp({ ADMIN_API_KEY: TEST_ADMIN_KEY });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('serves the page and its modules with the CSP and hardening headers, without a credential', async () => {
    for (const path of ['/dashboard', '/dashboard/', '/dashboard/index.html']) {
      const page = await gateway.http.get(path).expect(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.text).toContain('<script type="module" src="/dashboard/js/app.js"></script>');
    }
    // The charting library, from the installed npm package (the version package-lock.json pins).
    const uplot = JSON.parse(readFileSync(require.resolve('uplot/package.json'), 'utf8')) as {
      version: string;
    };
    const library = await gateway.http.get('/dashboard/vendor/uplot/uPlot.iife.min.js').expect(200);
    expect(library.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(library.text).toContain(`(v${uplot.version})`);
    const styles = await gateway.http.get('/dashboard/vendor/uplot/uPlot.min.css').expect(200);
    expect(styles.headers['content-type']).toBe('text/css; charset=utf-8');
    const script = await gateway.http.get('/dashboard/js/pages/tenants.js').expect(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe');
  });

  it('has no inline script, inline style or event-handler attribute in any file', () => {
    const assets = loadDashboardAssets();
    const html = assets.get('index.html')!.body.toString('utf8');
    expect([...html.matchAll(/<script\b[^>]*>/g)].every((tag) => /\bsrc=/.test(tag[0]))).toBe(true);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    for (const [name, asset] of assets) {
      if (!name.endsWith('.js')) continue;
      const source = asset.body
        .toString('utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      expect({
        name,
        inner: /\.innerHTML|outerHTML|insertAdjacentHTML|eval\(|new Function/.test(source),
      }).toEqual({
        name,
        inner: false,
      });
      expect({ name, storage: /localStorage|sessionStorage|document\.cookie/.test(source) }).toEqual({
        name,
        storage: false,
      });
    }
  });

  it('answers 404 (OpenAI error) for anything that is not one of its files', async () => {
    for (const path of [
      '/dashboard/nope.js',
      '/dashboard/../package.json',
      '/dashboard/%2e%2e/%2e%2e/package.json',
      '/dashboard/..%2f..%2fpackage.json',
      '/dashboard/js/../../dashboard.controller.ts',
    ]) {
      const response = await gateway.http.get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      if (response.body?.error) expect(response.body.error.code).toBe('not_found');
    }
  });

  it('gives other origins no way to call the admin API with the key (no CORS grant)', async () => {
    const preflight = await gateway.http
      .options('/admin/tenants')
      .set('origin', 'https://evil.example')
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'authorization,content-type');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
    const simple = await gateway.http
      .get('/admin/tenants')
      .set('origin', 'https://evil.example')
      .set('authorization', `Bearer ${TEST_ADMIN_KEY}`);
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('is off with DASHBOARD_ENABLED=false; the variable is validated', async () => {
    const off = await bootTestApp({ ADMIN_API_KEY: TEST_ADMIN_KEY, DASHBOARD_ENABLED: 'false' });
    try {
      const response = await off.http.get('/dashboard').expect(404);
      expect(response.body.error.code).toBe('not_found');
      await off.http.get('/dashboard/js/app.js').expect(404);
    } finally {
      await off.close();
    }
    expect(loadAppConfig({}).dashboardEnabled).toBe(true);
    expect(() => loadAppConfig({ DASHBOARD_ENABLED: 'sometimes' })).toThrow(ConfigError);
  });
});
