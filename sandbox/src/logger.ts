export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type SandboxLogger = (level: LogLevel, message: string, data?: Record<string, unknown>) => void;

/** Tests stay quiet unless they pass a logger; the CLI passes one that prints. */
export const silentLogger: SandboxLogger = () => undefined;
