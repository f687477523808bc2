"""The login page and the main window, driven through NiceGUI's simulated user."""

from __future__ import annotations

import asyncio

from nicegui.testing import User

# Logging in runs Argon2 in a worker thread: give the page time to answer.
SLOW = 100


async def log_in(user: User, name: str = "alice", password: str = "demo") -> None:
    await user.open("/login")
    user.find(marker="login-username").type(name)
    user.find(marker="login-password").type(password)
    user.find(marker="login-submit").click()
    if password == "demo":
        await user.should_see(marker="agent-status", retries=SLOW)


async def status_becomes(user: User, text: str) -> None:
    """Wait until the status label reads exactly ``text``."""
    for _ in range(SLOW):
        labels = user.find(marker="agent-status").elements
        if any(getattr(e, "text", None) == text for e in labels):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"status never became {text!r}")


async def test_unauthenticated_pages_go_to_login(user: User) -> None:
    await user.open("/")
    await user.should_see(marker="login-username")
    await user.should_not_see(marker="agent-status")


async def test_wrong_password_is_refused_with_a_clear_message(user: User) -> None:
    await log_in(user, "alice", "nope")
    await user.should_see("Wrong user name or password.", retries=SLOW)
    await user.should_not_see(marker="agent-status")


async def test_login_shows_the_main_window(user: User) -> None:
    await log_in(user)
    await user.should_see(marker="agent-status")
    await user.should_see("Alice Anders")
    await status_becomes(user, "Not Ready")
    for marker in ("status-menu", "channel-status", "my-messages", "interaction-bar",
                   "zoom-in", "zoom-out", "logout", "nav-contacts", "nav-callbacks",
                   "nav-lessons"):
        await user.should_see(marker=marker)
    await user.should_not_see(marker="nav-flags")


async def test_status_menu_changes_presence(user: User) -> None:
    await log_in(user)
    await user.should_see(marker="agent-status")
    user.find(marker="status-ready").click()
    await status_becomes(user, "Ready")
    # every configured Not Ready reason is offered
    assert len(user.find(marker="status-not-ready-reason").elements) == 5
    user.find(marker="status-reason-lunch").click()
    await status_becomes(user, "Not Ready - Lunch")


async def test_supervisor_has_flags_navigation(user: User) -> None:
    await log_in(user, "sam")
    await user.should_see(marker="nav-flags")
    user.find(marker="nav-flags").click()
    await user.should_see(marker="flags-list")


async def test_agent_cannot_use_flags_view(user: User) -> None:
    await log_in(user, "bob")
    await user.should_see(marker="agent-status")
    await user.open("/flags")
    await user.should_see("This view is for supervisors.")


async def test_log_out_returns_to_login(user: User) -> None:
    await log_in(user, "carol")
    await user.should_see(marker="agent-status")
    user.find(marker="logout").click()
    await user.should_see(marker="login-username", retries=SLOW)
    await user.open("/")
    await user.should_see(marker="login-username")
