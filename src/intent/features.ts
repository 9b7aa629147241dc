import type { ChatCompletionRequest, ChatMessage } from '../common/openai/chat.types';
import type { IntentSignals } from './intent.types';
import {
  CODE_ARTIFACT_SOURCE,
  CODE_CHANGE_VERB_SOURCE,
  CODE_NOUN_SOURCE,
  CODE_SYNTAX,
  CODE_VERB_SOURCE,
  DEFENSIVE_CONTEXT_SOURCE,
  EXPLAIN_CUE_SOURCE,
  EXTRACT_TARGET_SOURCE,
  EXTRACT_VERB_SOURCE,
  HARM_ACTION_SOURCE,
  HARM_OBJECT_SOURCE,
  HOW_TO_SAY_SOURCE,
  JAILBREAK,
  JAILBREAK_GATE_SOURCE,
  JAILBREAK_SOURCE,
  JSON_OUTPUT_SOURCE,
  JSON_SKELETON,
  MATH_SOURCE,
  NEGATED_CHANGE,
  PROGRAMMING_KEYWORD_SOURCE,
  REASONING_SOURCE,
  REASONING_WEAK_SOURCE,
  RENDER_IN_LANGUAGE_SOURCE,
  SELF_HARM_SOURCE,
  SELF_HARM_SUPPORT_SOURCE,
  SEVERE_GATE_SOURCE,
  SEVERE_SOURCE,
  SMALL_TALK_SOURCE,
  TO_NATURAL_LANGUAGE_SOURCE,
  TO_PROGRAMMING_LANGUAGE_SOURCE,
  TRANSLATE_VERB_SOURCE,
  TRANSLATION_GATE_SOURCE,
  VISION_REFERENCE_SOURCE,
} from './cues';
import { CueLexicon } from './lexicon';

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
const TOKEN_SAMPLE_CHARS = 2_000;
/** Framing tokens per message in the chat format. */
const TOKENS_PER_MESSAGE = 3;

/** First `head` and last `tail` characters (the whole text when it is short). */
export function boundedWindow(text: string, head: number, tail: number): string {
  if (text.length <= head + tail) return text;
  return `${text.slice(0, head)}\n${text.slice(text.length - tail)}`;
}

/**
 * Fragments of nearly every injection phrasing. The wide window is searched with this one
 * literal alternation (no word boundaries, so the engine can scan quickly) and the full
 * JAILBREAK pattern runs only around a hit.
 */
const INJECTION_ANCHOR =
  /ignor|disregard|forget|override|instruction|system|jailbr|developer mode|do anything now|restrictions|<\|im_start\|>/g;
/** Non-Latin anchors, searched only when the text holds that script. */
const INJECTION_ANCHOR_CJK = /忽略|无视|無視|指示|越狱/g;
const INJECTION_ANCHOR_CYRILLIC = /игнорируй|забудь/g;
const INJECTION_ANCHOR_OTHER = /تجاهل|निर्देश/g;
/** Characters around an anchor hit handed to the full pattern; anchor hits examined at most. */
const INJECTION_CONTEXT_CHARS = 300;
const MAX_INJECTION_HITS = 12;

function anchoredInjection(lowerWide: string, anchor: RegExp): boolean {
  // A fresh sticky-free copy keeps `lastIndex` local to this call (no shared mutable state).
  const search = new RegExp(anchor.source, 'g');
  let hits = 0;
  for (
    let match = search.exec(lowerWide);
    match !== null && hits < MAX_INJECTION_HITS;
    match = search.exec(lowerWide)
  ) {
    hits++;
    const at = match.index;
    if (
      JAILBREAK.test(lowerWide.slice(Math.max(0, at - INJECTION_CONTEXT_CHARS), at + INJECTION_CONTEXT_CHARS))
    )
      return true;
    search.lastIndex = at + INJECTION_CONTEXT_CHARS;
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
    anchoredInjection(lowerWide, INJECTION_ANCHOR) ||
    (scripts.cjk && anchoredInjection(lowerWide, INJECTION_ANCHOR_CJK)) ||
    (scripts.cyrillic && anchoredInjection(lowerWide, INJECTION_ANCHOR_CYRILLIC)) ||
    (scripts.other && anchoredInjection(lowerWide, INJECTION_ANCHOR_OTHER))
  );
}

/** Gate bits (beyond the cue bits): cheap word cues deciding whether a costlier pattern runs. */
const GATE = { translation: 1 << 29, jailbreak: 1 << 30, severe: 1 << 31 } as const;
const CUE_MASK = (1 << 29) - 1;

