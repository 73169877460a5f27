// What the custom setting reads from System Console's `config` prop: the plugin's own saved settings
// (Mattermost stores plugin setting keys lower-cased: BridgeURL → bridgeurl) and the site URL.
// `config` is the saved configuration: values typed above on the same page arrive after Save.
import manifest from '../../manifest';
import {normalizeBridgeUrl} from '../../client/bridge_client';

export type AdminConfigLike = {
    ServiceSettings?: {SiteURL?: string | null};
    PluginSettings?: {Plugins?: Record<string, Record<string, unknown> | undefined>};
};

export type PluginSettings = {
    bridgeUrl: string;
    licence: string;
    adminKey: string;
    siteUrl: string;
};

function text(settings: Record<string, unknown>, key: string): string {
    const value = settings[key.toLowerCase()] ?? settings[key];
    return typeof value === 'string' ? value.trim() : '';
}

export function readPluginSettings(config: AdminConfigLike | undefined, fallbackSiteUrl = ''): PluginSettings {
    const settings = config?.PluginSettings?.Plugins?.[manifest.id] ?? {};
    const siteUrl = (config?.ServiceSettings?.SiteURL ?? '').trim() || fallbackSiteUrl;
    return {
        bridgeUrl: text(settings, 'BridgeURL'),
        licence: text(settings, 'Licence'),
        adminKey: text(settings, 'AdminKey'),
        siteUrl: siteUrl.replace(/\/+$/, ''),
    };
}

export type SettingsProblem = 'missing' | 'invalid_url' | null;

export function settingsProblem(settings: PluginSettings): SettingsProblem {
    if (!settings.bridgeUrl || !settings.licence || !settings.adminKey) {
        return 'missing';
    }
    return normalizeBridgeUrl(settings.bridgeUrl) ? null : 'invalid_url';
}
