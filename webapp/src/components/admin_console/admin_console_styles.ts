// The set-up screens' CSS, added to the page while they are shown. Theme CSS variables only (with
// the default light theme as fallback); every class starts with `irsv-admin` to stay out of
// System Console's way. Shared pieces (buttons, pills, .irsv-sr-only) come from styles/styles.ts.
import {useEffect} from 'react';

import manifest from '../../manifest';

const c = (alpha: number) => `rgba(var(--center-channel-color-rgb, 63, 67, 80), ${alpha})`;
const btn = (alpha: number) => `rgba(var(--button-bg-rgb, 28, 88, 217), ${alpha})`;
const ok = (alpha: number) => `rgba(var(--online-indicator-rgb, 61, 184, 135), ${alpha})`;
const warn = (alpha: number) => `rgba(var(--away-indicator-rgb, 255, 188, 31), ${alpha})`;
const err = (alpha: number) => `rgba(var(--error-text-color-rgb, 210, 75, 78), ${alpha})`;
const fg = 'var(--center-channel-color, #3f4350)';
const bg = 'var(--center-channel-bg, #fff)';

export const adminCss = `
.irsv-admin{box-sizing:border-box;display:flex;flex-direction:column;gap:16px;max-width:760px;color:${fg};font-size:14px;line-height:20px;text-align:left}
.irsv-admin *,.irsv-admin *::before,.irsv-admin *::after{box-sizing:border-box}
.irsv-admin__section{padding:16px 20px 20px;border:1px solid ${c(0.16)};border-radius:8px;background:${bg}}
.irsv-admin__section>h3{margin:0;font-size:16px;line-height:24px;font-weight:600}
.irsv-admin__subheading{margin:24px 0 0;font-size:14px;line-height:20px;font-weight:600}
.irsv-admin__steps{margin:8px 0 0;padding-left:20px;font-size:13px;line-height:20px;color:${c(0.8)}}
.irsv-admin__steps code{font-size:12px}
.irsv-admin__intro{margin:4px 0 0;color:${c(0.72)};font-size:13px}
.irsv-admin__field{display:flex;flex-direction:column;gap:4px;margin:16px 0 0;padding:0;border:0;min-width:0}
.irsv-admin label.irsv-admin__label,.irsv-admin legend.irsv-admin__label,.irsv-admin__label{display:flex;align-items:center;gap:8px;margin:0;padding:0;border:0;font-size:14px;line-height:20px;font-weight:600;color:${fg}}
.irsv-admin__help{margin:0;font-size:12px;line-height:16px;color:${c(0.72)}}
.irsv-admin__input{display:block;width:100%;height:36px;margin:0;padding:0 12px;border:1px solid ${c(0.24)};border-radius:4px;font:inherit;font-size:14px;background:${bg};color:${fg};box-shadow:none}
.irsv-admin select.irsv-admin__input{padding-right:28px}
.irsv-admin__input:hover{border-color:${c(0.48)}}
.irsv-admin__input:focus,.irsv-admin__input:focus-visible{outline:none;border-color:var(--button-bg, #1c58d9);box-shadow:inset 0 0 0 1px var(--button-bg, #1c58d9)}
.irsv-admin__input[readonly]{background:${c(0.04)};color:${c(0.8)}}
.irsv-admin__input[disabled]{background:${c(0.04)};color:${c(0.48)};cursor:not-allowed}
.irsv-admin__input[aria-invalid=true]{border-color:var(--error-text, #d24b4e)}
.irsv-admin__input--mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.irsv-admin__row{display:flex;gap:8px;align-items:center}
.irsv-admin__row>.irsv-admin__input{flex:1 1 auto;min-width:0}
.irsv-admin__row>.irsv-btn{flex:none;min-height:36px}
.irsv-admin__row>.irsv-admin__input--short{flex:0 0 auto;width:auto;min-width:96px}
.irsv-admin__row--top{align-items:flex-start;flex-wrap:wrap}
.irsv-admin__row--top>.irsv-admin__field{flex:1 1 160px;min-width:0}
.irsv-admin__field-error{margin:0;color:var(--error-text, #d24b4e);font-size:12px;line-height:16px;font-weight:600}
.irsv-admin__warning{margin:0;padding:8px 12px;border-radius:4px;background:${warn(0.16)};font-size:13px}
.irsv-admin__notice{margin:0;padding:12px 16px;border-radius:8px;border:1px solid ${btn(0.24)};background:${btn(0.06)};font-size:14px}
.irsv-admin__notice--error{border-color:${err(0.32)};background:${err(0.06)};color:${fg}}
.irsv-admin__notice p{margin:0}
.irsv-admin__notice .irsv-btn{margin-top:8px}
.irsv-admin__section>.irsv-admin__warning,.irsv-admin__section>.irsv-error{margin-top:12px}
.irsv-admin__pill--set{background:${ok(0.16)};color:${fg}}
.irsv-admin__choices{display:flex;flex-direction:column;gap:8px}
.irsv-admin__choice{display:flex;gap:10px;align-items:flex-start;margin:0;padding:8px 12px;border:1px solid ${c(0.16)};border-radius:4px;cursor:pointer;font-weight:400}
.irsv-admin__choice:hover{border-color:${c(0.32)}}
.irsv-admin__choice--checked{border-color:var(--button-bg, #1c58d9);background:${btn(0.06)}}
.irsv-admin__choice input{flex:none;margin:3px 0 0;accent-color:var(--button-bg, #1c58d9)}
.irsv-admin__choice input:focus-visible{outline:2px solid ${btn(0.6)};outline-offset:2px}
.irsv-admin__choice-title{display:block;font-weight:600}
.irsv-admin__choice-help{display:block;font-size:12px;line-height:16px;color:${c(0.72)}}
.irsv-admin__grid{display:grid;grid-template-columns:minmax(140px,max-content) minmax(0,1fr);gap:8px 16px;align-items:start;margin-top:4px}
.irsv-admin__grid>label{margin:0;padding-top:8px;font-weight:400}
.irsv-admin__stack{display:flex;flex-direction:column;gap:4px;min-width:0}
.irsv-admin__routes{list-style:none;margin:0 0 8px;padding:0;display:flex;flex-direction:column;gap:12px}
.irsv-admin__route{border:1px solid ${c(0.16)};border-radius:4px;padding:8px 12px}
.irsv-admin__switch{display:inline-flex;align-items:center;gap:10px;padding:0;border:0;background:none;font:inherit;color:${fg};cursor:pointer}
.irsv-admin__switch[disabled]{cursor:not-allowed;opacity:0.6}
.irsv-admin__switch-track{position:relative;flex:none;width:40px;height:24px;border-radius:12px;background:${c(0.24)};transition:background .15s}
.irsv-admin__switch-track::after{content:'';position:absolute;top:3px;left:3px;width:18px;height:18px;border-radius:50%;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.24);transition:left .15s}
.irsv-admin__switch[aria-checked=true] .irsv-admin__switch-track{background:var(--button-bg, #1c58d9)}
.irsv-admin__switch[aria-checked=true] .irsv-admin__switch-track::after{left:19px}
.irsv-admin__switch:focus-visible{outline:2px solid ${btn(0.6)};outline-offset:2px;border-radius:4px}
.irsv-admin__actions{display:flex;gap:12px;align-items:center;flex-wrap:wrap;margin-top:16px}
.irsv-admin__actions .irsv-btn{min-height:36px}
.irsv-admin__state{font-size:13px;color:${c(0.72)}}
.irsv-admin__state--ok{color:var(--online-indicator, #3db887);font-weight:600}
.irsv-admin__bar{display:flex;gap:12px;align-items:center;flex-wrap:wrap;padding:12px 20px;border:1px solid ${c(0.16)};border-radius:8px;background:${bg}}
.irsv-admin__bar .irsv-btn{min-height:36px}
.irsv-admin__summary{margin:12px 0 0;font-weight:600}
.irsv-admin__results{display:flex;flex-direction:column;gap:8px;margin:8px 0 0;padding:0;list-style:none}
.irsv-admin__result{display:grid;grid-template-columns:20px minmax(0,1fr);gap:2px 8px;padding:8px 12px;border-radius:4px;border:1px solid ${c(0.16)}}
.irsv-admin__result--ok{border-color:${ok(0.48)};background:${ok(0.08)}}
.irsv-admin__result--failed{border-color:${err(0.4)};background:${err(0.06)}}
.irsv-admin__result-icon{grid-row:span 2;font-weight:700;line-height:20px;text-align:center}
.irsv-admin__result--ok .irsv-admin__result-icon{color:var(--online-indicator, #3db887)}
.irsv-admin__result--failed .irsv-admin__result-icon{color:var(--error-text, #d24b4e)}
.irsv-admin__result-title{font-weight:600;overflow-wrap:anywhere}
.irsv-admin__result-body{font-size:13px;overflow-wrap:anywhere}
.irsv-admin__result-body a{color:var(--link-color, #386fe5)}
.irsv-admin__facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:6px 16px;margin:12px 0 0}
.irsv-admin__facts dt{font-weight:400;color:${c(0.72)}}
.irsv-admin__facts dd{margin:0;overflow-wrap:anywhere}
.irsv-admin__status-head{display:flex;align-items:center;gap:12px;flex-wrap:wrap}
.irsv-admin__status-head h3{margin:0;font-size:16px;line-height:24px;font-weight:600}
.irsv-admin__status-head .irsv-btn{margin-left:auto}
.irsv-admin__subheading{margin:20px 0 0;font-size:14px;line-height:20px;font-weight:600}
.irsv-admin__table-wrap{overflow-x:auto;margin-top:8px}
.irsv-admin__table{width:100%;border-collapse:collapse;font-size:13px;line-height:18px}
.irsv-admin__table th,.irsv-admin__table td{padding:8px;border-bottom:1px solid ${c(0.12)};text-align:left;vertical-align:top}
.irsv-admin__table th{font-weight:600;color:${c(0.72)};white-space:nowrap}
.irsv-admin__table td.irsv-admin__reason{color:var(--error-text, #d24b4e);overflow-wrap:anywhere;min-width:160px}
.irsv-admin__kind{display:block;font-size:12px;color:${c(0.64)}}
.irsv-admin__table code{font-size:12px;overflow-wrap:anywhere}
.irsv-admin__pill--ok{background:${ok(0.16)};color:${fg}}
.irsv-admin__pill--ok::before{content:'';width:8px;height:8px;border-radius:50%;background:var(--online-indicator, #3db887)}
.irsv-admin__pill--error{background:${err(0.12)};color:var(--error-text, #d24b4e)}
.irsv-admin__pill--error::before{content:'';width:8px;height:8px;border-radius:50%;background:var(--error-text, #d24b4e)}
@media (max-width:560px){.irsv-admin__grid{grid-template-columns:minmax(0,1fr)}.irsv-admin__grid>label{padding-top:0}}
`;

const STYLE_ID = `${manifest.id}-admin-styles`;

/** Adds the set-up screens' style element while a component using this is mounted. */
export function useAdminStyles(): void {
    useEffect(() => {
        let style = document.getElementById(STYLE_ID);
        if (!style) {
            style = document.createElement('style');
            style.id = STYLE_ID;
            style.textContent = adminCss;
            document.head.appendChild(style);
        }
        return () => document.getElementById(STYLE_ID)?.remove();
    }, []);
}
