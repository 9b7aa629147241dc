/**
 * Summarizes a V8 CPU profile (.cpuprofile, as written by `node --cpu-prof` or the inspector's
 * Profiler.stop): self time per function, per package ("where does the CPU go"), and the
 * inclusive time of the gateway's own functions. Pure; unit-tested in test/bench/cpu-profile.spec.ts.
 */

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionTime {
  /** Function name ("(anonymous)" when it has none). */
  name: string;
  /** Short location: package-relative or repository-relative path and line. */
  location: string;
  category: string;
  ms: number;
  /** Share of the busy (non-idle) time, 0..1. */
  share: number;
}

export interface CategoryTime {
  category: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  /** Wall time covered by the profile. */
  durationMs: number;
  /** Time not idle (the CPU time of the main thread, as sampled). */
  busyMs: number;
  byCategory: CategoryTime[];
  topSelf: FunctionTime[];
  /** The gateway's own functions (src/ and migrations/) by inclusive time. */
  topOwnInclusive: FunctionTime[];
}

const VM_FRAMES: Record<string, string> = {
  '(garbage collector)': 'gc',
  '(program)': 'v8/native',
  '(root)': 'v8/native',
  '(idle)': 'idle',
};

/** Where a frame's code comes from: "gc", "node:<module>", an npm package, "modelmuxer", … */
export function categoryOf(url: string, functionName: string): string {
  if (!url) return VM_FRAMES[functionName] ?? 'v8/native';
  if (url.startsWith('node:')) {
    const internal = /^node:internal\/([\w-]+)/.exec(url);
    return internal ? `node:${internal[1]}` : url.replace(/\/.*$/, '');
  }
  const marker = url.lastIndexOf('/node_modules/');
  if (marker >= 0) {
    const rest = url.slice(marker + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (/\/(src|migrations)\//.test(url)) return 'modelmuxer';
  return 'other';
}

/** A short, stable location: "pkg/lib/file.js:12" or "src/chat/chat.service.js:40". */
export function shortLocation(url: string, lineNumber: number): string {
  if (!url) return '';
  let path = url.replace(/^file:\/\//, '');
  const marker = path.lastIndexOf('/node_modules/');
  if (marker >= 0) path = path.slice(marker + '/node_modules/'.length);
  else {
    // The repository-relative path, also inside a build folder (bench/.dist/src/… → src/…).
    const at = Math.max(
      ...['/src/', '/migrations/', '/test/', '/bench/'].map((dir) => path.lastIndexOf(dir)),
    );
    if (at >= 0) path = path.slice(at + 1);
  }
  return `${path}:${lineNumber + 1}`;
}

function functionKey(node: CpuProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'}\u0000${url}\u0000${lineNumber}`;
}

/** Self time (ms) of every node, from the sample stream (or hit counts when there is none). */
export function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // timeDeltas[i] is the time since the previous sample; it is charged to the node sampled
    // at i + 1's start, i.e. the time until the next sample belongs to samples[i].
    for (let i = 0; i < samples.length; i++) {
      const next = i + 1 < deltas.length ? deltas[i + 1] : 0;
      self.set(samples[i], (self.get(samples[i]) ?? 0) + Math.max(0, next) / 1000);
    }
    return self;
  }
  const total = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const perHit = total > 0 ? (profile.endTime - profile.startTime) / 1000 / total : 0;
  for (const node of profile.nodes) self.set(node.id, (node.hitCount ?? 0) * perHit);
  return self;
}

export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const self = selfTimes(profile);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const durationMs = (profile.endTime - profile.startTime) / 1000;

  // Self time per function and per category.
  const functions = new Map<string, { node: CpuProfileNode; ms: number }>();
  const categories = new Map<string, number>();
  let idleMs = 0;
  for (const node of profile.nodes) {
    const ms = self.get(node.id) ?? 0;
    if (ms === 0) continue;
    const category = categoryOf(node.callFrame.url, node.callFrame.functionName);
    if (category === 'idle') {
      idleMs += ms;
      continue;
    }
    categories.set(category, (categories.get(category) ?? 0) + ms);
    const key = functionKey(node);
    const entry = functions.get(key);
    if (entry) entry.ms += ms;
    else functions.set(key, { node, ms });
  }
  let sampledMs = 0;
  for (const ms of self.values()) sampledMs += ms;
  const busyMs = sampledMs - idleMs;
  const share = (ms: number) => (busyMs > 0 ? ms / busyMs : 0);
  const toFunctionTime = (node: CpuProfileNode, ms: number): FunctionTime => ({
    name: node.callFrame.functionName || '(anonymous)',
    location: shortLocation(node.callFrame.url, node.callFrame.lineNumber),
    category: categoryOf(node.callFrame.url, node.callFrame.functionName),
    ms,
    share: share(ms),
  });

  // Inclusive time of the gateway's own functions; a recursive function is counted once per
  // stack (only where it is not already on the path).
  const inclusive = new Map<string, { node: CpuProfileNode; ms: number }>();
  const totals = new Map<number, number>();
  const root = profile.nodes[0];
  if (root) {
    // Iterative post-order: total(node) = self + Σ total(children).
    const order: number[] = [];
    const stack = [root.id];
    while (stack.length > 0) {
      const id = stack.pop()!;
      order.push(id);
      for (const child of byId.get(id)?.children ?? []) stack.push(child);
    }
    for (let i = order.length - 1; i >= 0; i--) {
      const node = byId.get(order[i])!;
      let total = self.get(node.id) ?? 0;
      for (const child of node.children ?? []) total += totals.get(child) ?? 0;
      totals.set(node.id, total);
    }
    const onPath = new Map<string, number>();
    const walk: Array<{ id: number; leave: boolean }> = [{ id: root.id, leave: false }];
    while (walk.length > 0) {
      const { id, leave } = walk.pop()!;
      const node = byId.get(id)!;
      const own = categoryOf(node.callFrame.url, node.callFrame.functionName) === 'modelmuxer';
      const key = functionKey(node);
      if (leave) {
        if (own) onPath.set(key, (onPath.get(key) ?? 1) - 1);
        continue;
      }
      if (own) {
        if ((onPath.get(key) ?? 0) === 0) {
          const entry = inclusive.get(key);
          const ms = totals.get(id) ?? 0;
          if (entry) entry.ms += ms;
          else inclusive.set(key, { node, ms });
        }
        onPath.set(key, (onPath.get(key) ?? 0) + 1);
      }
      walk.push({ id, leave: true });
      for (const child of node.children ?? []) walk.push({ id: child, leave: false });
    }
  }

  return {
    durationMs,
    busyMs,
    byCategory: [...categories.entries()]
      .map(([category, ms]) => ({ category, ms, share: share(ms) }))
      .sort((a, b) => b.ms - a.ms),
    topSelf: [...functions.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map(({ node, ms }) => toFunctionTime(node, ms)),
    topOwnInclusive: [...inclusive.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map(({ node, ms }) => toFunctionTime(node, ms)),
  };
}
