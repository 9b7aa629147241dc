import { Inject, Injectable } from '@nestjs/common';
import { promptTokenCounts } from '../../../common/token-estimator';
import { INTENT_CLASSIFIER, type IntentClassifier } from '../../../intent/intent.types';
import type { ChatCall, ChatStep } from '../chat-call';
import { UsageAccounting } from '../usage-accounting';

/**
 * Intent classification and prompt-token counts. Writes: intent; estimatedPromptTokens (the best
 * guess, for routing) and promptTokens (the true upper bound, for reservations).
 */
@Injectable()
export class ClassifyStep implements ChatStep {
  readonly name = 'classify';

  constructor(
    @Inject(INTENT_CLASSIFIER) private readonly classifier: IntentClassifier,
    private readonly accounting: UsageAccounting,
  ) {}

  appliesTo(): boolean {
    return true;
  }

  async run(call: ChatCall): Promise<void> {
    call.intent = await this.classifier.classify(call.request, {
      onModelCall: (model) => this.accounting.classifierCall(call, model),
    });
    const tokens = promptTokenCounts(call.request);
    call.estimatedPromptTokens = tokens.estimate;
    call.promptTokens = tokens.upperBound;
  }
}
