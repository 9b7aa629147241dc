import { createHash } from 'node:crypto';

/**
 * Sticky arm assignment of an A/B routing experiment (docs/routing.md "A/B experiments"): a
 * request's sticky key (its API key, or its conversation) and the experiment id are hashed to a
 * point of [0, 1), which falls into one arm's share of the weights. Pure and deterministic: the
 * same key gets the same arm on every replica, every time.
 *
 * A stopped arm keeps its share of the line; a key that lands there is hashed again (another
 * salt) over the arms still running, by their weights. So stopping an arm moves only that arm's
 * traffic, and every other key keeps the arm it had.
 */

export interface WeightedArm {
  name: string;
  weight: number;
  active: boolean;
}

export const STICKY_MODES = ['key', 'conversation'] as const;
export type StickyMode = (typeof STICKY_MODES)[number];

const TWO_POW_48 = 2 ** 48;

/** A uniform point of [0, 1) for the parts (SHA-256, first 48 bits). */
export function unitHash(...parts: string[]): number {
  const digest = createHash('sha256').update(parts.join('\u001f')).digest();
  return digest.readUIntBE(0, 6) / TWO_POW_48;
}

/** The index of the arm whose share of the total weight holds `point` (0 ≤ point < 1). */
export function pickByWeight(arms: ReadonlyArray<{ weight: number }>, point: number): number {
  let total = 0;
  for (const arm of arms) total += arm.weight;
  let edge = 0;
  const target = point * total;
  for (let i = 0; i < arms.length; i++) {
    edge += arms[i].weight;
    if (target < edge) return i;
  }
  return arms.length - 1;
}

/** The arm a sticky key gets; null when no arm is running. */
export function assignArm(
  arms: readonly WeightedArm[],
  experimentId: string,
  stickyKey: string,
): string | null {
  if (arms.length === 0) return null;
  const first = arms[pickByWeight(arms, unitHash(experimentId, stickyKey))];
  if (first.active) return first.name;
  const running = arms.filter((arm) => arm.active);
  if (running.length === 0) return null;
  return running[pickByWeight(running, unitHash(experimentId, 'reassigned', stickyKey))].name;
}

/** What identifies a request for stickiness. */
export interface StickySubject {
  tenantId: string;
  /** The API key's stable id (database id, or the static key's digest prefix). */
  keyIdentity: string;
  /** The first user message of the conversation, as sent (JSON of its content); null: none. */
  firstUserMessage: string | null;
}

/**
 * The sticky key: the tenant and its API key (`key`), or the tenant and the conversation's first
 * user message (`conversation`: a conversation keeps its first turn as it grows; hashed, never
 * kept). A request without a user message falls back to its key.
 */
export function stickyKey(mode: StickyMode, subject: StickySubject): string {
  if (mode === 'conversation' && subject.firstUserMessage !== null)
    return `conversation\u001f${subject.tenantId}\u001f${subject.firstUserMessage}`;
  return `key\u001f${subject.tenantId}\u001f${subject.keyIdentity}`;
}
