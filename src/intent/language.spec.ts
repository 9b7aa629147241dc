import { languageDetectorFrom, loadLanguageDetector, worthDetectingLanguage } from './language';

describe('worthDetectingLanguage', () => {
  it('detects for translation requests and for non-ASCII text only', () => {
    expect(worthDetectingLanguage('What is the capital of France?', false)).toBe(false);
    expect(worthDetectingLanguage('Translate "good night" into German', true)).toBe(true);
    expect(worthDetectingLanguage('¿Cuál es la capital de Francia?', false)).toBe(true);
    expect(worthDetectingLanguage('東京の人口は？', false)).toBe(true);
  });

  it('only looks at the sample the detector reads', () => {
    expect(worthDetectingLanguage(`${'a'.repeat(200)}é`, false)).toBe(false);
  });
});

describe('the eld detector', () => {
  it('names the language of a clear sample and nothing for a tiny one', async () => {
    const detect = await loadLanguageDetector();
    expect(detect).toBeDefined();
    expect(detect!('¿Podrías explicarme cómo funciona la fotosíntesis en las plantas?')).toBe('es');
    expect(detect!('ok')).toBeUndefined();
  });

  it('reports nothing when the detector is unsure', () => {
    const unsure = languageDetectorFrom(() => ({ language: 'fr', isReliable: () => false }));
    expect(unsure('quelque chose de vague ici')).toBeUndefined();
  });
});
