import { Controller, Get, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorCode, GatewayError } from '../common/errors';
import { Public } from '../common/route-access';
import { DASHBOARD_HEADERS, loadDashboardAssets, type DashboardAsset } from './dashboard-assets';

/**
 * GET /dashboard: the admin dashboard's static files (DASHBOARD_ENABLED). Public, because a
 * browser loads a page before it has a key; the page holds no data: every figure comes from
 * the admin API, called by the page with the admin key the user typed, in an Authorization
 * header (never a cookie, so cross-site requests carry no credential: nothing to forge).
 */
@Controller('dashboard')
@Public()
export class DashboardController {
  private readonly assets: Map<string, DashboardAsset> = loadDashboardAssets();

  @Get()
  index(@Res() response: Response): void {
    this.send(response, 'index.html');
  }

  /** Express 5 `*path`: the segments after /dashboard/ (an array, or a string). */
  @Get('*path')
  file(@Param('path') path: string | string[], @Res() response: Response): void {
    const name = Array.isArray(path) ? path.join('/') : path;
    this.send(response, name === '' ? 'index.html' : name);
  }

  private send(response: Response, name: string): void {
    const asset = this.assets.get(name);
    if (!asset) throw new GatewayError(ErrorCode.NotFound, `No dashboard file '${name}'.`);
    response.status(200).set(DASHBOARD_HEADERS).type(asset.contentType).send(asset.body);
  }
}
