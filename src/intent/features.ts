import type { ChatCompletionRequest, ChatMessage } from '../chat/chat.types';
import type { IntentSignals } from './intent.types';
import {
  CODE_ARTIFACT,
  CODE_CHANGE_VERB,
  CODE_NOUN,
  CODE_SYNTAX,
  CODE_VERB,
  DEFENSIVE_CONTEXT,
  EXPLAIN_CUE,
  EXTRACT_TARGET,
  EXTRACT_VERB,
  HARM_ACTION,
  HARM_OBJECT,
  HOW_TO_SAY,
  JAILBREAK,
  JSON_OUTPUT,
  JSON_SKELETON,
  MATH,
  NEGATED_CHANGE,
  PROGRAMMING_KEYWORD,
  REASONING,
  REASONING_WEAK,
  RENDER_IN_LANGUAGE,
  SELF_HARM,
  SELF_HARM_SUPPORT,
  SEVERE,
  SMALL_TALK,
  TO_NATURAL_LANGUAGE,
  TO_PROGRAMMING_LANGUAGE,
  TRANSLATE_VERB,
  VISION_REFERENCE,
} from './cues';

/**
 * Feature extraction over a chat request: pure, allocation-light, no tokenizer and no I/O.
 *
 * Cost is bounded whatever the prompt size: cue patterns run on a head+tail window of each text
 * (instructions sit at the start or the end of long prompts; the middle is usually pasted
 * material), the injection patterns on a wider window (injected text hides in pasted material),
 * and the token estimate samples very long texts.
 */

/* ---------- cue bits ---------- */

export const CUE = {
  translateVerb: 1 << 0,
  toNaturalLanguage: 1 << 1,
  howToSay: 1 << 2,
  toProgrammingLanguage: 1 << 3,
  codeVerb: 1 << 4,
  codeNoun: 1 << 5,
  codeSyntax: 1 << 6,
  explain: 1 << 7,
  codeChangeVerb: 1 << 8,
  programmingKeyword: 1 << 9,
  jsonOutput: 1 << 10,
  extractVerb: 1 << 11,
  extractTarget: 1 << 12,
  jsonSkeleton: 1 << 13,
  visionReference: 1 << 14,
  jailbreak: 1 << 15,
  selfHarm: 1 << 16,
  harmAction: 1 << 17,
  harmObject: 1 << 18,
  defensive: 1 << 19,
  math: 1 << 20,
  reasoning: 1 << 21,
  smallTalk: 1 << 22,
  codeFence: 1 << 23,
  codeArtifact: 1 << 24,
  renderInLanguage: 1 << 25,
  selfHarmSupport: 1 << 26,
  severe: 1 << 27,
  reasoningWeak: 1 << 28,
} as const;
export type CueName = keyof typeof CUE;
export const CUE_NAMES = Object.keys(CUE) as CueName[];

export function hasCue(bits: number, cue: CueName): boolean {
  return (bits & CUE[cue]) !== 0;
}

/**
 * Head and tail of long texts that cue patterns look at. Every pattern costs ~10 ns per
 * character scanned, so the window bounds the cost: ~1,000 characters hold the instruction of
 * nearly every prompt (it opens or closes the message; the middle is pasted material).
 */
const CUE_HEAD_CHARS = 500;
const CUE_TAIL_CHARS = 300;
/** Injection hides in pasted material: a much wider window, searched by literal anchors first. */
const INJECTION_HEAD_CHARS = 12_000;
const INJECTION_TAIL_CHARS = 4_000;
/** System prompts and earlier turns matter less: a shorter window. */
const CONTEXT_CHARS = 400;
/** Texts longer than this are token-estimated from a sample. */
const TOKEN_SAMPLE_CHARS = 4_000;
/** Framing tokens per message in the chat format. */
const TOKENS_PER_MESSAGE = 3;

/** First `head` and last `tail` characters (the whole text when it is short). */
export function boundedWindow(text: string, head: number, tail: number): string {
  if (text.length <= head + tail) return text;
  return `${text.slice(0, head)}\n${text.slice(text.length - tail)}`;
}

