import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';

/** The admin dashboard's static files at /dashboard; composed when DASHBOARD_ENABLED is true. */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
