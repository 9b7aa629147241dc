import type { BillingEvent, BillingEventsService } from './billing-events.service';
import { ChangeFeed } from './change-feed';

/** An in-process channel: what the feed subscribes to, and a way to deliver an event. */
function channel() {
  const listeners: Array<(event: BillingEvent) => void> = [];
  const events = { subscribe: (listener: (event: BillingEvent) => void) => listeners.push(listener) };
  return {
    events: events as unknown as BillingEventsService,
    deliver: (event: BillingEvent) => listeners.forEach((listener) => listener(event)),
  };
}

const waitFor = async (check: () => boolean, ms = 2_000) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('ChangeFeed', () => {
  it('loads at start, reloads what an event names, and everything on resync', async () => {
    const { events, deliver } = channel();
    const seen: string[] = [];
    let reloads = 0;
    const feed = new ChangeFeed({
      events,
      onEvent: (event) => seen.push(event.type),
      reloadAll: async () => void reloads++,
      refreshIntervalMs: 60_000,
      pollStamp: false,
      readStamp: async () => 'never read',
      pollIntervalMs: 10,
    });
    await feed.start();
    expect(reloads).toBe(1);
    deliver({ type: 'policy', tenantId: 't' });
    deliver({ type: 'resync' });
    expect(seen).toEqual(['policy']);
    expect(reloads).toBe(2);
    feed.stop();
  });

  it('without a distributed channel, polls the stamp and reloads once per change', async () => {
    const { events } = channel();
    let stamp: string | null = 'a';
    let reads = 0;
    let reloads = 0;
    const feed = new ChangeFeed({
      events,
      onEvent: () => undefined,
      reloadAll: async () => void reloads++,
      refreshIntervalMs: 60_000,
      pollStamp: true,
      readStamp: async () => (reads++, stamp),
      pollIntervalMs: 10,
    });
    await feed.start();
    await waitFor(() => reads >= 4);
    expect(reloads).toBe(1); // unchanged stamp: no reload
    stamp = 'b';
    await waitFor(() => reloads === 2);
    const after = reads;
    await waitFor(() => reads >= after + 3);
    expect(reloads).toBe(2);
    stamp = null; // unreadable: keep what is loaded
    const unreadable = reads;
    await waitFor(() => reads >= unreadable + 3);
    expect(reloads).toBe(2);
    feed.stop();
    const stopped = reads;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads).toBe(stopped);
  });
});