/** Every word-list cue and gate, compiled into one word map plus residual patterns. */
const LEXICON = new CueLexicon([
  { bit: CUE.translateVerb, source: TRANSLATE_VERB_SOURCE },
  { bit: CUE.toNaturalLanguage, source: TO_NATURAL_LANGUAGE_SOURCE },
  { bit: CUE.howToSay, source: HOW_TO_SAY_SOURCE },
  { bit: CUE.renderInLanguage, source: RENDER_IN_LANGUAGE_SOURCE },
  { bit: CUE.toProgrammingLanguage, source: TO_PROGRAMMING_LANGUAGE_SOURCE },
  { bit: CUE.codeVerb, source: CODE_VERB_SOURCE },
  { bit: CUE.codeNoun, source: CODE_NOUN_SOURCE },
  { bit: CUE.codeArtifact, source: CODE_ARTIFACT_SOURCE },
  { bit: CUE.explain, source: EXPLAIN_CUE_SOURCE },
  { bit: CUE.codeChangeVerb, source: CODE_CHANGE_VERB_SOURCE },
  { bit: CUE.programmingKeyword, source: PROGRAMMING_KEYWORD_SOURCE },
  { bit: CUE.jsonOutput, source: JSON_OUTPUT_SOURCE },
  { bit: CUE.extractVerb, source: EXTRACT_VERB_SOURCE },
  { bit: CUE.extractTarget, source: EXTRACT_TARGET_SOURCE },
  { bit: CUE.visionReference, source: VISION_REFERENCE_SOURCE },
  { bit: CUE.jailbreak, source: JAILBREAK_SOURCE },
  { bit: CUE.selfHarm, source: SELF_HARM_SOURCE },
  { bit: CUE.selfHarmSupport, source: SELF_HARM_SUPPORT_SOURCE },
  { bit: CUE.severe, source: SEVERE_SOURCE },
  { bit: CUE.harmAction, source: HARM_ACTION_SOURCE },
  { bit: CUE.harmObject, source: HARM_OBJECT_SOURCE },
  { bit: CUE.defensive, source: DEFENSIVE_CONTEXT_SOURCE },
  { bit: CUE.math, source: MATH_SOURCE },
  { bit: CUE.reasoning, source: REASONING_SOURCE },
  { bit: CUE.reasoningWeak, source: REASONING_WEAK_SOURCE },
  { bit: CUE.smallTalk, source: SMALL_TALK_SOURCE },
  { bit: GATE.translation, source: TRANSLATION_GATE_SOURCE },
  { bit: GATE.jailbreak, source: JAILBREAK_GATE_SOURCE },
  { bit: GATE.severe, source: SEVERE_GATE_SOURCE },
]);

/**
 * Every regular expression feature extraction runs on request text (for the backtracking tests
 * in regex-safety.spec.ts).
 */
export function textPatterns(): RegExp[] {
  return [
    ...LEXICON.patterns(),
    CODE_SYNTAX,
    JSON_SKELETON,
    NEGATED_CHANGE,
    JAILBREAK,
    NON_ASCII,
    INJECTION_ANCHOR,
    INJECTION_ANCHOR_CJK,
    INJECTION_ANCHOR_CYRILLIC,
    INJECTION_ANCHOR_OTHER,
  ];
}

/** Cues whose residual patterns always run (when their words did not already match). */
const PRIMARY =
  CUE.translateVerb |
  CUE.codeVerb |
  CUE.codeNoun |
  CUE.explain |
  CUE.programmingKeyword |
  CUE.extractVerb |
  CUE.visionReference |
  CUE.selfHarm |
  CUE.harmObject |
  CUE.math |
  CUE.reasoning |
  CUE.smallTalk |
  GATE.translation |
  GATE.jailbreak |
  GATE.severe;

/** Any character beyond ASCII (U+0080 and up). */
const NON_ASCII = /[\u0080-\uffff]/;

function has(bits: number, mask: number): boolean {
  return (bits & mask) !== 0;
}

/**
 * Cue bits of one text. `lower` is the lower-cased window, `raw` the same window as written
 * (code syntax is case-sensitive). `injectionWide`, when given, is a wider lower-cased window
 * searched for injections too. One word scan finds every word cue; residual patterns run only
 * for cues still unmatched, and refining cues only after the cue they refine matched.
 */
