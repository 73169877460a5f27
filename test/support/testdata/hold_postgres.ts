// Helper process for postgres.test.ts: starts a server, prints {dir, pid}, then waits to be killed.
import {startPostgres} from '../postgres.js';

const pg = await startPostgres();
process.stdout.write(`${JSON.stringify({dir: pg.dir, pid: pg.pid})}\n`);
setInterval(() => undefined, 60_000);
