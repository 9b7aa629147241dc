import { parseMachineCpu, parseProcStat, parseStatusRssBytes } from '../../bench/proc';

describe('bench /proc parsing', () => {
  it('reads pid, ppid and CPU ticks from /proc/<pid>/stat, even with spaces and parentheses in the name', () => {
    const line =
      '4242 (node (worker) 1) S 4200 4242 4200 0 -1 4194560 15000 0 0 0 1234 567 0 0 20 0 11 0 9000 1300000000 70000 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 4200, utimeTicks: 1234, stimeTicks: 567 });
  });

  it('rejects text that is not a stat line', () => {
    expect(() => parseProcStat('garbage')).toThrow(/not a \/proc/);
  });

  it('reads VmRSS from /proc/<pid>/status', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1400000 kB\nVmRSS:\t  123456 kB\nRssAnon:\t 100000 kB\n';
    expect(parseStatusRssBytes(status)).toBe(123456 * 1024);
    expect(parseStatusRssBytes('Name:\tzombie\n')).toBeNull();
  });

  it('sums busy and total ticks of the aggregate cpu line', () => {
    const stat = 'cpu  100 5 50 800 20 1 2 3 0 0\ncpu0 50 2 25 400 10 0 1 1 0 0\nintr 1\n';
    // busy = user + nice + system + irq + softirq + steal; idle = idle + iowait
    expect(parseMachineCpu(stat)).toEqual({
      busyTicks: 100 + 5 + 50 + 1 + 2 + 3,
      totalTicks: 161 + 800 + 20,
    });
  });
});
