import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import type { ChatCompletionRequest, ChatMessage, ContentPart } from './openai/chat.types';

/**
 * Prompt-token counts for routing and budget reservation, before any provider is called.
 * Provider-reported usage stays authoritative for billing. Tokenizer: gpt-tokenizer's o200k_base
 * (the GPT-4o/4.1/o-series encoding), a reasonable proxy for the other providers' tokenizers.
 *
 * Work is bounded per request, whatever the body:
 * - o200k first splits text into pre-tokens (a regex), then runs BPE inside each one. BPE is
 *   superlinear in a pre-token's length (one 4,000-character CJK run took ~0.1 s), and the
 *   splitter itself overflows the stack on a multi-megabyte run. So the splitter only sees a
 *   sample of at most EXACT_SAMPLE_CHARS characters per request (a whole text, or a text's head
 *   cut where o200k always starts a new pre-token), and exact BPE only runs on pre-tokens of at
 *   most MAX_EXACT_PIECE_CHARS characters (or of at most 127, see LONG_RUN).
 * - Everything else is bounded by its UTF-8 byte length: byte-level BPE starts from one token
 *   per byte and every merge removes one, so o200k never produces more tokens than UTF-8 bytes.
 *
 * Hence two numbers: `upperBound` (exact BPE where sampled + bytes elsewhere: never below
 * o200k's count of the same text, for budget reservation) and `estimate` (exact where sampled,
 * a character-class rate elsewhere: for routing and display, never above the bound).
 * Special-token text such as `<|endoftext|>` in user content is counted as ordinary text.
 */
export const EXACT_SAMPLE_CHARS = 8_192;
export const MAX_EXACT_PIECE_CHARS = 64;
/** Per-message framing tokens in the ChatML format, and the assistant priming. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_REPLY_PRIMING = 3;
/** OpenAI's documented cost of a low-detail image, and a typical 1024×1024 high-detail one. */
const IMAGE_TOKENS_LOW = 85;
const IMAGE_TOKENS_HIGH = 765;
/**
 * Upper bound per image: GPT-4o-class high detail tops out at 1,445 tokens (8 tiles) and Claude
 * at ~1,600 (1.15 megapixels). Models that bill images at a token multiplier (gpt-4o-mini,
 * gpt-4.1-mini) are priced per model, not covered by this count.
 */
export const IMAGE_TOKENS_UPPER = 1_600;
/** Tool use adds a provider-side system prompt (Anthropic documents ~350 tokens). */
export const TOOL_OVERHEAD_UPPER = 500;
/** Rough rates outside the sample: ~4 ASCII characters per token, ~1 token per other character. */
const ASCII_CHARS_PER_TOKEN = 4;

/** o200k's pre-token split (exported for the regex-safety test). */
export const SPLITTER = new RegExp(O200K_TOKEN_SPLIT_REGEX.source, 'gu');
/** Special tokens are plain text here: never throw on `<|endoftext|>` in user content. */
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export interface PromptTokenCounts {
  /** Best guess, for routing and display. */
  estimate: number;
  /** Never below what o200k produces for the same prompt: for budget reservation. */
  upperBound: number;
}

