import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { BudgetPeriod } from '../../config/app-config';
import { INT8_AS_NUMBER } from './column-transformers';

export type BudgetSoftAction = 'downgrade' | 'alert';
export type BudgetManagedBy = 'admin' | 'config';

/** A spending limit for a tenant (api_key_id null) or for one of its keys. */
@Entity({ name: 'budgets' })
export class BudgetEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @Column({ name: 'api_key_id', type: 'uuid', nullable: true }) apiKeyId!: string | null;
  @Column({ type: 'varchar', length: 16 }) period!: BudgetPeriod;
  @Column({ name: 'limit_nano', type: 'bigint', transformer: INT8_AS_NUMBER }) limitNano!: number;
  @Column({ name: 'soft_limit_ratio', type: 'double precision', default: 0.8 }) softLimitRatio!: number;
  @Column({ name: 'soft_action', type: 'varchar', length: 16, default: 'downgrade' })
  softAction!: BudgetSoftAction;
  @Column({ name: 'managed_by', type: 'varchar', length: 16, default: 'admin' }) managedBy!: BudgetManagedBy;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** Spend of one budget in one period: settled cost and in-flight reservations. */
@Entity({ name: 'budget_counters' })
export class BudgetCounterEntity {
  @PrimaryColumn({ name: 'budget_id', type: 'uuid' }) budgetId!: string;
  @PrimaryColumn({ name: 'period_start', type: 'timestamptz' }) periodStart!: Date;
  @Column({ name: 'spent_nano', type: 'bigint', default: 0, transformer: INT8_AS_NUMBER }) spentNano!: number;
  @Column({ name: 'reserved_nano', type: 'bigint', default: 0, transformer: INT8_AS_NUMBER })
  reservedNano!: number;
}
