// Policies: a tenant's policy as JSON; edits are checked (JSON syntax, then the gateway's own
// validation on save) and shown as a diff to confirm before anything is saved.
import { api, get } from '../api.js';
import { lineDiff } from '../diff.js';
import { announce, errorBox, fill, h, panel } from '../dom.js';
import { tenantPicker, tenants } from './shared.js';

const pretty = (value) => JSON.stringify(value, null, 2);

function diffView(before, after) {
  const lines = lineDiff(before, after);
  const changed = lines.filter((l) => l.op !== ' ').length;
  return h(
    'div.diff-wrap',
    {},
    h(
      'p',
      {},
      changed === 0
        ? 'No change.'
        : `${lines.filter((l) => l.op === '+').length} line(s) added, ${lines.filter((l) => l.op === '-').length} removed.`,
    ),
    h(
      'pre.diff',
      { 'aria-label': 'Changes to the policy' },
      lines.map((l) => h(l.op === '+' ? 'ins' : l.op === '-' ? 'del' : 'span', {}, `${l.op} ${l.line}\n`)),
    ),
  );
}

/** The JSON text as an object, or an error message naming the problem. */
function parsePolicy(text) {
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return { problem: 'The policy must be a JSON object.' };
    return { value };
  } catch (error) {
    return { problem: `Not valid JSON: ${error.message}` };
  }
}

const HINT =
  'Fields: allowed_providers, allowed_models, blocked_models, pii, safety_action, routing, cache, ' +
  'max_output_tokens, features, allowed_endpoints (docs/policy.md). Omitted fields come from the platform ' +
  'default; null means no restriction.';

/** Shows the diff of an edit in `review`, with the button that saves it (PUT). */
function reviewEdit({ review, text, original, tenantId, reopen }) {
  const parsed = parsePolicy(text.value);
  if (parsed.problem) return void review.replaceChildren(h('p.error', { role: 'alert' }, parsed.problem));
  const after = pretty(parsed.value);
  const save = h('button', { type: 'button', disabled: after === original }, 'Save policy');
  const cancel = h('button.secondary', { type: 'button', onclick: () => review.replaceChildren() }, 'Cancel');
  save.addEventListener('click', async () => {
    save.disabled = true;
    try {
      await api('PUT', `/admin/tenants/${tenantId}/policy`, { body: parsed.value });
      announce('Policy saved');
      const reopened = await reopen();
      reopened.replaceChildren(h('p.success', { role: 'status' }, 'Policy saved.'));
    } catch (error) {
      save.disabled = false;
      review.append(errorBox(error));
    }
  });
  review.replaceChildren(
    h('h3', {}, 'Review'),
    diffView(original, after),
    h('div.actions', {}, save, cancel),
  );
  save.focus();
}

/** The editor of a tenant's policy; resolves to its review area. */
async function editor(target, tenantId) {
  const current = await get(`/admin/tenants/${tenantId}/policy`);
  const original = pretty(current.policy);
  const attrs = { rows: 18, spellcheck: 'false', 'aria-describedby': 'policy-hint' };
  const text = h('textarea#policy-text', attrs, original);
  const review = h('div#policy-review', { 'aria-live': 'polite' });
  const reopen = () => editor(target, tenantId);
  const reviewButton = h('button', { type: 'button' }, 'Review changes');
  reviewButton.addEventListener('click', () => reviewEdit({ review, text, original, tenantId, reopen }));
  const reset = h(
    'button.secondary',
    { type: 'button', disabled: !current.customised },
    'Back to the platform default',
  );
  reset.addEventListener('click', async () => {
    if (!window.confirm("Remove this tenant's policy? It gets the platform default.")) return;
    try {
      await api('DELETE', `/admin/tenants/${tenantId}/policy`);
      await reopen();
    } catch (error) {
      review.replaceChildren(errorBox(error));
    }
  });
  const origin = current.customised
    ? 'This tenant has its own policy.'
    : 'This tenant has no policy of its own: it gets the platform default (config/policy.yaml), shown here.';
  const hint = h('small#policy-hint', {}, HINT);
  const label = h('label', { for: 'policy-text' }, 'Policy (JSON)');
  fill(target, h('p', {}, origin), label, text, hint, h('div.actions', {}, reviewButton, reset), review);
  return review;
}

export async function policiesPage(container) {
  const edit = panel('Policy');
  container.append(h('h1', {}, 'Policies'));
  let list;
  try {
    list = await tenants();
  } catch (error) {
    return void container.append(errorBox(error));
  }
  if (list.length === 0) return void container.append(h('p.muted', {}, 'No tenant yet.'));
  const show = async (id) => {
    try {
      await editor(edit.body, id);
    } catch (error) {
      fill(edit, errorBox(error));
    }
  };
  container.append(
    tenantPicker(list, (id) => void show(id)),
    edit,
  );
  await show(list[0].id);
}
