import { Writable } from 'node:stream';
import { createRootLogger, PinoNestLogger } from './logger';

function capture(level: 'info' | 'debug'): {
  logger: PinoNestLogger;
  lines: () => Array<Record<string, unknown>>;
} {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = new PinoNestLogger(createRootLogger(level, sink));
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('PinoNestLogger', () => {
  it('writes one JSON line per call with the Nest context and merged fields', () => {
    const { logger, lines } = capture('info');
    logger.log({ msg: 'request', requestId: 'r1', status: 200 }, 'Access');
    logger.warn('slow upstream', 'Providers');
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 'info',
        context: 'Access',
        msg: 'request',
        requestId: 'r1',
        status: 200,
      }),
      expect.objectContaining({ level: 'warn', context: 'Providers', msg: 'slow upstream' }),
    ]);
  });

  it('redacts credentials', () => {
    const { logger, lines } = capture('info');
    logger.log({ msg: 'x', authorization: 'Bearer secret', headers: { authorization: 'Bearer s2' } }, 'Test');
    expect(JSON.stringify(lines())).not.toMatch(/secret|s2/);
  });

  it("keeps Nest's start-up chatter at debug", () => {
    const info = capture('info');
    info.logger.log('Mapped {/v1/models, GET} route', 'RouterExplorer');
    info.logger.log('ModelMuxer listening', 'ModelMuxer');
    expect(info.lines().map((line) => line.msg)).toEqual(['ModelMuxer listening']);
    const debug = capture('debug');
    debug.logger.log('Mapped {/v1/models, GET} route', 'RouterExplorer');
    expect(debug.lines()).toEqual([expect.objectContaining({ level: 'debug', context: 'RouterExplorer' })]);
  });
});
