// What components need from the outside world, injectable for tests: the Mattermost client.
// Production code uses the default (the bundled Client4 on the page's own origin and session).
import React, {createContext, useContext} from 'react';

import {getDefaultClient, type MattermostClient} from '../client/mattermost_client';

export type Services = {client: MattermostClient};

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({services, children}: {services: Services; children: React.ReactNode}) {
    return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
    return useContext(ServicesContext) ?? {client: getDefaultClient()};
}
