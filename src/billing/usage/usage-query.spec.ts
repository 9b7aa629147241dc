import { REPORT_DIMENSIONS } from './usage-report';
import { USAGE_GROUP_BY } from './usage-query';

describe('per-tenant usage query', () => {
  it('groups only by dimensions the spend report has', () => {
    for (const groupBy of USAGE_GROUP_BY) expect(REPORT_DIMENSIONS).toContain(groupBy);
  });
});
