"""No data in NiceGUI props strings (issue 20; ``ui/safe_props.py`` says why).

Reads every ``.py`` file under ``ui/``, found afresh on every run. Each ``.props(...)`` call
must pass only constant strings (no f-string, ``+``, ``%``, ``.format``, variable or
conditional): a constant is written by a developer, data never is. ``.props[...]`` and
``.props.update({...})`` must name constant props that are not code (``:x``, ``on...``),
since their values may be data. Computed values go through ``ui.safe_props.set_props``,
the only file allowed to set props by a computed name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ui.safe_props import prop_name, set_props

ROOT = Path(__file__).resolve().parents[2]
HELPER = ROOT / "ui" / "safe_props.py"


def ui_files() -> list[Path]:
    return sorted(p for p in (ROOT / "ui").rglob("*.py") if "__pycache__" not in p.parts)


def _constant_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _is_props(node: ast.AST) -> bool:
    """``something.props`` (the attribute, not a call of it)."""
    return isinstance(node, ast.Attribute) and node.attr == "props"


def _code_name(name: str) -> bool:
    return name.startswith((":", "@", "#", "v-")) or name.lower().startswith("on")


def violations(source: str, path: Path) -> list[str]:
    where = path.relative_to(ROOT)
    found: list[str] = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{where}:{getattr(node, 'lineno', '?')} {what}: {ast.unparse(node)[:120]}")

    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Call) and _is_props(node.func):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if not _constant_str(arg):
                    report(arg, "props string is not a constant (use set_props)")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "update" and _is_props(node.func.value)):
            for arg in node.args:
                keys = arg.keys if isinstance(arg, ast.Dict) else [None]
                for key in keys:
                    if key is None or not _constant_str(key) or _code_name(key.value):
                        report(arg, "props.update() needs a dict with constant prop names")
            for keyword in node.keywords:
                report(keyword.value, "props.update() with keywords (use set_props)")
        elif isinstance(node, ast.Subscript) and _is_props(node.value):
            key = node.slice
            if not _constant_str(key) or _code_name(key.value):
                report(node, "props[...] needs a constant prop name (use set_props)")
    return found


def test_ui_passes_no_data_through_props_strings() -> None:
    files = ui_files()
    assert HELPER in files and ROOT / "ui" / "contacts.py" in files

    found = [v for path in files if path != HELPER
             for v in violations(path.read_text(encoding="utf-8"), path)]

    assert found == [], "\n".join(found)


BAD = [
    "card.props(f'aria-label=\"New SMS to {label}\"')",
    "card.props('aria-label=\"' + label + '\"')",
    "card.props('aria-label=\"%s\"' % label)",
    "card.props('aria-label=\"{}\"'.format(label))",
    "card.props(text)",
    "card.props('flat' if selected else 'outline')",
    "card.props(add=f'icon={icon}')",
    "card.props(remove=name)",
    "card.props[f'data-{key}'] = value",
    "card.props[name] = value",
    "card.props[':x'] = value",
    "card.props['onclick'] = value",
    "card.props.update({':title': value})",
    "card.props.update({name: value})",
    "card.props.update(values)",
    "card.props.update(title=value)",
]
GOOD = [
    "card.props('flat round dense aria-label=\"Close\"')",
    "card.props(remove='loading')",
    "drawer.props('width=320 bordered :breakpoint=\"400\"')",  # a constant is code, not data
    "card.props['aria-label'] = f'New SMS to {label}'",
    "card.props.update({'alt': name, 'title': f'{name} (open)'})",
    "set_props(card, aria_label=f'New SMS to {label}')",
    "if button.props.get('loading'):\n    pass",
]


@pytest.mark.parametrize("source", BAD)
def test_the_checker_refuses(source: str) -> None:
    assert violations(source, ROOT / "ui" / "example.py") != []


@pytest.mark.parametrize("source", GOOD)
def test_the_checker_allows(source: str) -> None:
    assert violations(source, ROOT / "ui" / "example.py") == []


def test_a_violation_names_file_and_line() -> None:
    source = "from nicegui import ui\n\nui.card().props(f'aria-label=\"{name}\"')\n"

    [found] = violations(source, ROOT / "ui" / "example.py")

    assert found.startswith("ui/example.py:3 props string is not a constant")


# -- set_props ---------------------------------------------------------------------------

class FakeElement:
    """Enough of a NiceGUI element: a props dict that can suspend updates, and update()."""

    class Props(dict):  # type: ignore[type-arg]
        def suspend_updates(self):  # type: ignore[no-untyped-def]
            import contextlib

            return contextlib.nullcontext()

    def __init__(self) -> None:
        self.props = FakeElement.Props()
        self.updates = 0

    def update(self) -> None:
        self.updates += 1


PAYLOAD = "Eve\" :data-pwn=\"window.__xss.push('x'), alert(1)"


def test_set_props_stores_values_as_they_are() -> None:
    element = FakeElement()

    set_props(element, aria_label=f"New SMS to {PAYLOAD}", maxlength=500,  # type: ignore[type-var]
              flat=True, aria_selected=False, data_raised=True)

    assert element.props == {"aria-label": f"New SMS to {PAYLOAD}", "maxlength": "500",
                             "flat": True, "aria-selected": "false", "data-raised": "true"}
    assert element.updates == 1


def test_set_props_removes_flags_and_sends_nothing_when_nothing_changed() -> None:
    element = FakeElement()
    set_props(element, outline=True, color="primary")  # type: ignore[type-var]

    set_props(element, outline=False, color=None)  # type: ignore[type-var]
    set_props(element, outline=False)  # type: ignore[type-var]

    assert element.props == {}
    assert element.updates == 2


@pytest.mark.parametrize("keyword", ["onclick", "onError", "href", "src", "srcdoc", "innerHTML",
                                     "v_html", "_x", "formaction"])
def test_set_props_refuses_names_that_are_code_or_addresses(keyword: str) -> None:
    with pytest.raises(ValueError):
        prop_name(keyword)


def test_set_props_with_a_real_element_sends_the_value_unparsed() -> None:
    from nicegui import Client, ui

    from ui.testids import tid

    # A client of its own: the element does not depend on what an earlier test left in
    # NiceGUI's slot stack (it failed after a UI test in the same process).
    with Client(ui.page("/props-check")) as client, client.content:
        label = tid(ui.label("x"), "contact-row-name", contact_id=f"7{PAYLOAD}")
        set_props(label, aria_label=PAYLOAD)

    assert label.props["aria-label"] == PAYLOAD
    assert label.props["data-contact-id"] == f"7{PAYLOAD}"
    assert not any(key.startswith(":") for key in label.props)
