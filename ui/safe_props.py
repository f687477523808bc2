"""Props from values: the one way ``ui/`` gives an element a prop that is not a constant.

NiceGUI parses a props *string* (``element.props('aria-label="New SMS to Eve"')``): a quote
in a value ends it, whatever follows becomes more props, and the browser evaluates a prop
whose name starts with ``:`` as JavaScript. A contact named ``Eve" :x="alert(1)`` would
run a script in every agent's browser that shows her name (issue 20). So only constant
strings go through ``.props(...)``; everything computed goes through ``set_props``, which
stores each value as it is (the browser receives it as JSON and Vue sets it as an attribute
or component prop, never as code). ``tests/unit/test_props_strings.py`` enforces this.
"""

from __future__ import annotations

from typing import TypeVar

from nicegui.element import Element

T = TypeVar("T", bound=Element)
Value = str | int | float | bool | None

# Names that would make even a plain string dangerous: inline event handlers (Vue sets an
# unknown lower-case "on..." prop as an HTML attribute), addresses a click or a load
# follows (those are checked in domain.links and set where they are made), and markup.
_REFUSED = {"href", "src", "srcdoc", "action", "formaction", "innerhtml", "outerhtml",
            "to", "style", "class", "is"}


def prop_name(keyword: str) -> str:
    """``aria_label`` -> ``aria-label``; refuses names that are code or addresses."""
    name = keyword.replace("_", "-")
    lowered = name.lower()
    if (not name or not name[0].isalpha() or lowered.startswith(("on", "v-"))
            or lowered in _REFUSED or not all(c.isalnum() or c == "-" for c in name)):
        raise ValueError(f"set_props does not set the prop {name!r}")
    return name


def set_props(element: T, **values: Value) -> T:
    """Set ``element``'s props from keyword arguments (``aria_label=text`` sets
    ``aria-label``) and send one update.

    A value is stored as it is: quotes, ``:`` or ``{{ }}`` in it stay text. Numbers become
    strings, as in a props string. ``True`` sets a flag prop (``flat=True``) and ``False``
    or ``None`` removes it, except for ``aria-*`` and ``data-*`` attributes, where a bool
    becomes ``"true"`` or ``"false"`` (ARIA states need the word).
    """
    changed = False
    with element.props.suspend_updates():
        for keyword, value in values.items():
            name = prop_name(keyword)
            if isinstance(value, bool) and name.startswith(("aria-", "data-")):
                value = "true" if value else "false"
            if value is None or value is False:
                if name in element.props:
                    del element.props[name]
                    changed = True
                continue
            if not isinstance(value, bool):
                value = str(value)
            if element.props.get(name) != value:
                element.props[name] = value
                changed = True
    if changed:
        element.update()
    return element