interface Tally extends PromptTokenCounts {
  /** Characters of exact BPE left for this request. */
  sampleLeft: number;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** A character-class guess for text that gets no BPE (never above its byte count). */
function roughTokens(text: string, bytes: number): number {
  // Bytes beyond one per UTF-16 unit come from non-ASCII characters (2-4 bytes each).
  const nonAscii = Math.min(text.length, Math.ceil((bytes - text.length) / 2));
  const ascii = text.length - nonAscii;
  return Math.min(bytes, Math.ceil(ascii / ASCII_CHARS_PER_TOKEN) + nonAscii);
}

function addUnsampled(text: string, tally: Tally): void {
  if (text.length === 0) return;
  const bytes = utf8Bytes(text);
  tally.upperBound += bytes;
  tally.estimate += roughTokens(text, bytes);
}

/** Exact BPE per pre-token of `text` (a bounded sample); long pre-tokens by their bytes. */
function addPieces(text: string, tally: Tally): void {
  let cursor = 0;
  SPLITTER.lastIndex = 0;
  for (let match = SPLITTER.exec(text); match !== null; match = SPLITTER.exec(text)) {
    const piece = match[0];
    if (piece.length === 0) {
      SPLITTER.lastIndex++;
      continue;
    }
    addUnsampled(text.slice(cursor, match.index), tally); // the split covers every character
    if (piece.length > MAX_EXACT_PIECE_CHARS) addUnsampled(piece, tally);
    else {
      const exact = countTokens(piece, AS_PLAIN_TEXT);
      tally.estimate += exact;
      tally.upperBound += exact;
    }
    cursor = match.index + piece.length;
  }
  addUnsampled(text.slice(cursor), tally);
}

const WHITESPACE = /\s/;

/**
 * Whether o200k always starts a new pre-token at `at`, and the text before it splits exactly as
 * it does inside the whole text. Two such places, from the split pattern's alternatives:
 * - after a non-space, before whitespace other than \r and \n (only a symbol run absorbs
 *   trailing newlines, and no piece continues from a non-space into a space);
 * - after a newline, before a character that is neither whitespace nor "/" (a symbol run may
 *   absorb "\n/").
 */
function isSafeCut(text: string, at: number): boolean {
  const before = text[at - 1];
  const after = text[at];
  if (WHITESPACE.test(after)) return after !== '\r' && after !== '\n' && !WHITESPACE.test(before);
  return before === '\n' && after !== '/';
}

/** How far back from the sample's end a cut is looked for (charged to the sample). */
const CUT_SEARCH_CHARS = 512;

/**
 * The last safe cut in (limit − CUT_SEARCH_CHARS, limit], or 0 when none, so that the splitter
 * never runs over more than the sample: on one multi-megabyte run it overflows the stack.
 */
function safeCut(text: string, limit: number): number {
  const stop = Math.max(0, limit - CUT_SEARCH_CHARS);
  for (let at = Math.min(limit, text.length - 1); at > stop; at--) if (isSafeCut(text, at)) return at;
  return 0;
}

/**
 * Without a run of 64 spaces or 64 non-spaces no pre-token is longer than 127 characters (an
 * optional leading space, at most 63 letters or symbols, at most 63 newlines), so BPE over the
 * whole sample stays cheap and one call does it (several times faster than one per piece).
 */
const LONG_RUN = /\S{64}|\s{64}/;

function addSample(text: string, tally: Tally): void {
  if (LONG_RUN.test(text)) {
    addPieces(text, tally);
    return;
  }
  const exact = countTokens(text, AS_PLAIN_TEXT);
  tally.estimate += exact;
  tally.upperBound += exact;
}

function addText(text: string, tally: Tally): void {
  if (text.length === 0) return;
  if (text.length <= tally.sampleLeft) {
    addSample(text, tally);
    tally.sampleLeft -= text.length;
    return;
  }
  const cut = tally.sampleLeft > 0 ? safeCut(text, tally.sampleLeft) : 0;
  if (cut > 0) addSample(text.slice(0, cut), tally);
  // The search for a cut is paid from the sample too, so a request's work stays bounded.
  tally.sampleLeft = cut > 0 ? 0 : Math.max(0, tally.sampleLeft - CUT_SEARCH_CHARS);
  addUnsampled(cut > 0 ? text.slice(cut) : text, tally);
}

function imageTokens(part: ContentPart): { estimate: number; upper: number } {
  const detail = (part as { image_url?: { detail?: string } }).image_url?.detail;
  return {
    estimate: detail === 'low' ? IMAGE_TOKENS_LOW : IMAGE_TOKENS_HIGH,
    upper: IMAGE_TOKENS_UPPER,
  };
}

function addPart(part: ContentPart, tally: Tally): void {
  if (typeof part !== 'object' || part === null) return;
  if (part.type === 'image_url') {
    const image = imageTokens(part);
    tally.estimate += image.estimate;
    tally.upperBound += image.upper;
  } else if (typeof (part as { text?: unknown }).text === 'string') {
    addText((part as { text: string }).text, tally);
  } else {
    // Audio, files and parts we do not interpret: bounded by their JSON size.
    addUnsampled(JSON.stringify(part) ?? '', tally);
  }
}

function addMessage(message: ChatMessage, tally: Tally): void {
  tally.estimate += TOKENS_PER_MESSAGE;
  tally.upperBound += TOKENS_PER_MESSAGE;
  if (typeof message.name === 'string') addText(message.name, tally);
  const content = message.content;
  if (typeof content === 'string') addText(content, tally);
  else if (Array.isArray(content)) for (const part of content) addPart(part, tally);
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      addText(call?.function?.name ?? '', tally);
      addText(call?.function?.arguments ?? '', tally);
    }
  }
}

