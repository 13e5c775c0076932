// Copy buttons for the gallery. Loaded as a file because the page's CSP forbids inline scripts.
// Each button names the element holding its snippet (data-copy="<id>"); the copied text is that
// element's textContent, so what is shown is exactly what is copied.

const status = document.getElementById('copy-status');
const RESET_MS = 1600;

document.addEventListener('click', async (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
  if (!button) return;
  const source = document.getElementById(button.dataset.copy ?? '');
  if (!source) return;
  const text = source.textContent ?? '';
  const ok = await copy(text);
  if (!ok) selectContents(source);
  flash(button, ok ? 'copied' : 'failed', ok ? 'Copied' : 'Press Ctrl+C');
  // Announced to screen readers; it also stays put (unlike the button flash) until the next copy.
  const what = (button.getAttribute('aria-label') ?? '').replace(/^Copy /, '');
  if (status) status.textContent = ok ? `Copied ${what}` : `Copy of ${what} blocked; the text is selected, press Ctrl+C`;
});

async function copy(text) {
  // The async clipboard needs a secure context: https, or http on localhost.
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Denied (permissions policy, unfocused page): try the legacy path below.
    }
  }
  // Plain http on a LAN address is not a secure context: copy through an off-screen textarea,
  // which keeps the snippet's line breaks intact (a selection of the nowrap <code> would not).
  const buffer = document.createElement('textarea');
  buffer.value = text;
  buffer.setAttribute('readonly', '');
  buffer.className = 'clip-buffer';
  document.body.append(buffer);
  buffer.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  buffer.remove();
  return ok;
}

function selectContents(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
}

const timers = new WeakMap();
function flash(button, state, label) {
  clearTimeout(timers.get(button));
  button.dataset.state = state;
  button.textContent = label;
  timers.set(
    button,
    setTimeout(() => {
      delete button.dataset.state;
      button.textContent = 'Copy';
    }, RESET_MS),
  );
}
