"""Entry point: ``python main.py [--url URL] [--threshold N] [--read-only] [--table NAME] [--key COLUMN[,COLUMN]] [--filter 'COLUMN OP VALUE']``."""

from __future__ import annotations

import gc
import sys


def main(argv: list[str] | None = None) -> int:
    if __package__:  # installed: table_editor.main beside table_editor.gui (pyproject.toml)
        from .gui.data.command_line import parse_args, request_from_args
        from .gui.data.errors import UserError
    else:  # the repository: python main.py, or import main
        from gui.data.command_line import parse_args, request_from_args
        from gui.data.errors import UserError

    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        request_from_args(args)  # before connecting: said as the window would say it
    except UserError as error:
        print(f"table-editor: {' '.join(error.message.split())}", file=sys.stderr)
        return 2
    # No automatic collection from here on: the connection below is begun on a thread
    # while the GUI thread makes Qt objects, and a collection on a thread other than
    # the GUI thread may free Qt wrappers there (see gui.qt.app.GuiThreadCollector,
    # which takes over); what start-up makes lives as long as the app, and
    # freeze_startup_objects takes it out of later collections.
    collecting = gc.isenabled()
    gc.disable()
    connecting = None
    if args.url:
        # the data layer first, and the connection begun, before Qt is imported (see
        # gui/data/connecting.py): the server answers while the window is built
        if __package__:
            from .gui.data.connecting import Connecting
        else:
            from gui.data.connecting import Connecting
        try:
            connecting = Connecting(args.url, read_only=args.read_only)
        except UserError as error:
            if collecting:
                gc.enable()
            print(f"table-editor: {error.title.lower()}: {' '.join(error.message.split())}", file=sys.stderr)
            return 1

    if __package__:
        from .gui.qt.app import Editor, ensure_qapplication, freeze_startup_objects, startup_problem
        from .gui.qt.bug_report import BugReporter
    else:
        from gui.qt.app import Editor, ensure_qapplication, freeze_startup_objects, startup_problem
        from gui.qt.bug_report import BugReporter

    problem = startup_problem()  # Qt would abort the process: say what to install instead
    if problem is not None:
        if connecting is not None:
            connecting.abandon()
        if collecting:
            gc.enable()
        print(problem, file=sys.stderr, end="")
        return 3
    app = ensure_qapplication()
    previous_hook = sys.excepthook
    BugReporter().install()  # a bug is said in the window and logged, never only on stderr
    try:
        try:
            editor = Editor(args, connecting=connecting)
        except UserError as error:  # checked above already (request_from_args): kept as a safeguard
            if connecting is not None:
                connecting.abandon()
            if collecting:
                gc.enable()
            print(f"table-editor: {' '.join(error.message.split())}", file=sys.stderr)
            return 2
        try:
            if args.url:
                try:
                    editor.connect_url(args.url, read_only=args.read_only)
                except UserError as error:
                    print(f"table-editor: {error.title.lower()}: {' '.join(error.message.split())}", file=sys.stderr)
                    return 1
                editor.window.show()
            else:
                editor.window.show()
                editor.show_connect_dialog()
            freeze_startup_objects()
            return app.exec()
        finally:
            editor.shutdown()
    finally:
        sys.excepthook = previous_hook


if __name__ == "__main__":
    sys.exit(main())
