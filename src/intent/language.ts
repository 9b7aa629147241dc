/**
 * Language identification for the `language` signal, by eld (Efficient Language Detector,
 * Apache-2.0, pure JS, 60 languages). Only a bounded sample is read (eld costs ~0.1 µs per character, ~10 µs for
 * the 100 characters read here). The classifier's label never depends on it (cue patterns cover the
 * languages directly), so a missing detector changes no label.
 *
 * eld is an ES module; this CommonJS build loads it with a dynamic import at start-up.
 */
export type LanguageDetector = (text: string) => string | undefined;

/** Characters of the last user turn handed to the detector. */
export const LANGUAGE_SAMPLE_CHARS = 100;
/** Below this many characters a guess is noise. */
const MIN_SAMPLE_CHARS = 8;

interface EldResult {
  language: string;
  isReliable(): boolean;
}
interface EldModule {
  eld: { detect(text: string): EldResult };
}

/** Wraps an eld-like detector: bounded sample, ISO 639-1 code or undefined when unsure. */
export function languageDetectorFrom(detect: (text: string) => EldResult): LanguageDetector {
  return (text) => {
    const sample = text.length > LANGUAGE_SAMPLE_CHARS ? text.slice(0, LANGUAGE_SAMPLE_CHARS) : text;
    if (sample.trim().length < MIN_SAMPLE_CHARS) return undefined;
    const result = detect(sample);
    return result.language && result.isReliable() ? result.language : undefined;
  };
}

/** Any character outside ASCII in the detector's sample. */
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Whether the `language` signal is worth computing: for translation requests, and for text with
 * non-ASCII characters (accents, other scripts). Plain-ASCII prompts without a translation cue
 * are left without it — detection is ~3/4 of the classifier's CPU (measured in `npm run bench`)
 * and no label depends on it.
 */
export function worthDetectingLanguage(text: string, translationCue: boolean): boolean {
  return (
    translationCue ||
    NON_ASCII.test(text.length > LANGUAGE_SAMPLE_CHARS ? text.slice(0, LANGUAGE_SAMPLE_CHARS) : text)
  );
}

/**
 * Loads eld's extra-small database (≈ 28 MB of heap instead of the small one's ≈ 45 MB; the signal
 * is informative only). Resolves undefined when the module cannot be loaded.
 */
export async function loadLanguageDetector(): Promise<LanguageDetector | undefined> {
  try {
    const mod = (await import('eld/extrasmall')) as EldModule;
    return languageDetectorFrom((text) => mod.eld.detect(text));
  } catch {
    return undefined;
  }
}