/** Both counts in one pass; work is bounded by EXACT_SAMPLE_CHARS whatever the request. */
export function promptTokenCounts(
  request: ChatCompletionRequest,
  sampleChars = EXACT_SAMPLE_CHARS,
): PromptTokenCounts {
  const tally: Tally = {
    estimate: TOKENS_REPLY_PRIMING,
    upperBound: TOKENS_REPLY_PRIMING,
    sampleLeft: sampleChars,
  };
  for (const message of request.messages) addMessage(message, tally);
  const schema = request.response_format?.json_schema?.schema;
  if (request.tools && request.tools.length > 0) {
    addText(JSON.stringify(request.tools), tally);
    tally.upperBound += TOOL_OVERHEAD_UPPER;
  } else if (request.response_format && request.response_format.type !== 'text') {
    tally.upperBound += TOOL_OVERHEAD_UPPER; // JSON mode is a forced tool on some providers
  }
  if (schema) addText(JSON.stringify(schema), tally);
  return { estimate: tally.estimate, upperBound: tally.upperBound };
}

/** A true upper bound of the prompt's o200k tokens (images: see IMAGE_TOKENS_UPPER). */
export function promptTokensUpperBound(request: ChatCompletionRequest): number {
  return promptTokenCounts(request).upperBound;
}

/** The prompt tokens to reserve a budget against: the upper bound (see promptTokenCounts). */
export function estimatePromptTokens(request: ChatCompletionRequest): number {
  return promptTokensUpperBound(request);
}

/** A best-guess prompt size for routing decisions and display (≤ the upper bound). */
export function routingPromptTokens(request: ChatCompletionRequest): number {
  return promptTokenCounts(request).estimate;
}

/** Tokens of one text (exact when short, bounded work when long): same rules as above. */
export function estimateTextTokens(text: string): number {
  const tally: Tally = { estimate: 0, upperBound: 0, sampleLeft: EXACT_SAMPLE_CHARS };
  addText(text, tally);
  return tally.estimate;
}

/** max_completion_tokens wins over the legacy max_tokens; null when the client set neither. */
export function requestedMaxOutputTokens(request: ChatCompletionRequest): number | null {
  const value = request.max_completion_tokens ?? request.max_tokens;
  return typeof value === 'number' && value > 0 ? value : null;
}

/**
 * Token counts of a list of texts (embeddings input): totals, and each item's estimate. One
 * bounded exact-BPE sample is shared by the whole list (work stays bounded however many items).
 */
export function textListTokenCounts(texts: readonly string[]): PromptTokenCounts & { perItem: number[] } {
  const tally: Tally = { estimate: 0, upperBound: 0, sampleLeft: EXACT_SAMPLE_CHARS };
  const perItem: number[] = [];
  for (const text of texts) {
    const before = tally.estimate;
    addText(text, tally);
    perItem.push(tally.estimate - before);
  }
  return { estimate: tally.estimate, upperBound: tally.upperBound, perItem };
}
