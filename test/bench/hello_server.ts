// The ceiling for intake: a raw Fastify server on the same machine, in its own process like the
// bridge, answering the very same signed event requests (body parsed as JSON) with a constant 202,
// and `GET /` with {"hello":"world"}. No logging, no storage, no signature check.
// Prints its URL on stdout, runs until SIGTERM.
import Fastify from 'fastify';

const app = Fastify({logger: false});
app.get('/', async () => ({hello: 'world'}));
app.post('/api/v1/licences/:licence/events', async (_request, reply) => reply.code(202).send({status: 'accepted'}));
const url = await app.listen({host: '127.0.0.1', port: 0});
process.stdout.write(`${url}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
