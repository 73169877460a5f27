import {IRESERVE_PROPS_KEY, type NotificationProps, type NotificationType} from '../../contract/index.js';

import type {NotificationEvent} from './events.js';
import {notificationProps} from './post_formats.js';
import {safeInline, safeMessageText, safeUrl} from './text_safety.js';

/**
 * A notification as a Mattermost incoming-webhook payload (Slack-compatible): one message attachment
 * with a colour per notification type, the title (linked to i-Reserve when there is a URL), the
 * text, and fields — the notification type plus any `fields` the event carries. `fallback` is the
 * plain text for clients that do not render attachments (and for push notifications).
 * Mattermost gives a webhook post with attachments the type `slack_attachment`; `props.ireserve`
 * still travels for the plugin.
 */
export const NOTIFICATION_COLOURS: Readonly<Record<NotificationType, string>> = {
    'booking.confirmed': '#2e7d32',
    'booking.changed': '#ef6c00',
    'booking.cancelled': '#c62828',
    'payment.received': '#1565c0',
    'arrival.today': '#6a1b9a',
};
const DEFAULT_COLOUR = '#607d8b';

export interface SlackAttachmentField {
    title: string;
    value: string;
    short: boolean;
}

export interface SlackAttachment {
    fallback: string;
    color: string;
    title: string;
    title_link?: string;
    text: string;
    fields: SlackAttachmentField[];
    footer: string;
}

export interface IncomingWebhookPayload {
    text: string;
    attachments: SlackAttachment[];
    props: {[IRESERVE_PROPS_KEY]: NotificationProps};
}

export function incomingWebhookNotification(notification: NotificationEvent, eventId: string): IncomingWebhookPayload {
    const title = safeInline(notification.title || notification.notification_type);
    const text = safeMessageText(notification.text);
    const fields: SlackAttachmentField[] = [{title: 'Type', value: safeInline(notification.notification_type), short: true}];
    for (const field of notification.fields ?? []) {
        fields.push({title: safeInline(field.title, 100), value: safeMessageText(field.value), short: field.short ?? field.value.length <= 40});
    }
    const attachment: SlackAttachment = {
        fallback: `${title}: ${text}`.slice(0, 3000),
        color: NOTIFICATION_COLOURS[notification.notification_type as NotificationType] ?? DEFAULT_COLOUR,
        title,
        text,
        fields,
        footer: 'i-Reserve',
    };
    if (notification.url) {
        attachment.title_link = safeUrl(notification.url);
    }
    return {text: '', attachments: [attachment], props: {[IRESERVE_PROPS_KEY]: notificationProps(notification, eventId)}};
}
