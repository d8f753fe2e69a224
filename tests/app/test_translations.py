"""The English catalogue covers every Italian message the code and templates can show."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _searched(dirpath: str) -> bool:
    """Every folder but hidden ones and installed packages: Babel's default also skips ``_macros``."""
    name = Path(dirpath).name
    return not name.startswith(".") and name not in {"node_modules", "__pycache__"}


def _extracted() -> dict[str | tuple[str, ...], str]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str | tuple[str, ...], str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=_searched
    ):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


def _english() -> dict[str, str | tuple[str, ...]]:
    with (ROOT / "app/translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id and not m.fuzzy}


def test_every_message_has_an_english_translation() -> None:
    english = _english()
    missing = []
    for message, where in _extracted().items():
        key = message if isinstance(message, str) else message[0]
        translation = english.get(key)
        texts = translation if isinstance(translation, tuple) else (translation,)
        if not key or (translation is not None and all(texts)):
            continue
        missing.append(f"{where}: {key!r}")
    assert not missing, "Messages without an English translation in messages.po:\n" + "\n".join(missing)


def test_translations_keep_the_placeholders_of_their_message() -> None:
    wrong = []
    for key, translation in _english().items():
        texts = translation if isinstance(translation, tuple) else (translation,)
        for text in texts:
            if text and set(PLACEHOLDER.findall(text)) - set(PLACEHOLDER.findall(key)) - {"num"}:
                wrong.append(f"{key!r} → {text!r}")
    assert not wrong, "Translations with placeholders their message lacks:\n" + "\n".join(wrong)


def test_garment_names_groups_and_matches_read_in_english(app) -> None:
    from flask_babel import force_locale

    from app.stock.catalog import AGE_GROUPS, CATEGORIES, category_label
    from app.welfare.catalog import MATCH_LABELS

    with app.test_request_context(), force_locale("en"):
        assert category_label("cappotto") == "Coat" and str(CATEGORIES["intimo"][0]) == "New underwear"
        assert [str(AGE_GROUPS[g]) for g in ("donna", "neonato")] == ["Women", "Babies"]
        assert str(MATCH_LABELS["adjacent"]) == "next size"
