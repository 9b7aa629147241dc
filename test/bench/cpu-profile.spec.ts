import { categoryOf, shortLocation, summarizeProfile, type CpuProfile } from '../../bench/cpu-profile';

const OWN = 'file:///repo/bench/.dist/src/chat/chat.service.js';
const EXPRESS = 'file:///repo/node_modules/express/lib/router/index.js';

function frame(functionName: string, url = '', lineNumber = 0) {
  return { functionName, url, lineNumber, columnNumber: 0 };
}

describe('bench CPU profile summary', () => {
  it('categorizes frames by where their code comes from', () => {
    expect(categoryOf('', '(garbage collector)')).toBe('gc');
    expect(categoryOf('', '(idle)')).toBe('idle');
    expect(categoryOf('', 'writev')).toBe('v8/native');
    expect(categoryOf('node:internal/streams/readable', 'read')).toBe('node:streams');
    expect(categoryOf('node:events', 'emit')).toBe('node:events');
    expect(categoryOf(EXPRESS, 'handle')).toBe('express');
    expect(categoryOf('file:///repo/node_modules/@nestjs/core/router/x.js', 'f')).toBe('@nestjs/core');
    expect(categoryOf(OWN, 'complete')).toBe('modelmuxer');
    expect(shortLocation(OWN, 9)).toBe('src/chat/chat.service.js:10');
    expect(shortLocation(EXPRESS, 0)).toBe('express/lib/router/index.js:1');
  });

  it('charges each sample interval to the sampled node and leaves idle time out of the shares', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 5_000,
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 4, 5] },
        { id: 2, callFrame: frame('complete', OWN, 68), children: [3] },
        { id: 3, callFrame: frame('handle', EXPRESS, 10), children: [] },
        { id: 4, callFrame: frame('(idle)'), children: [] },
        { id: 5, callFrame: frame('(garbage collector)'), children: [] },
      ],
      // The interval after sample i (timeDeltas[i + 1], µs) belongs to samples[i].
      samples: [2, 3, 3, 4, 5, 2],
      timeDeltas: [0, 1_000, 1_000, 1_000, 1_000, 1_000],
    };
    const summary = summarizeProfile(profile);
    expect(summary.durationMs).toBe(5);
    expect(summary.busyMs).toBeCloseTo(4, 10);
    expect(summary.byCategory).toEqual([
      { category: 'express', ms: 2, share: 0.5 },
      { category: 'modelmuxer', ms: 1, share: 0.25 },
      { category: 'gc', ms: 1, share: 0.25 },
    ]);
    expect(summary.topSelf[0]).toMatchObject({
      name: 'handle',
      location: 'express/lib/router/index.js:11',
      ms: 2,
    });
    expect(summary.topOwnInclusive).toEqual([
      {
        name: 'complete',
        location: 'src/chat/chat.service.js:69',
        category: 'modelmuxer',
        ms: 3,
        share: 0.75,
      },
    ]);
  });

  it('counts a recursive function once per stack in its inclusive time', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 3_000,
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        { id: 2, callFrame: frame('walk', OWN, 5), children: [3] },
        { id: 3, callFrame: frame('walk', OWN, 5), children: [] },
      ],
      samples: [2, 3, 3],
      timeDeltas: [0, 1_000, 1_000],
    };
    const summary = summarizeProfile(profile);
    expect(summary.topOwnInclusive).toHaveLength(1);
    expect(summary.topOwnInclusive[0].ms).toBeCloseTo(2, 10);
  });

  it('falls back to hit counts when the profile has no sample stream', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 4_000,
      nodes: [
        { id: 1, callFrame: frame('(root)'), hitCount: 0, children: [2, 3] },
        { id: 2, callFrame: frame('complete', OWN, 1), hitCount: 3, children: [] },
        { id: 3, callFrame: frame('(idle)'), hitCount: 1, children: [] },
      ],
    };
    const summary = summarizeProfile(profile);
    expect(summary.busyMs).toBeCloseTo(3, 10);
    expect(summary.topSelf[0]).toMatchObject({ name: 'complete', share: 1 });
  });
});
