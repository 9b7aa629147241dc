import { anthropicErrorBody } from '../../common/anthropic-errors';
import type { ChatCompletionChunk } from '../../common/openai/chat.types';
import type { SseFraming } from '../sse-writer';
import type { MessagesStreamEncoder } from './messages-stream';
import type { MessagesStreamEvent } from './messages.types';

/** Anthropic's framing: `event: <type>` + `data: <json>` per event; an `error` event on failure. */
export function messagesSseFraming(requestId: string): SseFraming<MessagesStreamEvent[]> {
  return {
    item: (events) => {
      let text = '';
      for (const event of events) text += `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
      return text;
    },
    end: () => '',
    error: (error) => `event: error\ndata: ${JSON.stringify(anthropicErrorBody(error, requestId))}\n\n`,
  };
}

/**
 * The pipeline's chunks as Anthropic events: each chunk's events, then the closing events once
 * the chunks completed (a failure propagates instead: the writer ends with an error event).
 * Returning early (the client went away) returns the chunks too, which settles the accounting.
 */
export async function* messagesEvents(
  chunks: AsyncGenerator<ChatCompletionChunk>,
  encoder: MessagesStreamEncoder,
): AsyncGenerator<MessagesStreamEvent[]> {
  try {
    for await (const chunk of chunks) {
      const events = encoder.onChunk(chunk);
      if (events.length > 0) yield events;
    }
    yield encoder.end();
  } finally {
    await chunks.return(undefined);
  }
}
