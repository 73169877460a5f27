import React, {useCallback, useEffect, useRef, useState} from 'react';
import {useDispatch, useSelector} from 'react-redux';
import {formatBytes, type ReplyMode} from '@ireserve/contract';

import {format, useStrings} from '../../i18n';
import {SendReplyError, sendReply, type Attachment} from '../../store/operations';
import {getCurrentUserId, getMaxFileSize} from '../../store/selectors';
import type {HostState} from '../../types/host';
import {PaperclipIcon} from '../icons/icons';
import {useServices} from '../services';

import {describeSendError} from './error_message';

/** Mattermost accepts at most 5 file ids on one post. */
export const MAX_FILES = 5;

type Props = {
    rootId: string;
    channelId: string;
    visitorName: string;

    /** The switch's starting position (see defaultReplyMode). */
    defaultMode: ReplyMode;
};

let attachmentCounter = 0;
let composerCounter = 0;

/**
 * Writes a reply into the conversation thread: to the visitor, or as an internal note. Enter sends,
 * Shift+Enter starts a new line. On failure the text and files stay and the reason shows inline.
 */
export default function Composer({rootId, channelId, visitorName, defaultMode}: Props) {
    const {strings, locale} = useStrings();
    const dispatch = useDispatch();
    const {client} = useServices();
    const currentUserId = useSelector((state: HostState) => getCurrentUserId(state));
    const maxFileSize = useSelector((state: HostState) => getMaxFileSize(state));

    const [mode, setMode] = useState<ReplyMode>(defaultMode);
    const [text, setText] = useState('');
    const [attachments, setAttachments] = useState<Attachment[]>([]);
    const [sending, setSending] = useState(false);
    const [error, setError] = useState<string | null>(null);
    const [status, setStatus] = useState('');
    const textareaRef = useRef<HTMLTextAreaElement>(null);
    const fileInputRef = useRef<HTMLInputElement>(null);
    const pendingPostId = useRef<string | null>(null);
    const mounted = useRef(true);
    // Element ids for labels; not React 18's useId, so the plugin also runs on React 17 hosts.
    const [ids] = useState(() => `irsv-composer-${++composerCounter}`);

    useEffect(() => {
        mounted.current = true;
        return () => {
            mounted.current = false;
        };
    }, []);

    const canSend = !sending && (text.trim() !== '' || attachments.length > 0);

    const submit = useCallback(async () => {
        if (!canSend) {
            return;
        }
        pendingPostId.current ??= `${currentUserId}:${Date.now()}`;
        setSending(true);
        setError(null);
        setStatus('');
        try {
            await sendReply(dispatch, client, {
                rootId,
                channelId,
                message: text.trim() === '' ? '' : text,
                mode,
                attachments,
                pendingPostId: pendingPostId.current,
                onUploaded: (key, info) => {
                    if (mounted.current) {
                        setAttachments((current) => current.map((item) => (item.key === key ? {...item, fileId: info.id} : item)));
                    }
                },
            });
            if (!mounted.current) {
                return;
            }
            pendingPostId.current = null;
            setText('');
            setAttachments([]);
            setStatus(strings.sent);
        } catch (err) {
            if (!mounted.current) {
                return;
            }
            setError(err instanceof SendReplyError ? describeSendError(strings, err) : String(err));
        } finally {
            if (mounted.current) {
                setSending(false);
                textareaRef.current?.focus();
            }
        }
    }, [canSend, currentUserId, dispatch, client, rootId, channelId, text, mode, attachments, strings]);

    const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>) => {
        if (event.key === 'Enter' && !event.shiftKey && !event.altKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            submit();
        }
    };

    const onTextChange = (event: React.ChangeEvent<HTMLTextAreaElement>) => {
        setText(event.target.value);
        pendingPostId.current = null; // a changed text is a new post, not a resend
        setStatus('');
    };

    const onFilesChosen = (event: React.ChangeEvent<HTMLInputElement>) => {
        const chosen = Array.from(event.target.files ?? []);
        event.target.value = '';
        const problems: string[] = [];
        const accepted: Attachment[] = [];
        for (const file of chosen) {
            if (attachments.length + accepted.length >= MAX_FILES) {
                problems.push(format(strings.tooManyFiles, {max: MAX_FILES}));
                break;
            }
            if (maxFileSize !== null && file.size > maxFileSize) {
                problems.push(format(strings.fileTooLarge, {name: file.name, size: formatBytes(maxFileSize, locale)}));
                continue;
            }
            attachmentCounter += 1;
            accepted.push({key: `irsv-${Date.now().toString(36)}-${attachmentCounter}`, file, name: file.name, size: file.size});
        }
        setAttachments((current) => [...current, ...accepted]);
        setError(problems.length > 0 ? problems.join(' ') : null);
        pendingPostId.current = null;
        textareaRef.current?.focus();
    };

    const removeAttachment = (key: string) => {
        setAttachments((current) => current.filter((item) => item.key !== key));
        pendingPostId.current = null;
        textareaRef.current?.focus();
    };

    const isNote = mode === 'note';
    const label = format(isNote ? strings.composerLabelNote : strings.composerLabelVisitor, {name: visitorName});
    let sendLabel = isNote ? strings.addNote : strings.sendToVisitor;
    if (sending) {
        sendLabel = strings.sending;
    }

    return (
        <form
            className={isNote ? 'irsv-composer irsv-composer--note' : 'irsv-composer'}
            aria-busy={sending}
            data-mode={mode}
            onSubmit={(event) => {
                event.preventDefault();
                submit();
            }}
        >
            <fieldset className='irsv-mode'>
                <legend>{strings.modeLegend}</legend>
                <div className='irsv-mode__options'>
                    {(['visitor', 'note'] as const).map((value) => (
                        <label key={value}>
                            <input
                                type='radio'
                                name={`${ids}-mode`}
                                value={value}
                                checked={mode === value}
                                onChange={() => {
                                    setMode(value);
                                    pendingPostId.current = null;
                                }}
                            />
                            <span>{value === 'visitor' ? strings.replyToVisitor : strings.internalNote}</span>
                        </label>
                    ))}
                </div>
            </fieldset>
            <p
                id={`${ids}-mode-help`}
                className='irsv-composer__hint'
                style={{margin: 0}}
            >
                {isNote ? strings.modeHelpNote : strings.modeHelpVisitor}
            </p>
            <label
                htmlFor={`${ids}-text`}
                className='irsv-sr-only'
            >
                {label}
            </label>
            <textarea
                id={`${ids}-text`}
                ref={textareaRef}
                className='irsv-input'
                value={text}
                placeholder={isNote ? strings.composerPlaceholderNote : strings.composerPlaceholderVisitor}
                aria-describedby={`${ids}-mode-help ${ids}-hint`}
                aria-invalid={error !== null}
                readOnly={sending}
                onChange={onTextChange}
                onKeyDown={onKeyDown}
            />
            {attachments.length > 0 && (
                <ul
                    className='irsv-files'
                    aria-label={strings.attachmentsLabel}
                >
                    {attachments.map((item) => (
                        <li key={item.key}>
                            <span title={item.name}>{item.name}</span>
                            <span
                                className='irsv-muted'
                                style={{flex: 'none'}}
                            >
                                {formatBytes(item.size, locale)}
                            </span>
                            <button
                                type='button'
                                className='irsv-btn irsv-btn--icon'
                                aria-label={format(strings.removeAttachment, {name: item.name})}
                                disabled={sending}
                                onClick={() => removeAttachment(item.key)}
                            >
                                {'×'}
                            </button>
                        </li>
                    ))}
                </ul>
            )}
            {error && (
                <p
                    className='irsv-error'
                    role='alert'
                >
                    {error}
                </p>
            )}
            <div className='irsv-composer__row'>
                <span
                    id={`${ids}-hint`}
                    className='irsv-composer__hint'
                >
                    {strings.composerHint}
                </span>
                <span
                    className='irsv-sr-only'
                    role='status'
                >
                    {status}
                </span>
            </div>
            <div className='irsv-composer__row'>
                <input
                    ref={fileInputRef}
                    type='file'
                    multiple={true}
                    hidden={true}
                    tabIndex={-1}
                    aria-hidden='true'
                    data-testid='irsv-file-input'
                    onChange={onFilesChosen}
                />
                <button
                    type='button'
                    className='irsv-btn'
                    disabled={sending || attachments.length >= MAX_FILES}
                    onClick={() => fileInputRef.current?.click()}
                >
                    <PaperclipIcon/>
                    {strings.attachFiles}
                </button>
                <button
                    type='submit'
                    className={isNote ? 'irsv-btn irsv-btn--note' : 'irsv-btn irsv-btn--primary'}
                    disabled={!canSend}
                >
                    {sendLabel}
                </button>
            </div>
        </form>
    );
}