export function textCues(
  raw: string,
  lower: string,
  injectionWide?: string,
  scripts?: ScriptPresence,
): number {
  const nonAscii = NON_ASCII.test(lower);
  const scan = LEXICON.scanWords(lower);
  let bits = scan.cues;
  bits |= LEXICON.scanResiduals(lower, nonAscii, PRIMARY & ~bits, scan);
  if (raw.includes('```')) bits |= CUE.codeFence;
  if (CODE_SYNTAX.test(raw)) bits |= CUE.codeSyntax;
  if (lower.includes('"') && JSON_SKELETON.test(lower)) bits |= CUE.jsonSkeleton;

  // Refining cues: evaluated (words or residual) only where they mean something.
  let refine = 0;
  if (has(bits, GATE.translation)) refine |= CUE.toNaturalLanguage | CUE.howToSay;
  if (has(bits, CUE.translateVerb | CUE.codeVerb)) refine |= CUE.toProgrammingLanguage;
  if (has(bits, CUE.explain | CUE.codeFence | CUE.codeSyntax)) refine |= CUE.codeChangeVerb;
  if (has(bits, CUE.extractVerb)) refine |= CUE.extractTarget;
  if (has(bits, GATE.jailbreak)) refine |= CUE.jailbreak;
  if (has(bits, CUE.selfHarm)) refine |= CUE.selfHarmSupport;
  if (has(bits, GATE.severe)) refine |= CUE.severe;
  if (has(bits, CUE.harmObject)) refine |= CUE.harmAction | CUE.defensive;
  if (!has(bits, CUE.reasoning)) refine |= CUE.reasoningWeak;
  if (
    lower.includes('json') ||
    lower.includes('schema') ||
    lower.includes('yaml') ||
    lower.includes('csv') ||
    lower.includes('key') ||
    lower.includes('structur')
  ) {
    refine |= CUE.jsonOutput;
  }
  const wordHits = bits;
  bits = (bits & ~REFINING) | (wordHits & refine & REFINING);
  bits |= LEXICON.scanResiduals(lower, nonAscii, refine & ~bits, scan);
  // Second-order refinements.
  if (has(bits, CUE.toNaturalLanguage)) {
    bits |=
      (wordHits & CUE.renderInLanguage) |
      LEXICON.scanResiduals(lower, nonAscii, CUE.renderInLanguage & ~wordHits, scan);
  }
  if (has(bits, CUE.programmingKeyword) && !(has(bits, CUE.codeVerb) && has(bits, CUE.codeNoun))) {
    bits |=
      (wordHits & CUE.codeArtifact) |
      LEXICON.scanResiduals(lower, nonAscii, CUE.codeArtifact & ~wordHits, scan);
  }
  if (has(bits, CUE.codeChangeVerb) && NEGATED_CHANGE.test(lower)) bits &= ~CUE.codeChangeVerb;
  if (
    !has(bits, CUE.jailbreak) &&
    injectionWide !== undefined &&
    injectionInWideWindow(injectionWide, scripts ?? ALL_SCRIPTS)
  ) {
    bits |= CUE.jailbreak;
  }
  return bits & CUE_MASK;
}

/** Cues that refine another one: kept only when their condition held. */
const REFINING =
  CUE.toNaturalLanguage |
  CUE.howToSay |
  CUE.renderInLanguage |
  CUE.toProgrammingLanguage |
  CUE.codeChangeVerb |
  CUE.codeArtifact |
  CUE.extractTarget |
  CUE.jailbreak |
  CUE.selfHarmSupport |
  CUE.severe |
  CUE.harmAction |
  CUE.defensive |
  CUE.reasoningWeak |
  CUE.jsonOutput;

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
    } else if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf))
      cjk++;
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
    if (part.type === 'text' && typeof part.text === 'string')
      text = text.length === 0 ? part.text : `${text}\n${part.text}`;
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

/** A letter or a digit in any script: what makes a system prompt say anything. */
const WORD_CHARACTER = /[\p{L}\p{N}]/u;

export interface IntentFeatures {
  /** The last user turn (the one that is labelled), windowed as the cue patterns saw it. */
  lastUserText: string;
  /** System/developer instructions, windowed. */
  systemText: string;
  /** The previous user turn, windowed (context for follow-ups such as "now in Go"). */
  previousUserText: string;
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
// eslint-disable-next-line max-lines-per-function -- one pass over the text collecting every feature; left whole while the intent branch reworks this file (issue 12 asks for no churn here)
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
  const conversationTokens =
    tokensFromStats(stats) + lastUserTokens + TOKENS_PER_MESSAGE * messages.length + 3;

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

  // A system prompt without a letter or digit (spaces, control or zero-width characters,
  // punctuation) says nothing and counts as none: its presence alone must not count (the detector
  // reads "system prompt + short turn" as an injection: 50 NULs, dots or U+200B + "x" were flagged).
  const systemCut = systemRaw.length > CONTEXT_CHARS ? systemRaw.slice(0, CONTEXT_CHARS) : systemRaw;
  const systemWindow = WORD_CHARACTER.test(systemCut) ? systemCut : '';
  const systemCues = systemWindow.length > 0 ? textCues(systemWindow, systemWindow.toLowerCase()) : 0;

  let previousCues = 0;
  let previousWindow = '';
  if (previousUserIndex >= 0) {
    const previous = messageContent(messages[previousUserIndex]).text;
    previousWindow = previous.length > CONTEXT_CHARS ? previous.slice(0, CONTEXT_CHARS) : previous;
    previousCues = textCues(previousWindow, previousWindow.toLowerCase());
  }

  const rf = request.response_format?.type;
  return {
    lastUserText: lastWindow,
    systemText: systemWindow,
    previousUserText: previousWindow,
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
    (hasCue(c, 'translateVerb') || hasCue(c, 'howToSay')) &&
    !(hasCue(c, 'toProgrammingLanguage') && !hasCue(c, 'toNaturalLanguage'));
  const vision = features.imageParts > 0 || (features.earlierImageParts > 0 && hasCue(c, 'visionReference'));
  const safety =
    hasCue(c, 'jailbreak') ||
    hasCue(c, 'selfHarm') ||
    hasCue(c, 'severe') ||
    (hasCue(c, 'harmObject') && hasCue(c, 'harmAction') && !hasCue(c, 'defensive'));
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
