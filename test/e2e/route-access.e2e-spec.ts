import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import request from 'supertest';
import { ROUTE_ACCESS, type RouteAccess } from '../../src/common/route-access';
import { MODES, type Mode } from '../../src/config/modes';
import { bootTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { createTestDatabase, SERVER_DATABASE_URL, type TestDatabase } from '../support/postgres';
import { deleteRedisPrefix, SERVER_REDIS_URL, uniqueRedisPrefix } from '../support/redis';

/**
 * Secure by default (issue 12): walks the route table of the booted gateway in every mode and
 * fails on any route that is neither authenticated nor explicitly public.
 *
 * 1. Every route Express serves is a route some controller declared (nothing slips in unseen).
 * 2. Every route declares its access: `public` (@Public()), `admin` (@AdminAuth(): the global
 *    ClientAuthGuard runs AdminGuard for it), or nothing — then it must be a client route.
 * 3. Asked without any credential, every client and admin route answers 401 (the global
 *    ClientAuthGuard refused it before the handler ran); public routes do not.
 * The list of public routes is pinned, so making a route public is a visible, reviewed change.
 */

// The dashboard's static files (issue 17) are public: a browser loads the page before it has a
// key; every figure on it comes from the admin API, called with the key the user types.
const PUBLIC_ROUTES = [
  'GET /dashboard',
  'GET /dashboard/*path',
  'GET /health',
  'GET /health/ready',
  'GET /metrics/prometheus',
];

interface DeclaredRoute {
  method: string;
  path: string;
  access: RouteAccess;
}

function joinPath(...parts: Array<string | undefined>): string {
  const joined = parts
    .flatMap((part) => (part ?? '').split('/'))
    .filter((segment) => segment !== '')
    .join('/');
  return `/${joined}`;
}

/** The routes declared by the controllers Nest loaded, with their access metadata. */
function declaredRoutes(app: TestApp['app']): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller) continue;
      const base = Reflect.getMetadata(PATH_METADATA, controller) as string | string[];
      const classAccess = Reflect.getMetadata(ROUTE_ACCESS, controller) as RouteAccess | undefined;
      const proto = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (path === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const access =
          (Reflect.getMetadata(ROUTE_ACCESS, handler) as RouteAccess | undefined) ?? classAccess ?? 'client';
        for (const basePath of [base].flat()) {
          for (const subPath of [path].flat()) {
            routes.push({ method, path: joinPath(basePath, subPath), access });
          }
        }
      }
    }
  }
  return routes;
}

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** The routes Express actually serves. */
function servedRoutes(app: TestApp['app']): string[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } };
  const served = new Set<string>();
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    for (const [method, enabled] of Object.entries(layer.route.methods)) {
      if (enabled && method !== '_all') served.add(`${method.toUpperCase()} ${layer.route.path}`);
    }
  }
  return [...served].sort();
}

/** A concrete URL for a route pattern (":id" → a well-formed id). */
function concrete(path: string): string {
  return path.replace(/:[A-Za-z_]+/g, '00000000-0000-0000-0000-000000000001');
}

async function bootMode(mode: Mode): Promise<{ app: TestApp; cleanup: () => Promise<void> }> {
  if (mode !== 'production') {
    const app = await bootTestApp({ MODE: mode, ADMIN_API_KEY: TEST_ADMIN_KEY });
    return { app, cleanup: () => app.close() };
  }
  const database: TestDatabase = await createTestDatabase();
  const prefix = uniqueRedisPrefix();
  const app = await bootTestApp({
    MODE: 'production',
    DATA_DIR: undefined,
    DATABASE_URL: database.url,
    REDIS_URL: SERVER_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    API_KEY_HASH_SECRET: 'route-access-hash-secret-0123456789abcdef',
  });
  return {
    app,
    cleanup: async () => {
      await app.close();
      await database.drop();
      await deleteRedisPrefix(prefix);
    },
  };
}

const modes = MODES.filter((mode) => mode !== 'production' || (SERVER_DATABASE_URL && SERVER_REDIS_URL));

describe.each(modes)('route table in %s mode', (mode) => {
  let booted: Awaited<ReturnType<typeof bootMode>>;
  let declared: DeclaredRoute[];

  beforeAll(async () => {
    booted = await bootMode(mode);
    declared = declaredRoutes(booted.app.app);
  }, 120_000);

  afterAll(async () => {
    await booted?.cleanup();
  });

  it('serves only routes that controllers declared', () => {
    const known = new Set(declared.map((route) => `${route.method} ${route.path}`));
    const served = servedRoutes(booted.app.app);
    expect(served.length).toBeGreaterThan(5);
    expect(served.filter((route) => !known.has(route))).toEqual([]);
  });

  it('makes public exactly the pinned routes; everything under /admin is an admin route', () => {
    const publicRoutes = declared.filter((route) => route.access === 'public');
    expect(publicRoutes.map((route) => `${route.method} ${route.path}`).sort()).toEqual(PUBLIC_ROUTES);
    const admin = declared.filter((route) => route.access === 'admin');
    expect(admin.length).toBeGreaterThan(0);
    expect(declared.filter((route) => route.path.startsWith('/admin') && route.access !== 'admin')).toEqual(
      [],
    );
  });

  it('refuses every non-public route without a credential (401, OpenAI error shape; Anthropic shape on /v1/messages)', async () => {
    const open: string[] = [];
    for (const route of declared) {
      const response = await request(booted.app.app.getHttpServer())
        [route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](concrete(route.path))
        .send({});
      const label = `${route.method} ${route.path} → ${response.status}`;
      if (route.access === 'public') {
        if (response.status === 401) open.push(`public route refused: ${label}`);
        continue;
      }
      const refused = route.path.startsWith('/v1/messages')
        ? response.body?.type === 'error' && response.body?.error?.type === 'authentication_error'
        : response.body?.error?.code === 'invalid_api_key';
      if (response.status !== 401 || !refused) open.push(label);
    }
    expect(open).toEqual([]);
  });
});
