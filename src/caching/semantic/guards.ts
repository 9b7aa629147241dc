import { stem, words } from './lexical-embedder';

/**
 * Guards: a semantic hit is vetoed when the two questions differ in something that changes the
 * answer however similar their vectors are — negation, numbers, dates, named entities, units,
 * antonyms/comparatives, or the order of the things they compare ("flights from New York to
 * Florida" vs "from Florida to New York"). Embeddings are notoriously blind to these (a single
 * "not" barely moves a vector), so the guards are rules, not a threshold. They only ever turn a
 * hit into a miss: a false veto costs one upstream call, a false hit a wrong answer.
 */

export type GuardReason = 'negation' | 'number' | 'date' | 'entity' | 'unit' | 'antonym' | 'order';

const NEGATIONS = new Set(
  (
    'not no never none nobody nothing nowhere neither nor without cannot cant dont doesnt didnt isnt ' +
    'arent wasnt werent wont wouldnt shouldnt couldnt hasnt havent hadnt mustnt neednt aint except ' +
    'excluding nor lacks lack'
  ).split(' '),
);

const NUMBER_WORDS: Record<string, string> = {
  zero: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
  ten: '10',
  eleven: '11',
  twelve: '12',
  thirteen: '13',
  fourteen: '14',
  fifteen: '15',
  sixteen: '16',
  seventeen: '17',
  eighteen: '18',
  nineteen: '19',
  twenty: '20',
  thirty: '30',
  forty: '40',
  fifty: '50',
  sixty: '60',
  seventy: '70',
  eighty: '80',
  ninety: '90',
  hundred: '100',
  thousand: '1000',
  million: '1000000',
  billion: '1000000000',
  half: '0.5',
  quarter: '0.25',
  first: '#1',
  second: '#2',
  third: '#3',
  fourth: '#4',
  fifth: '#5',
  once: 'x1',
  twice: 'x2',
  thrice: 'x3',
  double: 'x2',
  triple: 'x3',
  dozen: '12',
  single: '1',
  pair: '2',
};

const DATE_WORDS = new Set(
  (
    'today tomorrow yesterday tonight now currently current recent recently latest last next previous ' +
    'ago later earlier soon morning afternoon evening night weekend week month year decade century ' +
    'monday tuesday wednesday thursday friday saturday sunday january february march april may june ' +
    'july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec ' +
    'spring summer autumn fall winter daily weekly monthly yearly annual annually hourly before after ' +
    'since until during past future'
  ).split(' '),
);

/** Unit spellings → one canonical name. */
const UNITS: Record<string, string> = {};
for (const [canonical, spellings] of Object.entries({
  km: 'km kilometer kilometers kilometre kilometres kms',
  m: 'meter meters metre metres',
  cm: 'cm centimeter centimeters centimetre centimetres',
  mm: 'mm millimeter millimeters millimetre millimetres',
  mi: 'mi mile miles',
  ft: 'ft foot feet',
  in: 'inch inches',
  yd: 'yd yard yards',
  kg: 'kg kilo kilos kilogram kilograms',
  g: 'gram grams',
  mg: 'mg milligram milligrams',
  lb: 'lb lbs pound pounds',
  oz: 'oz ounce ounces',
  l: 'liter liters litre litres',
  ml: 'ml milliliter milliliters millilitre millilitres',
  gal: 'gal gallon gallons',
  c: 'celsius centigrade',
  f: 'fahrenheit',
  k: 'kelvin',
  usd: 'usd dollar dollars',
  eur: 'eur euro euros',
  gbp: 'gbp sterling',
  jpy: 'jpy yen',
  btc: 'btc bitcoin bitcoins',
  s: 'sec secs second seconds',
  min: 'minute minutes mins',
  h: 'hour hours hr hrs',
  day: 'day days',
  kb: 'kb kilobyte kilobytes',
  mb: 'mb megabyte megabytes',
  gb: 'gb gigabyte gigabytes',
  tb: 'tb terabyte terabytes',
  mph: 'mph',
  kmh: 'kmh kph',
  w: 'watt watts',
  kw: 'kw kilowatt kilowatts',
  kwh: 'kwh',
  v: 'volt volts',
  hz: 'hz hertz',
  ghz: 'ghz gigahertz',
  percent: 'percent percentage pct',
  cal: 'calorie calories kcal',
})) {
  for (const spelling of spellings.split(' ')) UNITS[spelling] = canonical;
}
UNITS['%'] = 'percent';
UNITS['°c'] = 'c';
UNITS['°f'] = 'f';
UNITS['$'] = 'usd';
UNITS['€'] = 'eur';
UNITS['£'] = 'gbp';

