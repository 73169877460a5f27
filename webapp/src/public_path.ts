// Where the plugin's lazily loaded webpack chunks come from. Mattermost hands the web app only the
// bundle file itself (webapp.bundle_path); the other files it serves are those of the plugin's
// public/ folder, at <site>/plugins/<id>/public/<file> (server: app/plugin_requests.go,
// ServePluginPublicRequest — no session needed, only the plugin being active).
//
// webpack names the chunks `public/<name>.<hash>.js` (webpack.config.js), their path inside the
// installed plugin, and fetches them from the public path set here plus that name.
import {getSiteURL} from './client/mattermost_client';
import manifest from './manifest';

declare let __webpack_public_path__: string;

/** The URL of the installed plugin's folder: <site>/plugins/<id>/ (site = origin + window.basename). */
export function pluginBaseURL(win: Pick<Window, 'location' | 'basename'> = window): string {
    return `${getSiteURL(win)}/plugins/${encodeURIComponent(manifest.id)}/`;
}

/**
 * Points webpack's chunk loading at the installed plugin. Called right before each dynamic import,
 * so a changed `window.basename` is honoured. Outside a webpack build (jest) there is nothing to set.
 */
export function setChunkPublicPath(win: Pick<Window, 'location' | 'basename'> = window): void {
    if (typeof __webpack_public_path__ === 'string') {
        __webpack_public_path__ = pluginBaseURL(win);
    }
}

/**
 * The App Bar icon's URL. The App Bar draws a plugin's icon as an image from a URL
 * (components/app_bar/app_bar_plugin_component.tsx), so the build copies assets/icon.svg into the
 * plugin's public/ folder as this file (webpack.config.js), where Mattermost serves it.
 */
export const APP_BAR_ICON_FILE = 'app-bar-icon.svg';

export function appBarIconURL(win: Pick<Window, 'location' | 'basename'> = window): string {
    return `${pluginBaseURL(win)}public/${APP_BAR_ICON_FILE}`;
}
