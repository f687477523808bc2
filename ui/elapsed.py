"""An elapsed-time label that ticks in the browser (the Interaction Bar, the interaction
window's header).

The server sends the seconds elapsed when it draws the label (``data-elapsed``) and whether
they still count on (``data-ticking``); one small script per page then adds the seconds
the browser has seen pass since. No server redraw per second and per label: thin clients
and a busy server stay calm, and a client clock set wrong does not matter. The server
re-draws only when the time really changes: the interaction's state, or a test moving the
application clock (``ClockAdvanced``).
"""

from __future__ import annotations

from nicegui import ui

from domain.handling import Elapsed
from ui.safe_props import set_props

# Installed once per page by the desktop frame (scripts added later would not run).
TICKER = """<script>
(() => {
  if (window.parleyElapsed) return;
  const seen = new WeakMap();  // label -> [the server's seconds, when this page saw them]
  const text = (total) => {
    const s = Math.max(0, Math.floor(total));
    const h = Math.floor(s / 3600);
    const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0') + ':' +
               String(s % 60).padStart(2, '0');
    return h ? h + ':' + mm : mm;
  };
  window.parleyElapsed = setInterval(() => {
    const now = performance.now();
    document.querySelectorAll('[data-elapsed][data-ticking="true"]').forEach((label) => {
      const base = Number(label.dataset.elapsed);
      let entry = seen.get(label);
      if (!entry || entry[0] !== base) { entry = [base, now]; seen.set(label, entry); }
      const shown = text(base + (now - entry[1]) / 1000);
      if (label.textContent !== shown) label.textContent = shown;
    });
  }, 1000);
})();
</script>"""


def install_ticker() -> None:
    """Add the ticking script to the page being built (call once per page)."""
    ui.add_body_html(TICKER)


def clock_text(seconds: float) -> str:
    """``mm:ss``, or ``h:mm:ss`` from an hour on (the script writes the same)."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes = f"{rest // 60:02d}:{rest % 60:02d}"
    return f"{hours}:{minutes}" if hours else minutes


def elapsed_label(elapsed: Elapsed) -> ui.label:
    """A label showing ``elapsed``; :func:`show_elapsed` moves it on."""
    label = ui.label().classes("parley-elapsed")
    show_elapsed(label, elapsed)
    return label


def show_elapsed(label: ui.label, elapsed: Elapsed) -> None:
    """Show ``elapsed`` in ``label``; the browser counts on while it runs."""
    label.set_text(clock_text(elapsed.seconds))
    set_props(label, data_elapsed=int(elapsed.seconds), data_ticking=elapsed.running)
