// Message attachment actions inside a post's props (model/post.go): ids generated on save, the
// integration (url, context) stripped from what clients receive.
import {newId} from './ids.js';

type RawAction = Record<string, unknown> & {id?: unknown; integration?: unknown};

export function attachmentActions(props: Record<string, unknown>): RawAction[] {
    const attachments = props.attachments;
    if (!Array.isArray(attachments)) {
        return [];
    }
    const out: RawAction[] = [];
    for (const attachment of attachments) {
        const actions = (attachment as {actions?: unknown} | null)?.actions;
        if (Array.isArray(actions)) {
            for (const action of actions) {
                if (action && typeof action === 'object' && !Array.isArray(action)) {
                    out.push(action as RawAction);
                }
            }
        }
    }
    return out;
}

/** model.Post.GenerateActionIds: every attachment action without an id gets one (props changed in place). */
export function generateActionIds(props: Record<string, unknown>): void {
    for (const action of attachmentActions(props)) {
        if (typeof action.id !== 'string' || action.id === '') {
            action.id = newId();
        }
    }
}

/** model.Post.StripActionIntegrations: what clients receive (props changed in place). */
export function stripIntegrations(props: Record<string, unknown>): void {
    for (const action of attachmentActions(props)) {
        delete action.integration;
    }
}
