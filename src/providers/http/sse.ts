import { createParser, EventSourceMessage } from 'eventsource-parser';

/**
 * Server-sent events from a byte stream, yielded as soon as each event is complete (no
 * buffering beyond the current event). Parsing is eventsource-parser's; this only adapts its
 * callback API to an async iterator.
 */
export async function* readSseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const ready: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => ready.push(event) });
  const decoder = new TextDecoder();
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    if (ready.length === 0) continue;
    // The parser is only fed between these yields, so `ready` does not change under us.
    for (let i = 0; i < ready.length; i++) yield ready[i];
    ready.length = 0;
  }
  const tail = decoder.decode();
  if (tail) parser.feed(tail);
  // An event not terminated by a blank line is incomplete: dropped, as the SSE spec says.
  for (let i = 0; i < ready.length; i++) yield ready[i];
}
