"""A loaded intents folder as plain JSON, so start-up need not read the YAML and parse every template again.

Parsing several hundred templates with hassil (and hassil parsing its lists and rules a second time)
was a third of `tandem understand`'s start-up. The parsed objects are hassil's own dataclasses and
ours; they are written as JSON (never pickle: a cache file must not be able to run code) with each
object's attributes, and objects met twice written once, so the graph comes back as it was built:
the same lists shared by the same templates (the matcher keys lists and rules by identity), the
same parent links. Only classes of `hassil.expression`, `hassil.intents` and our intents module
are made; anything else in the graph means the folder is simply parsed each time.

Paths inside the intents folder are kept relative to it: a cache built in one checkout serves the
same files in a wheel or another folder.
"""

from __future__ import annotations

import enum
import gc
import re
import sys
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import Any, Iterator

FORMAT = 1
MODULES = ("hassil.expression", "hassil.intents", "assistant.understand.intents")
"""The only modules whose classes a cache file may name."""


class Unsupported(TypeError):
    """The graph holds a value this format does not write (a cache is then not written)."""


def dump(value: Any, folder: Path) -> dict[str, Any]:
    """`value` (e.g. an `IntentSet`) as JSON-ready data; paths under `folder` relative to it."""
    memo: dict[int, int] = {}
    keep: list[Any] = []  # the objects numbered in `memo` stay alive, so their ids stay theirs
    shapes: dict[tuple[type, tuple[str, ...]], int] = {}
    table: list[list[Any]] = []

    def shape(cls: type, attrs: tuple[str, ...]) -> int:
        if (cls, attrs) not in shapes:
            if cls.__module__ not in MODULES or getattr(sys.modules[cls.__module__], cls.__qualname__, None) is not cls:
                raise Unsupported(f"cannot write a {cls.__module__}.{cls.__qualname__}")
            shapes[cls, attrs] = len(table)
            table.append([f"{cls.__module__}:{cls.__qualname__}", list(attrs)])
        return shapes[cls, attrs]

    def number(obj: Any) -> list[Any] | None:
        seen = memo.get(id(obj))
        if seen is not None:
            return ["@", seen]
        memo[id(obj)] = len(keep)
        keep.append(obj)
        return None

    def enc(obj: Any) -> Any:
        kind = type(obj)
        if obj is None or kind in (str, int, float, bool):
            return obj
        if kind is list:
            return number(obj) or ["L", *map(enc, obj)]
        if kind is dict:
            ref = number(obj)
            if ref:
                return ref
            out: list[Any] = ["D"]
            for k, v in obj.items():
                out += (enc(k), enc(v))
            return out
        if kind is tuple:
            return ["T", *map(enc, obj)]
        if kind is set:
            return number(obj) or ["S", *map(enc, obj)]
        if kind is frozenset:
            return ["F", *map(enc, obj)]
        if isinstance(obj, PurePath):
            ref = number(obj)
            if ref:
                return ref
            try:
                return ["P", Path(obj).relative_to(folder).as_posix()]
            except ValueError:
                return ["A", str(obj)]
        if isinstance(obj, enum.Enum):
            return ["E", shape(kind, ()), enc(obj.value)]
        if isinstance(obj, re.Pattern):
            return ["R", obj.pattern, obj.flags]
        if isinstance(obj, re.Match):
            return ["M", obj.re.pattern, obj.re.flags, obj.string, obj.pos, obj.endpos]
        if hasattr(obj, "__dict__") and not any(getattr(c, "__slots__", ()) for c in kind.__mro__):
            attrs = vars(obj)
            index = shape(kind, tuple(attrs))
            return number(obj) or ["O", index, *map(enc, attrs.values())]
        raise Unsupported(f"cannot write a {kind.__name__}")

    body = enc(value)
    return {"format": FORMAT, "shapes": table, "value": body}


def load(data: dict[str, Any], folder: Path) -> Any:
    """What `dump` wrote, made again. Raises ValueError for data it did not write."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a parsed intents cache of this format")
    shapes = [(_class(name), tuple(sys.intern(a) for a in attrs)) for name, attrs in data["shapes"]]
    memo: list[Any] = []
    new = object.__new__

    def dec(x: Any) -> Any:
        tag = x[0]
        if tag == "O":
            cls, attrs = shapes[x[1]]
            obj = new(cls)
            memo.append(obj)
            obj.__dict__.update(zip(attrs, [dec(v) if type(v) is list else v for v in x[2:]]))
            return obj
        if tag == "@":
            return memo[x[1]]
        if tag == "L":
            out: list[Any] = []
            memo.append(out)
            out.extend([dec(v) if type(v) is list else v for v in x[1:]])
            return out
        if tag == "D":
            table: dict[Any, Any] = {}
            memo.append(table)
            items = [dec(v) if type(v) is list else v for v in x[1:]]
            table.update(zip(items[::2], items[1::2]))
            return table
        if tag == "P" or tag == "A":
            path = (folder / x[1] if x[1] != "." else folder) if tag == "P" else Path(x[1])
            memo.append(path)
            return path
        if tag == "T":
            return tuple([dec(v) if type(v) is list else v for v in x[1:]])
        if tag == "S":
            members: set[Any] = set()
            memo.append(members)
            members.update([dec(v) if type(v) is list else v for v in x[1:]])
            return members
        if tag == "F":
            return frozenset([dec(v) if type(v) is list else v for v in x[1:]])
        if tag == "E":
            return shapes[x[1]][0](dec(x[2]) if type(x[2]) is list else x[2])
        if tag == "R":
            return re.compile(x[1], x[2])
        if tag == "M":
            found = re.compile(x[1], x[2]).match(x[3], x[4], x[5])
            if found is None:
                raise ValueError("a stored match no longer matches")
            return found
        raise ValueError(f"unknown tag {tag!r}")

    with paused_collection():
        try:
            body = data["value"]
            return dec(body) if type(body) is list else body
        except (IndexError, KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"a damaged parsed intents cache: {error}") from error


@contextmanager
def paused_collection() -> Iterator[None]:
    """No cyclic garbage collection inside: start-up makes tens of thousands of small objects that all live as
    long as the matcher, and Python's collector, run every few hundred new objects, walks them again and
    again (reading the caches took up to four times the CPU with it on). Code that makes much garbage
    inside a pause (training) runs under `collecting()`."""
    was = gc.isenabled()
    gc.disable()
    _pauses.append(was)
    try:
        yield
    finally:
        _pauses.pop()
        if was:
            gc.enable()


@contextmanager
def collecting() -> Iterator[None]:
    """Collection as it was before the outermost `paused_collection`, inside one."""
    if not _pauses or not _pauses[0]:
        yield
        return
    gc.enable()
    try:
        yield
    finally:
        gc.disable()


_pauses: list[bool] = []
"""Whether collection was on when each open pause began, outermost first."""


def _class(name: str) -> type:
    module, _, qualname = str(name).partition(":")
    if module not in MODULES:
        raise ValueError(f"a cache may not name {name!r}")
    __import__(module)
    cls = getattr(sys.modules[module], qualname, None)
    if not isinstance(cls, type):
        raise ValueError(f"no class {name!r}")
    return cls
