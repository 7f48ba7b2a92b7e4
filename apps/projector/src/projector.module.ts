import { Module } from '@nestjs/common';
import { PlatformModule } from '@annals/platform';
import { ProjectionsModule } from '@annals/projections';
import { ProjectorLifecycle } from './projector.lifecycle';

/** Wiring only: the event store in, libs/projections' runner, the read models out. */
@Module({})
export class ProjectorModule {
  static forEnv(env: Record<string, string | undefined>) {
    return {
      module: ProjectorModule,
      imports: [PlatformModule.forApp('projector', env), ProjectionsModule],
      providers: [ProjectorLifecycle],
    };
  }
}
