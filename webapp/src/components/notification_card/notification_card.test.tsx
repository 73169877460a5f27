import {screen} from '@testing-library/react';
import React from 'react';

import NotificationCard from './notification_card';
import {makePost} from '../../testing/fixtures';
import {renderWithStore} from '../../testing/render';
import {makeEntities, makeStore} from '../../testing/store';

const notification = (ireserve: Record<string, unknown>, message = 'Booking 1234 confirmed for Anna de Vries, 3–10 July.') =>
    makePost({id: 'notif', type: 'custom_irsv_notification' as never, message, props: {from_bot: 'true', ireserve}});

test('type, title, text and link', () => {
    const post = notification({v: 1, notification_type: 'booking.confirmed', title: 'Booking 1234', text: 'Anna de Vries, Beach house, 3–10 July', url: 'https://ireserve.example/bookings/1234'});
    renderWithStore(<NotificationCard post={post}/>, makeStore(makeEntities([post])));
    expect(screen.getByRole('heading', {name: 'Booking 1234'})).toBeInTheDocument();
    expect(screen.getByText('Booking confirmed')).toBeInTheDocument();
    expect(screen.getByText('Anna de Vries, Beach house, 3–10 July')).toBeInTheDocument();
    const link = screen.getByRole('link', {name: 'Open in i-Reserve'});
    expect(link).toHaveAttribute('href', 'https://ireserve.example/bookings/1234');
    expect(link).toHaveAttribute('rel', 'noopener noreferrer');
});

test('without title, text or link: the type heads it and the message is the text', () => {
    const post = notification({v: 1, notification_type: 'arrival.today', url: 'ftp://nope'});
    renderWithStore(<NotificationCard post={post}/>, makeStore(makeEntities([post])));
    expect(screen.getByRole('heading', {name: 'Arrival today'})).toBeInTheDocument();
    expect(screen.getByText('Booking 1234 confirmed for Anna de Vries, 3–10 July.')).toBeInTheDocument();
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
});

test('an unknown notification type still reads well', () => {
    const post = notification({v: 1, notification_type: 'guest.birthday'});
    renderWithStore(<NotificationCard post={post}/>, makeStore(makeEntities([post])));
    expect(screen.getByRole('heading', {name: 'Notification'})).toBeInTheDocument();
});

test('an unknown version falls back to the message', () => {
    const post = notification({v: 2, notification_type: 'booking.confirmed'}, 'Plain fallback');
    renderWithStore(<NotificationCard post={post}/>, makeStore(makeEntities([post])));
    expect(screen.getByText('Plain fallback')).toBeInTheDocument();
    expect(screen.getByText(/newer i-Reserve bridge/)).toBeInTheDocument();
});

test('Dutch labels', () => {
    const post = notification({v: 1, notification_type: 'booking.cancelled', url: 'https://ireserve.example/b/1'});
    renderWithStore(<NotificationCard post={post}/>, makeStore(makeEntities([post], [], {locale: 'nl'})));
    expect(screen.getByRole('heading', {name: 'Boeking geannuleerd'})).toBeInTheDocument();
    expect(screen.getByRole('link', {name: 'Openen in i-Reserve'})).toBeInTheDocument();
});
