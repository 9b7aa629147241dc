import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';
import { freePort } from '../../bench/gateway-process';

/**
 * The gateway as a separate process (`src/main.ts` through ts-node, no build needed), for tests
 * that must kill a replica (SIGKILL), run several replicas, or measure the process from outside.
 * Its whole configuration comes from `env` (only PATH and HOME are inherited).
 */
export interface ChildGateway {
  url: string;
  pid: number;
  /** stdout + stderr so far (JSON log lines). */
  output(): string;
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const ROOT = join(__dirname, '..', '..');

export interface ChildGatewayOptions {
  readyTimeoutMs?: number;
  /**
   * Run a transpiled copy of src/ (made once and shared by every child, see compiledGatewayEntry)
   * instead of transpiling it with ts-node in each child: several children start about twice as
   * fast, which matters on a 2-core machine.
   */
  compiled?: boolean;
}

export async function startChildGateway(
  env: Record<string, string>,
  options: ChildGatewayOptions = {},
): Promise<ChildGateway> {
  const port = await freePort();
  const entry = options.compiled
    ? [compiledGatewayEntry()]
    : ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')];
  const child: ChildProcess = spawn(process.execPath, entry, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      // Tests stop children at once unless they test the drain (test/e2e/sigterm.e2e-spec.ts).
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  let exited = false;
  const exit = once(child, 'exit').then(([code, signal]) => {
    exited = true;
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`the gateway exited during start-up:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the gateway was not ready in time:\n${output}`);
    }
    try {
      const response = await fetch(`${url}/health`);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid!,
    output: () => output,
    async kill(signal) {
      if (!exited) child.kill(signal);
      return exit;
    },
  };
}

/* ---------- a transpiled copy of the gateway, shared by the children ---------- */

const COMPILED_CACHE = join(ROOT, 'node_modules', '.cache', 'modelmuxer-child-gateway');
const COMPILED_SOURCES = ['src', 'migrations'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.spec.ts') ? [] : [path];
  });
}

/**
 * `src/main.ts` and what it imports, transpiled to CommonJS (no type check, like ts-node's
 * transpile-only) under node_modules/.cache, where node_modules resolves as usual. The folder is
 * named by a hash of the sources, so it is reused until they change; built in a temporary folder
 * and renamed, so concurrent test workers cannot see half of it. Returns main.js.
 */
export function compiledGatewayEntry(): string {
  const files = COMPILED_SOURCES.flatMap((dir) => sourceFiles(join(ROOT, dir))).sort();
  const hash = createHash('sha256');
  for (const file of [...files, join(ROOT, 'tsconfig.json'), join(ROOT, 'package.json')]) {
    hash.update(relative(ROOT, file)).update(readFileSync(file));
  }
  const out = join(COMPILED_CACHE, hash.digest('hex').slice(0, 16));
  const entry = join(out, 'src', 'main.js');
  if (existsSync(entry)) return entry;
  const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  const compilerOptions = {
    ...options,
    module: ts.ModuleKind.CommonJS,
    sourceMap: false,
    incremental: false,
  };
  const building = `${out}.${randomBytes(4).toString('hex')}.tmp`;
  for (const file of files) {
    const target = join(building, relative(ROOT, file));
    mkdirSync(dirname(target), { recursive: true });
    if (!file.endsWith('.ts')) {
      copyFileSync(file, target);
      continue;
    }
    const output = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
    writeFileSync(target.replace(/\.ts$/, '.js'), output.outputText);
  }
  copyFileSync(join(ROOT, 'package.json'), join(building, 'package.json')); // src/config/version.ts
  try {
    renameSync(building, out);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another worker finished first
  }
  removeStaleBuilds(out);
  return entry;
}

/** Builds of older sources (left by earlier runs), once they are an hour old. */
function removeStaleBuilds(current: string): void {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of readdirSync(COMPILED_CACHE)) {
    const path = join(COMPILED_CACHE, name);
    if (path !== current && statSync(path).mtimeMs < hourAgo) rmSync(path, { recursive: true, force: true });
  }
}
