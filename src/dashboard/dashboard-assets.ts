import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';

/** The dashboard's static files: next to this module (`public/`, copied there by `nest build`). */
export const DASHBOARD_PUBLIC_DIR = join(__dirname, 'public');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

export interface DashboardAsset {
  body: Buffer;
  contentType: string;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : entry.isFile() ? [join(dir, entry.name)] : [],
  );
}

/**
 * Every file of the dashboard, read once at start-up into memory (about 100 kB with the vendor
 * files), keyed by its path under public/ with forward slashes (vendor files: vendor/…). A
 * request is answered from this map only, so no request path ever reaches the file system (no
 * traversal, no symlink surprises).
 */
export function loadDashboardAssets(dir: string = DASHBOARD_PUBLIC_DIR): Map<string, DashboardAsset> {
  const assets = loadVendorAssets();
  for (const file of listFiles(dir)) {
    const contentType = CONTENT_TYPES[extname(file).toLowerCase()];
    if (!contentType) continue;
    assets.set(relative(dir, file).split(sep).join('/'), { body: readFileSync(file), contentType });
  }
  return assets;
}

/**
 * Files of npm packages the dashboard ships (its charting library, uPlot: see charts.js), served
 * under vendor/<package>/ and read from the installed package (require.resolve), so that the
 * version is the one package-lock.json pins: no copy in the repository, no CDN.
 */
export const DASHBOARD_VENDOR_FILES: ReadonlyArray<{ pkg: string; files: readonly string[] }> = [
  { pkg: 'uplot', files: ['uPlot.iife.min.js', 'uPlot.min.css'] },
];

/** The vendor files, keyed vendor/<package>/<file> (the files sit next to the package's main). */
export function loadVendorAssets(
  resolve: (id: string) => string = require.resolve,
): Map<string, DashboardAsset> {
  const assets = new Map<string, DashboardAsset>();
  for (const { pkg, files } of DASHBOARD_VENDOR_FILES) {
    const dir = dirname(resolve(pkg));
    for (const file of files) {
      const contentType = CONTENT_TYPES[extname(file).toLowerCase()];
      assets.set(`vendor/${pkg}/${file}`, { body: readFileSync(join(dir, file)), contentType });
    }
  }
  return assets;
}

/**
 * Content-Security-Policy of every dashboard response: only the gateway's own scripts, styles
 * and API (no inline script or style, no eval, no third-party origin), not embeddable in frames.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_HEADERS: Record<string, string> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-cache',
};
