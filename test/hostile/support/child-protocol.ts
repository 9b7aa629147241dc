/** Messages between the hostile suite and its gateway / prober child processes (over IPC). */
export type ParentMessage = { type: 'measure' } | { type: 'report' } | { type: 'close' };

export interface LoopReport {
  type: 'loop';
  /** Wall-clock event-loop delay (perf_hooks.monitorEventLoopDelay). */
  maxMs: number;
  p99Ms: number;
  meanMs: number;
  rssMb: number;
  /** Longest main-thread CPU stretch between two 5 ms ticks (Linux; null elsewhere). */
  maxBusyMs: number | null;
  /** Main-thread CPU time and time spent waiting for a CPU while measuring (Linux). */
  runMs: number | null;
  waitMs: number | null;
}

export interface ProbeReport {
  type: 'probe';
  maxMs: number;
  count: number;
  failures: number;
}

export type ChildMessage = { type: 'ready'; url: string } | { type: 'measuring' } | LoopReport | ProbeReport;
