// The form model: view → form, form → PATCH body, client-side checks, problem field → form field.
import {makeView} from '../../testing/fake_bridge';
import {fieldKeyForProblem, formFromView, patchFrom, validate} from './integration_form';
import {readPluginSettings, settingsProblem} from './plugin_settings';

const messages = {serverUrl: 'bad url', webhookUrl: 'bad hook'};

test('an untouched form patches nothing; secrets are never part of the form from the view', () => {
    const view = makeView();
    const form = formFromView(view, 'https://site.example.com');
    expect(form.botToken).toBe('');
    expect(form.outgoingWebhookToken).toBe('');
    expect(patchFrom(form, view)).toBeNull();
});

test('secrets are sent only when typed, trimmed; the server URL only when changed', () => {
    const view = makeView();
    const form = {...formFromView(view, ''), botToken: '  tok  '};
    expect(patchFrom(form, view)).toEqual({mattermost: {bot_token: 'tok'}});
    expect(patchFrom({...form, botToken: '', serverUrl: 'https://other.example.com '}, view)).toEqual({mattermost: {server_url: 'https://other.example.com'}});
});

test('the notification map is sent whole when one entry changes', () => {
    const view = makeView({notification_channels: {'booking.confirmed': 'c1'}});
    const form = formFromView(view, '');
    form.notifications['payment.received'] = 'https://mm.example.com/hooks/x';
    expect(patchFrom(form, view)).toEqual({notification_channels: {
        'booking.confirmed': 'c1',
        'booking.changed': '',
        'booking.cancelled': '',
        'payment.received': 'https://mm.example.com/hooks/x',
        'arrival.today': '',
    }});
});

test('webhook targets in the view are shown as webhook URLs', () => {
    const form = formFromView(makeView({notification_channels: {'arrival.today': 'https://mm.example.com/hooks/a'}}), '');
    expect(form.webhookTypes).toEqual(['arrival.today']);
});

test('validate: server URL and webhook URLs must be http(s); an empty channel is allowed', () => {
    const form = {...formFromView(makeView({channel_id: ''}), ''), serverUrl: 'mm.example.com', webhookTypes: ['booking.changed' as const]};
    expect(validate(form, messages)).toEqual({serverUrl: 'bad url', 'notification:booking.changed': 'bad hook'});
    form.serverUrl = 'https://mm.example.com';
    form.notifications['booking.changed'] = 'http://mm.example.com/hooks/1';
    expect(validate(form, messages)).toEqual({});
});

test('problem fields map to form fields, dotted notification types included', () => {
    expect(fieldKeyForProblem('mattermost.bot_token')).toBe('botToken');
    expect(fieldKeyForProblem('mattermost.server_url')).toBe('serverUrl');
    expect(fieldKeyForProblem('/mattermost/outgoing_webhook_token')).toBe('outgoingWebhookToken');
    expect(fieldKeyForProblem('mattermost.slash_command_token')).toBe('slashCommandToken');
    expect(fieldKeyForProblem('channel_id')).toBe('channelId');
    expect(fieldKeyForProblem('notification_channels.booking.cancelled')).toBe('notification:booking.cancelled');
    expect(fieldKeyForProblem('notification_channels.booking.unknown')).toBeNull();
    expect(fieldKeyForProblem('ireserve.callback_url')).toBeNull();
    expect(fieldKeyForProblem(undefined)).toBeNull();
});

test('plugin settings are read from the lower-cased keys Mattermost stores', () => {
    const settings = readPluginSettings({
        ServiceSettings: {SiteURL: 'https://chat.example.com/'},
        PluginSettings: {Plugins: {'net.ireserve.mattermost': {bridgeurl: ' https://bridge.example.com ', licence: 'L-1001', adminkey: 'k'}}},
    });
    expect(settings).toEqual({bridgeUrl: 'https://bridge.example.com', licence: 'L-1001', adminKey: 'k', siteUrl: 'https://chat.example.com'});
    expect(settingsProblem(settings)).toBeNull();
    expect(settingsProblem({...settings, adminKey: ''})).toBe('missing');
    expect(settingsProblem({...settings, bridgeUrl: 'bridge:8080'})).toBe('invalid_url');
    expect(readPluginSettings(undefined, 'https://fallback.example.com').siteUrl).toBe('https://fallback.example.com');
});
