"""The channel status indicator: shows when this browser loses and regains the server.

The browser itself knows first (its socket drops), so a small script watches the socket
and updates the indicator even while the server cannot be reached.
"""

from __future__ import annotations

from nicegui import ui

from ui.testids import tid

WATCH_SOCKET = """
<script>
(() => {
  let wasLost = false, last = null;
  function paint() {
    const el = document.querySelector('[data-testid="channel-status"]');
    if (!el) return;
    const up = !!(window.socket && window.socket.connected);
    let state = up ? (wasLost ? 'reconnected' : 'connected') : 'lost';
    if (!up) wasLost = true;
    if (state === last) return;
    last = state;
    el.dataset.connection = state;
    const text = el.querySelector('.parley-channel-text');
    const icon = el.querySelector('.parley-channel-icon');
    if (text) text.textContent = {
      connected: 'SMS: connected',
      reconnected: 'SMS: reconnected',
      lost: 'SMS: connection lost, reconnecting…',
    }[state];
    if (icon) icon.textContent = up ? 'wifi' : 'wifi_off';
    if (state === 'reconnected') setTimeout(() => { wasLost = false; }, 5000);
  }
  setInterval(paint, 500);
})();
</script>
"""


def channel_status() -> None:
    # Static markup: the server never redraws it, so the script's changes stay put.
    box = tid(ui.element("div"), "channel-status").classes("parley-channel row items-center")
    box.props('role="status" aria-live="polite" data-connection="connected"')
    with box:
        ui.html(
            '<span class="material-icons parley-channel-icon" aria-hidden="true"'
            ' style="font-size:1rem;margin-right:.3rem">wifi</span>'
            '<span class="parley-channel-text">SMS: connected</span>',
            sanitize=False,
        )
    ui.add_body_html(WATCH_SOCKET)
