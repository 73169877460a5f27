// The reminders for waiting guests (DESIGN §11) in the set-up: up to MAX_REMINDER_THRESHOLDS times
// (minutes or seconds), who is mentioned, and optional quiet hours in an IANA time zone. Edits go
// through the set-up's form like every other field (integration_form.ts, reminders_form.ts).
import React, {useMemo} from 'react';
import {MAX_REMINDER_THRESHOLDS, MIN_REMINDER_SECONDS} from '@ireserve/contract';

import {format, useStrings} from '../../i18n';

import {Choices, Field, Switch, describedBy} from './fields';
import type {FormSectionProps} from './integration_form';
import {browserTimeZone, knownTimeZones, type RemindersForm, type ThresholdUnit} from './reminders_form';

type Props = FormSectionProps;

export default function RemindersSection({idPrefix, form, errors, disabled, onChange}: Props) {
    const {strings} = useStrings();
    const id = (name: string) => `${idPrefix}-${name}`;
    const reminders = form.reminders;
    const zones = useMemo(knownTimeZones, []);
    const set = (delta: Partial<RemindersForm>) => onChange({reminders: {...reminders, ...delta}});
    const setThreshold = (index: number, delta: Partial<RemindersForm['thresholds'][number]>) => {
        set({thresholds: reminders.thresholds.map((threshold, i) => (i === index ? {...threshold, ...delta} : threshold))});
    };
    const limit = format(strings.adminReminderLimit, {max: MAX_REMINDER_THRESHOLDS, min: MIN_REMINDER_SECONDS});
    const on = reminders.thresholds.length > 0;

    return (
        <section
            className='irsv-admin__section'
            aria-labelledby={id('reminders-heading')}
        >
            <h3 id={id('reminders-heading')}>{strings.adminRemindersHeading}</h3>
            <p className='irsv-admin__help'>{strings.adminRemindersHelp}</p>

            <fieldset
                className='irsv-admin__field'
                aria-describedby={[id('reminders-limit'), errors.remindersThresholds ? id('reminders-error') : ''].filter(Boolean).join(' ')}
            >
                <legend className='irsv-admin__label'>{strings.adminReminderThresholds}</legend>
                {on ? null : <p className='irsv-admin__state'>{strings.adminReminderNone}</p>}
                {reminders.thresholds.map((threshold, index) => {
                    const number = index + 1;
                    const inputId = id(`reminder-threshold-${index}`);
                    const error = errors[`reminderThreshold:${index}`];
                    return (
                        <div
                            key={index}
                            className='irsv-admin__stack'
                            data-testid='reminder-threshold'
                        >
                            <div className='irsv-admin__row'>
                                <input
                                    id={inputId}
                                    className='irsv-admin__input irsv-admin__input--short'
                                    type='text'
                                    inputMode='numeric'
                                    aria-label={format(strings.adminReminderThresholdLabel, {number})}
                                    value={threshold.value}
                                    disabled={disabled}
                                    aria-invalid={error ? true : undefined}
                                    aria-describedby={error ? `${inputId}-error` : undefined}
                                    onChange={(e) => setThreshold(index, {value: e.target.value})}
                                />
                                <select
                                    className='irsv-admin__input irsv-admin__input--short'
                                    aria-label={format(strings.adminReminderUnitLabel, {number})}
                                    value={threshold.unit}
                                    disabled={disabled}
                                    onChange={(e) => setThreshold(index, {unit: e.target.value as ThresholdUnit})}
                                >
                                    <option value='minutes'>{strings.adminReminderMinutes}</option>
                                    <option value='seconds'>{strings.adminReminderSeconds}</option>
                                </select>
                                <button
                                    type='button'
                                    className='irsv-btn'
                                    disabled={disabled}
                                    onClick={() => set({thresholds: reminders.thresholds.filter((_, i) => i !== index)})}
                                >
                                    {format(strings.adminReminderRemove, {number})}
                                </button>
                            </div>
                            {error ? <p id={`${inputId}-error`} className='irsv-admin__field-error'>{error}</p> : null}
                        </div>
                    );
                })}
                {errors.remindersThresholds ? <p id={id('reminders-error')} className='irsv-admin__field-error'>{errors.remindersThresholds}</p> : null}
                <div className='irsv-admin__actions'>
                    <button
                        type='button'
                        className='irsv-btn'
                        disabled={disabled || reminders.thresholds.length >= MAX_REMINDER_THRESHOLDS}
                        onClick={() => {
                            // A new threshold starts later than the last: 5 minutes, then double the last.
                            const last = reminders.thresholds[reminders.thresholds.length - 1];
                            const value = last && /^\d+$/.test(last.value.trim()) ? String(Number(last.value) * 2) : '5';
                            set({thresholds: [...reminders.thresholds, {value, unit: last?.unit ?? 'minutes'}]});
                        }}
                    >
                        {strings.adminReminderAdd}
                    </button>
                </div>
                <p id={id('reminders-limit')} className='irsv-admin__help'>{limit}</p>
            </fieldset>

            {on ? (
                <>
                    <Choices
                        name={id('remindersNotify')}
                        legend={strings.adminReminderNotify}
                        value={reminders.notify}
                        disabled={disabled}
                        error={errors.remindersNotify}
                        choices={[
                            {value: 'assignee', title: strings.adminReminderNotifyAssignee, help: strings.adminReminderNotifyAssigneeHelp},
                            {value: 'channel', title: strings.adminReminderNotifyChannel, help: strings.adminReminderNotifyChannelHelp},
                        ]}
                        onChange={(notify) => set({notify})}
                    />
                    <Switch
                        id={id('quietHours')}
                        label={strings.adminQuietHours}
                        help={strings.adminQuietHoursHelp}
                        checked={reminders.quietHours}
                        disabled={disabled}
                        onChange={(quietHours) => set({quietHours, timezone: reminders.timezone || browserTimeZone()})}
                    />
                </>
            ) : null}
            {on && reminders.quietHours ? (
                <div className='irsv-admin__row irsv-admin__row--top'>
                    <Field
                        id={id('quietTimezone')}
                        label={strings.adminQuietTimezone}
                        help={strings.adminQuietTimezoneHelp}
                        error={errors.quietTimezone}
                    >
                        <input
                            id={id('quietTimezone')}
                            className='irsv-admin__input'
                            type='text'
                            spellCheck={false}
                            autoComplete='off'
                            list={zones.length > 0 ? id('quiet-zones') : undefined}
                            placeholder='Europe/Amsterdam'
                            value={reminders.timezone}
                            disabled={disabled}
                            aria-invalid={errors.quietTimezone ? true : undefined}
                            aria-describedby={describedBy(id('quietTimezone'), strings.adminQuietTimezoneHelp, errors.quietTimezone)}
                            onChange={(e) => set({timezone: e.target.value})}
                        />
                        {zones.length > 0 ? (
                            <datalist id={id('quiet-zones')}>
                                {zones.map((zone) => <option key={zone} value={zone}/>)}
                            </datalist>
                        ) : null}
                    </Field>
                    {(['from', 'to'] as const).map((bound) => {
                        const key = bound === 'from' ? 'quietFrom' : 'quietTo';
                        return (
                            <Field
                                key={bound}
                                id={id(key)}
                                label={bound === 'from' ? strings.adminQuietFrom : strings.adminQuietTo}
                                help={strings.adminQuietTimeHelp}
                                error={errors[key]}
                            >
                                <input
                                    id={id(key)}
                                    className='irsv-admin__input irsv-admin__input--short'
                                    type='text'
                                    inputMode='numeric'
                                    placeholder='HH:MM'
                                    value={reminders[bound]}
                                    disabled={disabled}
                                    aria-invalid={errors[key] ? true : undefined}
                                    aria-describedby={describedBy(id(key), strings.adminQuietTimeHelp, errors[key])}
                                    onChange={(e) => set({[bound]: e.target.value})}
                                />
                            </Field>
                        );
                    })}
                </div>
            ) : null}
        </section>
    );
}
