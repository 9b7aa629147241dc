/**
 * What a model name may hold: printable ASCII (letters, digits, punctuation, spaces). Every
 * provider's model ids fit ("gpt-4o-mini", "anthropic/claude-sonnet-4", "ft:gpt-4o-mini:org::id",
 * "mistral-large@2411"), and the gateway echoes the name in a response header (x-modelmuxer-model)
 * and stores it in Postgres text columns: a control character (NUL, CR, LF) or a character above
 * U+00FF made Node refuse the header (a 500), and a NUL made Postgres refuse the whole usage batch
 * it was in. One character class, no alternation: linear on any input.
 */
const MODEL_NAME = /^[\x20-\x7E]*$/;

export function isModelName(value: string): boolean {
  return MODEL_NAME.test(value);
}

export const MODEL_NAME_PATTERN = MODEL_NAME;

export const MODEL_NAME_RULE = 'model names are printable ASCII: no control or non-ASCII characters';