/**
 * Literal fragments of nearly every injection phrasing; `includes` runs at memory speed, so the
 * wide window is searched with these and the full JAILBREAK pattern runs only around a hit.
 */
const INJECTION_ANCHORS = [
  'ignore',
  'disregard',
  'forget',
  'override',
  'instruction',
  'system prompt',
  '[system]',
  '### system',
  '<|im_start|>',
  '<system>',
  'developer mode',
  'jailbr',
  'do anything now',
  'no restrictions',
  'without restrictions',
];
/** Non-Latin anchors, searched only when the text holds that script (a miss costs a full scan). */
const INJECTION_ANCHORS_CJK = ['忽略', '无视', '無視', '指示'];
const INJECTION_ANCHORS_CYRILLIC = ['игнорируй', 'забудь'];
const INJECTION_ANCHORS_OTHER = ['تجاهل', 'निर्देश'];
/** Characters around an anchor hit handed to the full pattern. */
const INJECTION_CONTEXT_CHARS = 300;

function anchoredInjection(lowerWide: string, anchors: readonly string[]): boolean {
  for (const anchor of anchors) {
    let at = lowerWide.indexOf(anchor);
    while (at >= 0) {
      const start = Math.max(0, at - INJECTION_CONTEXT_CHARS);
      if (JAILBREAK.test(lowerWide.slice(start, at + INJECTION_CONTEXT_CHARS))) return true;
      at = lowerWide.indexOf(anchor, at + INJECTION_CONTEXT_CHARS);
    }
  }
  return false;
}

const ALL_SCRIPTS: ScriptPresence = { cjk: true, cyrillic: true, other: true };

/** Which non-Latin scripts a text holds (from its character statistics). */
interface ScriptPresence {
  cjk: boolean;
  cyrillic: boolean;
  other: boolean;
}

/** True when the (lower-cased) wide window holds an injection. */
function injectionInWideWindow(lowerWide: string, scripts: ScriptPresence): boolean {
  return (
    anchoredInjection(lowerWide, INJECTION_ANCHORS) ||
    (scripts.cjk && anchoredInjection(lowerWide, INJECTION_ANCHORS_CJK)) ||
    (scripts.cyrillic && anchoredInjection(lowerWide, INJECTION_ANCHORS_CYRILLIC)) ||
    (scripts.other && anchoredInjection(lowerWide, INJECTION_ANCHORS_OTHER))
  );
}

/**
 * Cue bits of one text. `lower` is the lower-cased window, `raw` the same window as written
 * (code syntax is case-sensitive). `injectionWide`, when given, is a wider lower-cased window
 * searched for injections too. Patterns that only refine another cue run only after it matched.
 */
