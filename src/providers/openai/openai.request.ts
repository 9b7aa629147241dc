import type { OpenAICompatibleDialect } from '../openai-compatible/openai-compatible.dialect';

/**
 * OpenAI is the reference: every parameter but Anthropic's `thinking` is forwarded as the client sent it (including
 * ones ModelMuxer does not know yet, and vendor extensions of OpenAI-compatible servers that
 * OPENAI_BASE_URL may point at). Streams always ask for usage.
 */
export const OPENAI_DIALECT: OpenAICompatibleDialect = {
  provider: 'openai',
  parameters: {
    // Anthropic's extended-thinking switch (sent by /v1/messages clients): OpenAI's reasoning
    // models reason on their own (reasoning_effort), the others do not think.
    thinking: { action: 'drop', why: 'Anthropic extended thinking has no OpenAI equivalent' },
  },
  otherParameters: 'forward',
  streamUsage: 'stream_options',
  toolChoiceRequired: 'required',
  statusOverrides: {
    // A 429 "insufficient_quota" means the account is out of credit: waiting will not help.
    quotaCodes: ['insufficient_quota'],
    contextLengthCodes: ['context_length_exceeded'],
  },
};
