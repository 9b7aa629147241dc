import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/**
 * Preloaded into the gateway by `npm run bench -- --profile` (node -r …): the V8 CPU profiler
 * that `node --cpu-prof` uses, driven through the inspector so that it covers only the load
 * window. `--cpu-prof` itself profiles the whole process life (start-up and shutdown included)
 * and writes its file only at exit.
 *
 *   first SIGUSR2   start profiling
 *   second SIGUSR2  stop, write <BENCH_CPU_PROFILE_DIR>/gateway-<pid>.cpuprofile
 *
 * Nothing is started unless BENCH_CPU_PROFILE_DIR is set; never used in production.
 */
const dir = process.env.BENCH_CPU_PROFILE_DIR;
const intervalUs = Number(process.env.BENCH_CPU_PROFILE_INTERVAL_US ?? 500);

if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: intervalUs }, () =>
          session.post('Profiler.start'),
        ),
      );
      return;
    }
    running = false;
    session.post('Profiler.stop', (error, result) => {
      if (error) {
        console.error(`cpu profile: ${error.message}`);
        return;
      }
      const file = join(dir, `gateway-${process.pid}.cpuprofile`);
      writeFileSync(`${file}.tmp`, JSON.stringify(result.profile));
      // Renamed into place so the bench never reads a half-written file.
      renameSync(`${file}.tmp`, file);
    });
  });
}