export function textCues(raw: string, lower: string, injectionWide?: string, scripts?: ScriptPresence): number {
  let bits = 0;
  if (TRANSLATE_VERB.test(lower)) bits |= CUE.translateVerb;
  if (TO_NATURAL_LANGUAGE.test(lower)) {
    bits |= CUE.toNaturalLanguage;
    if (RENDER_IN_LANGUAGE.test(lower)) bits |= CUE.renderInLanguage;
  }
  if (HOW_TO_SAY.test(lower)) bits |= CUE.howToSay;
  if (CODE_VERB.test(lower)) bits |= CUE.codeVerb;
  if (CODE_NOUN.test(lower)) bits |= CUE.codeNoun;
  if ((bits & (CUE.translateVerb | CUE.codeVerb)) !== 0 && TO_PROGRAMMING_LANGUAGE.test(lower)) bits |= CUE.toProgrammingLanguage;
  if (raw.includes('```')) bits |= CUE.codeFence;
  if (CODE_SYNTAX.test(raw)) bits |= CUE.codeSyntax;
  if (EXPLAIN_CUE.test(lower)) bits |= CUE.explain;
  if ((bits & (CUE.explain | CUE.codeFence | CUE.codeSyntax)) !== 0 && CODE_CHANGE_VERB.test(lower) && !NEGATED_CHANGE.test(lower)) {
    bits |= CUE.codeChangeVerb;
  }
  if (PROGRAMMING_KEYWORD.test(lower)) {
    bits |= CUE.programmingKeyword;
    if (!((bits & CUE.codeVerb) !== 0 && (bits & CUE.codeNoun) !== 0) && CODE_ARTIFACT.test(lower)) bits |= CUE.codeArtifact;
  }
  if (
    (lower.includes('json') || lower.includes('schema') || lower.includes('yaml') || lower.includes('csv') || lower.includes('key') || lower.includes('structur')) &&
    JSON_OUTPUT.test(lower)
  ) {
    bits |= CUE.jsonOutput;
  }
  if (EXTRACT_VERB.test(lower)) {
    bits |= CUE.extractVerb;
    if (EXTRACT_TARGET.test(lower)) bits |= CUE.extractTarget;
  }
  if (lower.includes('"') && JSON_SKELETON.test(lower)) bits |= CUE.jsonSkeleton;
  if (VISION_REFERENCE.test(lower)) bits |= CUE.visionReference;
  if (JAILBREAK.test(lower) || (injectionWide !== undefined && injectionInWideWindow(injectionWide, scripts ?? ALL_SCRIPTS))) {
    bits |= CUE.jailbreak;
  }
  if (SELF_HARM.test(lower)) {
    bits |= CUE.selfHarm;
    if (SELF_HARM_SUPPORT.test(lower)) bits |= CUE.selfHarmSupport;
  }
  if (SEVERE.test(lower)) bits |= CUE.severe;
  if (HARM_OBJECT.test(lower)) {
    bits |= CUE.harmObject;
    if (HARM_ACTION.test(lower)) bits |= CUE.harmAction;
    if (DEFENSIVE_CONTEXT.test(lower)) bits |= CUE.defensive;
  }
  if (MATH.test(lower)) bits |= CUE.math;
  if (REASONING.test(lower)) bits |= CUE.reasoning;
  else if (REASONING_WEAK.test(lower)) bits |= CUE.reasoningWeak;
  if (SMALL_TALK.test(lower)) bits |= CUE.smallTalk;
  return bits;
}

/* ---------- scripts and token estimate ---------- */

export type Script = 'latin' | 'cjk' | 'cyrillic' | 'arabic' | 'devanagari' | 'hangul' | 'other';

interface CharStats {
  ascii: number;
  cjk: number;
  cyrillic: number;
  arabic: number;
  devanagari: number;
  hangul: number;
  otherNonAscii: number;
  letters: number;
}

function newCharStats(): CharStats {
  return { ascii: 0, cjk: 0, cyrillic: 0, arabic: 0, devanagari: 0, hangul: 0, otherNonAscii: 0, letters: 0 };
}

/** Counts character classes of `text` (sampled when long), scaled to the whole text. */
function addCharStats(stats: CharStats, text: string): void {
  const n = Math.min(text.length, TOKEN_SAMPLE_CHARS);
  const scale = text.length / (n || 1);
  let ascii = 0;
  let cjk = 0;
  let cyrillic = 0;
  let arabic = 0;
  let devanagari = 0;
  let hangul = 0;
  let other = 0;
  let letters = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      ascii++;
      if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
    } else if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf)) cjk++;
    else if (c >= 0x0400 && c <= 0x04ff) cyrillic++;
    else if (c >= 0x0600 && c <= 0x06ff) arabic++;
    else if (c >= 0x0900 && c <= 0x097f) devanagari++;
    else if (c >= 0xac00 && c <= 0xd7af) hangul++;
    else other++;
  }
  stats.ascii += ascii * scale;
  stats.cjk += cjk * scale;
  stats.cyrillic += cyrillic * scale;
  stats.arabic += arabic * scale;
  stats.devanagari += devanagari * scale;
  stats.hangul += hangul * scale;
  stats.otherNonAscii += other * scale;
  stats.letters += letters * scale;
}

/**
 * Tokens from character classes: ~4 ASCII characters per token (English and code), ~1 token per
 * CJK character, ~2.5 characters per token for other scripts (Cyrillic, Arabic, accents...).
 * Within ~15 % of o200k on typical prompts, and ~100× cheaper than running the tokenizer.
 */
function tokensFromStats(stats: CharStats): number {
  return (
    stats.ascii / 4 +
    stats.cjk * 0.9 +
    (stats.cyrillic + stats.arabic + stats.devanagari + stats.otherNonAscii) / 2.5 +
    stats.hangul * 0.8
  );
}

