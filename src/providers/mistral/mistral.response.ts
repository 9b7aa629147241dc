import type { FinishReason } from '../../common/openai/chat.types';

/**
 * Mistral's finish reasons beyond OpenAI's: "model_length" (the model's own context limit was
 * reached) is a truncation like "length"; "error" means generation failed and is raised as a
 * retryable provider error (or a stream error once chunks went out), never passed as a
 * normal finish. Content arrays ({type:"text"} / {type:"thinking"} chunks of reasoning
 * models) are reduced to their text by the shared response translation.
 */
export const MISTRAL_FINISH_REASONS: Readonly<Record<string, FinishReason | 'error'>> = {
  model_length: 'length',
  error: 'error',
};
