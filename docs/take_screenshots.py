"""Take the README's screenshots from the running app (run under Xvfb: ``xvfb-run -a python docs/take_screenshots.py``).

It opens the real window on a fresh demo database in a temporary user folder,
makes edits as a user would, and grabs the screen.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def grab(widget, name: str) -> None:
    widget.activateWindow()
    QApplication.processEvents()
    pixmap = widget.screen().grabWindow(0, *widget.frameGeometry().getRect())
    pixmap.save(str(HERE / name))
    print("saved", HERE / name)


def main() -> int:
    home = tempfile.mkdtemp(prefix="table-editor-shots-")
    for var in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        os.environ[var] = os.path.join(home, var.lower())
    from gui.qt.app import Editor, ensure_qapplication, parse_args

    app = ensure_qapplication()
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
    step(lambda: grab(dialog, "connect-dialog.png"), 500)

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
    step(lambda: grab(dialog, "connect-dialog-postgresql.png"), 300)
    step(back_to_demo, 300)
    step(lambda: dialog.connect_button.click(), 1500)
    step(lambda: model.setData(model.index(2, 1), "11"))
    step(lambda: model.setData(model.index(4, 1), "25"))
    step(lambda: window.select_row(4))
    step(lambda: grab(window, "main-window.png"))
    step(lambda: window.commit_button.click(), 1500)
    step(lambda: window.review_dialog.show_sql.setChecked(True))
    step(lambda: grab(window.review_dialog, "review.png"))
    step(lambda: window.review_dialog.reject())
    # the plot beside the table, the pending values in their own colour
    step(lambda: window.resize(1180, 640))
    step(lambda: editor.tools.plot_action.trigger(), 1000)
    step(lambda: grab(window, "plot.png"))
    step(lambda: editor.tools.plot_action.trigger())
    # two commits, then the audit log that recorded them
    step(lambda: window.commit_button.click(), 1500)
    step(lambda: window.review_dialog.accept(), 2000)
    step(lambda: model.setData(model.index(0, 1), "7"))
    step(lambda: window.commit_button.click(), 1500)
    step(lambda: window.review_dialog.accept(), 2000)
    step(lambda: editor.tools.audit.show_audit_log(), 1000)
    step(lambda: grab(editor.tools.audit.audit_dialog, "audit-log.png"))
    step(lambda: editor.tools.audit.audit_dialog.reject())
    # any table: the chooser, then the demo's mixed-type table with NULLs and pending edits
    step(lambda: window.resize(980, 600))
    step(lambda: window.table_chooser.showPopup(), 800)
    step(lambda: grab(window, "table-chooser.png"))
    step(lambda: window.table_chooser.hidePopup())
    step(lambda: window.table_chooser.table_chosen.emit("main.customers"), 1500)

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
    step(lambda: grab(editor.window, "any-table.png"))
    step(lambda: editor.window.commit_button.click(), 1500)
    step(lambda: grab(editor.window.review_dialog, "any-table-review.png"))
    step(lambda: editor.window.review_dialog.reject())
    step(lambda: editor.window.revert_all())
    QTimer.singleShot(300, run_next)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
