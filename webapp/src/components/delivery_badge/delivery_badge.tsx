import React from 'react';
import {shallowEqual, useSelector} from 'react-redux';

import {useStrings, type Strings} from '../../i18n';
import type {Delivery} from '../../model/delivery';
import {getDeliveryOfPost} from '../../store/selectors';
import type {HostState, PostMessageAttachmentProps} from '../../types/host';

function describe(strings: Strings, delivery: Delivery): {label: string; help: string} {
    switch (delivery.kind) {
    case 'delivered':
        return {label: strings.deliveryDelivered, help: strings.deliveryDeliveredHelp};
    case 'failed':
        return {label: strings.deliveryFailed, help: strings.deliveryFailedHelp};
    case 'pending':
        return {label: strings.deliveryPending, help: strings.deliveryPendingHelp};
    case 'note':
        return {label: strings.deliveryNote, help: strings.deliveryNoteHelp};
    case 'internal':
    default:
        return {label: strings.deliveryInternal, help: strings.deliveryInternalHelp};
    }
}

/** The delivery state of one reply as a small pill, the failure reason beside it. */
export function DeliveryPill({delivery}: {delivery: Delivery}) {
    const {strings} = useStrings();
    const {label, help} = describe(strings, delivery);
    const reason = delivery.kind === 'failed' ? delivery.reason : null;
    return (
        <>
            <span
                className={`irsv-pill irsv-pill--${delivery.kind}`}
                title={help}
                data-delivery={delivery.kind}
            >
                {label}
            </span>
            {reason && <span className='irsv-badge__reason'>{reason}</span>}
        </>
    );
}

/**
 * Rendered by the host under every post's message (registerPostMessageAttachmentComponent); shows
 * something only under an agent's reply in an i-Reserve conversation thread.
 */
export default function PostDeliveryBadge({postId}: PostMessageAttachmentProps) {
    const delivery = useSelector((state: HostState) => getDeliveryOfPost(state, postId), shallowEqual);
    if (!delivery) {
        return null;
    }
    return (
        <div
            className='irsv-badge'
            data-testid='irsv-delivery-badge'
        >
            <DeliveryPill delivery={delivery}/>
        </div>
    );
}
