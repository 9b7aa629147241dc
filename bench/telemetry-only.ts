import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { telemetryMicroBenchmarks } from './micro-telemetry';

/**
 * Only the telemetry CPU figures of the micro-benchmarks (bench/micro-telemetry.ts), quicker than
 * `npm run bench`: `npx tsc -p bench/tsconfig.json && node bench/.dist/bench/telemetry-only.js
 * [iterations] [profile.cpuprofile]` — with a second argument, a CPU profile of the measured
 * runs (not of the start-up) is written there (summarize it like bench/cpu-profile.ts does).
 */
async function main(): Promise<void> {
  const iterations = Number(process.argv[2] ?? 20000);
  const profileFile = process.argv[3];
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const before = load();
  const session = profileFile ? new Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const results = await telemetryMicroBenchmarks(iterations);
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profileFile!, JSON.stringify(profile));
    session.disconnect();
  }
  for (const r of results)
    console.log(
      `${r.cpuMeanUs.toFixed(1).padStart(7)} µs CPU ${r.meanUs.toFixed(1).padStart(7)} µs wall  ${r.name}`,
    );
  console.log(`load average before ${before}, after ${load()}`);
}
void main();
