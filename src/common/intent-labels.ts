/** The intent vocabulary: labels a classifier produces and the shape of its answer. */
export const INTENT_LABELS = [
  'chat_lite',
  'deep_reason',
  'code_gen',
  'json_extract',
  'translation',
  'vision',
  'safety_risk',
] as const;
export type IntentLabel = (typeof INTENT_LABELS)[number];

export function isIntentLabel(value: unknown): value is IntentLabel {
  return typeof value === 'string' && (INTENT_LABELS as readonly string[]).includes(value);
}

/**
 * The signals behind a classification, in the seed's shape (these keys are kept exactly);
 * extra fields may be added.
 */
export interface IntentSignals {
  token_length_est: number;
  has_code_fence: boolean;
  has_programming_keywords: boolean;
  signals: {
    code: boolean;
    translation: boolean;
    vision: boolean;
    safety: boolean;
    [extra: string]: boolean;
  };
  [extra: string]: unknown;
}

/** How the label was produced. */
export type IntentMethod = 'heuristic' | 'model' | 'llm' | 'disabled';

export interface IntentResult {
  /** null when classification is disabled. */
  label: IntentLabel | null;
  /** 0..1, calibrated. 0 when disabled. */
  confidence: number;
  signals: IntentSignals | null;
  method: IntentMethod;
  /** Per-label probabilities (sum to 1) when the classifier produced them. */
  scores?: Partial<Record<IntentLabel, number>>;
}
