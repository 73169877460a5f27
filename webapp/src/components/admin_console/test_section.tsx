// The Test button: the bridge posts a sample message to every configured channel and answers per
// channel; each result shows what was tested, whether it worked (with a link to the sample post)
// and otherwise the plain-language fix the bridge gave.
import React, {useState} from 'react';
import type {ActionTestResult, ChannelView, InboundTestResult, TestResult} from '@ireserve/contract';

import type {BridgeAdminClient} from '../../client/bridge_client';
import {format, notificationTypeLabel, useStrings, type Strings} from '../../i18n';

import {errorMessage} from './messages';

type Props = {
    client: BridgeAdminClient;
    channels: ChannelView[];
    dirty: boolean;
    disabled: boolean;
    idPrefix: string;

    /** Called after a test ran (the bridge's status may have changed). */
    onTested: () => void;
};

type TestState =
    | {state: 'idle'}
    | {state: 'running'}
    | {state: 'done'; results: TestResult[]; inbound?: InboundTestResult; actions?: ActionTestResult}
    | {state: 'failed'; message: string};

function purposeLabel(strings: Strings, purpose: string): string {
    if (purpose === 'mirror') {
        return strings.adminPurposeMirror;
    }
    if (purpose.startsWith('notification:')) {
        return format(strings.adminPurposeNotification, {type: notificationTypeLabel(strings, purpose.slice('notification:'.length))});
    }
    const route = /^route:(\d+)$/.exec(purpose);
    if (route) {
        return format(strings.adminPurposeRoute, {number: Number(route[1]) + 1});
    }
    return purpose;
}

function targetLabel(strings: Strings, channels: ChannelView[], result: TestResult): string {
    if (result.target === 'incoming_webhook' || /^https?:\/\//i.test(result.channel_id)) {
        return strings.adminIncomingWebhook;
    }
    const channel = channels.find((c) => c.id === result.channel_id);
    const name = channel?.display_name || channel?.name || (result.channel_name ? `~${result.channel_name}` : '');
    if (channel?.team_name && name) {
        return `${channel.team_name} / ${name}`;
    }
    return name || result.channel_id;
}

function safeLink(url: string | undefined): string | null {
    return url && /^https?:\/\//i.test(url) ? url : null;
}

export function TestResults({results, channels}: {results: TestResult[]; channels: ChannelView[]}) {
    const {strings} = useStrings();
    const failed = results.filter((result) => !result.ok).length;
    let summary = format(strings.adminTestSummaryOk, {count: results.length});
    if (results.length === 0) {
        summary = strings.adminTestNoResults;
    } else if (failed > 0) {
        summary = format(strings.adminTestSummaryFailed, {failed, count: results.length});
    }
    return (
        <>
            <p className='irsv-admin__summary'>{summary}</p>
            <ul
                className='irsv-admin__results'
                aria-label={strings.adminTestHeading}
            >
                {results.map((result, index) => {
                    const target = targetLabel(strings, channels, result);
                    const link = safeLink(result.permalink);
                    const title = target ? `${purposeLabel(strings, result.purpose)} — ${target}` : purposeLabel(strings, result.purpose);
                    return (
                        <li
                            key={`${result.purpose}-${result.channel_id}-${index}`}
                            className={result.ok ? 'irsv-admin__result irsv-admin__result--ok' : 'irsv-admin__result irsv-admin__result--failed'}
                            data-testid='test-result'
                        >
                            <span
                                className='irsv-admin__result-icon'
                                aria-hidden='true'
                            >
                                {result.ok ? '✓' : '✕'}
                            </span>
                            <span className='irsv-admin__result-title'>{title}</span>
                            <span className='irsv-admin__result-body'>
                                {result.ok && result.skipped ? (
                                    <>
                                        <strong>{strings.adminTestSkipped}</strong>
                                        {result.message ? `: ${result.message}` : null}
                                    </>
                                ) : null}
                                {result.ok && !result.skipped ? (
                                    <>
                                        <span className='irsv-sr-only'>{'OK: '}</span>
                                        {result.message || strings.adminTestOk}
                                        {link ? (
                                            <>
                                                {' '}
                                                <a
                                                    href={link}
                                                    target='_blank'
                                                    rel='noopener noreferrer'
                                                >
                                                    {strings.adminViewPost}
                                                </a>
                                            </>
                                        ) : null}
                                    </>
                                ) : null}
                                {result.ok ? null : (
                                    <>
                                        <strong>{(result.error && strings.adminTestErrors[result.error]) || strings.adminTestErrorUnknown}</strong>
                                        {result.message ? `: ${result.message}` : null}
                                    </>
                                )}
                            </span>
                        </li>
                    );
                })}
            </ul>
        </>
    );
}

