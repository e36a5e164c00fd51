"""The installable app: ``pip install .`` (or ``pipx install .``) gives a ``table-editor``
command that runs with its icons, and installs ONE package, ``table_editor``.

The wheel is built by pip as ``pip install .`` builds it (the build backend from the
index, in isolation) from a copy of the files of the working tree that git does not
ignore, then installed with ``--no-deps`` into a fresh virtual environment.  That
environment is given .venv's packages (PySide6, SQLAlchemy, …) by one ``.pth`` line,
written after the install so that pip there never sees .venv's own table-editor.  A
``.pth`` line adds a folder without running the ``.pth`` files in it, so .venv's
editable install of this project stays out; the commands run in a temporary folder
without PYTHONPATH, so nothing of the repository is importable there but what the
wheel installed.  (``venv --system-site-packages`` would see the base interpreter's
packages, not .venv's.)
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OPTIONS = ("--url", "--threshold", "--read-only", "--table", "--key", "--filter")
DEPS_PTH = "_test_wheel_deps.pth"


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def run(command: list, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``command``; a non-zero exit fails the test with what it printed."""
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{command} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def copy_source(dest: Path) -> Path:
    """The working tree as a user's clone would hold it: files git tracks or would add."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is not built
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def files_under(root: Path, pattern: str = "*") -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    }


@dataclass
class Venv:
    python: Path
    bin: Path
    site_packages: Path


def venv_with(tmp: Path, name: str, *install_args) -> Venv:
    """A fresh virtual environment with ``pip install --no-deps *install_args`` done in
    it, then .venv's packages made importable (not before: pip would see .venv's
    table-editor there)."""
    root = tmp / name
    run([sys.executable, "-m", "venv", "--without-pip", root], cwd=tmp)
    python = root / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", *install_args], cwd=tmp, timeout=300)
    site_packages = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=tmp).stdout.strip())
    ours = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    (site_packages / DEPS_PTH).write_text("\n".join(ours) + "\n")
    return Venv(python=python, bin=root / "bin", site_packages=site_packages)


@dataclass
class Built:
    source: Path
    wheel: Path
    venv: Venv
    work: Path  # an empty folder to run commands in


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    tmp = tmp_path_factory.mktemp("wheel")
    source = copy_source(tmp / "source")
    dist = tmp / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", dist, source], cwd=tmp, timeout=300)
    wheels = list(dist.glob("*.whl"))
    assert len(wheels) == 1, wheels
    venv = venv_with(tmp, "venv", "--no-index", wheels[0])
    work = tmp / "work"
    work.mkdir()
    return Built(source=source, wheel=wheels[0], venv=venv, work=work)


def expected_package_files(source: Path) -> set[str]:
    """main.py, every module of gui/ and every file of resources/, under table_editor/."""
    files = {"main.py"}
    files |= {f"gui/{name}" for name in files_under(source / "gui", "*.py")}
    files |= {f"resources/{name}" for name in files_under(source / "resources")}
    return {f"table_editor/{name}" for name in files}


@pytest.mark.slow
def test_the_wheel_holds_one_package_made_of_main_gui_and_resources(built: Built) -> None:
    names = [name for name in zipfile.ZipFile(built.wheel).namelist() if not name.endswith("/")]
    top = {name.split("/")[0] for name in names}
    dist_info = {name for name in top if name.endswith(".dist-info")}
    assert len(dist_info) == 1 and re.fullmatch(r"table_editor-[^-]+\.dist-info", dist_info.pop())
    assert {name for name in top if not name.endswith(".dist-info")} == {"table_editor"}
    # A module of gui/ missing here is a subpackage not listed in pyproject.toml's
    # packages; anything more is a new *.py in the repository's root (which is
    # table_editor's folder) or a stray file: decide whether it belongs in the app.
    assert {name for name in names if name.startswith("table_editor/")} == expected_package_files(built.source)
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(built.wheel).read(entry_points).decode()
    assert re.search(r"^table-editor = table_editor\.main:main$", text, re.MULTILINE), text


@pytest.mark.slow
def test_site_packages_holds_table_editor_and_no_gui_or_main(built: Built) -> None:
    entries = {path.name for path in built.venv.site_packages.iterdir()} - {DEPS_PTH}
    dist_info = {name for name in entries if name.endswith(".dist-info")}
    assert len(dist_info) == 1
    assert entries - dist_info == {"table_editor"}
    installed = files_under(built.venv.site_packages / "table_editor")
    assert {f"table_editor/{name}" for name in installed} == expected_package_files(built.source)

    code = (
        "import importlib.util as u, json;"
        "print(json.dumps({n: getattr(u.find_spec(n), 'origin', None) for n in ('gui', 'main', 'table_editor.main')}))"
    )
    found = json.loads(run([built.venv.python, "-c", code], cwd=built.work).stdout)
    assert found["gui"] is None and found["main"] is None, found
    assert Path(found["table_editor.main"]) == built.venv.site_packages / "table_editor" / "main.py"


@pytest.mark.slow
def test_the_installed_command_prints_its_options(built: Built) -> None:
    done = run([built.venv.bin / "table-editor", "--help"], cwd=built.work, timeout=60)
    assert done.stdout.startswith("usage: table-editor"), done.stdout
    for option in OPTIONS:
        assert option in done.stdout, option
    assert "Traceback" not in done.stderr


# Runs in the fresh environment: the icons as the installed app looks them up, each
# drawn (an icon whose file is missing is empty, and draws nothing), and the window
# icon that ensure_qapplication() sets from resources/icons/app.svg.
ICON_CHECK = """
import json, sys
from table_editor.gui.qt import app, icons
qapp = app.ensure_qapplication()
names = sys.argv[1:]
print(json.dumps({
    "app_module": app.__file__,
    "paths": {name: str(icons.icon_path(name)) for name in names},
    "drawn": [name for name in names if not icons.icon(name).pixmap(32, 32).isNull()],
    "window_icon_drawn": not qapp.windowIcon().pixmap(32, 32).isNull(),
}))
"""


@pytest.mark.slow
def test_the_installed_package_finds_and_draws_its_icons(built: Built) -> None:
    repo_icons = sorted((built.source / "resources" / "icons").glob("*.svg"))
    names = [path.stem for path in repo_icons]
    assert "app" in names and len(names) > 1
    found = json.loads(run([built.venv.python, "-c", ICON_CHECK, *names], cwd=built.work, timeout=60).stdout)

    package = built.venv.site_packages / "table_editor"
    assert Path(found["app_module"]) == package / "gui" / "qt" / "app.py"
    for path in repo_icons:
        installed = Path(found["paths"][path.stem])
        assert installed == package / "resources" / "icons" / path.name
        assert installed.read_bytes() == path.read_bytes()
    assert found["drawn"] == names
    assert found["window_icon_drawn"]


@pytest.mark.slow
def test_the_editable_install_runs_the_repository_files(built: Built, tmp_path: Path) -> None:
    """What ``make`` does (``pip install -e .``): the command runs, and the package is
    the repository's own files, icons included."""
    venv = venv_with(tmp_path, "editable", "-e", built.source)
    done = run([venv.bin / "table-editor", "--help"], cwd=built.work, timeout=60)
    assert done.stdout.startswith("usage: table-editor"), done.stdout
    code = (
        "import json, table_editor.main as m; from table_editor.gui.qt import icons;"
        "print(json.dumps([m.__file__, str(icons.icon_path('app'))]))"
    )
    main_file, app_icon = json.loads(run([venv.python, "-c", code], cwd=built.work, timeout=60).stdout)
    assert Path(main_file) == built.source / "main.py"
    assert Path(app_icon) == built.source / "resources" / "icons" / "app.svg"