/** Pairs of opposite words (either order); a pair split between the questions vetoes the hit. */
const ANTONYM_PAIRS: Array<[string, string]> = (
  'increase:decrease increase:reduce raise:lower add:remove add:subtract buy:sell import:export ' +
  'upload:download encrypt:decrypt encode:decode enable:disable open:close start:stop start:end ' +
  'begin:end win:lose gain:lose before:after above:below over:under up:down in:out inside:outside ' +
  'max:min maximum:minimum largest:smallest biggest:smallest highest:lowest longest:shortest ' +
  'fastest:slowest cheapest:expensive best:worst more:less most:least many:few big:small large:small ' +
  'high:low long:short fast:slow hot:cold warm:cool true:false yes:no positive:negative push:pull ' +
  'accept:reject allow:deny allow:block include:exclude install:uninstall create:delete connect:disconnect ' +
  'lock:unlock mount:unmount show:hide ascending:descending asc:desc north:south east:west left:right ' +
  'first:last older:newer old:new oldest:newest early:late earliest:latest safe:dangerous legal:illegal ' +
  'possible:impossible advantage:disadvantage pro:con benefit:risk strength:weakness cause:effect ' +
  'import:require server:client send:receive input:output read:write get:set love:hate like:dislike ' +
  'rise:fall arrive:depart enter:exit entry:exit host:guest parent:child male:female man:woman ' +
  'boy:girl buyer:seller lender:borrower employer:employee teacher:student doctor:patient'
)
  .split(' ')
  .map((pair) => pair.split(':') as [string, string]);
const ANTONYMS = new Map<string, Set<string>>();
for (const [a, b] of ANTONYM_PAIRS) {
  for (const [x, y] of [
    [a, b],
    [b, a],
  ]) {
    const set = ANTONYMS.get(x) ?? new Set<string>();
    set.add(y);
    ANTONYMS.set(x, set);
  }
}

/** Words that carry little meaning of their own (order checks skip them). */
const FUNCTION_WORDS = new Set(
  (
    'a an the of to in on at for by with from into about as is are was were be been being am do does ' +
    'did i me my we our you your it its this that these those there here please can could would should ' +
    'will shall may might must just so and or but if then than also some any what how which who whom ' +
    'whose when where why'
  ).split(' '),
);

/**
 * Direction/comparison words: kept (though most are function words) in the sequence the order
 * check compares, so that "from A to B" → "from B to A" is an exchange around "to".
 */
const RELATIONAL = new Set(
  (
    'to from into than vs versus compared compare comparing between over against convert converting ' +
    'translate translating instead rather prefer better worse more less bigger smaller larger higher ' +
    'lower faster slower older younger before after beat beats defeated won lost owes owe pay pays paid ' +
    'sent send gave give gives married hired fired replaced replace killed bites bit loves hates ' +
    'father mother son daughter parent child husband wife brother sister'
  ).split(' '),
);

/** What the guards compare, extracted once per question. */
export interface QuestionFacts {
  readonly words: readonly string[];
  readonly wordSet: ReadonlySet<string>;
  readonly negations: number;
  readonly numbers: readonly string[];
  readonly dates: ReadonlySet<string>;
  readonly entities: ReadonlySet<string>;
  readonly units: readonly string[];
  readonly relational: boolean;
  /** Content words and relation words ("to", "than", "owes", …) in order, stemmed: the order check's. */
  readonly roleWords: readonly string[];
}

/** Decimal numbers ("3.11") in a text, by a single scan (no regex: linear whatever the input). */
function decimals(text: string): string[] {
  const found: string[] = [];
  const isDigit = (code: number) => code >= 48 && code <= 57;
  let i = 0;
  while (i < text.length) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    if (text[i] === '.' && i + 1 < text.length && isDigit(text.charCodeAt(i + 1))) {
      i++;
      while (i < text.length && isDigit(text.charCodeAt(i))) i++;
      found.push(text.slice(start, i));
    }
  }
  return found;
}

