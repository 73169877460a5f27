// A string of the plugin's catalogue as a React element, for what the plugin hands the host once at
// start-up (the panel title, the post menu item, the App Bar and channel-header tooltips): the host
// renders it in its own tree, so it follows a change of the user's language without a reload.
import React from 'react';

import {useStrings, type Strings} from '../../i18n';

type TextKey = {[K in keyof Strings]: Strings[K] extends string ? K : never}[keyof Strings];

export default function LocalizedText({name}: {name: TextKey}) {
    const {strings} = useStrings();
    return <>{strings[name]}</>;
}
