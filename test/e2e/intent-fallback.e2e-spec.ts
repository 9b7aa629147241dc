import { LLM_FALLBACK_SYSTEM_PROMPT } from '../../src/intent/llm-fallback';
import { IntentService } from '../../src/intent/intent.service';
import { authHeader, bootTestApp, TestApp } from '../support/app';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';

/**
 * Enhanced mode outside TEST_MODE, providers pointed at the local fake upstream: a request the
 * local classifier is unsure about (confidence below INTENT_LOW_CONFIDENCE) is sent to the
 * cheap-LLM fallback (a real HTTP call to the fake, with the classifier prompt), and its answer
 * becomes the label; a confident request never calls it.
 */
/** A request the shipped model is unsure about (checked below against the live threshold). */
const UNSURE = 'Compare the two: Lisbon 545k, Porto 232k.';
const CONFIDENT = 'Translate "good morning, see you tomorrow" into French.';

describe('intent LLM fallback (enhanced mode, fake upstream)', () => {
  let fake: FakeUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    gateway = await bootTestApp({
      ...fake.env(),
      MODE: 'enhanced',
      TEST_MODE: 'false',
      PROVIDER_MAX_RETRIES: '0',
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  beforeEach(() => {
    fake.reset();
    fake.setDefault({ text: '{"label": "deep_reason", "confidence": 0.83}' });
  });

  const classifierCalls = () =>
    fake.requests.filter((r) => JSON.stringify(r.body).includes(LLM_FALLBACK_SYSTEM_PROMPT.slice(0, 40)));

  const chat = (content: string) =>
    gateway.http
      .post('/v1/chat/completions')
      .set(authHeader)
      .send({ model: 'auto', messages: [{ role: 'user', content }] });

  it('the unsure request is below the threshold and the confident one above (preconditions)', () => {
    const intent = gateway.app.get(IntentService);
    const low = gateway.config.intent.lowConfidence;
    expect(intent.classifyLocal({ messages: [{ role: 'user', content: UNSURE }] }).confidence).toBeLessThan(
      low,
    );
    expect(
      intent.classifyLocal({ messages: [{ role: 'user', content: CONFIDENT }] }).confidence,
    ).toBeGreaterThanOrEqual(low);
  });

  it('asks the cheap LLM when the local confidence is low, and uses its label', async () => {
    const response = await chat(UNSURE).expect(200);
    expect(classifierCalls()).toHaveLength(1);
    expect(response.body.router_metadata.intent_method).toBe('llm');
    expect(response.body.router_metadata.intent_label).toBe('deep_reason');
    expect(response.body.router_metadata.intent_signals.local_confidence).toBeLessThan(
      gateway.config.intent.lowConfidence,
    );
  });

  it('does not call the LLM when the local classifier is confident', async () => {
    const response = await chat(CONFIDENT).expect(200);
    expect(classifierCalls()).toHaveLength(0);
    expect(response.body.router_metadata.intent_method).toBe('model');
    expect(response.body.router_metadata.intent_label).toBe('translation');
  });
});