function dominantScript(stats: CharStats): Script {
  const candidates: Array<[Script, number]> = [
    ['latin', stats.letters + stats.otherNonAscii * 0.5],
    ['cjk', stats.cjk * 2],
    ['cyrillic', stats.cyrillic],
    ['arabic', stats.arabic],
    ['devanagari', stats.devanagari],
    ['hangul', stats.hangul * 2],
  ];
  let best: Script = 'other';
  let bestCount = 0;
  for (const [script, count] of candidates) {
    if (count > bestCount) {
      best = script;
      bestCount = count;
    }
  }
  return best;
}

/* ---------- messages ---------- */

interface MessageContent {
  text: string;
  images: number;
  otherParts: number;
}

const EMPTY_CONTENT: MessageContent = { text: '', images: 0, otherParts: 0 };

function isImagePart(type: string): boolean {
  return type === 'image_url' || type === 'input_image' || type === 'image';
}

function messageContent(message: ChatMessage | undefined): MessageContent {
  if (!message) return EMPTY_CONTENT;
  const content = message.content;
  if (typeof content === 'string') return { text: content, images: 0, otherParts: 0 };
  if (!Array.isArray(content)) return EMPTY_CONTENT;
  let text = '';
  let images = 0;
  let otherParts = 0;
  for (const part of content) {
    if (part.type === 'text' && typeof part.text === 'string') text = text.length === 0 ? part.text : `${text}\n${part.text}`;
    else if (isImagePart(part.type)) images++;
    else otherParts++;
  }
  return { text, images, otherParts };
}

/** The text of the last user turn (text parts joined), or of the last message when no user spoke. */
export function lastUserTurnText(request: ChatCompletionRequest): string {
  const messages = Array.isArray(request.messages) ? request.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') return messageContent(messages[i]).text;
  }
  return messageContent(messages[messages.length - 1]).text;
}

function isInstructionRole(role: string): boolean {
  return role === 'system' || role === 'developer';
}

/* ---------- features ---------- */

export interface IntentFeatures {
  /** The last user turn (the one that is labelled), windowed as the cue patterns saw it. */
  lastUserText: string;
  /** System/developer instructions, windowed. */
  systemText: string;
  /** Estimated prompt tokens of the whole conversation. */
  tokenEstimate: number;
  /** Estimated tokens of the last user turn alone. */
  lastUserTokens: number;
  /** Number of user turns. */
  userTurns: number;
  /** Image parts in the last user turn, and in earlier turns. */
  imageParts: number;
  earlierImageParts: number;
  /** Non-text, non-image parts (audio, files) in the last user turn. */
  otherParts: number;
  responseFormat: 'text' | 'json_object' | 'json_schema' | null;
  hasTools: boolean;
  script: Script;
  /** Cue bits of the last user turn, the system prompt and the previous user turn. */
  lastCues: number;
  systemCues: number;
  previousCues: number;
}

