import artifact from './intent-model.json';
import { LinearIntentModel } from './linear-model';
import type { IntentModelArtifact } from './linear-model';

/**
 * The model shipped in the repository (src/intent/model/intent-model.json, written by
 * `npm run train:intent`). Loaded from the bundle at start-up: no file paths, no network.
 */
export function loadBundledIntentModel(): LinearIntentModel {
  return new LinearIntentModel(artifact as unknown as IntentModelArtifact);
}
