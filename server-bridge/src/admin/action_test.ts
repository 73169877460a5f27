import {randomBytes} from 'node:crypto';

import type {ActionTestResult} from '../contract/admin_api.js';
import {signProbeContext, verifyProbeContext} from '../crypto/action_context.js';
import {UpstreamError} from '../domain/errors.js';
import {newProbeNonce} from '../domain/inbound/probe.js';
import type {Integration} from '../domain/integration.js';
import type {MattermostPort} from '../ports/mattermost.js';
import type {IntegrationsRepository} from '../storage/integrations_repository.js';
import type {ProbesRepository} from '../storage/probes_repository.js';

import {internalAddress} from './inbound_test.js';

/** The probe's action id: letters and digits only (Mattermost routes no other ids to the click route). */
export const PROBE_ACTION_ID = 'irsvprobe';

/** Mattermost's error id for a failed call of an action's integration URL (server/channels/app/integration_action.go, DoActionRequest). */
const ACTION_INTEGRATION_ERROR = 'api.post.do_action.action_integration.app_error';

/** Probes of the action check live beside the inbound ones in `kv`, under their own keys. */
const probeKey = (nonce: string) => `action-${nonce}`;

/** The `context` of the probe's action, as Mattermost sends it back to the action URL. */
export interface ProbeContext {
    licence: string;
    probe: string;
    sig: string;
}

export interface ActionTestDeps {
    probes: Pick<ProbesRepository, 'open' | 'sighting' | 'close'>;
    integrations: Pick<IntegrationsRepository, 'ensureActionKey'>;
    /** The URL the card's buttons call (BRIDGE_PUBLIC_URL + ACTIONS_PATH). */
    actionsUrl: string;
    /** Resolves a host name to its addresses (default: DNS). */
    resolve?(host: string): Promise<string[]>;
}

/** A probe request the bridge cannot tell came from its own probe (unknown licence, bad signature). */
export class ProbeForged extends Error {
    override name = 'ProbeForged';
    constructor() {
        super('The action probe is not signed for this integration.');
    }
}

/**
 * The action URL's half of the probe: a request carrying a probe context (from any bridge process)
 * is checked against the integration's action key and recorded, so the process running the Test
 * sees that Mattermost reached this bridge. Throws ProbeForged when the signature does not hold.
 */
export class ActionProbeReceiver {
    constructor(private readonly deps: {integrations: Pick<IntegrationsRepository, 'getCached'>; probes: Pick<ProbesRepository, 'sighted'>}) {}

    async received(context: ProbeContext): Promise<void> {
        const integration = await this.deps.integrations.getCached(context.licence);
        if (!integration?.actionKey || !verifyProbeContext(integration.actionKey, {licence: context.licence, nonce: context.probe}, context.sig)) {
            throw new ProbeForged();
        }
        await this.deps.probes.sighted(probeKey(context.probe), integration.licence);
    }
}

function probeMessage(): string {
    return ':mag: Action self-test of the i-Reserve bridge: checking that Mattermost can call the bridge when a card button is clicked. This post is removed in a few seconds.';
}

/**
 * The action check of the Test button: can Mattermost call the bridge's action URL (the card's
 * buttons need it)? The bot posts a probe in the mirror channel carrying one interactive-message
 * action whose URL is the action URL and whose context is signed like a card button's, triggers
 * the action itself through Mattermost (`POST /api/v4/posts/{id}/actions/{action_id}`: a bot may,
 * pinned in test/e2e/mattermost_facts.test.ts), and reads the outcome: Mattermost answers 200 only
 * when the URL answered 200, and the bridge records the probe's arrival (any process). A refusal
 * names the cause — the loopback or private address and AllowedUntrustedInternalConnections first
 * when the URL's host is one. The probe is deleted afterwards. A dry run checks only the address.
 * Never throws on Mattermost failures: they become the answer.
 */
