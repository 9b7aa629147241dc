import { readSseEvents } from './sse';

async function* bytes(parts: string[]): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for (const part of parts) yield encoder.encode(part);
}

async function collect(parts: string[]): Promise<Array<{ event?: string; data: string }>> {
  const out: Array<{ event?: string; data: string }> = [];
  for await (const event of readSseEvents(bytes(parts))) out.push({ event: event.event, data: event.data });
  return out;
}

describe('readSseEvents', () => {
  it('reassembles events split across network chunks, even inside a multi-byte character', () => {
    const euro = new TextEncoder().encode('data: {"t":"€"}\n\n');
    async function* split(): AsyncGenerator<Uint8Array> {
      yield euro.slice(0, 13); // cuts the 3-byte euro sign
      yield euro.slice(13);
    }
    return (async () => {
      const out: string[] = [];
      for await (const event of readSseEvents(split())) out.push(event.data);
      expect(out).toEqual(['{"t":"€"}']);
    })();
  });

  it('reads event names, CRLF framing and multi-line data; ignores comments', async () => {
    expect(
      await collect(['event: ping\r\ndata: {}\r\n\r\n: keep-alive\n\n', 'data: a\ndata: b\n\n']),
    ).toEqual([
      { event: 'ping', data: '{}' },
      { event: undefined, data: 'a\nb' },
    ]);
  });

  it('yields an event as soon as it is complete', async () => {
    const stream = readSseEvents(bytes(['data: 1\n\ndata: 2', '\n\n']));
    const first = await stream.next();
    expect(first.value?.data).toBe('1');
    expect((await stream.next()).value?.data).toBe('2');
  });

  it('drops an unterminated trailing event', async () => {
    expect(await collect(['data: whole\n\n', 'data: cut'])).toEqual([{ event: undefined, data: 'whole' }]);
  });
});
