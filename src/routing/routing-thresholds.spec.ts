import { loadAppConfig } from '../config/app-config';
import { GatewayError } from '../common/errors';
import { ModelCatalog } from './model-catalog';
import { RoutingPolicyService } from './routing-policy';
import { RoutingThresholdState } from './routing-thresholds';
import { mergeThresholdChange } from './lab/threshold-overrides.service';

const catalog = ModelCatalog.load('config/models.yaml');
const policies = RoutingPolicyService.load('config/routing.yaml', catalog);
const base = policies.policy;

describe('applied routing thresholds', () => {
  it('starts from the env values and leaves policies as they are until something is applied', () => {
    const state = new RoutingThresholdState(loadAppConfig({ INTENT_LOW_CONFIDENCE: '0.35' }));
    expect(state.thresholds).toEqual({ lowConfidence: 0.35, minConfForDirect: 0.8 });
    expect(state.current.version).toBe(0);
    expect(state.effective(base)).toBe(base);
  });

  it("replaces routing.yaml's floor, but not one a tenant's override set for itself", () => {
    const state = new RoutingThresholdState(loadAppConfig({}));
    const tenant = policies.withOverride({ intents: { code_gen: { min_quality: 0.95 } } });
    state.set(
      {
        thresholds: { lowConfidence: 0.5, minConfForDirect: 0.9 },
        floors: { code_gen: 0.7, chat_lite: 0.5 },
        version: 3,
      },
      base,
    );
    expect(state.thresholds).toEqual({ lowConfidence: 0.5, minConfForDirect: 0.9 });
    const platform = state.effective(base);
    expect(platform.intents.code_gen.min_quality).toBe(0.7);
    expect(platform.intents.chat_lite.min_quality).toBe(0.5);
    expect(platform.intents.deep_reason).toBe(base.intents.deep_reason);
    expect(state.effective(base)).toBe(platform); // built once per policy object
    const own = state.effective(tenant);
    expect(own.intents.code_gen.min_quality).toBe(0.95);
    expect(own.intents.chat_lite.min_quality).toBe(0.5);
  });

  it('validates a change over the applied values', () => {
    const state = new RoutingThresholdState(loadAppConfig({}));
    expect(mergeThresholdChange(state.current, { minConfForDirect: 0.9, floors: { vision: 0.8 } })).toEqual({
      thresholds: { lowConfidence: 0.4, minConfForDirect: 0.9 },
      floors: { vision: 0.8 },
    });
    const fail = (change: Parameters<typeof mergeThresholdChange>[1]) => {
      try {
        mergeThresholdChange(state.current, change);
      } catch (error) {
        return (error as GatewayError).param;
      }
      return 'accepted';
    };
    expect(fail({ lowConfidence: 0.85 })).toBe('low_confidence');
    expect(fail({ floors: { safety_risk: 0.5 } })).toBe('quality_floors');
    expect(fail({ floors: { nope: 0.5 } as never })).toBe('quality_floors');
    expect(fail({ floors: { vision: 1.5 } })).toBe('quality_floors');
    state.set({ thresholds: state.thresholds, floors: { vision: 0.8 }, version: 1 }, base);
    expect(mergeThresholdChange(state.current, { floors: { vision: null } }).floors).toEqual({});
  });
});