export async function runActionTest(integration: Integration, port: MattermostPort, deps: ActionTestDeps, dryRun: boolean): Promise<ActionTestResult> {
    const url = deps.actionsUrl;
    const host = new URL(url).hostname;
    const internal = await internalAddress(host, deps.resolve);
    const base = {url, dry_run: dryRun};
    const addressHelp = `the bridge's action URL ${url} has a loopback or private address (${host}), and Mattermost calls those only when the host is listed in ServiceSettings.AllowedUntrustedInternalConnections (System Console → Environment → Developer → Allow untrusted internal connections to: add "${host}")`;
    if (dryRun) {
        return internal
            ? {...base, ok: true, cause: 'untrusted_address', message: `Dry run (nothing posted). Note: ${addressHelp}. Run the full test to see whether Mattermost reaches it.`}
            : {...base, ok: true, message: 'Dry run (nothing posted). Run the full test to see whether Mattermost reaches the bridge\'s action URL.'};
    }
    const key = await deps.integrations.ensureActionKey(integration.licence);
    const nonce = newProbeNonce(randomBytes);
    const context: ProbeContext = {licence: integration.licence, probe: nonce, sig: signProbeContext(key ?? '', {licence: integration.licence, nonce})};
    await deps.probes.open(integration.licence, probeKey(nonce));
    let probeId: string | undefined;
    try {
        try {
            probeId = (await port.createPost({
                channel_id: integration.channelId,
                message: probeMessage(),
                props: {ireserve_probe: true, attachments: [{text: '', actions: [{id: PROBE_ACTION_ID, name: 'Check', type: 'button', integration: {url, context}}]}]},
            })).id;
        } catch (error) {
            if (!(error instanceof UpstreamError)) {
                throw error;
            }
            return {...base, ok: false, cause: 'probe_not_posted', message: `The bot could not post the action probe in the conversation channel (${error.message}); see the channel's result above.`};
        }
        let refusal: UpstreamError | undefined;
        try {
            await port.doPostAction(probeId, PROBE_ACTION_ID);
        } catch (error) {
            if (!(error instanceof UpstreamError)) {
                throw error;
            }
            refusal = error;
        }
        const arrived = await deps.probes.sighting(integration.licence, probeKey(nonce)) === 'ok';
        if (!refusal) {
            return arrived
                ? {...base, ok: true, message: `Mattermost called the bridge's action URL ${url}: the card's buttons work.`}
                : {...base, ok: false, cause: 'wrong_receiver', message: `Mattermost called ${url} and got an answer, but not from this bridge. Check BRIDGE_PUBLIC_URL and what answers at that address (a proxy sending it elsewhere?).`};
        }
        if (refusal.errorId !== ACTION_INTEGRATION_ERROR) {
            return {...base, ok: false, cause: 'not_triggered', message: `Mattermost did not let the bot trigger the probe's action (${refusal.message}).`};
        }
        if (arrived) {
            return {...base, ok: false, cause: 'wrong_receiver', message: `The bridge received Mattermost's call of ${url}, but Mattermost did not accept its answer. Check for a proxy between them that changes answers.`};
        }
        return internal
            ? {...base, ok: false, cause: 'untrusted_address', message: `Mattermost could not call the bridge's action URL, so the card's buttons cannot work. Most likely: ${addressHelp}. Otherwise Mattermost cannot reach ${host} at all (firewall, DNS).`}
            : {...base, ok: false, cause: 'unreachable', message: `Mattermost could not call the bridge's action URL ${url}, so the card's buttons cannot work. Check that Mattermost can reach ${host} (firewall, DNS, TLS certificate) and that BRIDGE_PUBLIC_URL is the address Mattermost should use.`};
    } finally {
        await deps.probes.close(integration.licence, probeKey(nonce)).catch(() => undefined);
        if (probeId !== undefined) {
            // Best effort: the bot deletes its own post.
            await port.deletePost(probeId).catch(() => undefined);
        }
    }
}
