"""Entry point: ``python main.py [--url URL] [--threshold N] [--read-only] [--table NAME] [--key COLUMN[,COLUMN]] [--filter 'COLUMN OP VALUE']``."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    if __package__:  # installed: table_editor.main beside table_editor.gui (pyproject.toml)
        from .gui.data.errors import UserError
        from .gui.qt.app import Editor, ensure_qapplication, freeze_startup_objects, parse_args, startup_problem
        from .gui.qt.bug_report import BugReporter
    else:  # the repository: python main.py, or import main
        from gui.data.errors import UserError
        from gui.qt.app import Editor, ensure_qapplication, freeze_startup_objects, parse_args, startup_problem
        from gui.qt.bug_report import BugReporter

    args = parse_args(sys.argv[1:] if argv is None else argv)
    problem = startup_problem()  # Qt would abort the process: say what to install instead
    if problem is not None:
        print(problem, file=sys.stderr, end="")
        return 3
    app = ensure_qapplication()
    previous_hook = sys.excepthook
    BugReporter().install()  # a bug is said in the window and logged, never only on stderr
    try:
        try:
            editor = Editor(args)
        except UserError as error:
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
