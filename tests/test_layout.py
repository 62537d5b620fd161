"""The floors of the house: every module imports only from its own floor or lower ones.

portal (the project) → emulation → inspections → personnel → core and exports (the ground
floor). A lower floor tells a higher one about a change through a hook the higher one registers
(inspections.hooks, exports.kinds, core.personal_data), never by importing it, not even inside a
function. docs/architecture.md describes each floor.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {"core": 0, "exports": 0, "personnel": 1, "inspections": 2, "emulation": 3, "portal": 4}


def imported_packages(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every import in the module, wherever it stands."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def upward_imports(package: str) -> list[str]:
    floor = FLOORS[package]
    return [
        f"{path.relative_to(ROOT)}:{line} imports {imported} (floor {FLOORS[imported]}), "
        f"above {package} (floor {floor})"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, imported in imported_packages(path)
        if FLOORS.get(imported, -1) > floor
    ]


@pytest.mark.parametrize("package", FLOORS)
def test_it_imports_only_downward(package):
    assert upward_imports(package) == []


def test_it_catches_an_upward_import_inside_a_function(tmp_path, monkeypatch):
    module = tmp_path / "core" / "late.py"
    module.parent.mkdir()
    module.write_text("def hidden():\n    from emulation.models import Period\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)

    assert upward_imports("core") == [
        "core/late.py:2 imports emulation (floor 3), above core (floor 0)"
    ]


def test_it_knows_every_app_of_the_project():
    from django.conf import settings

    ours = {app.split(".")[0] for app in settings.INSTALLED_APPS} & {
        path.parent.name for path in ROOT.glob("*/__init__.py")
    }
    assert ours <= set(FLOORS), f"put {sorted(ours - set(FLOORS))} on a floor"
