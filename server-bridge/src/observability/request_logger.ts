import type {FastifyBaseLogger} from 'fastify';
import type {Bindings, ChildLoggerOptions, Level, Logger} from 'pino';

type LogMethod = (...args: unknown[]) => void;

/**
 * The logger Fastify gives each request (`request.log`, `reply.log`), made only when the request
 * logs something. Fastify's default makes a pino child per request, and with redaction configured
 * pino runs the redaction over the child's bindings (the request id) each time: ~2 % of the intake's
 * CPU, for a logger that an answered request never uses (answered requests log at debug).
 *
 * Same output as the default: the first call that would write (its level enabled on `parent`, or a
 * `level` set for the child) creates the child with the same bindings and options, and every later
 * call goes to it. Contract: the server's logger is pino (its `isLevelEnabled` tells what a child
 * without a level of its own would write).
 */
class RequestLogger {
    #child: Logger | undefined;

    constructor(private readonly parent: Logger, private readonly bindings: Bindings, private readonly options: ChildLoggerOptions) {}

    #logger(): Logger {
        this.#child ??= this.parent.child(this.bindings, this.options);
        return this.#child;
    }

    #log(level: Level, args: unknown[]): void {
        if (this.#child === undefined && this.options.level === undefined && !this.parent.isLevelEnabled(level)) {
            return;
        }
        (this.#logger()[level] as LogMethod)(...args);
    }

    get level(): string {
        return this.#child?.level ?? this.options.level ?? this.parent.level;
    }

    set level(level: string) {
        this.#logger().level = level;
    }

    fatal(...args: unknown[]): void {
        this.#log('fatal', args);
    }

    error(...args: unknown[]): void {
        this.#log('error', args);
    }

    warn(...args: unknown[]): void {
        this.#log('warn', args);
    }

    info(...args: unknown[]): void {
        this.#log('info', args);
    }

    debug(...args: unknown[]): void {
        this.#log('debug', args);
    }

    trace(...args: unknown[]): void {
        this.#log('trace', args);
    }

    silent(): void {
        // Writes nothing, as pino's.
    }

    child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
        return this.#logger().child(bindings, options) as FastifyBaseLogger;
    }
}

/** Fastify's `childLoggerFactory`: the per-request logger above, a child of the server's pino logger. */
export function requestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
    return new RequestLogger(logger as Logger, bindings, options) as unknown as FastifyBaseLogger;
}
