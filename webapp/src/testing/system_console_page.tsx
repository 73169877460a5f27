// A stand-in for System Console's plugin settings page around one custom setting, for unit tests:
// the save semantics of webapp/channels/src/components/admin_console/schema_admin_settings.tsx.
// setSaveNeeded enables Save and blocks navigation; Save (patchConfig, here a no-op) runs every
// registered save action; any error keeps the page unsaved and blocked and is NOT shown; no error
// clears both. `page.navigationBlocked` and `page.saveActions` let a test look at the page's side.
import React, {useCallback, useRef, useState} from 'react';

type SaveAction = () => Promise<{error?: {message?: string}}>;

export type PageProbe = {navigationBlocked: boolean; saveActions: SaveAction[]; saves: number};

export type SettingPageProps = {
    setSaveNeeded: () => void;
    registerSaveAction: (action: SaveAction) => void;
    unRegisterSaveAction: (action: SaveAction) => void;
};

export function makePageProbe(): PageProbe {
    return {navigationBlocked: false, saveActions: [], saves: 0};
}

export function SystemConsolePage({probe, children}: {probe: PageProbe; children: (props: SettingPageProps) => React.ReactNode}) {
    const [saveNeeded, setSaveNeededState] = useState(false);
    const [saving, setSaving] = useState(false);
    const probeRef = useRef(probe);

    const setSaveNeeded = useCallback(() => {
        setSaveNeededState(true);
        probeRef.current.navigationBlocked = true;
    }, []);
    const registerSaveAction = useCallback((action: SaveAction) => {
        probeRef.current.saveActions.push(action);
    }, []);
    const unRegisterSaveAction = useCallback((action: SaveAction) => {
        const list = probeRef.current.saveActions;
        list.splice(list.indexOf(action), 1);
    }, []);

    const save = async () => {
        setSaving(true);
        probeRef.current.saves += 1;
        const results = await Promise.all(probeRef.current.saveActions.map((action) => action()));
        const failed = results.some((result) => result.error && result.error.message);
        setSaving(false);
        if (!failed) {
            setSaveNeededState(false);
            probeRef.current.navigationBlocked = false;
        }
    };

    return (
        <div>
            {children({setSaveNeeded, registerSaveAction, unRegisterSaveAction})}
            <button
                type='button'
                disabled={!saveNeeded || saving}
                onClick={save}
            >
                {saving ? 'Saving Config...' : 'Save'}
            </button>
        </div>
    );
}