function trimApostrophes(token: string): string {
  let end = token.length;
  while (end > 0 && (token[end - 1] === "'" || token[end - 1] === '’')) end--;
  return token.slice(0, end);
}

function normaliseNumber(token: string): string {
  const cleaned = token.replace(/,/g, '');
  const value = Number(cleaned);
  return Number.isFinite(value) ? String(value) : cleaned;
}

/** Extracts the facts the guards compare (≈ a few µs for a short question). */
export function questionFacts(text: string): QuestionFacts {
  const normalised = text.normalize('NFKC');
  const tokens = words(normalised);
  const numbers: string[] = [];
  const units: string[] = [];
  const dates = new Set<string>();
  let negations = 0;
  for (const token of tokens) {
    if (NEGATIONS.has(token)) negations++;
    if (/^\d/.test(token)) {
      // "5km", "10kg", "3pm", "2nd": the number and what follows it.
      const match = /^(\d+(?:\.\d+)?)([a-z°%]*)$/u.exec(token);
      if (match) {
        numbers.push(normaliseNumber(match[1]));
        if (match[2] && UNITS[match[2]]) units.push(UNITS[match[2]]);
        else if (match[2]) numbers.push(match[2]);
      } else numbers.push(token);
      if (/^(1[5-9]|20)\d\d$/.test(token)) dates.add(token);
      continue;
    }
    const numeric = NUMBER_WORDS[token];
    if (numeric) numbers.push(numeric);
    if (UNITS[token]) units.push(UNITS[token]);
    if (DATE_WORDS.has(token)) dates.add(token);
  }
  // Decimal numbers are split by words() ("3.5" → "3", "5"): read them from the raw text too.
  for (const decimal of decimals(normalised)) numbers.push(`d${normaliseNumber(decimal)}`);
  for (const symbol of ['%', '$', '€', '£', '°c', '°f']) {
    if (normalised.toLowerCase().includes(symbol)) units.push(UNITS[symbol]);
  }
  const entities = namedEntities(normalised);
  const roleWords = tokens
    .filter((token) => (RELATIONAL.has(token) || !FUNCTION_WORDS.has(token)) && !NEGATIONS.has(token))
    .map(stem);
  return {
    words: tokens,
    wordSet: new Set(tokens.map(stem)),
    negations,
    numbers,
    dates,
    entities,
    units,
    relational: tokens.some((token) => RELATIONAL.has(token)),
    roleWords,
  };
}

/**
 * Named entities: capitalised or mixed-case words that do not start a sentence, ALL-CAPS words,
 * words mixing letters and digits (product names, versions, codes). Lower-cased.
 */
