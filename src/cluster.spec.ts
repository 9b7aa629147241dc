import { availableParallelism } from 'node:os';
import { autoWorkerCount, cgroupCpuLimit, workerCount, type ReadText } from './cluster';
import { loadAppConfig } from './config/app-config';

/** A file system of the given cgroup files (their real formats, trailing newline included). */
const files =
  (entries: Record<string, string>): ReadText =>
  (path) =>
    entries[path] ?? null;

describe('cgroupCpuLimit', () => {
  it('reads cgroup v2 cpu.max', () => {
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': '200000 100000\n' }))).toBe(2);
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }))).toBe(1.5);
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': '50000 100000\n' }))).toBe(0.5);
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }))).toBeNull();
  });

  it('reads cgroup v1 quota and period, under either mount name', () => {
    const v1 = (dir: string, quota: string) =>
      files({ [`${dir}/cpu.cfs_quota_us`]: `${quota}\n`, [`${dir}/cpu.cfs_period_us`]: '100000\n' });
    expect(cgroupCpuLimit(v1('/sys/fs/cgroup/cpu', '400000'))).toBe(4);
    expect(cgroupCpuLimit(v1('/sys/fs/cgroup/cpu,cpuacct', '100000'))).toBe(1);
    expect(cgroupCpuLimit(v1('/sys/fs/cgroup/cpu', '-1'))).toBeNull();
  });

  it('treats missing, empty or garbled files as no limit', () => {
    expect(cgroupCpuLimit(files({}))).toBeNull();
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': '' }))).toBeNull();
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': 'garbage here\n' }))).toBeNull();
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': '200000 0\n' }))).toBeNull();
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '200000\n' }))).toBeNull();
  });

  it('does not throw on the real machine', () => {
    const limit = cgroupCpuLimit();
    expect(limit === null || limit > 0).toBe(true);
  });
});

describe('autoWorkerCount', () => {
  it('is one per core without a limit', () => {
    expect(autoWorkerCount(64, null)).toBe(64);
    expect(autoWorkerCount(1, null)).toBe(1);
  });

  it('caps at the container limit in whole cores, at least one', () => {
    expect(autoWorkerCount(64, 2)).toBe(2);
    expect(autoWorkerCount(64, 1.5)).toBe(1);
    expect(autoWorkerCount(64, 0.5)).toBe(1);
    expect(autoWorkerCount(2, 8)).toBe(2);
  });
});

describe('workerCount', () => {
  const db = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/x' };

  it('WORKERS=auto in a container limited to 2 CPUs forks 2 workers, whatever the host has', () => {
    const config = loadAppConfig({ ...db, WORKERS: 'auto' });
    const limited = files({ '/sys/fs/cgroup/cpu.max': '200000 100000\n' });
    expect(workerCount(config, limited)).toBe(Math.min(2, availableParallelism()));
    expect(workerCount(config, files({}))).toBe(availableParallelism());
  });

  it('a number is taken as given', () => {
    const limited = files({ '/sys/fs/cgroup/cpu.max': '100000 100000\n' });
    expect(workerCount(loadAppConfig({ ...db, WORKERS: '3' }), limited)).toBe(3);
  });
});
