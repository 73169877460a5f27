// The plugin's CSS, injected once into the host page. It uses only the Mattermost theme's CSS
// variables (with the default light theme as fallback), so it follows any theme, dark ones too.
// Every class starts with `irsv-` to stay out of the host's way.
import manifest from '../manifest';

const c = (alpha: number) => `rgba(var(--center-channel-color-rgb, 63, 67, 80), ${alpha})`;
const btn = (alpha: number) => `rgba(var(--button-bg-rgb, 28, 88, 217), ${alpha})`;
const ok = (alpha: number) => `rgba(var(--online-indicator-rgb, 61, 184, 135), ${alpha})`;
const warn = (alpha: number) => `rgba(var(--away-indicator-rgb, 255, 188, 31), ${alpha})`;
const err = (alpha: number) => `rgba(var(--error-text-color-rgb, 210, 75, 78), ${alpha})`;

export const css = `
.irsv-sr-only{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.irsv-card{box-sizing:border-box;max-width:560px;margin:4px 0;padding:12px 16px;border:1px solid ${c(0.16)};border-radius:8px;background:var(--center-channel-bg, #fff);color:var(--center-channel-color, #3f4350);font-size:14px;line-height:20px;box-shadow:0 2px 3px rgba(0,0,0,0.04)}
.irsv-card--rhs{max-width:none}
.irsv-card__header{display:flex;align-items:center;gap:8px;margin-bottom:8px;flex-wrap:wrap}
.irsv-card__title{margin:0;font-size:15px;line-height:22px;font-weight:600;flex:1 1 0;min-width:0;overflow-wrap:anywhere}
.irsv-card__icon{flex:none;width:20px;height:20px;color:var(--button-bg, #1c58d9)}
.irsv-card__footer{display:flex;gap:8px;margin-top:12px;flex-wrap:wrap}
.irsv-card__text{margin:4px 0 0;white-space:pre-wrap;overflow-wrap:anywhere}
.irsv-card__notice{margin:8px 0 0;padding:8px 12px;border-radius:4px;background:${warn(0.16)};font-size:13px}
.irsv-facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
.irsv-facts dt{color:${c(0.64)};font-weight:400}
.irsv-facts dd{margin:0;min-width:0;overflow-wrap:anywhere}
.irsv-facts a,.irsv-link{color:var(--link-color, #386fe5)}
.irsv-booking{margin-top:8px;padding:8px 12px;border:1px solid ${c(0.16)};border-left:3px solid ${btn(0.48)};border-radius:6px;background:var(--center-channel-bg, #fff)}
.irsv-booking__reference{display:flex;align-items:center;gap:8px;flex-wrap:wrap;font-weight:600}
.irsv-booking__status{font-weight:400}
.irsv-ellipsis{display:block;max-width:100%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.irsv-muted{color:${c(0.64)}}
.irsv-pill{display:inline-flex;align-items:center;gap:4px;padding:0 8px;border-radius:10px;font-size:12px;line-height:20px;font-weight:600;white-space:nowrap;background:${c(0.08)};color:${c(0.8)}}
.irsv-pill--open,.irsv-pill--delivered{background:${ok(0.16)};color:var(--center-channel-color, #3f4350)}
.irsv-pill--open::before,.irsv-pill--delivered::before{content:'';width:8px;height:8px;border-radius:50%;background:var(--online-indicator, #3db887)}
.irsv-pill--failed{background:${err(0.12)};color:var(--error-text, #d24b4e)}
.irsv-pill--pending{background:${warn(0.2)};color:var(--center-channel-color, #3f4350)}
.irsv-pill--note{background:${btn(0.12)};color:var(--center-channel-color, #3f4350)}
.irsv-pill--waiting{background:${warn(0.32)};color:var(--center-channel-color, #3f4350);box-shadow:inset 0 0 0 1px ${warn(0.9)}}
.irsv-pill--waiting::before{content:'';width:8px;height:8px;border-radius:50%;background:var(--away-indicator, #ffbc1f);box-shadow:0 0 0 2px ${warn(0.4)}}
.irsv-badge{display:flex;align-items:center;gap:6px;margin-top:4px;font-size:12px;line-height:16px;color:${c(0.72)}}
.irsv-badge .irsv-pill{font-weight:600}
/* Mattermost folds a long message under "Show more" (components/post_view/show_more/show_more.tsx:
   .post-message--collapsed.post-message--overflow, its text container clipped at a max height) with
   this badge inside the clipped part: stick it to the visible bottom edge so it stays in view. */
.post-message--collapsed.post-message--overflow .irsv-badge{position:sticky;bottom:0;z-index:1;padding:2px 0;background:var(--center-channel-bg, #fff)}
.irsv-badge__reason{color:var(--error-text, #d24b4e);overflow-wrap:anywhere}
.irsv-btn{display:inline-flex;align-items:center;justify-content:center;gap:6px;min-height:32px;padding:0 16px;border:0;border-radius:4px;font:inherit;font-size:13px;font-weight:600;cursor:pointer;text-decoration:none;background:${btn(0.08)};color:var(--button-bg, #1c58d9)}
.irsv-btn:hover{background:${btn(0.12)};text-decoration:none}
.irsv-btn:focus-visible,.irsv-input:focus-visible,.irsv-mode input:focus-visible+span,.irsv-list__item:focus-visible{outline:2px solid ${btn(0.6)};outline-offset:2px}
.irsv-btn--primary{background:var(--button-bg, #1c58d9);color:var(--button-color, #fff)}
.irsv-btn--primary:hover{background:${btn(0.88)}}
.irsv-btn--note{background:var(--center-channel-color, #3f4350);color:var(--center-channel-bg, #fff)}
.irsv-btn--note:hover{background:${c(0.88)}}
.irsv-btn[disabled],.irsv-btn[aria-disabled=true]{cursor:not-allowed;background:${c(0.08)};color:${c(0.48)}}
.irsv-btn--link{min-height:0;padding:0;background:none;color:var(--link-color, #386fe5);font-weight:400}
.irsv-btn--link:hover{background:none;text-decoration:underline}
.irsv-btn--icon{min-height:24px;padding:0 6px;background:none;color:${c(0.64)}}
.irsv-panel{box-sizing:border-box;display:flex;flex-direction:column;gap:16px;padding:16px;color:var(--center-channel-color, #3f4350);font-size:14px;line-height:20px;height:100%;overflow-y:auto}
.irsv-panel h2,.irsv-panel h3{margin:0;font-size:14px;line-height:20px;font-weight:600}
.irsv-section{display:flex;flex-direction:column;gap:8px}
.irsv-quote{margin:0;padding:8px 12px;border-left:3px solid ${btn(0.48)};background:${c(0.04)};border-radius:0 4px 4px 0;white-space:pre-wrap;overflow-wrap:anywhere;max-height:160px;overflow:auto}
.irsv-composer{display:flex;flex-direction:column;gap:8px;padding:12px;border:1px solid ${c(0.16)};border-radius:8px;background:var(--center-channel-bg, #fff)}
.irsv-composer--note{border-style:dashed;border-color:${warn(0.9)};background:${warn(0.1)}}
.irsv-mode{display:flex;margin:0;padding:0;border:0;gap:0}
.irsv-mode legend{margin-bottom:4px;font-size:12px;color:${c(0.64)};padding:0}
.irsv-mode__options{display:flex;border:1px solid ${c(0.16)};border-radius:4px;overflow:hidden}
.irsv-mode label{position:relative;margin:0;cursor:pointer;font-weight:600}
.irsv-mode input{position:absolute;opacity:0;width:1px;height:1px}
.irsv-mode span{display:block;padding:6px 12px;font-size:13px;line-height:18px;color:${c(0.72)};background:var(--center-channel-bg, #fff)}
.irsv-mode label+label span{border-left:1px solid ${c(0.16)}}
.irsv-mode input:checked+span{background:var(--button-bg, #1c58d9);color:var(--button-color, #fff)}
.irsv-mode input[value=note]:checked+span{background:var(--center-channel-color, #3f4350);color:var(--center-channel-bg, #fff)}
.irsv-input{box-sizing:border-box;width:100%;min-height:88px;max-height:320px;padding:8px 12px;border:1px solid ${c(0.24)};border-radius:4px;font:inherit;resize:vertical;background:var(--center-channel-bg, #fff);color:var(--center-channel-color, #3f4350)}
.irsv-input::placeholder{color:${c(0.56)}}
.irsv-composer__row{display:flex;align-items:center;justify-content:space-between;gap:8px;flex-wrap:wrap}
.irsv-composer__hint{font-size:12px;color:${c(0.64)}}
.irsv-files{display:flex;flex-direction:column;gap:4px;margin:0;padding:0;list-style:none}
.irsv-files li{display:flex;align-items:center;gap:8px;padding:4px 8px;border-radius:4px;background:${c(0.06)};font-size:13px}
.irsv-files li span{flex:1 1 auto;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.irsv-error{margin:0;padding:8px 12px;border-radius:4px;background:${err(0.08)};color:var(--error-text, #d24b4e);font-size:13px}
.irsv-status{font-size:12px;color:${c(0.64)}}
.irsv-replies{display:flex;flex-direction:column;gap:8px;margin:0;padding:0;list-style:none}
.irsv-replies li{display:flex;flex-direction:column;gap:4px;padding:8px 12px;border:1px solid ${c(0.12)};border-radius:6px}
.irsv-replies__text{white-space:pre-wrap;overflow-wrap:anywhere;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
.irsv-replies__meta{display:flex;align-items:center;gap:8px;flex-wrap:wrap;font-size:12px;color:${c(0.64)}}
.irsv-list{display:flex;flex-direction:column;gap:8px;margin:0;padding:0;list-style:none}
.irsv-list__item{box-sizing:border-box;display:flex;flex-direction:column;gap:2px;width:100%;padding:8px 12px;border:1px solid ${c(0.12)};border-radius:6px;background:var(--center-channel-bg, #fff);color:inherit;font:inherit;text-align:left;cursor:pointer}
.irsv-list__item:hover{background:${c(0.04)};border-color:${c(0.24)}}
.irsv-list__title{font-weight:600;display:flex;gap:8px;align-items:center;justify-content:space-between}
.irsv-list__pills{display:inline-flex;gap:4px;align-items:center;flex:none}
.irsv-list__meta{font-size:12px;color:${c(0.64)};overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.irsv-number{flex:none;font-weight:600;color:${c(0.64)}}
.irsv-actions{display:flex;flex-direction:column;gap:8px;margin-top:12px}
.irsv-actions__buttons{display:flex;gap:8px;flex-wrap:wrap}
.irsv-actions p{margin:0}
.irsv-picker{display:flex;flex-direction:column;gap:8px;padding:8px;border:1px solid ${c(0.16)};border-radius:6px}
.irsv-picker .irsv-input{min-height:32px;resize:none}
.irsv-picker__list{display:flex;flex-direction:column;max-height:200px;overflow-y:auto;margin:0;padding:0;list-style:none}
.irsv-picker__item{width:100%;padding:6px 8px;border:0;border-radius:4px;background:none;color:inherit;font:inherit;text-align:left;cursor:pointer}
.irsv-picker__item:hover,.irsv-picker__item:focus-visible{background:${btn(0.08)}}
.irsv-refused{margin:0;padding:8px 12px;border-radius:4px;background:${err(0.08)};font-size:13px}
.irsv-refused strong{display:block;color:var(--error-text, #d24b4e)}
.irsv-details summary{cursor:pointer;color:${c(0.72)};font-size:13px}
`;

const STYLE_ID = `${manifest.id}-styles`;

/** Adds the plugin's style element once; returns a function that removes it. */
export function injectStyles(doc: Document = document): () => void {
    if (!doc.getElementById(STYLE_ID)) {
        const style = doc.createElement('style');
        style.id = STYLE_ID;
        style.textContent = css;
        doc.head.appendChild(style);
    }
    return () => doc.getElementById(STYLE_ID)?.remove();
}
