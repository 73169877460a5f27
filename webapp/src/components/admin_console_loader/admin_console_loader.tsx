// The System Console custom setting as the entry registers it: a stand-in that downloads the real
// screens (components/admin_console, the bridge client and axios) as a separate webpack chunk the
// first time it renders. Only system admins ever open System Console, so agents' main.js does not
// carry that code. While the chunk downloads it says so; when the download fails (offline, the
// plugin's public/ folder not served) it shows why with a Retry, never a blank setting.
import React, {Suspense, useState} from 'react';

import {format, useStrings} from '../../i18n';
import {setChunkPublicPath} from '../../public_path';
import type {CustomSettingProps} from '../admin_console/integration_setup';
import LoadError from '../load_error/load_error';

type SettingModule = {default: React.ComponentType<CustomSettingProps>};
type Setting = React.ComponentType<CustomSettingProps>;

function reason(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    return text.replace(/\s+/g, ' ').trim();
}

function LoadingSetting() {
    const {strings} = useStrings();
    return (
        <p
            className='irsv-muted'
            role='status'
        >
            {strings.adminScreenLoading}
        </p>
    );
}

function loadFailed(error: unknown, onRetry: () => void): Setting {
    return function SettingLoadFailed() {
        const {strings} = useStrings();
        return (
            <LoadError
                error={format(strings.adminScreenLoadFailed, {error: reason(error)})}
                onRetry={onRetry}
            />
        );
    };
}

/**
 * A custom setting whose component comes from `load()` (a dynamic import) on first render. Once a
 * load succeeds, later renders use the loaded component directly; a failed load is tried again
 * only when the admin presses Retry (webpack forgets a chunk whose download failed).
 */
export function lazySetting(load: () => Promise<SettingModule>): Setting {
    let loaded: Setting | null = null;
    const attempt = (onRetry: () => void): Setting => React.lazy(() => load().then(
        (module) => {
            loaded = module.default;
            return module;
        },
        (error: unknown) => ({default: loadFailed(error, onRetry)}),
    ));

    return function LazySetting(props: CustomSettingProps) {
        const [Component, setComponent] = useState<Setting>(() => loaded ?? attempt(retry));
        function retry() {
            setComponent(() => loaded ?? attempt(retry));
        }
        return (
            <Suspense fallback={<LoadingSetting/>}>
                <Component {...props}/>
            </Suspense>
        );
    };
}

/** System Console → Plugins → i-Reserve → Integration set-up, loaded from the plugin's public/ folder. */
const LazyIntegrationSetup = lazySetting(() => {
    setChunkPublicPath();
    return import(/* webpackChunkName: "admin_console" */ '../admin_console/integration_setup');
});

export default LazyIntegrationSetup;
