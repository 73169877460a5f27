// Which bridge client the set-up screens use: the real axios client by default; tests provide a
// factory (e.g. the real client with an in-memory axios adapter) instead of mocking modules.
import React, {createContext, useContext} from 'react';

import {createBridgeClient, type BridgeClientFactory} from '../../client/bridge_client';

const BridgeClientContext = createContext<BridgeClientFactory>(createBridgeClient);

export function BridgeClientProvider({factory, children}: {factory: BridgeClientFactory; children: React.ReactNode}) {
    return <BridgeClientContext.Provider value={factory}>{children}</BridgeClientContext.Provider>;
}

export function useBridgeClientFactory(): BridgeClientFactory {
    return useContext(BridgeClientContext);
}
