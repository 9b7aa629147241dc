import { loadAppConfig } from '../config/app-config';
import { loadBundledIntentModel } from './model/bundled-model';
import { candidateCalibration, shadowClassifierFactory } from './shadow-classifier';

const env = { DATA_DIR: ':memory:', TEST_MODE: 'true', API_KEYS: 'mm_test_key_0000000000000000000000000' };

describe('shadow candidate classifier', () => {
  it('overrides only the calibration fields it is given', () => {
    const base = loadBundledIntentModel().calibration;
    const none = { temperature: null, heuristicWeight: null, safetyThreshold: null };
    expect(candidateCalibration(base, none)).toEqual(base);
    const changed = candidateCalibration(base, {
      temperature: 1.5,
      heuristicWeight: 0.2,
      safetyThreshold: null,
    });
    expect(changed).toMatchObject({
      temperature: 1.5,
      heuristicWeight: 0.2,
      safetyThreshold: base.safetyThreshold,
    });
    expect(changed.heuristicWeights).toBeUndefined(); // one weight replaces the per-label ones
    expect(base.temperature).not.toBe(1.5); // the bundled calibration is left alone
  });

  it('is absent when the shadow is off or keeps the live label; local and labelled otherwise', () => {
    expect(shadowClassifierFactory(loadAppConfig(env))).toBeNull();
    expect(shadowClassifierFactory(loadAppConfig({ ...env, SHADOW_ENABLED: 'true' }))).toBeNull();
    const classifier = shadowClassifierFactory(
      loadAppConfig({
        ...env,
        SHADOW_ENABLED: 'true',
        SHADOW_CLASSIFIER: 'model',
        SHADOW_MODEL_TEMPERATURE: '1.5',
      }),
    )!;
    expect(classifier.description).toBe('model (temperature 1.5)');
    const result = classifier.classify({
      messages: [{ role: 'user', content: 'Write a Python function that reverses a linked list.' }],
    });
    expect(result).toMatchObject({ label: 'code_gen', method: 'model' });
    expect(result.confidence).toBeGreaterThan(0);
  });
});
