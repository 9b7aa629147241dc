import type { ChatCompletionRequest, ChatMessage } from '../../common/openai/chat.types';
import type { GenAiContentCapture, GenAiOutputMessage } from '../../telemetry/gen-ai';
import { PII_KINDS, piiScanBudget, redactPii, type PiiKind, type PiiScanBudget } from '../../policy/pii';

/** Every PII kind: a trace backend is a third party for every tenant, whatever its policy allows upstream. */
const ALL_PII: ReadonlySet<PiiKind> = new Set(PII_KINDS);
/** Characters read past the cut, so that a PII value straddling it is still recognised and redacted. */
const CUT_MARGIN = 256;
/** Marks text cut at the size bound. */
export const TRUNCATED = '…[truncated]';

type Part =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id: string; name: string; arguments: string }
  | { type: 'tool_call_response'; id: string; response: string }
  | { type: string };

/**
 * Text as it may go on a span: redacted of every PII kind (the detectors of src/policy/pii.ts,
 * the tenant PII policy's), then cut to what is left of the size budget. Bounded work: at most
 * the remaining characters + CUT_MARGIN are ever screened.
 */
class ContentBudget {
  private readonly scan: PiiScanBudget;

  constructor(private left: number) {
    this.scan = piiScanBudget(Number.MAX_SAFE_INTEGER);
  }

  get exhausted(): boolean {
    return this.left <= 0;
  }

  take(text: string): string {
    if (this.left <= 0 || text.length === 0) return '';
    const window = text.slice(0, this.left + CUT_MARGIN);
    const redacted = redactPii(window, ALL_PII, this.scan).text;
    const cut = redacted.length > this.left || window.length < text.length;
    const kept = redacted.slice(0, this.left);
    this.left -= kept.length;
    return cut ? kept + TRUNCATED : kept;
  }
}

function inputParts(message: ChatMessage, budget: ContentBudget): Part[] {
  const parts: Part[] = [];
  const content = message.content;
  if (typeof content === 'string') parts.push({ type: 'text', content: budget.take(content) });
  else if (Array.isArray(content)) {
    for (const part of content) {
      if (part.type === 'text' && typeof part.text === 'string')
        parts.push({ type: 'text', content: budget.take(part.text) });
      else parts.push({ type: part.type }); // images, audio, files: their kind only, never the data
    }
  }
  for (const call of message.tool_calls ?? []) {
    const args = budget.take(call.function.arguments);
    parts.push({ type: 'tool_call', id: call.id, name: call.function.name, arguments: args });
  }
  if (message.role === 'tool' && typeof message.tool_call_id === 'string') {
    const response = parts.map((part) => ('content' in part ? part.content : '')).join('');
    return [{ type: 'tool_call_response', id: message.tool_call_id, response }];
  }
  return parts;
}

/** gen_ai.input.messages (the spec's JSON shape: role + parts), redacted, at most maxChars of content. */
export function inputMessagesJson(request: ChatCompletionRequest, maxChars: number): string {
  const budget = new ContentBudget(maxChars);
  const messages: Array<{ role: string; parts: Part[] }> = [];
  for (const message of request.messages) {
    if (budget.exhausted) {
      messages.push({ role: 'system', parts: [{ type: 'text', content: TRUNCATED }] });
      break;
    }
    messages.push({ role: message.role, parts: inputParts(message, budget) });
  }
  return JSON.stringify(messages);
}

/** gen_ai.output.messages, redacted, at most maxChars of content. */
export function outputMessagesJson(outputs: GenAiOutputMessage[], maxChars: number): string {
  const budget = new ContentBudget(maxChars);
  return JSON.stringify(
    outputs.map((output) => ({
      role: 'assistant',
      parts: [
        ...(output.content ? [{ type: 'text', content: budget.take(output.content) }] : []),
        ...output.toolCalls.map((call) => ({
          type: 'tool_call',
          id: call.id,
          name: call.name,
          arguments: budget.take(call.arguments),
        })),
      ],
      finish_reason: output.finishReason,
    })),
  );
}

/**
 * The opt-in content of a call's provider spans (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT):
 * the request as the pipeline holds it (after the tenant's policy step: already redacted or
 * refused per its PII rule), redacted again of every PII kind for the trace backend, and each
 * attribute bounded to GENAI_CONTENT_MAX_CHARS characters of content.
 */
export function spanContentCapture(request: ChatCompletionRequest, maxChars: number): GenAiContentCapture {
  return {
    inputMessages: inputMessagesJson(request, maxChars),
    outputMessages: (outputs) => outputMessagesJson(outputs, maxChars),
    maxChars: maxChars + CUT_MARGIN,
  };
}
