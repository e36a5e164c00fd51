"""Take the README's screenshots from the running app, under Xvfb:

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python docs/take_screenshots.py
    xvfb-run -a -s "-screen 0 800x600x24" .venv/bin/python docs/take_screenshots.py --suffix 800x600
    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python docs/take_screenshots.py --dark --suffix dark
    QT_SCALE_FACTOR=2 xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python docs/take_screenshots.py --suffix 2x

It opens the real window on a fresh demo database in a temporary user folder,
makes edits as a user would, and grabs the screen.  Without ``--suffix`` it takes
the README's pictures (``docs/<name>.png``); with one, the pictures that show
whether everything fits and reads on that screen, scale or theme
(``docs/<name>-<suffix>.png``): the windows with the plot open, a selected pending
cell, the dialogs.  ``--dark`` gives the application a dark palette (as a dark
desktop theme would).  Windows are sized to the screen as the app sizes them.
Each picture is of a window's inside: Xvfb has no window manager to add a frame.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from PySide6.QtCore import QSize, QTimer  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def dark_palette() -> QPalette:
    """A dark theme's palette, as Fusion's dark scheme has it."""
    palette = QPalette(QColor("#353535"))
    role = QPalette.ColorRole
    for which, colour in (
        (role.Window, "#353535"), (role.Base, "#232323"), (role.AlternateBase, "#2b2b2b"), (role.Button, "#353535"),
        (role.Text, "#ffffff"), (role.WindowText, "#ffffff"), (role.ButtonText, "#ffffff"), (role.ToolTipBase, "#ffffdc"),
        (role.ToolTipText, "#000000"), (role.Highlight, "#2a82da"), (role.HighlightedText, "#ffffff"),
        (role.PlaceholderText, "#a0a0a0"), (role.Link, "#6ab0f3"),
    ):  # fmt: skip
        palette.setColor(which, QColor(colour))
    for which in (role.Text, role.WindowText, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, which, QColor("#808080"))
    return palette


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dark", action="store_true", help="a dark palette")
    parser.add_argument("--suffix", default="", help="take the fit and theme pictures, named <name>-<suffix>.png")
    options = parser.parse_args()

    home = tempfile.mkdtemp(prefix="table-editor-shots-")
    for var in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        os.environ[var] = os.path.join(home, var.lower())
    from gui.qt.app import Editor, ensure_qapplication, parse_args
    from gui.qt.fit import fit_to_screen

    app = ensure_qapplication()
    if options.dark:
        app.setPalette(dark_palette())
    suffix = f"-{options.suffix}" if options.suffix else ""
    readme = not suffix

    def grab(widget, name: str) -> None:
        widget.activateWindow()
        QApplication.processEvents()
        pixmap = widget.screen().grabWindow(0, *widget.frameGeometry().getRect())
        path = HERE / f"{name}{suffix}.png"
        pixmap.save(str(path))
        room = widget.screen().availableGeometry()
        fits = "" if room.contains(widget.frameGeometry()) else f"  NOT WITHIN THE SCREEN {room.getRect()}"
        print("saved", path, widget.frameGeometry().getRect(), fits)

    def size(widget, width: int, height: int) -> None:
        """As large as asked, or as the screen allows."""
        fit_to_screen(widget, QSize(width, height))

    editor = Editor(parse_args([]))
    editor.window.show()
    dialog = editor.show_connect_dialog()
    steps = []

    def step(fn, delay=700):
        steps.append((fn, delay))

    def run_next():
        if not steps:
            editor.shutdown()
            app.quit()
            return
        fn, delay = steps.pop(0)
        fn()
        QTimer.singleShot(delay, run_next)

    window = editor.window
    model = window.model

    def back_in_the_rows(table) -> None:
        """What a click in the rows does after a cancelled review: the focus back on
        them, the passing status ("Commit cancelled: ...") gone."""
        table.view.setFocus()
        table.statusBar().clearMessage()
    step(lambda: grab(dialog, "connect-dialog"), 500)

    def fill_postgresql():
        dialog.kind.setCurrentIndex(dialog.kind.findData("postgresql"))
        dialog.host.setText("ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech")
        dialog.database.setText("neondb")
        dialog.user.setText("alex")
        dialog.password.setText("AbC123dEf")
        dialog.sslmode.setCurrentIndex(dialog.sslmode.findText("verify-full"))
        dialog.sslrootcert.setText(os.path.join(home, "neon-ca.pem"))
        dialog.connect_timeout.setValue(30)

    def back_to_demo():
        dialog.kind.setCurrentIndex(dialog.kind.findData("demo"))
        dialog.password.clear()

    step(fill_postgresql, 500)
    step(lambda: grab(dialog, "connect-dialog-postgresql"), 300)
    step(back_to_demo, 300)
    step(lambda: dialog.connect_button.click(), 1500)
    step(lambda: model.setData(model.index(2, 1), "11"))
    step(lambda: model.setData(model.index(4, 1), "25"))
    step(lambda: window.select_row(4))  # a pending cell, selected: its mark shows through the selection
    if not readme:
        # a refusal in the message line, in the theme's error colour
        step(lambda: (window.threshold_edit.setText("abc"), window.reload()))
    step(lambda: grab(window, "main-window"))
    if not readme:
        step(lambda: (window.threshold_edit.setText("6"), window.clear_message()))
    step(lambda: window.commit_button.click(), 1500)
    step(lambda: window.review_dialog.show_sql.setChecked(True))
    step(lambda: grab(window.review_dialog, "review"))
    step(lambda: window.review_dialog.reject())
    # a click back in the rows: the passing "Commit cancelled" goes, as it does for a user
    step(lambda: back_in_the_rows(window))
    # the plot beside the table, the pending values in their own colour
    step(lambda: size(window, 1180, 640))
    step(lambda: editor.tools.plot_action.trigger(), 1000)
    step(lambda: grab(window, "plot"))
    step(lambda: editor.tools.plot_action.trigger())
    # two commits, then the audit log that recorded them
    step(lambda: window.commit_button.click(), 1500)
    step(lambda: window.review_dialog.accept(), 2000)
    step(lambda: model.setData(model.index(0, 1), "7"))
    step(lambda: window.commit_button.click(), 1500)
    step(lambda: window.review_dialog.accept(), 2000)
    step(lambda: editor.tools.audit.show_audit_log(), 1000)
    step(lambda: grab(editor.tools.audit.audit_dialog, "audit-log"))
    step(lambda: editor.tools.audit.audit_dialog.reject())
    # any table: the chooser, then the demo's mixed-type table with NULLs and pending edits
    step(lambda: size(window, 980, 600))
    step(lambda: window.table_chooser.table_chosen.emit("customers"), 1500)

    def edit_customers():
        table = editor.window
        names = table.model.names
        table.model.set_cell(1, names.index("credit"), "315.75")
        table.model.set_cell(2, names.index("email"), "grace@example.org")
        table.model.set_cell(3, names.index("active"), "true")
        table.select_cell(5, names.index("note"))
        table.set_selection_null()
        table.select_cell(2, names.index("email"))
        table.view.horizontalScrollBar().setValue(0)

    step(edit_customers)
    step(lambda: grab(editor.window, "any-table"))
    # the chooser over the window for any table, its pending edits behind
    step(lambda: editor.window.table_chooser.showPopup(), 800)
    step(lambda: grab(editor.window, "table-chooser"))
    step(lambda: editor.window.table_chooser.hidePopup())
    step(lambda: editor.window.commit_button.click(), 1500)
    step(lambda: grab(editor.window.review_dialog, "any-table-review"))
    step(lambda: editor.window.review_dialog.reject())
    step(lambda: back_in_the_rows(editor.window))
    if not readme:
        # a condition in the filter and the plot open: the narrowest the window gets
        step(lambda: editor.window.filter_bar.add_button.click())
        step(lambda: editor.table_plot.view_action.trigger(), 1000)
        step(lambda: grab(editor.window, "any-table-plot"))
        step(lambda: editor.table_audit.show_audit_log(), 1000)
        step(lambda: grab(editor.table_audit.audit_dialog, "any-table-audit-log"))
        step(lambda: editor.table_audit.audit_dialog.reject())
        step(lambda: editor.table_plot.view_action.trigger())
    step(lambda: editor.window.revert_all())
    QTimer.singleShot(300, run_next)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