def test_the_repository_finds_and_draws_its_icons(qapp) -> None:
    from gui.qt import icons

    svgs = sorted((REPO / "resources" / "icons").glob("*.svg"))
    assert svgs
    for path in svgs:
        assert icons.icon_path(path.stem) == path
        assert not icons.icon(path.stem).pixmap(32, 32).isNull(), path.stem
    assert icons.icon("no-such-icon").isNull()


def _imports(statements: list[ast.stmt]) -> list[tuple[int, str, list[str]]]:
    return [(s.level, s.module or "", [a.name for a in s.names]) for s in statements if isinstance(s, ast.ImportFrom)]


def test_main_imports_the_same_names_installed_and_from_the_repository() -> None:
    """main.py imports gui relatively when installed (table_editor.main) and absolutely
    from the repository, in each of its ``if __package__`` branches (the command line
    first, the data layer with --url, then Qt); the two lists must not drift apart."""
    tree = ast.parse((REPO / "main.py").read_text())
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main")
    branches = [
        n for n in ast.walk(function) if isinstance(n, ast.If) and isinstance(n.test, ast.Name) and n.test.id == "__package__"
    ]
    assert len(branches) >= 2
    for branch in branches:
        installed, repository = _imports(branch.body), _imports(branch.orelse)
        assert installed and len(installed) == len(branch.body) and len(repository) == len(branch.orelse)
        assert {level for level, _, _ in installed} == {1} and {level for level, _, _ in repository} == {0}
        assert [(module, names) for _, module, names in installed] == [(module, names) for _, module, names in repository]
