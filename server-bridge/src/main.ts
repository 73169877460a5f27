import {createBridge} from './bridge.js';
import {ConfigError, loadConfig, type Config} from './config/config.js';
import {createLogger} from './observability/logger.js';
import {StorageError} from './storage/database.js';

/**
 * `npm start`: reads the environment once, opens the database (migrating it), listens, delivers.
 * Bad configuration or an unusable database stops the start with one line on stderr and exit 1.
 * SIGTERM/SIGINT stop gracefully: no new requests, deliveries under way finish, the database closes.
 */
function fail(message: string): never {
    process.stderr.write(`ireserve-bridge: ${message}\n`);
    process.exit(1);
}

async function main(): Promise<void> {
    let config: Config;
    try {
        config = loadConfig();
    } catch (error) {
        if (error instanceof ConfigError) {
            fail(`configuration error: ${error.message}`);
        }
        throw error;
    }
    const logger = createLogger(config.logLevel);
    let bridge;
    try {
        bridge = await createBridge({config, logger});
    } catch (error) {
        if (error instanceof StorageError || error instanceof ConfigError) {
            fail(error.message);
        }
        fail(`cannot start: ${(error as Error).message}`);
    }
    let stopping = false;
    // Registered before listening, so a signal at any moment after start closes gracefully.
    const stop = (signal: string) => {
        if (stopping) {
            return;
        }
        stopping = true;
        logger.info({signal}, 'shutting down');
        bridge.close().then(() => process.exit(0), (error: unknown) => {
            logger.error({err: error}, 'shutdown failed');
            process.exit(1);
        });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));

    let url: string;
    try {
        url = await bridge.start();
    } catch (error) {
        await bridge.close().catch(() => undefined);
        fail(`cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
    }
    const where = config.database.kind === 'sqlite' ? `SQLite ${config.database.file}` : 'PostgreSQL';
    process.stdout.write(`i-Reserve bridge listening on ${url} (database: ${where})\n`
        + `  health:  ${url}/healthz   metrics: ${url}/metrics\n`
        + `  next:    create an integration with PUT ${config.publicUrl}/api/v1/integrations/<licence> (see README, "Admin guide")\n`
        + (config.adminToken ? '' : '  note:    BRIDGE_ADMIN_TOKEN is not set, so the admin API is closed until you set it\n'));
}

main().catch((error: unknown) => fail(`unexpected error: ${(error as Error)?.message ?? String(error)}`));