/** Extracts features from a request. Pure and deterministic. */
export function extractFeatures(request: ChatCompletionRequest): IntentFeatures {
  const messages = Array.isArray(request.messages) ? request.messages : [];
  let lastUserIndex = -1;
  let previousUserIndex = -1;
  let userTurns = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role !== 'user') continue;
    userTurns++;
    if (lastUserIndex < 0) lastUserIndex = i;
    else if (previousUserIndex < 0) previousUserIndex = i;
  }
  // No user turn at all (e.g. a system-only prompt): the last message stands in for it.
  if (lastUserIndex < 0) lastUserIndex = messages.length - 1;

  const stats = newCharStats();
  let systemRaw = '';
  let earlierImageParts = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (!message) continue;
    const content = i === lastUserIndex ? null : messageContent(message);
    if (content) {
      addCharStats(stats, content.text);
      earlierImageParts += content.images;
      if (isInstructionRole(message.role) && systemRaw.length < CONTEXT_CHARS) {
        systemRaw = systemRaw.length === 0 ? content.text : `${systemRaw}\n${content.text}`;
      }
    }
  }

  const last = messageContent(messages[lastUserIndex]);
  const lastStats = newCharStats();
  addCharStats(lastStats, last.text);
  const lastUserTokens = tokensFromStats(lastStats);
  const conversationTokens = tokensFromStats(stats) + lastUserTokens + TOKENS_PER_MESSAGE * messages.length + 3;

  const lastWindow = boundedWindow(last.text, CUE_HEAD_CHARS, CUE_TAIL_CHARS);
  const lastLower = lastWindow.toLowerCase();
  const injectionWide =
    last.text.length <= CUE_HEAD_CHARS + CUE_TAIL_CHARS
      ? undefined
      : boundedWindow(last.text, INJECTION_HEAD_CHARS, INJECTION_TAIL_CHARS).toLowerCase();
  const scripts: ScriptPresence = {
    cjk: lastStats.cjk > 0,
    cyrillic: lastStats.cyrillic > 0,
    other: lastStats.arabic + lastStats.devanagari > 0,
  };
  const lastCues = textCues(lastWindow, lastLower, injectionWide, scripts);

  const systemWindow = systemRaw.length > CONTEXT_CHARS ? systemRaw.slice(0, CONTEXT_CHARS) : systemRaw;
  const systemCues = systemWindow.length > 0 ? textCues(systemWindow, systemWindow.toLowerCase()) : 0;

  let previousCues = 0;
  if (previousUserIndex >= 0) {
    const previous = messageContent(messages[previousUserIndex]).text;
    const previousWindow = previous.length > CONTEXT_CHARS ? previous.slice(0, CONTEXT_CHARS) : previous;
    previousCues = textCues(previousWindow, previousWindow.toLowerCase());
  }

  const rf = request.response_format?.type;
  return {
    lastUserText: lastWindow,
    systemText: systemWindow,
    tokenEstimate: Math.round(conversationTokens * 10) / 10,
    lastUserTokens,
    userTurns,
    imageParts: last.images,
    earlierImageParts,
    otherParts: last.otherParts,
    responseFormat: rf === 'json_object' || rf === 'json_schema' || rf === 'text' ? rf : null,
    hasTools: Array.isArray(request.tools) && request.tools.length > 0,
    script: dominantScript(lastStats),
    lastCues,
    systemCues,
    previousCues,
  };
}

/**
 * The seed's signal shape (kept exactly) plus extra fields. `language` is filled by the service
 * when a language detector is loaded; classification never depends on it.
 */
export function toSignals(features: IntentFeatures, language?: string): IntentSignals {
  const c = features.lastCues;
  const code =
    hasCue(c, 'codeFence') ||
    hasCue(c, 'codeSyntax') ||
    (hasCue(c, 'codeVerb') && hasCue(c, 'codeNoun')) ||
    hasCue(c, 'toProgrammingLanguage');
  const translation =
    (hasCue(c, 'translateVerb') || hasCue(c, 'howToSay')) && !(hasCue(c, 'toProgrammingLanguage') && !hasCue(c, 'toNaturalLanguage'));
  const vision = features.imageParts > 0 || (features.earlierImageParts > 0 && hasCue(c, 'visionReference'));
  const safety = hasCue(c, 'jailbreak') || hasCue(c, 'selfHarm') || hasCue(c, 'severe') || (hasCue(c, 'harmObject') && hasCue(c, 'harmAction') && !hasCue(c, 'defensive'));
  const json =
    features.responseFormat === 'json_object' ||
    features.responseFormat === 'json_schema' ||
    hasCue(c, 'jsonOutput') ||
    (hasCue(c, 'extractVerb') && hasCue(c, 'extractTarget'));
  return {
    token_length_est: features.tokenEstimate,
    has_code_fence: hasCue(c, 'codeFence'),
    has_programming_keywords: hasCue(c, 'programmingKeyword') || hasCue(c, 'codeNoun'),
    signals: {
      code,
      translation,
      vision,
      safety,
      json,
      math: hasCue(c, 'math'),
      reasoning: hasCue(c, 'reasoning'),
      jailbreak: hasCue(c, 'jailbreak'),
    },
    image_parts: features.imageParts,
    user_turns: features.userTurns,
    script: features.script,
    ...(language !== undefined ? { language } : {}),
  };
}
