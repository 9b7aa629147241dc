import type { ValueTransformer } from 'typeorm';

/**
 * int8 → number. The Postgres driver is configured to parse int8 as a JS number already (money
 * is integer nano-USD, far below 2^53); this keeps entities correct whatever the driver returns.
 */
export const INT8_AS_NUMBER: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? value : Number(value)),
};
