import type { Response } from 'superagent';

/** supertest parser that keeps an SSE body as text (use with `.buffer(true).parse(sseText)`). */
export function sseText(res: Response, callback: (error: Error | null, body: string) => void): void {
  let data = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (data += chunk));
  res.on('end', () => callback(null, data));
}

/** The `data:` payloads of an SSE body, in order ("[DONE]" kept as the string). */
export function sseEvents(body: string): string[] {
  return body
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice(6));
}
