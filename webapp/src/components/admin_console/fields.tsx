// Small form pieces of the set-up screens: a labelled field with help and error text wired to the
// control (aria-describedby / aria-invalid), a write-only secret, a read-only value with Copy, a
// switch and a radio group with one-line explanations. Buttons are type="button": System Console
// wraps the settings page in its own <form>.
import React, {useState} from 'react';

import {useStrings} from '../../i18n';

export function describedBy(id: string, help?: React.ReactNode, error?: string): string | undefined {
    const ids = [help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean);
    return ids.length > 0 ? ids.join(' ') : undefined;
}

type FieldProps = {
    id: string;
    label: React.ReactNode;
    help?: React.ReactNode;
    error?: string;
    badge?: React.ReactNode;
    children: React.ReactNode;
    after?: React.ReactNode;
};

export function Field({id, label, help, error, badge, children, after}: FieldProps) {
    return (
        <div className='irsv-admin__field'>
            <label
                className='irsv-admin__label'
                htmlFor={id}
            >
                {label}
                {badge}
            </label>
            {children}
            {error ? <p id={`${id}-error`} className='irsv-admin__field-error'>{error}</p> : null}
            {after}
            {help ? <p id={`${id}-help`} className='irsv-admin__help'>{help}</p> : null}
        </div>
    );
}

type SecretFieldProps = {
    id: string;
    label: string;
    help: string;
    isSet: boolean;
    value: string;
    error?: string;
    disabled: boolean;
    onChange: (value: string) => void;
};

/** A write-only secret: never shown from the server; empty = keep the saved one. */
export function SecretField({id, label, help, isSet, value, error, disabled, onChange}: SecretFieldProps) {
    const {strings} = useStrings();
    const [visible, setVisible] = useState(false);
    const badge = (
        <span className={isSet ? 'irsv-pill irsv-admin__pill--set' : 'irsv-pill'}>
            {isSet ? strings.adminSecretSet : strings.adminSecretNotSet}
        </span>
    );
    return (
        <Field
            id={id}
            label={label}
            help={help}
            error={error}
            badge={badge}
        >
            <div className='irsv-admin__row'>
                <input
                    id={id}
                    className='irsv-admin__input irsv-admin__input--mono'
                    type={visible ? 'text' : 'password'}
                    autoComplete='new-password'
                    spellCheck={false}
                    value={value}
                    placeholder={isSet ? strings.adminSecretKeepPlaceholder : strings.adminSecretNewPlaceholder}
                    disabled={disabled}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={describedBy(id, help, error)}
                    onChange={(e) => onChange(e.target.value)}
                />
                <button
                    type='button'
                    className='irsv-btn'
                    aria-controls={id}
                    aria-pressed={visible}
                    disabled={disabled || value === ''}
                    onClick={() => setVisible(!visible)}
                >
                    {visible ? strings.adminHideSecret : strings.adminShowSecret}
                </button>
            </div>
        </Field>
    );
}

async function copyText(text: string, input: HTMLInputElement | null): Promise<boolean> {
    try {
        if (navigator.clipboard?.writeText) {
            await navigator.clipboard.writeText(text);
            return true;
        }
    } catch {
        // Fall back to selecting the text and the older copy command (non-secure contexts).
    }
    if (input) {
        input.focus();
        input.select();
        try {
            return document.execCommand?.('copy') ?? false;
        } catch {
            return false;
        }
    }
    return false;
}

export function CopyField({id, label, help, value}: {id: string; label: string; help: string; value: string}) {
    const {strings} = useStrings();
    const [result, setResult] = useState<'copied' | 'failed' | null>(null);
    const inputRef = React.useRef<HTMLInputElement>(null);
    return (
        <Field
            id={id}
            label={label}
            help={help}
            after={(
                <span
                    className='irsv-admin__state'
                    role='status'
                >
                    {result === 'copied' ? strings.adminCopied : null}
                    {result === 'failed' ? strings.adminCopyFailed : null}
                </span>
            )}
        >
            <div className='irsv-admin__row'>
                <input
                    ref={inputRef}
                    id={id}
                    className='irsv-admin__input irsv-admin__input--mono'
                    type='text'
                    readOnly={true}
                    value={value}
                    aria-describedby={describedBy(id, help)}
                    onFocus={(e) => e.target.select()}
                />
                <button
                    type='button'
                    className='irsv-btn'
                    disabled={!value}
                    onClick={async () => setResult(await copyText(value, inputRef.current) ? 'copied' : 'failed')}
                >
                    {strings.adminCopy}
                </button>
            </div>
        </Field>
    );
}

type SwitchProps = {id: string; label: string; help: string; checked: boolean; disabled: boolean; onChange: (checked: boolean) => void};

export function Switch({id, label, help, checked, disabled, onChange}: SwitchProps) {
    return (
        <div className='irsv-admin__field'>
            <button
                id={id}
                type='button'
                role='switch'
                className='irsv-admin__switch'
                aria-checked={checked}
                aria-describedby={`${id}-help`}
                disabled={disabled}
                onClick={() => onChange(!checked)}
            >
                <span
                    className='irsv-admin__switch-track'
                    aria-hidden='true'
                />
                <span className='irsv-admin__label'>{label}</span>
            </button>
            <p id={`${id}-help`} className='irsv-admin__help'>{help}</p>
        </div>
    );
}

type Choice<T extends string> = {value: T; title: string; help: string};

type ChoicesProps<T extends string> = {
    name: string;
    legend: string;
    choices: Array<Choice<T>>;
    value: T;
    disabled: boolean;
    error?: string;
    onChange: (value: T) => void;
};

export function Choices<T extends string>({name, legend, choices, value, disabled, error, onChange}: ChoicesProps<T>) {
    return (
        <fieldset
            className='irsv-admin__field'
            aria-describedby={error ? `${name}-error` : undefined}
        >
            <legend className='irsv-admin__label'>{legend}</legend>
            <div className='irsv-admin__choices'>
                {choices.map((choice) => (
                    <label
                        key={choice.value}
                        className={choice.value === value ? 'irsv-admin__choice irsv-admin__choice--checked' : 'irsv-admin__choice'}
                    >
                        <input
                            type='radio'
                            name={name}
                            value={choice.value}
                            checked={choice.value === value}
                            disabled={disabled}
                            aria-describedby={`${name}-${choice.value}-help`}
                            onChange={() => onChange(choice.value)}
                        />
                        <span>
                            <span className='irsv-admin__choice-title'>{choice.title}</span>
                            <span id={`${name}-${choice.value}-help`} className='irsv-admin__choice-help'>{choice.help}</span>
                        </span>
                    </label>
                ))}
            </div>
            {error ? <p id={`${name}-error`} className='irsv-admin__field-error'>{error}</p> : null}
        </fieldset>
    );
}
