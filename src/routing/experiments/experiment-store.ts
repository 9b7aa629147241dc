import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { writeAdminAudit, type AdminActor } from '../../billing/admin/admin-audit';
import { ErrorCode, GatewayError } from '../../common/errors';
import type { StickyMode } from './arm-assignment';
import type { ArmSpec, ExperimentSpec } from './experiment-spec';

/** An arm as stored (routing_experiments.arms). */
export interface StoredArm extends ArmSpec {
  stopped_at: string | null;
}

export type ExperimentStatus = 'running' | 'stopped';

/** A routing_experiments row. */
export interface ExperimentRow {
  id: string;
  tenant_id: string;
  name: string;
  sticky: StickyMode;
  arms: StoredArm[];
  status: ExperimentStatus;
  created_by: string;
  created_at: Date | string;
  updated_at: Date | string;
  stopped_at: Date | string | null;
}

const COLUMNS = `id, tenant_id, name, sticky, arms, status, created_by, created_at, updated_at, stopped_at`;

export async function runningExperiments(
  dataSource: DataSource,
  tenantId?: string,
): Promise<ExperimentRow[]> {
  return tenantId === undefined
    ? dataSource.query(`SELECT ${COLUMNS} FROM routing_experiments WHERE status = 'running'`)
    : dataSource.query(
        `SELECT ${COLUMNS} FROM routing_experiments WHERE status = 'running' AND tenant_id = $1`,
        [tenantId],
      );
}

export async function listExperiments(dataSource: DataSource, tenantId: string): Promise<ExperimentRow[]> {
  return dataSource.query(
    `SELECT ${COLUMNS} FROM routing_experiments WHERE tenant_id = $1 ORDER BY created_at DESC, id`,
    [tenantId],
  );
}

export async function findExperiment(
  manager: DataSource | EntityManager,
  tenantId: string,
  id: string,
  lock = false,
): Promise<ExperimentRow | null> {
  const rows: ExperimentRow[] = await manager.query(
    `SELECT ${COLUMNS} FROM routing_experiments WHERE tenant_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
    [tenantId, id],
  );
  return rows[0] ?? null;
}

/** A digest of every experiment's (id, updated_at): any create or stop changes it. */
export async function experimentsChangeStamp(dataSource: DataSource): Promise<string> {
  const rows: Array<{ stamp: string | null }> = await dataSource.query(
    `SELECT md5(coalesce(string_agg(id::text || ':' || updated_at::text, ',' ORDER BY id), '')) AS stamp
       FROM routing_experiments`,
  );
  return rows[0]?.stamp ?? '';
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string; driverError?: { code?: string } }).code;
  const driver = (error as { driverError?: { code?: string } }).driverError?.code;
  return code === '23505' || driver === '23505';
}

function alreadyRunning(name: string | null): GatewayError {
  return new GatewayError(
    ErrorCode.Conflict,
    `The tenant already runs an experiment${name ? ` ('${name}')` : ''}: stop it first, or create with "replace_running": true.`,
    { param: 'replace_running' },
  );
}

/** Stores a new running experiment (stopping the running one first when asked), with its audit row. */
export async function insertExperiment(
  dataSource: DataSource,
  tenantId: string,
  spec: ExperimentSpec,
  actor: AdminActor,
): Promise<ExperimentRow> {
  try {
    return await dataSource.transaction(async (manager) => {
      const running: Array<{ id: string; name: string }> = await manager.query(
        `SELECT id, name FROM routing_experiments WHERE tenant_id = $1 AND status = 'running' FOR UPDATE`,
        [tenantId],
      );
      if (running.length > 0 && !spec.replaceRunning) throw alreadyRunning(running[0].name);
      for (const previous of running) {
        await manager.query(
          `UPDATE routing_experiments SET status = 'stopped', stopped_at = now(), updated_at = now() WHERE id = $1`,
          [previous.id],
        );
        await writeAdminAudit(
          manager,
          actor,
          'experiment.stop',
          { type: 'tenant', id: tenantId },
          {
            experiment_id: previous.id,
            replaced: true,
          },
        );
      }
      const arms: StoredArm[] = spec.arms.map((arm) => ({ ...arm, stopped_at: null }));
      const [row]: ExperimentRow[] = await manager.query(
        `INSERT INTO routing_experiments (id, tenant_id, name, sticky, arms, status, created_by)
         VALUES ($1, $2, $3, $4, $5::jsonb, 'running', $6) RETURNING ${COLUMNS}`,
        [randomUUID(), tenantId, spec.name, spec.sticky, JSON.stringify(arms), actor.name.slice(0, 128)],
      );
      await writeAdminAudit(
        manager,
        actor,
        'experiment.create',
        { type: 'tenant', id: tenantId },
        {
          experiment_id: row.id,
          name: spec.name,
          sticky: spec.sticky,
          arms: spec.arms.map((arm) => ({
            name: arm.name,
            weight: arm.weight,
            routing: arm.routing !== null,
          })),
        },
      );
      return row;
    });
  } catch (error) {
    // Two creates racing past the check: the partial unique index lets one through.
    if (isUniqueViolation(error)) throw alreadyRunning(null);
    throw error;
  }
}

/**
 * Stops an arm (its traffic goes to the arms still running) or, with arm null, the whole
 * experiment (the tenant's traffic routes as without it). Stopping the last running arm stops
 * the experiment. Stopping what is stopped changes nothing. Null: no such experiment.
 */
export async function stopExperiment(
  dataSource: DataSource,
  tenantId: string,
  id: string,
  arm: string | null,
  actor: AdminActor,
): Promise<ExperimentRow | null> {
  return dataSource.transaction(async (manager) => {
    const row = await findExperiment(manager, tenantId, id, true);
    if (!row || row.status === 'stopped') return row;
    const now = new Date().toISOString();
    let arms = row.arms;
    if (arm !== null) {
      const named = arms.find((a) => a.name === arm);
      if (!named)
        throw new GatewayError(ErrorCode.ValidationFailed, `The experiment has no arm '${arm}'.`, {
          param: 'arm',
        });
      if (named.stopped_at !== null) return row;
      arms = arms.map((a) => (a.name === arm ? { ...a, stopped_at: now } : a));
    }
    const stopAll = arm === null || arms.every((a) => a.stopped_at !== null);
    await manager.query(
      `UPDATE routing_experiments
          SET arms = $2::jsonb, status = $3::varchar, stopped_at = CASE WHEN $3::varchar = 'stopped' THEN now() ELSE NULL END,
              updated_at = now()
        WHERE id = $1`,
      [id, JSON.stringify(arms), stopAll ? 'stopped' : 'running'],
    );
    await writeAdminAudit(
      manager,
      actor,
      arm === null ? 'experiment.stop' : 'experiment.stop_arm',
      {
        type: 'tenant',
        id: tenantId,
      },
      { experiment_id: id, arm, experiment_stopped: stopAll },
    );
    // Read back (an UPDATE's RETURNING rows come back in a driver-specific shape).
    return findExperiment(manager, tenantId, id);
  });
}
