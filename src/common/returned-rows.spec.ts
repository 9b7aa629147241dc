import { returnedRows } from './returned-rows';

describe('returnedRows', () => {
  it('takes the rows out of the [rows, affected] answer of UPDATE/DELETE … RETURNING', () => {
    expect(returnedRows([[{ version: 3 }], 1])).toEqual([{ version: 3 }]);
    expect(returnedRows([[], 0])).toEqual([]);
  });

  it('passes rows through when the statement answered with rows (a SELECT, a CTE)', () => {
    expect(returnedRows([{ version: 3 }])).toEqual([{ version: 3 }]);
    expect(returnedRows([{ a: 1 }, { a: 2 }])).toEqual([{ a: 1 }, { a: 2 }]);
    expect(returnedRows([])).toEqual([]);
    expect(returnedRows(undefined)).toEqual([]);
  });
});
