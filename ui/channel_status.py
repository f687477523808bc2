"""The channel status indicator: shows when this browser loses and regains the server.

The browser itself knows first (its socket drops), so a small script watches the socket
and updates the indicator even while the server cannot be reached.

Only a real loss counts: a page that is still opening its socket, or one the agent is
leaving (a navigation, a reload, logging out), has lost nothing. A loss is remembered in
the tab's sessionStorage, so a recovery that needs a new page (the server restarted) is
still reported; the server then writes it to My Messages.
"""

from __future__ import annotations

from nicegui import run, ui
from nicegui.events import GenericEventArguments

from domain.notifications import Level
from domain.system import Services
from ui.testids import tid

LOST_KEY = "parley-channel-lost-at"
RESTORED_EVENT = "parley_channel_restored"

WATCH_SOCKET = """
<script>
(() => {
  const KEY = '__KEY__';
  let everUp = false, leaving = false, reported = false, last = null, restoredAt = 0;
  const loadedAt = Date.now();
  for (const name of ['pagehide', 'beforeunload']) {
    window.addEventListener(name, () => { leaving = true; });
  }
  function state(up) {
    const lostAt = Number(sessionStorage.getItem(KEY) || 0);
    if (up) {
      everUp = true;
      if (lostAt && !reported) {
        reported = true;
        restoredAt = Date.now();
        emitEvent('__EVENT__', {lost_at: lostAt, restored_at: restoredAt});
      }
      return restoredAt && Date.now() - restoredAt < 5000 ? 'reconnected' : 'connected';
    }
    // Down: a loss only once the socket has been up on this page (or never came up).
    if (!everUp && Date.now() - loadedAt < 10000) return last || 'connected';
    if (!lostAt) sessionStorage.setItem(KEY, String(Date.now()));
    reported = false;
    restoredAt = 0;
    return 'lost';
  }
  let hooked = null;
  function hook() {
    // React to the socket's own events at once, not only at the next 0.5 s tick.
    const socket = window.socket;
    if (!socket || hooked === socket) return;
    hooked = socket;
    socket.on('connect', () => { everUp = true; paint(); });
    socket.on('disconnect', () => paint());
    if (socket.connected) everUp = true;
  }
  function paint() {
    if (leaving) return;
    hook();
    const el = document.querySelector('[data-testid="channel-status"]');
    if (!el) return;
    const up = !!(window.socket && window.socket.connected);
    const now = state(up);
    if (now === last) return;
    last = now;
    el.dataset.connection = now;
    const text = el.querySelector('.parley-channel-text');
    const icon = el.querySelector('.parley-channel-icon');
    if (text) text.textContent = {
      connected: 'SMS: connected',
      reconnected: 'SMS: reconnected',
      lost: 'SMS: connection lost, reconnecting…',
    }[now];
    if (icon) icon.textContent = up ? 'wifi' : 'wifi_off';
  }
  setInterval(paint, 500);
})();
</script>
""".replace("__KEY__", LOST_KEY).replace("__EVENT__", RESTORED_EVENT)


def restored_text(seconds: float) -> str:
    if seconds < 60:
        whole = max(1, round(seconds))
        span = f"{whole} second{'s' if whole != 1 else ''}"
    else:
        minutes = round(seconds / 60)
        span = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"The connection to the SMS channel was lost for {span} and is back."


def channel_status(services: Services, agent_id: int) -> None:
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

    async def restored(event: GenericEventArguments) -> None:
        # The browser's own two timestamps: only their difference is used.
        args = event.args if isinstance(event.args, dict) else {}
        try:
            seconds = (float(args["restored_at"]) - float(args["lost_at"])) / 1000
        except (KeyError, TypeError, ValueError):
            return
        if not 0 <= seconds < 7 * 24 * 3600:
            return
        await run.io_bound(services.notifications.notify, agent_id, restored_text(seconds),
                           Level.WARNING)
        ui.run_javascript(f"sessionStorage.removeItem('{LOST_KEY}')")

    ui.on(RESTORED_EVENT, restored)
