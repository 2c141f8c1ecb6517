/**
 * Text that came from outside (a target's os-release or host name, file
 * names, content titles, error messages quoting them) is made inert before
 * it reaches the terminal: escape sequences (CSI, OSC, and the other ESC
 * forms) are removed whole, and every other control character (C0 but tab
 * and newline where a message may span lines, DEL, C1) is dropped, so a
 * hostile root cannot move the cursor, retitle the window or hide output.
 */

// ESC [ params final | ESC ] ... (BEL | ESC \) | ESC P/X/^/_ ... ESC \ | ESC + one character; and the 8-bit CSI/OSC forms
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[\s\S]?|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x9c]*[\x07\x9c]?/g;
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
const CONTROLS_AND_NEWLINES = /[\x00-\x1f\x7f-\x9f]/g;

/** `s` without escape sequences or control characters; tabs and newlines kept when `multiline`. */
export function printable(s: string, opts: { readonly multiline?: boolean } = {}): string {
  return s.replace(ESCAPES, '').replace(opts.multiline ? CONTROLS : CONTROLS_AND_NEWLINES, '');
}
