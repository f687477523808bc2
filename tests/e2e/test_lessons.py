"""Every lesson played end to end in Chromium by a trainee, with data-testids only and the
keyboard only (focus + Enter/typing): a regression suite for the whole desktop. Plus the
trainer's dashboard updating live while a trainee works, and the CSV export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.pages import LoginPage
from tests.e2e.server import ServerProcess

LESSONS = [
    "inbound-sms-page", "inbound-sms-session", "inbound-mms", "outbound-sms",
    "spelling-check", "instant-transfer", "receive-transfer", "transfer-to-queue",
    "schedule-callback", "consult-colleague",
]


@pytest.fixture
def lesson_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server per lesson: each lesson starts from the demo data alone."""
    server = ServerProcess(tmp_path_factory.mktemp("lessons")).start()
    yield server
    server.stop()


class Trainee:
    """The trainee at the keyboard: focus a control and press Enter, or type."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def tid(self, name: str) -> Locator:
        return self.page.get_by_test_id(name)

    def press(self, target: Locator) -> None:
        expect(target).to_be_visible()
        target.focus()
        self.page.keyboard.press("Enter")

    def type_into(self, target: Locator, text: str) -> None:
        expect(target).to_be_visible()
        target.focus()
        self.page.keyboard.type(text, delay=5)

    def step(self, index: int) -> Locator:
        step = self.page.locator(f'[data-testid="lesson-step"][data-step="{index}"]')
        expect(step).to_have_attribute("data-step-state", "current")
        return step

    def window(self) -> Locator:
        window = self.tid("interaction")
        expect(window).to_have_count(1)
        return window

    def go_ready(self) -> None:
        self.step(0)
        self.press(self.tid("status-menu"))
        self.press(self.tid("status-ready"))
        expect(self.tid("agent-status")).to_have_text("Ready")

    def accept(self, index: int = 1) -> Locator:
        self.step(index)
        preview = self.tid("preview")
        expect(preview).to_have_count(1)
        self.press(preview.get_by_test_id("preview-accept"))
        return self.window()

    def reply(self, window: Locator, text: str) -> None:
        self.type_into(window.get_by_test_id("compose-input"), text)
        self.press(window.get_by_test_id("compose-send"))

    def pick(self, window: Locator, button: str, search: str, name: str, action: str
             ) -> None:
        self.press(window.get_by_test_id(button))
        tc = self.tid("team-communicator")
        expect(tc).to_be_visible()
        self.type_into(tc.get_by_test_id("tc-search"), search)
        target = tc.locator(f'[data-testid="tc-target"][data-target-name="{name}"]')
        # search as you type: wait until the list answers this very text
        expect(tc.get_by_test_id("tc-results")).to_have_attribute("data-query", search)
        expect(target).to_have_count(1)
        self.press(target.get_by_test_id("tc-target-actions"))
        self.press(target.get_by_test_id(action))
        expect(tc).to_have_count(0)

    def done(self, index: int) -> None:
        self.step(index)
        window = self.window()
        self.press(window.get_by_test_id("done"))


def play_inbound_page(t: Trainee) -> None:
    t.go_ready()
    window = t.accept()
    t.step(2)
    t.reply(window, "Your order left the warehouse today.")


def play_inbound_session(t: Trainee) -> None:
    window = t.accept()
    t.step(2)
    t.reply(window, "Which router model do you have?")
    t.step(3)
    # The Interaction Bar redraws every item on each event (issue 19): a key pressed on an
    # item as it is replaced is lost. Press again until the window is back (a state).
    for _ in range(3):
        t.press(t.tid("interaction-bar-item"))
        try:
            expect(t.tid("interaction")).to_have_count(1, timeout=5_000)
            break
        except AssertionError:
            continue
    t.done(3)


def play_inbound_mms(t: Trainee) -> None:
    window = t.accept()
    t.step(2)
    expect(window.get_by_test_id("mms-thumbnail")).to_have_count(1)
    t.reply(window, "Sorry about that - we will send a replacement.")


def play_outbound(t: Trainee) -> None:
    t.go_ready()
    window = t.accept()
    t.step(2)
    t.press(window.get_by_test_id("contact-actions"))
    t.press(t.page.locator('[data-testid="new-sms"]:visible'))
    view = window.get_by_test_id("new-sms-view")  # below the active interaction
    expect(view).to_be_visible()
    t.reply(view, "Your tracking number is 1Z999AA10123456784.")
    expect(view).to_have_count(0)


def play_spelling(t: Trainee) -> None:
    window = t.accept()
    t.step(2)
    box = window.get_by_test_id("compose-input")
    t.type_into(box, "Sorry, let me check what is happpppening with your refund.")
    expect(window.locator('.parley-spell-error[data-word="happpppening"]')).to_have_count(
        1)
    caret = len("Sorry, let me check what is happ")
    box.evaluate(f"el => el.setSelectionRange({caret}, {caret})")
    box.press("Shift+F10")
    menu = t.tid("spell-menu")
    expect(menu).to_be_visible()
    first = menu.get_by_test_id("spell-suggestion").first
    expect(first).to_have_attribute("data-word", "happening")
    expect(first).to_be_focused()
    t.page.keyboard.press("Enter")
    expect(box).to_have_value("Sorry, let me check what is happening with your refund.")
    t.step(3)
    t.press(window.get_by_test_id("compose-send"))


def play_instant_transfer(t: Trainee) -> None:
    window = t.accept()
    t.step(2)
    t.pick(window, "transfer", "Casey", "Casey Coach (training)", "tc-action-transfer")
    t.step(3)
    expect(window.get_by_test_id("interaction-error")).to_contain_text("declined")
    t.step(4)
    t.pick(window, "transfer", "Casey", "Casey Coach (training)", "tc-action-transfer")
    expect(t.tid("interaction")).to_have_count(0)


def play_receive_transfer(t: Trainee) -> None:
    t.step(1)
    preview = t.tid("preview")
    expect(preview).to_have_attribute("data-kind", "transfer")
    t.press(preview.get_by_test_id("preview-accept"))
    window = t.window()
    t.step(2)
    t.reply(window, "Hello, I have taken over from Casey. Let us sort this out.")


def play_queue_transfer(t: Trainee) -> None:
    window = t.accept()
    t.step(2)
    t.pick(window, "transfer", "Billing", "Billing", "tc-action-transfer")


def play_callback(t: Trainee) -> None:
    window = t.accept()
    t.step(2)
    t.press(window.get_by_test_id("schedule-callback"))
    dialog = t.tid("callback-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("callback-phone")).to_be_focused()  # the dialog's autofocus
    t.type_into(dialog.get_by_test_id("callback-notes"), "Contract questions")
    t.press(dialog.get_by_test_id("callback-save"))
    expect(dialog).to_be_hidden()
    t.done(3)


def play_consult(t: Trainee) -> None:
    window = t.accept()
    t.step(2)
    t.pick(window, "consult", "Casey", "Casey Coach (training)", "tc-action-consult")
    t.step(3)
    panel = t.tid("consult-panel")
    expect(panel).to_be_visible()
    t.type_into(panel.get_by_test_id("consult-input"), "Is shipping free over $50?")
    t.press(panel.get_by_test_id("consult-send"))
    t.step(4)
    expect(window.locator('[data-testid="transcript-line"][data-party="internal"]')
           .filter(has_text="orders over $50 ship free")).to_have_count(1)
    t.step(5)
    t.press(t.tid("consult-end"))
    t.step(6)
    t.reply(window, "Shipping is free over $50: the fee will be refunded.")
    t.step(7)
    t.press(t.tid("interaction-bar-item"))
    t.done(7)


PLAYS: dict[str, Callable[[Trainee], None]] = {
    "inbound-sms-page": play_inbound_page,
    "inbound-sms-session": play_inbound_session,
    "inbound-mms": play_inbound_mms,
    "outbound-sms": play_outbound,
    "spelling-check": play_spelling,
    "instant-transfer": play_instant_transfer,
    "receive-transfer": play_receive_transfer,
    "transfer-to-queue": play_queue_transfer,
    "schedule-callback": play_callback,
    "consult-colleague": play_consult,
}


def start_lesson(page: Page, url: str, user: str, lesson_id: str) -> Trainee:
    LoginPage(page, url).open().log_in(user)
    t = Trainee(page)
    t.press(t.tid("nav-lessons"))
    row = page.locator(f'[data-testid="lesson-row"][data-lesson-id="{lesson_id}"]')
    expect(row).to_be_visible()
    t.press(row.get_by_test_id("lesson-start"))
    expect(t.tid("lesson-panel")).to_be_visible()
    expect(t.tid("workspace")).to_be_visible()
    if lesson_id not in ("inbound-sms-page", "outbound-sms"):  # these check Ready themselves
        t.go_ready()  # every lesson starts with "Go Ready"; a fresh login is Not Ready
    return t


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_lesson_played_by_keyboard(browser: Browser, lesson_server: ServerProcess,
                                   lesson_id: str, shot) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    t = start_lesson(page, lesson_server.url, "alice", lesson_id)
    PLAYS[lesson_id](t)
    expect(t.tid("lesson-complete")).to_be_visible()
    steps = t.tid("lesson-step")
    assert steps.count() >= 1
    for i in range(steps.count()):
        expect(steps.nth(i)).to_have_attribute("data-step-state", "done")
    assert page.locator(".parley-lesson-highlight").count() == 0
    shot("complete", page)
    t.press(t.tid("lesson-back"))
    row = page.locator(f'[data-testid="lesson-row"][data-lesson-id="{lesson_id}"]')
    expect(row).to_have_attribute("data-status", "completed")
    expect(t.tid("agent-status")).to_be_visible()
    t.press(t.tid("logout"))
    page.context.close()


def test_trainer_assigns_watches_live_and_exports(browser: Browser, tmp_path,
                                                 shot) -> None:  # type: ignore[no-untyped-def]
    server = ServerProcess(tmp_path / "trainer").start()
    try:
        url = server.url
        tina_page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        LoginPage(tina_page, url).open().log_in("tina")
        tina = Trainee(tina_page)
        tina.press(tina.tid("nav-lessons"))
        expect(tina.tid("lesson-dashboard")).to_be_visible()
        # assign a lesson to Bob
        tina.tid("lesson-assign-agent").click()
        tina_page.get_by_role("option", name="Bob Brooks").click()
        tina.tid("lesson-assign-lesson").click()
        tina_page.get_by_role("option", name="Handling an inbound MMS interaction").click()
        tina.press(tina.tid("lesson-assign"))
        expect(tina_page.locator('[data-testid="lesson-assignment"][data-agent="Bob Brooks"]')
               ).to_have_count(1)

        bob_page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        LoginPage(bob_page, url).open().log_in("bob")
        bob = Trainee(bob_page)
        bob.press(bob.tid("nav-lessons"))
        first = bob.tid("lesson-row").first
        expect(first).to_have_attribute("data-lesson-id", "inbound-mms")  # assigned first
        expect(first).to_have_attribute("data-status", "assigned")
        bob.press(first.get_by_test_id("lesson-start"))
        expect(bob.tid("lesson-panel")).to_be_visible()

        # tina's dashboard follows without a reload
        row = tina_page.locator('[data-testid="lesson-progress-row"][data-agent="Bob Brooks"]')
        expect(row).to_have_attribute("data-status", "running")
        expect(row).to_have_attribute("data-step", "0")
        bob.go_ready()
        expect(row).to_have_attribute("data-step", "1")
        # a wrong action (Reject) is counted as a retry, live
        preview = bob.tid("preview")
        expect(preview).to_have_count(1)
        bob.press(preview.get_by_test_id("preview-reject"))
        expect(row).to_have_attribute("data-retries", "1")
        expect(bob.tid("lesson-hint")).to_contain_text("This time click Accept")
        window = bob.accept()
        bob.step(2)
        # the highlighted control of the current step, to look at
        expect(window.get_by_test_id("compose-send")).to_have_class(
            re.compile("parley-lesson-highlight"))
        shot("trainee-panel", bob_page)
        shot("trainer-dashboard", tina_page)
        bob.step(2)
        bob.reply(window, "Sorry - a replacement is on its way.")
        bob.step(3)  # bob needs a disposition before Done
        disposition = window.get_by_test_id("disposition")
        disposition.click()
        bob_page.get_by_role("option").nth(1).click()  # the first is "none"
        bob.press(window.get_by_test_id("done"))
        expect(bob.tid("lesson-complete")).to_be_visible()
        expect(row).to_have_attribute("data-status", "completed")
        shot("trainer-dashboard-done", tina_page)

        with tina_page.expect_download() as download_info:
            tina.press(tina.tid("lesson-export"))
        text = Path(download_info.value.path()).read_text(encoding="utf-8")
        records = list(csv.DictReader(io.StringIO(text)))
        assert [(r["agent"], r["lesson"], r["status"], r["steps_retried"]) for r in records] \
            == [("bob", "inbound-mms", "completed", "1")]
        assert records[0]["started"] and records[0]["finished"]
        assert int(records[0]["duration_seconds"]) >= 0
        bob.press(bob.tid("logout"))
        tina.press(tina.tid("logout"))
    finally:
        server.stop()
