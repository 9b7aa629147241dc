import { ErrorCode, GatewayError } from '../../common/errors';
import { STICKY_MODES, type StickyMode } from './arm-assignment';

/** Bounds that keep an experiment (and its metric labels) small. */
export const MAX_ARMS = 8;
export const MAX_WEIGHT = 10_000;
export const MAX_ROUTING_CHARS = 1_000_000;
const ARM_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const EXPERIMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
const FIELDS = new Set(['name', 'sticky', 'arms', 'replace_running']);
const ARM_FIELDS = new Set(['name', 'weight', 'routing']);

/** An arm as created: a name, a weight, and a routing configuration (null: the live one). */
export interface ArmSpec {
  name: string;
  weight: number;
  /** A full routing.yaml (the replay's candidate format); null: the tenant's live routing. */
  routing: string | null;
}

export interface ExperimentSpec {
  name: string;
  sticky: StickyMode;
  arms: ArmSpec[];
  /** Stop the tenant's running experiment (if any) and start this one, in one transaction. */
  replaceRunning: boolean;
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError(ErrorCode.ValidationFailed, `Invalid value for '${param}': ${message}.`, { param });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refuseUnknown(body: Record<string, unknown>, known: ReadonlySet<string>, prefix: string): void {
  for (const key of Object.keys(body)) {
    if (!known.has(key)) {
      const param = `${prefix}${key}`;
      throw new GatewayError(ErrorCode.ValidationFailed, `Unrecognized request argument supplied: ${param}`, {
        param,
      });
    }
  }
}

function parseArm(value: unknown, index: number): ArmSpec {
  const at = `arms[${index}]`;
  if (!isRecord(value)) throw invalid(at, 'must be an object {name, weight, routing?}');
  refuseUnknown(value, ARM_FIELDS, `${at}.`);
  const { name, weight, routing } = value;
  if (typeof name !== 'string' || !ARM_NAME.test(name))
    throw invalid(`${at}.name`, 'must be 1-32 characters: lower-case letters, digits, - and _');
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0 || weight > MAX_WEIGHT)
    throw invalid(`${at}.weight`, `must be a number above 0 and at most ${MAX_WEIGHT}`);
  if (routing !== undefined && routing !== null) {
    if (typeof routing !== 'string' || routing.trim() === '')
      throw invalid(`${at}.routing`, 'must be the text of a routing.yaml, or null for the live routing');
    if (routing.length > MAX_ROUTING_CHARS)
      throw invalid(`${at}.routing`, `must be at most ${MAX_ROUTING_CHARS} characters`);
  }
  return { name, weight, routing: typeof routing === 'string' ? routing : null };
}

/**
 * The body of POST /admin/tenants/:id/experiments, checked field by field (400 invalid_value
 * naming the field). The arms' routing texts are validated later, against the catalog
 * (compileArms), like the replay's candidate routing.
 */
export function parseExperimentSpec(body: unknown): ExperimentSpec {
  if (!isRecord(body)) throw invalid('body', 'must be a JSON object');
  refuseUnknown(body, FIELDS, '');
  const { name, sticky, arms, replace_running: replace } = body;
  if (typeof name !== 'string' || !EXPERIMENT_NAME.test(name))
    throw invalid('name', 'must be 1-64 characters: letters, digits, spaces, ., - and _');
  if (sticky !== undefined && !STICKY_MODES.includes(sticky as StickyMode))
    throw invalid('sticky', `must be one of ${STICKY_MODES.join(', ')}`);
  if (!Array.isArray(arms) || arms.length < 2 || arms.length > MAX_ARMS)
    throw invalid('arms', `must be an array of 2 to ${MAX_ARMS} arms`);
  const parsed = arms.map(parseArm);
  const seen = new Set<string>();
  parsed.forEach((arm, index) => {
    if (seen.has(arm.name)) throw invalid(`arms[${index}].name`, `'${arm.name}' is used twice`);
    seen.add(arm.name);
  });
  if (replace !== undefined && typeof replace !== 'boolean')
    throw invalid('replace_running', 'must be a boolean');
  return {
    name,
    sticky: (sticky as StickyMode | undefined) ?? 'key',
    arms: parsed,
    replaceRunning: replace === true,
  };
}
