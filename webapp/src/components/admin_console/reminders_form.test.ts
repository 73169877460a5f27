import {makeView} from '../../testing/fake_bridge';

import {formFromView, patchFrom, validate} from './integration_form';
import {
    reminderFieldKey,
    remindersFormFromView,
    remindersPatch,
    thresholdSeconds,
    validateReminders,
    type ReminderMessages,
    type RemindersForm,
} from './reminders_form';

const MESSAGES: ReminderMessages = {
    thresholdNumber: 'number',
    thresholdTooShort: 'at least {min}',
    thresholdOrder: 'order',
    tooMany: 'at most {max}',
    timezone: 'zone',
    time: 'time',
};

function form(overrides: Partial<RemindersForm> = {}): RemindersForm {
    return {thresholds: [], notify: 'assignee', quietHours: false, timezone: '', from: '22:00', to: '08:00', ...overrides};
}

test('from the view: whole minutes in minutes, the rest in seconds; absent = off', () => {
    expect(remindersFormFromView(makeView())).toEqual(form());
    const view = makeView({reminders: {after_seconds: [90, 300, 3600], notify: 'channel', quiet_hours: {timezone: 'Europe/Amsterdam', from: '22:00', to: '07:30'}}});
    expect(remindersFormFromView(view)).toEqual({
        thresholds: [{value: '90', unit: 'seconds'}, {value: '5', unit: 'minutes'}, {value: '60', unit: 'minutes'}],
        notify: 'channel',
        quietHours: true,
        timezone: 'Europe/Amsterdam',
        from: '22:00',
        to: '07:30',
    });
});

test('thresholdSeconds: whole numbers of the unit only', () => {
    expect(thresholdSeconds({value: '5', unit: 'minutes'})).toBe(300);
    expect(thresholdSeconds({value: ' 45 ', unit: 'seconds'})).toBe(45);
    for (const value of ['', '1.5', '-3', 'five', '1e3']) {
        expect(thresholdSeconds({value, unit: 'minutes'})).toBeNull();
    }
});

test('validation: a number each, at least 10 s, ascending, at most 5; quiet hours need a zone and HH:MM', () => {
    expect(validateReminders(form({thresholds: [{value: '5', unit: 'minutes'}, {value: '15', unit: 'minutes'}]}), MESSAGES)).toEqual({});
    expect(validateReminders(form({thresholds: [
        {value: '', unit: 'minutes'},
        {value: '9', unit: 'seconds'},
        {value: '10', unit: 'minutes'},
        {value: '600', unit: 'seconds'},
    ]}), MESSAGES)).toEqual({
        'reminderThreshold:0': 'number',
        'reminderThreshold:1': 'at least 10',
        'reminderThreshold:3': 'order',
    });
    const six = Array.from({length: 6}, (_, i) => ({value: String(i + 1), unit: 'minutes' as const}));
    expect(validateReminders(form({thresholds: six}), MESSAGES)).toEqual({remindersThresholds: 'at most 5'});

    const quiet = form({thresholds: [{value: '5', unit: 'minutes'}], quietHours: true, timezone: 'Mars/Olympus', from: '7:00', to: '24:00'});
    expect(validateReminders(quiet, MESSAGES)).toEqual({quietTimezone: 'zone', quietFrom: 'time', quietTo: 'time'});
    expect(validateReminders({...quiet, timezone: 'Europe/Amsterdam', from: '22:00', to: '08:00'}, MESSAGES)).toEqual({});
    // No thresholds: reminders are off, the quiet hours are not checked (nor sent).
    expect(validateReminders({...quiet, thresholds: []}, MESSAGES)).toEqual({});
});

test('the patch: only when the settings differ; off sends no thresholds and no quiet hours', () => {
    const saved = makeView({reminders: {after_seconds: [300], notify: 'assignee'}});
    expect(remindersPatch(form({thresholds: [{value: '300', unit: 'seconds'}]}), saved)).toBeUndefined();
    expect(remindersPatch(form({thresholds: [{value: '5', unit: 'minutes'}], notify: 'channel'}), saved)).toEqual({after_seconds: [300], notify: 'channel'});
    expect(remindersPatch(form({quietHours: true, timezone: 'x'}), saved)).toEqual({after_seconds: [], notify: 'assignee'});
    expect(remindersPatch(form({notify: 'channel'}), makeView())).toBeUndefined();
    expect(remindersPatch(form({thresholds: [{value: '1', unit: 'minutes'}], quietHours: true, timezone: ' Europe/Amsterdam ', from: '22:00', to: '08:00'}), makeView())).toEqual({
        after_seconds: [60],
        notify: 'assignee',
        quiet_hours: {timezone: 'Europe/Amsterdam', from: '22:00', to: '08:00'},
    });
});

test('in the whole form: the patch carries reminders beside the other fields; validate reports them', () => {
    const view = makeView();
    const whole = formFromView(view, 'https://chat.example.com');
    expect(patchFrom(whole, view)).toBeNull();
    const edited = {...whole, reminders: form({thresholds: [{value: '2', unit: 'minutes'}, {value: '1', unit: 'minutes'}]})};
    expect(patchFrom(edited, view)).toEqual({reminders: {after_seconds: [120, 60], notify: 'assignee'}});
    expect(validate(edited, {serverUrl: 'url', webhookUrl: 'url', reminders: MESSAGES})).toEqual({'reminderThreshold:1': 'order'});
});

test('a problem+json field names the reminder field', () => {
    expect(reminderFieldKey('reminders.after_seconds.2')).toBe('reminderThreshold:2');
    expect(reminderFieldKey('reminders.after_seconds')).toBe('remindersThresholds');
    expect(reminderFieldKey('reminders')).toBe('remindersThresholds');
    expect(reminderFieldKey('reminders.notify')).toBe('remindersNotify');
    expect(reminderFieldKey('reminders.quiet_hours.timezone')).toBe('quietTimezone');
    expect(reminderFieldKey('reminders.quiet_hours.from')).toBe('quietFrom');
    expect(reminderFieldKey('reminders.quiet_hours.to')).toBe('quietTo');
    expect(reminderFieldKey('relay_mode')).toBeNull();
    expect(reminderFieldKey('remindersx')).toBeNull();
});
