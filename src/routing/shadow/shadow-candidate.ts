import { readFileSync } from 'node:fs';
import type { ShadowSettings } from '../../config/app-config';
import { GatewayError } from '../../common/errors';
import { candidateConfiguration } from '../lab/replay.service';
import type { ModelCatalog } from '../model-catalog';
import type { RoutingThresholds } from '../routing-decision';
import type { RoutingPolicyService } from '../routing-policy';
import type { ShadowCandidate } from './shadow-evaluation';
import type { ShadowClassifier } from './shadow.types';

/** How the report names the candidate. */
export interface ShadowCandidateDescription {
  classifier: string;
  routing: string;
  models: string;
  thresholds: Partial<RoutingThresholds> | null;
}

/** The candidate classifier as the report names it, e.g. "model (temperature 1.5)". */
export function classifierDescription(classifier: ShadowSettings['classifier']): string {
  if (classifier.mode === 'live') return 'live (not shadowed)';
  const parts = [
    classifier.temperature !== null ? `temperature ${classifier.temperature}` : null,
    classifier.heuristicWeight !== null ? `heuristic weight ${classifier.heuristicWeight}` : null,
    classifier.safetyThreshold !== null ? `safety threshold ${classifier.safetyThreshold}` : null,
  ].filter((part) => part !== null);
  return parts.length > 0 ? `${classifier.mode} (${parts.join(', ')})` : classifier.mode;
}

export function candidateThresholds(settings: ShadowSettings): Partial<RoutingThresholds> {
  return {
    ...(settings.lowConfidence !== null ? { lowConfidence: settings.lowConfidence } : {}),
    ...(settings.minConfForDirect !== null ? { minConfForDirect: settings.minConfForDirect } : {}),
  };
}

export function describeCandidate(
  settings: ShadowSettings,
  live: { routingFile: string; modelsFile: string },
): ShadowCandidateDescription {
  const thresholds = candidateThresholds(settings);
  return {
    classifier: classifierDescription(settings.classifier),
    routing: settings.routingFile ?? `${live.routingFile} (live)`,
    models: settings.modelsFile ?? `${live.modelsFile} (live)`,
    thresholds: Object.keys(thresholds).length > 0 ? thresholds : null,
  };
}

/**
 * The candidate of SHADOW_ROUTING_FILE / SHADOW_MODELS_FILE / SHADOW_LOW_CONFIDENCE /
 * SHADOW_MIN_CONF_FOR_DIRECT (validated like the replay's candidate: an invalid file stops the
 * start-up with the reason) and the candidate classifier.
 */
export function loadShadowCandidate(
  settings: ShadowSettings,
  live: { catalog: ModelCatalog; policies: RoutingPolicyService; routingFile: string },
  classifier: ShadowClassifier | null,
): ShadowCandidate {
  const read = (file: string | null) => (file === null ? null : readFileSync(file, 'utf8'));
  try {
    const configuration = candidateConfiguration(
      { routingYaml: read(settings.routingFile), modelsYaml: read(settings.modelsFile) },
      live,
    );
    return {
      classifier,
      catalog: configuration.catalog,
      policies: configuration.policies,
      thresholds: candidateThresholds(settings),
    };
  } catch (error) {
    if (error instanceof GatewayError) throw new Error(`SHADOW_*: ${error.message}`);
    throw error;
  }
}
