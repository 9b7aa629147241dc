import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Process and machine accounting from Linux /proc: CPU time and RSS of the gateway process(es),
 * and the machine's busy time (to report how much of the CPU other work took during a run).
 * The parsers are pure and unit-tested (test/bench/proc.spec.ts); the readers return null when
 * the file is gone (the process exited) or /proc does not exist (not Linux).
 */

export interface ProcStat {
  pid: number;
  ppid: number;
  /** User-mode CPU time, in clock ticks (all threads, including exited ones). */
  utimeTicks: number;
  /** Kernel-mode CPU time, in clock ticks. */
  stimeTicks: number;
}

export interface MachineCpu {
  /** Ticks spent doing work (user, nice, system, irq, softirq, steal). */
  busyTicks: number;
  /** All ticks (busy + idle + iowait), summed over every CPU. */
  totalTicks: number;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself contain
 * spaces and parentheses, so the fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  const pid = Number(text.slice(0, open).trim());
  // fields[0] is field 3 (state); field n is fields[n - 3].
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number): number => {
    const value = Number(fields[n - 3]);
    if (!Number.isFinite(value)) throw new Error(`/proc/<pid>/stat: field ${n} is not a number`);
    return value;
  };
  return { pid, ppid: field(4), utimeTicks: field(14), stimeTicks: field(15) };
}

/** VmRSS of /proc/<pid>/status, in bytes; null when the line is absent (a zombie). */
export function parseStatusRssBytes(text: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return match ? Number(match[1]) * 1024 : null;
}

/** The aggregate `cpu` line of /proc/stat. */
export function parseMachineCpu(text: string): MachineCpu {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no aggregate cpu line');
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // guest time is already included in user time.
  const busyTicks = user + nice + system + irq + softirq + steal;
  return { busyTicks, totalTicks: busyTicks + idle + iowait };
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export function readProcStat(pid: number): ProcStat | null {
  const text = readOrNull(`/proc/${pid}/stat`);
  return text === null ? null : parseProcStat(text);
}

export function readRssBytes(pid: number): number | null {
  const text = readOrNull(`/proc/${pid}/status`);
  return text === null ? null : parseStatusRssBytes(text);
}

export function readMachineCpu(): MachineCpu | null {
  const text = readOrNull('/proc/stat');
  return text === null ? null : parseMachineCpu(text);
}

/** Every live descendant of a process (cluster workers), by walking the ppid links in /proc. */
export function descendantPids(rootPid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const name of entries) {
    const stat = readOrNull(`/proc/${name}/stat`);
    if (stat === null) continue;
    try {
      const { pid, ppid } = parseProcStat(stat);
      const list = children.get(ppid) ?? [];
      list.push(pid);
      children.set(ppid, list);
    } catch {
      // a malformed or vanished entry: skip it
    }
  }
  const out: number[] = [];
  const queue = [...(children.get(rootPid) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** sysconf(_SC_CLK_TCK): 100 on practically every Linux, asked once. */
export function clockTicksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

/** CPU time (ms) and RSS (bytes) of a group of processes, summed. */
export interface GroupSample {
  cpuMs: number;
  rssBytes: number;
  /** Processes that answered (a process that exited is left out). */
  alive: number;
}

export function sampleGroup(pids: readonly number[], ticksPerSecond: number): GroupSample {
  let ticks = 0;
  let rssBytes = 0;
  let alive = 0;
  for (const pid of pids) {
    const stat = readProcStat(pid);
    if (!stat) continue;
    alive++;
    ticks += stat.utimeTicks + stat.stimeTicks;
    rssBytes += readRssBytes(pid) ?? 0;
  }
  return { cpuMs: (ticks * 1000) / ticksPerSecond, rssBytes, alive };
}
