import type { AppConfig } from '../config/app-config';
import { OTHER_TENANT, TenantLabels } from './tenant-labels';

const labels = (tenantLabelLimit: number, tenantLabel: 'id' | 'name' = 'id') =>
  new TenantLabels({ telemetry: { tenantLabelLimit, tenantLabel } } as AppConfig);

describe('TenantLabels (the bounded tenant label)', () => {
  it('labels the first N distinct tenants, then counts every other one as "other"', () => {
    const bounded = labels(2);
    expect(bounded.of('t1', 'one')).toBe('t1');
    expect(bounded.of('t2', 'two')).toBe('t2');
    expect(bounded.of('t3', 'three')).toBe(OTHER_TENANT);
    expect(bounded.of('t1', 'one')).toBe('t1'); // a labelled tenant keeps its label
    const values = new Set(Array.from({ length: 1_000 }, (_, i) => bounded.of(`t${i}`, `n${i}`)));
    expect(values).toEqual(new Set(['t1', 't2', OTHER_TENANT]));
  });

  it('uses names when asked, never lets a tenant named "other" take a slot, and 0 labels none', () => {
    const byName = labels(5, 'name');
    expect(byName.of('t1', 'team-a')).toBe('team-a');
    expect(byName.of('t9', OTHER_TENANT)).toBe(OTHER_TENANT);
    expect(labels(0).of('t1', 'one')).toBe(OTHER_TENANT);
  });
});
