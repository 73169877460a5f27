import {INTEGRATION_MISSING_CODE} from '../contract/index.js';
import type {Integration} from '../domain/integration.js';
import type {MattermostConnector} from '../mattermost/connector.js';
import type {RateGate} from '../outbound/rate_gate.js';
import {PermanentFailure} from '../outbox/retry_policy.js';
import type {MattermostPort} from '../ports/mattermost.js';
import type {IntegrationsRepository} from '../storage/integrations_repository.js';

/** One licence's integration as a delivery or an arriving post sees it: its bot on Mattermost. */
export interface BotSession {
    readonly licence: string;
    readonly integration: Integration;
    /** The integration's Mattermost port, behind the rate gate (a 429 holds every call of the licence). */
    readonly port: MattermostPort;
    /** The bot's user id (see BotSessions for how it is learned). Throws UpstreamError when Mattermost cannot tell. */
    botUserId(): Promise<string>;
}

export interface BotSessionsDeps {
    integrations: IntegrationsRepository;
    mattermost: MattermostConnector;
    gate: RateGate;
}

/**
 * The one way every part of the bridge talks to Mattermost as an integration's bot: load the
 * integration, check it, wrap its port in the rate gate, learn the bot's user id.
 *
 * Caching: the integration comes from `IntegrationsRepository.getCached` (short-lived, dropped on
 * every write); the port from the connector (rebuilt when the settings change); the bot's user id
 * is the one stored with the integration, else learned with ONE `getMe` for any number of
 * concurrent callers per licence and settings version (single-flight), then stored. A failed
 * `getMe` is not remembered: the next caller asks again.
 */
export class BotSessions {
    readonly #deps: BotSessionsDeps;
    /** licence → the bot id being learned or learned for one settings version (`updatedAt`). */
    readonly #learning = new Map<string, {updatedAt: number; botUserId: Promise<string>}>();

    constructor(deps: BotSessionsDeps) {
        this.#deps = deps;
    }

    /**
     * The session of a job of `licence`. Throws PermanentFailure (the job is parked with the reason):
     * INTEGRATION_MISSING_CODE when the integration was deleted, `inactive` when it is switched off and
     * `requireActive` (the default), `invalid` when its settings cannot make a Mattermost client.
     */
    async forJob(licence: string, options: {requireActive?: boolean} = {}): Promise<BotSession> {
        const integration = await this.#deps.integrations.getCached(licence);
        if (!integration) {
            throw new PermanentFailure('The integration for this licence no longer exists.', INTEGRATION_MISSING_CODE);
        }
        if (!integration.active && (options.requireActive ?? true)) {
            throw new PermanentFailure('The integration is not active. Activate it in the settings, then retry the failed deliveries.', 'inactive');
        }
        return this.of(integration);
    }

    /** The session of `licence`, or undefined when its integration was deleted (for jobs that then have nothing to do). */
    async find(licence: string): Promise<BotSession | undefined> {
        const integration = await this.#deps.integrations.getCached(licence);
        return integration ? this.of(integration) : undefined;
    }

    /** The session of an integration already loaded (arrival paths). Throws PermanentFailure `invalid` as `forJob`. */
    of(integration: Integration): BotSession {
        const {mattermost, gate} = this.#deps;
        let port: MattermostPort;
        try {
            port = gate.wrap(integration.licence, mattermost.for(integration));
        } catch (error) {
            throw new PermanentFailure(`The bridge cannot connect to Mattermost with these settings: ${(error as Error).message}.`, 'invalid');
        }
        return {
            licence: integration.licence,
            integration,
            port,
            botUserId: () => this.#botUserId(integration, port),
        };
    }

    async #botUserId(integration: Integration, port: MattermostPort): Promise<string> {
        if (integration.botUserId !== null) {
            return integration.botUserId;
        }
        // Keyed by the settings' version: a new token (maybe another bot) is asked again.
        const known = this.#learning.get(integration.licence);
        if (known && known.updatedAt === integration.updatedAt) {
            return known.botUserId;
        }
        const botUserId = (async () => {
            const me = await port.getMe();
            await this.#deps.integrations.setBotUserId(integration.licence, me.id);
            return me.id;
        })();
        const entry = {updatedAt: integration.updatedAt, botUserId};
        this.#learning.set(integration.licence, entry);
        botUserId.catch(() => {
            if (this.#learning.get(integration.licence) === entry) {
                this.#learning.delete(integration.licence);
            }
        });
        return botUserId;
    }
}
