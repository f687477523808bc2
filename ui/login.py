"""The login page: user name and password, with clear errors and throttled retries."""

from __future__ import annotations

from nicegui import run, ui
from starlette.responses import RedirectResponse

from domain.system import Services
from ui.frame import add_styles
from ui.session import current_agent, remember
from ui.testids import tid


def register(services: Services) -> None:
    @ui.page("/login", title="Parley · Log in")
    async def login_page() -> RedirectResponse | None:
        if await current_agent(services):
            return RedirectResponse("/", status_code=303)
        add_styles()

        async def submit() -> None:
            if button.props.get("loading"):
                return
            error.set_visibility(False)
            button.props("loading")
            try:
                result = await run.io_bound(
                    services.auth.login, username.value or "", password.value or ""
                )
            finally:
                button.props(remove="loading")
            if result is None or not result.ok:
                error.set_text(result.error if result else "Login failed. Try again.")
                error.set_visibility(True)
                password.set_value("")
                password.run_method("focus")
                return
            assert result.token is not None
            remember(result.token)
            ui.navigate.to("/")

        with ui.column().classes("absolute-center items-stretch gap-3").style("width: 20rem"):
            ui.label("Parley").classes("text-h4 text-weight-bold text-center")
            ui.label("SMS & MMS agent desktop").classes("text-center text-grey-8")
            with ui.card().classes("w-full gap-3").props('role="form" aria-label="Log in"'):
                username = tid(ui.input("User name"), "login-username").props(
                    'autofocus outlined autocomplete="username"'
                ).classes("w-full")
                password = tid(
                    ui.input("Password", password=True, password_toggle_button=True),
                    "login-password",
                ).props('outlined autocomplete="current-password"').classes("w-full")
                error = tid(ui.label(), "login-error").classes("text-negative")
                error.props('role="alert" aria-live="assertive"')
                error.set_visibility(False)
                button = tid(ui.button("Log in", on_click=submit), "login-submit").classes("w-full")
                username.on("keydown.enter", js_handler=(  # in the browser: no lost keys
                    '() => document.querySelector(\'[data-testid="login-password"]\').focus()'))
                password.on("keydown.enter", submit)
        return None
