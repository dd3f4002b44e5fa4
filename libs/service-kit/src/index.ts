export * from './errors.ts';
export * from './logger.ts';
export * from './app.ts';
export * from './time.ts';
export * from './commandHandler.ts';
export * from './shutdown.ts';
export * from './config.ts';
export * from './auth.ts';
