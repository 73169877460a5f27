// Start the stand-in in its own process:
//   npx tsx standins/mattermost/cli.ts [--port N] [--host H] [--seed] [--config '{"showEmailAddress":false}']
// Prints one JSON line on stdout: {"url", "ws_url", "control_url", "seed"?}; runs until SIGINT/SIGTERM
// (or until stdin closes, with --exit-on-stdin-close).
import {parseArgs} from 'node:util';
import {MattermostStandIn} from './standin.js';

const {values} = parseArgs({
    options: {
        port: {type: 'string', default: '0'},
        host: {type: 'string', default: '127.0.0.1'},
        seed: {type: 'boolean', default: false},
        config: {type: 'string'},
        'exit-on-stdin-close': {type: 'boolean', default: false},
    },
});

const standIn = await MattermostStandIn.start({
    host: values.host,
    port: Number(values.port),
    config: values.config ? (JSON.parse(values.config) as object) : undefined,
});
const seed = values.seed ? standIn.seedDefault() : undefined;
process.stdout.write(`${JSON.stringify({url: standIn.url, ws_url: standIn.wsUrl, control_url: `${standIn.url}/_standin`, seed})}\n`);

let closing = false;
const stop = async (): Promise<void> => {
    if (closing) {
        return;
    }
    closing = true;
    await standIn.close();
    process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
if (values['exit-on-stdin-close']) {
    process.stdin.on('end', () => void stop());
    process.stdin.resume();
}
