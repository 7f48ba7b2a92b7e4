import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, type ApiConfig } from '@annals/config';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * /admin/*: `Authorization: Bearer <ANNALS_ADMIN_TOKEN>`, compared in constant time
 * (both sides hashed first, so not even the length leaks). Without a configured token the
 * admin endpoints are disabled. Every call is logged with who made it.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly logger = new Logger('admin');
  private readonly expected: Buffer | undefined;

  constructor(@Inject(APP_CONFIG) config: ApiConfig) {
    this.expected = config.ANNALS_ADMIN_TOKEN ? digest(config.ANNALS_ADMIN_TOKEN) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const caller = { ip: request.ip, userAgent: request.headers['user-agent'], route: `${request.method} ${request.originalUrl}` };
    if (!this.expected) {
      this.logger.warn(caller, 'admin call refused: admin endpoints are disabled');
      throw new ForbiddenException('admin endpoints are disabled: set ANNALS_ADMIN_TOKEN to enable them');
    }
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!token || !timingSafeEqual(digest(token), this.expected)) {
      this.logger.warn(caller, 'admin call refused: missing or wrong bearer token');
      throw new UnauthorizedException('Authorization: Bearer <ANNALS_ADMIN_TOKEN> is required');
    }
    this.logger.log({ ...caller, token: `sha256:${digest(token).toString('hex').slice(0, 8)}` }, 'admin call');
    return true;
  }
}
