"""The config file's ``[keys]`` table: binding id → key(s), read for ``App.set_keymap``.

Every binding of the app has an id named ``scope.action``: ``app.*`` for the keys that work everywhere
(``app.explain``, ``app.filter``, ``app.quit``…), then one scope per pane or dialog (``tree.*``,
``detail.*``, ``editor.*``, ``results.*``, ``plan.*``, ``advisor.*``, ``top.*``, ``history.*``,
``help.*``, ``picker.*``, ``confirm.*``…). `?` shows each key's id.

TOML reads an unquoted dotted key as nested tables, so ``plan.hottest = "H"`` and
``"plan.hottest" = "H"`` both mean the id ``plan.hottest`` here. Ids from before the ``scope.action``
naming still work (``LEGACY_BINDING_IDS``); the app says which to rename.

No Textual import: the config loader uses this module.
"""

from __future__ import annotations

from collections.abc import Mapping

# Ids renamed when the bindings were named scope.action (old id → new id).
LEGACY_BINDING_IDS: dict[str, str] = {
    "quit": "app.quit",
    "help": "app.help",
    "cancel": "app.cancel",
    "reconnect": "app.reconnect",
    "theme": "app.theme",
    "next_pane": "app.next_pane",
    "previous_pane": "app.previous_pane",
    "filter": "app.filter",
    "explain": "app.explain",
    "explain_analyze": "app.explain_analyze",
    "advisor": "app.advisor",
    "refresh": "app.refresh",
    "database": "app.database",
    "zoom": "app.zoom",
    "tab_object": "app.tab_object",
    "tab_query": "app.tab_query",
    "tab_plan": "app.tab_plan",
    "tab_results": "app.tab_results",
    "tab_top": "app.tab_top",
    "tab_history": "app.tab_history",
    "top": "app.top",
    "history": "app.history",
    "profile": "app.profile",
    "open": "tree.open",
    "tree-down": "tree.down",
    "tree-up": "tree.up",
    "tree-expand": "tree.expand",
    "tree-collapse": "tree.collapse",
    "filter-close": "tree.filter_close",
    "filter-next": "tree.filter_next",
    "filter-previous": "tree.filter_previous",
    "table-down": "detail.down",
    "table-up": "detail.up",
    "copy": "detail.copy_ddl",
    "save": "detail.save_ddl",
    "next-tab": "detail.next_tab",
    "previous-tab": "detail.previous_tab",
    "picker-cancel": "picker.cancel",
    "picker-down": "picker.down",
    "picker-up": "picker.up",
    "error-close": "error.close",
    "confirm-yes": "confirm.yes",
    "confirm-no": "confirm.no",
}


def flatten_keys(table: Mapping[str, object]) -> dict[str, str]:
    """``[keys]`` as ``{binding id: keys}``: nested tables (TOML's reading of ``plan.hottest = "H"``)
    are joined with dots. Raises ValueError naming the entry that is not a string of keys."""
    flat: dict[str, str] = {}

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, str) and prefix:
            flat[prefix] = value
        else:
            raise ValueError(f'{prefix or "[keys]"} must be a key string such as "ctrl+e", not {value!r}')

    walk("", table)
    return flat


def resolve_keymap(keys: Mapping[str, str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The keymap by current ids, and the (old, new) pairs of renamed ids it used. An entry under the
    new id wins over the same binding's old id."""
    resolved: dict[str, str] = {}
    renamed: list[tuple[str, str]] = []
    for binding_id, value in keys.items():
        new = LEGACY_BINDING_IDS.get(binding_id)
        if new is None:
            resolved[binding_id] = value
            continue
        renamed.append((binding_id, new))
        if new not in keys:
            resolved[new] = value
    return resolved, renamed