function namedEntities(normalised: string): Set<string> {
  const entities = new Set<string>();
  for (const match of normalised.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'’]*/gu)) {
    const token = trimApostrophes(match[0]);
    // What precedes the word (skipping spaces; a line break starts a sentence): linear overall.
    let at = match.index - 1;
    let lineBreak = false;
    while (
      at >= 0 &&
      (normalised[at] === ' ' ||
        normalised[at] === '\t' ||
        normalised[at] === '\n' ||
        normalised[at] === '\r')
    ) {
      if (normalised[at] === '\n') lineBreak = true;
      at--;
    }
    const sentenceStart = at < 0 || lineBreak || '.!?:"“('.includes(normalised[at]);
    const lower = token.toLowerCase().replace(/['’]/g, '');
    const capitalised = /^\p{Lu}/u.test(token) && lower !== 'i';
    const allCaps = token.length >= 2 && token === token.toUpperCase() && /\p{L}/u.test(token);
    const mixed = /\p{L}/u.test(token) && /\d/.test(token);
    if (allCaps || mixed || (capitalised && !sentenceStart) || /\p{Ll}\p{Lu}/u.test(token)) {
      if (!FUNCTION_WORDS.has(lower)) entities.add(lower);
    }
  }
  return entities;
}

function sameMultiset(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sortedA = [...a].sort();
  const sortedB = [...b].sort();
  return sortedA.every((value, i) => value === sortedB[i]);
}

function sameSequence(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** Longest window the order check looks at (words); a longer differing window counts as "other". */
const MAX_SWAP_WINDOW = 48;

/**
 * How the words both questions share are reordered from `a` to `b`:
 * - `same`: not at all;
 * - `adjacent`: two adjacent segments exchanged — a phrase moved to the other end, how
 *   paraphrases reorder ("stable financially" → "financially stable", "in 2019, what was …" →
 *   "what was … in 2019");
 * - `across`: two segments exchanged around at least one word that stays in place — a swap of
 *   roles ("X is a tributary of Y" → "Y is a tributary of X", "from A to B" → "from B to A");
 * - `other`: any other reordering (or a differing window longer than MAX_SWAP_WINDOW words).
 * O(w³) in the differing window w, which is bounded.
 */
export function reordering(
  a: readonly string[],
  b: readonly string[],
): 'same' | 'adjacent' | 'across' | 'other' {
  const inB = new Set(b);
  const inA = new Set(a);
  const seqA = dedupe(a.filter((word) => inB.has(word)));
  const seqB = dedupe(b.filter((word) => inA.has(word)));
  if (seqA.length !== seqB.length) return 'other';
  let first = 0;
  while (first < seqA.length && seqA[first] === seqB[first]) first++;
  if (first === seqA.length) return 'same';
  let last = seqA.length - 1;
  while (seqA[last] === seqB[last]) last--;
  const width = last - first + 1;
  if (width > MAX_SWAP_WINDOW) return 'other';
  const windowA = seqA.slice(first, last + 1);
  const windowB = seqB.slice(first, last + 1);
  // windowA = X M Y and windowB = Y M X, with X and Y non-empty (M empty: adjacent).
  for (let x = 1; x < width; x++) {
    for (let y = 1; x + y <= width; y++) {
      const m = width - x - y;
      if (
        sameSequence(windowA.slice(0, x), windowB.slice(width - x)) &&
        sameSequence(windowA.slice(width - y), windowB.slice(0, y)) &&
        sameSequence(windowA.slice(x, x + m), windowB.slice(y, y + m))
      )
        return m === 0 ? 'adjacent' : 'across';
    }
  }
  return 'other';
}

function dedupe(list: readonly string[]): string[] {
  const seen = new Set<string>();
  return list.filter((item) => (seen.has(item) ? false : (seen.add(item), true)));
}

function entitiesDiffer(a: QuestionFacts, b: QuestionFacts): boolean {
  // An entity of one question must appear (in any case) among the words of the other.
  for (const entity of a.entities) if (!b.wordSet.has(stem(entity)) && !b.entities.has(entity)) return true;
  for (const entity of b.entities) if (!a.wordSet.has(stem(entity)) && !a.entities.has(entity)) return true;
  return false;
}

function antonymSplit(a: QuestionFacts, b: QuestionFacts): boolean {
  const rawA = new Set(a.words);
  const rawB = new Set(b.words);
  for (const word of rawA) {
    if (rawB.has(word)) continue;
    const opposites = ANTONYMS.get(word);
    if (!opposites) continue;
    for (const opposite of opposites) if (rawB.has(opposite) && !rawA.has(opposite)) return true;
  }
  return false;
}

/**
 * The first guard that vetoes treating `a` and `b` as the same question, or null when none
 * does. Symmetric.
 */
export function guardVeto(a: QuestionFacts, b: QuestionFacts): GuardReason | null {
  if (a.negations % 2 !== b.negations % 2 || a.negations > 0 !== b.negations > 0) return 'negation';
  if (!sameSequence(a.numbers, b.numbers)) return sameMultiset(a.numbers, b.numbers) ? 'order' : 'number';
  if (!sameMultiset([...a.dates], [...b.dates])) return 'date';
  if (!sameSequence(a.units, b.units)) return sameMultiset(a.units, b.units) ? 'order' : 'unit';
  if (entitiesDiffer(a, b)) return 'entity';
  if (antonymSplit(a, b)) return 'antonym';
  // Role or direction swaps: two things exchanged around a word that stays ("from A to B",
  // "A owes B", "X is a tributary of Y"); and, around a relation word, any reordering but a
  // phrase moved to the other end.
  const order = reordering(a.roleWords, b.roleWords);
  if (order === 'across') return 'order';
  if (order === 'other' && (a.relational || b.relational)) return 'order';
  return null;
}
