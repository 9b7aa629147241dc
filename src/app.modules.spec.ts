import { AppModule } from './app.modules';
import { loadAppConfig } from './config/app-config';
import { ProvidersModule } from './providers/providers.module';

describe('AppModule composition', () => {
  /** The provider layer a gateway configured by `env` registers. */
  const providersOf = (env: Record<string, string>) =>
    AppModule.forConfig(loadAppConfig(env)).imports?.find(
      (module) => typeof module === 'object' && 'module' in module && module.module === ProvidersModule,
    );

  it('registers the simulator for the providers exactly when TEST_MODE is on', () => {
    expect(providersOf({ TEST_MODE: 'true' })).toBe(ProvidersModule.register({ simulated: true }));
    expect(providersOf({})).toBe(ProvidersModule.register({ simulated: false }));
    expect(ProvidersModule.register({ simulated: true })).not.toBe(
      ProvidersModule.register({ simulated: false }),
    );
  });
});