/** One check of the Test beside the per-channel results: a title, working or not, and the bridge's words. */
function CheckResult({testId, title, ok, message}: {testId: string; title: string; ok: boolean; message: string}) {
    const {strings} = useStrings();
    return (
        <div
            className={ok ? 'irsv-admin__result irsv-admin__result--ok' : 'irsv-admin__result irsv-admin__result--failed'}
            data-testid={testId}
        >
            <span
                className='irsv-admin__result-icon'
                aria-hidden='true'
            >
                {ok ? '✓' : '✕'}
            </span>
            <span className='irsv-admin__result-title'>{title}</span>
            <span className='irsv-admin__result-body'>
                <strong>{ok ? strings.adminInboundOk : strings.adminInboundFailed}</strong>
                {`: ${message}`}
            </span>
        </div>
    );
}

/**
 * Whether agents' replies reach the bridge: the probe through the outgoing webhook, or the
 * WebSocket; with routes, each conversation channel's own probe below the summary.
 */
export function InboundResult({result, channels = []}: {result: InboundTestResult; channels?: ChannelView[]}) {
    const {strings} = useStrings();
    const mode = result.mode === 'websocket' ? strings.adminInboundModeWebsocket : strings.adminInboundModeWebhook;
    return (
        <>
            <CheckResult
                testId='inbound-result'
                title={`${strings.adminInboundHeading} (${mode})`}
                ok={result.ok}
                message={result.message}
            />
            {(result.channels ?? []).map((channel) => {
                const where = targetLabel(strings, channels, {channel_id: channel.channel_id, purpose: channel.purpose, target: 'channel', ok: channel.ok, message: ''});
                return (
                    <CheckResult
                        key={channel.channel_id}
                        testId='inbound-channel-result'
                        title={`${strings.adminInboundHeading}: ${purposeLabel(strings, channel.purpose)} — ${where}`}
                        ok={channel.ok}
                        message={channel.message}
                    />
                );
            })}
        </>
    );
}

/** Whether Mattermost can call the bridge's action URL (the card's buttons need it); the cause named when not. */
export function ActionsResult({result}: {result: ActionTestResult}) {
    const {strings} = useStrings();
    return (
        <CheckResult
            testId='actions-result'
            title={strings.adminActionsTestHeading}
            ok={result.ok}
            message={result.message}
        />
    );
}

export default function TestSection({client, channels, dirty, disabled, idPrefix, onTested}: Props) {
    const {strings} = useStrings();
    const [test, setTest] = useState<TestState>({state: 'idle'});

    const run = async (dryRun: boolean) => {
        setTest({state: 'running'});
        try {
            const report = await client.runTest(dryRun ? {dryRun: true} : {});
            setTest({state: 'done', results: report.results, inbound: report.inbound, actions: report.actions});
        } catch (err) {
            setTest({state: 'failed', message: errorMessage(strings, err, client.baseUrl)});
        }
        onTested();
    };

    return (
        <section
            className='irsv-admin__section'
            aria-labelledby={`${idPrefix}-test-heading`}
        >
            <h3 id={`${idPrefix}-test-heading`}>{strings.adminTestHeading}</h3>
            <p className='irsv-admin__intro'>{strings.adminTestHelp}</p>
            {dirty ? <p className='irsv-admin__warning'>{strings.adminTestUnsaved}</p> : null}
            <div className='irsv-admin__actions'>
                <button
                    type='button'
                    className='irsv-btn'
                    disabled={disabled || test.state === 'running'}
                    onClick={() => run(false)}
                >
                    {test.state === 'running' ? strings.adminTesting : strings.adminTest}
                </button>
                <button
                    type='button'
                    className='irsv-btn'
                    title={strings.adminTestDryRunHelp}
                    disabled={disabled || test.state === 'running'}
                    onClick={() => run(true)}
                >
                    {strings.adminTestDryRun}
                </button>
            </div>
            <p className='irsv-admin__help'>{strings.adminTestDryRunHelp}</p>
            <div
                role='status'
                aria-live='polite'
            >
                {test.state === 'done' ? (
                    <>
                        <TestResults
                            results={test.results}
                            channels={channels}
                        />
                        {test.inbound ? (
                            <InboundResult
                                result={test.inbound}
                                channels={channels}
                            />
                        ) : null}
                        {test.actions ? <ActionsResult result={test.actions}/> : null}
                    </>
                ) : null}
            </div>
            {test.state === 'failed' ? <p className='irsv-error' role='alert'>{format(strings.adminTestFailed, {message: test.message})}</p> : null}
        </section>
    );
}
