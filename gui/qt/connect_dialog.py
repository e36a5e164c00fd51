"""The connection dialog: demo database, PostgreSQL fields, or a pasted URL.

It builds the Engine.  Testing and connecting run on a worker thread; errors are
shown inside the dialog, which stays open with everything typed still there.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..data import secrets
from ..data.config import TableSpec
from ..data.connection import DEFAULT_PORT, DEMO, KINDS, POSTGRESQL, SSL_MODES, URL_KIND, ConnectionSettings, check_connection, create_engine_for
from ..data.demo import ensure_demo
from ..data.errors import UserError
from ..data.storage import RecentConnections
from .tasks import TaskRunner

KIND_LABELS = {DEMO: "Demo database (embedded SQLite, no server needed)", POSTGRESQL: "PostgreSQL server", URL_KIND: "URL"}


def _named(widget: QWidget, name: str) -> QWidget:
    widget.setAccessibleName(name)
    widget.setObjectName(name)
    return widget


class ConnectDialog(QDialog):
    connected = Signal(object, object)  # ConnectionSettings, Engine

    def __init__(self, runner: TaskRunner, recent: RecentConnections, demo_path: str, spec: TableSpec, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Connect to a database")
        self._runner = runner
        self._recent = recent
        self._demo_path = demo_path
        self._spec = spec
        self._task = None
        self._forced_read_only = False

        self.kind = _named(QComboBox(), "Database type")
        for kind in KINDS:
            self.kind.addItem(KIND_LABELS[kind], kind)

        self.recent_box = _named(QComboBox(), "Recent connections")
        self.recent_box.addItem("—", None)
        for settings in recent.load():
            self.recent_box.addItem(settings.display_name(), settings)
        self.recent_box.activated.connect(self._on_recent_chosen)

        self.host = _named(QLineEdit(), "Host")
        self.host.setPlaceholderText("localhost or ep-example.eu-central-1.aws.neon.tech")
        self.port = _named(QSpinBox(), "Port")
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.database = _named(QLineEdit(), "Database")
        self.user = _named(QLineEdit(), "User")
        self.password = _named(QLineEdit(), "Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.sslmode = _named(QComboBox(), "SSL mode")
        self.sslmode.addItems(SSL_MODES)
        self.sslmode.setCurrentText("prefer")
        self.url = _named(QLineEdit(), "URL")
        self.url.setPlaceholderText("postgresql://user:password@host/dbname?sslmode=require")
        self.url.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)

        pg_form = QFormLayout()
        for label, widget in (
            ("&Host", self.host),
            ("P&ort", self.port),
            ("&Database", self.database),
            ("&User", self.user),
            ("&Password", self.password),
            ("&SSL mode", self.sslmode),
        ):
            pg_form.addRow(label, widget)
        pg_page = QWidget()
        pg_page.setLayout(pg_form)
        url_form = QFormLayout()
        url_form.addRow("&URL", self.url)
        url_help = QLabel("A plain postgresql:// URL is used with psycopg2. Hosted servers such as Neon need ?sslmode=require.")
        url_help.setWordWrap(True)
        url_form.addRow(url_help)
        url_page = QWidget()
        url_page.setLayout(url_form)
        demo_page = QLabel(f"The tutorial's rows in a local file:\n{demo_path}")
        demo_page.setWordWrap(True)
        self.pages = QStackedWidget()
        self._page_for = {DEMO: self.pages.addWidget(demo_page), POSTGRESQL: self.pages.addWidget(pg_page), URL_KIND: self.pages.addWidget(url_page)}
        self.kind.currentIndexChanged.connect(self._on_kind_changed)

        self.read_only = _named(QCheckBox("&Read-only: browse only, no edits"), "Read-only")
        self.remember_password = _named(QCheckBox("Remember password in the system keyring"), "Remember password")
        self.remember_password.setVisible(secrets.keyring_available())
        self.statement_timeout = _named(QSpinBox(), "Statement timeout")
        self.statement_timeout.setRange(0, 3600)
        self.statement_timeout.setSuffix(" s")
        self.statement_timeout.setSpecialValueText("no limit")
        options = QGroupBox("Options")
        options_form = QFormLayout(options)
        options_form.addRow(self.read_only)
        options_form.addRow(self.remember_password)
        options_form.addRow("Statement &timeout", self.statement_timeout)

        self.status = _named(QLabel(), "Connection status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.test_button = _named(QPushButton("&Test connection"), "Test connection")
        self.connect_button = _named(QPushButton("&Connect"), "Connect")
        # Enter connects: Test connection must not take the default (it would as the first
        # auto-default button, and the dialog would stay open after "Connection works")
        self.test_button.setAutoDefault(False)
        buttons = QDialogButtonBox()
        buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.connect_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        self.test_button.clicked.connect(self._on_test)
        self.connect_button.clicked.connect(self._on_connect)

        top = QFormLayout()
        top.addRow("&Recent", self.recent_box)
        top.addRow("Database &type", self.kind)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.pages)
        layout.addWidget(options)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._on_kind_changed()
        self.connect_button.setDefault(True)  # once in the dialog: set before, it does not stick

    # -- reading and filling the fields ---------------------------------------
    def settings(self) -> ConnectionSettings:
        return ConnectionSettings(
            kind=self.kind.currentData(),
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database.text().strip(),
            user=self.user.text().strip(),
            password=self.password.text(),
            sslmode=self.sslmode.currentText(),
            url=self.url.text().strip(),
            demo_path=self._demo_path,
            read_only=self.read_only.isChecked() or self._forced_read_only,
            statement_timeout_ms=self.statement_timeout.value() * 1000,
        )

    def fill(self, settings: ConnectionSettings) -> None:
        self.kind.setCurrentIndex(self.kind.findData(settings.kind))
        self.host.setText(settings.host)
        self.port.setValue(settings.port or DEFAULT_PORT)
        self.database.setText(settings.database)
        self.user.setText(settings.user)
        # the session's own connection brings its password (in memory only); a remembered
        # one has none, and must not inherit a password typed for another server
        self.password.setText(settings.password)
        self.sslmode.setCurrentText(settings.sslmode or "prefer")
        self.url.setText(settings.url)
        self.read_only.setChecked(settings.read_only or self._forced_read_only)
        self.statement_timeout.setValue(settings.statement_timeout_ms // 1000)
        if settings.kind == POSTGRESQL and secrets.keyring_available():
            stored = secrets.load_password(settings)
            if stored:
                self.password.setText(stored)
                self.remember_password.setChecked(True)

    def force_read_only(self, reason: str) -> None:
        """Every connection made here is read-only (the session was started with --read-only)."""
        self._forced_read_only = True
        self.read_only.setChecked(True)
        self.read_only.setEnabled(False)
        self.read_only.setToolTip(reason)

    def _on_recent_chosen(self, index: int) -> None:
        settings = self.recent_box.itemData(index)
        if settings is not None:
            self.fill(settings)

    def _on_kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.pages.setCurrentIndex(self._page_for[kind])
        self.remember_password.setEnabled(kind == POSTGRESQL)

    # -- actions -------------------------------------------------------------
    def _on_test(self) -> None:
        self._start(accept=False)

    def _on_connect(self) -> None:
        self._start(accept=True)

    def _start(self, accept: bool) -> None:
        if self._task is not None:
            return
        try:
            settings = self.settings()
            settings.to_url()
        except UserError as error:
            self._show_error(error)
            return
        self._set_busy(True, "Connecting to " + settings.display_name() + " …")
        spec = self._spec

        def work(token):
            if settings.kind == DEMO:
                ensure_demo(Path(settings.demo_path), spec)
            engine = create_engine_for(settings)
            try:
                version = check_connection(engine)
            except BaseException:
                engine.dispose()
                raise
            if not accept or token.cancelled:
                # a test, or the dialog was closed meanwhile: nobody will use this engine
                engine.dispose()
                return None, version
            return engine, version

        holder = {}

        def done(result) -> None:
            if holder["task"] is not self._task:  # the dialog was closed meanwhile
                if result[0] is not None:
                    result[0].dispose()
                return
            self._on_connected(settings, accept, *result)

        def failed(error: UserError) -> None:
            if holder["task"] is self._task:
                self._on_failed(error)

        holder["task"] = self._task = self._runner.submit(work, lane="connect", on_done=done, on_error=failed)

    def _on_connected(self, settings: ConnectionSettings, accept: bool, engine, version: str) -> None:
        self._task = None
        self._set_busy(False, f"Connection works: {version.splitlines()[0]}")
        self.status.setStyleSheet("color: palette(text);")
        if not accept:
            return
        self._recent.remember(settings)
        if settings.kind == POSTGRESQL and self.remember_password.isVisible():
            if self.remember_password.isChecked():
                secrets.store_password(settings)
            else:
                secrets.forget_password(settings)
        self.connected.emit(settings, engine)
        self.accept()

    def _on_failed(self, error: UserError) -> None:
        self._task = None
        self._set_busy(False, "")
        self._show_error(error)

    def _show_error(self, error: UserError) -> None:
        self.status.setStyleSheet("color: #c0392b;")
        self.status.setText(f"{error.title}: {error.message}")

    def _set_busy(self, busy: bool, text: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(text)
        self.test_button.setEnabled(not busy)
        self.connect_button.setEnabled(not busy)

    def reject(self) -> None:
        if self._task is not None:
            # abandoned, not discarded: its callback disposes of the engine the worker built
            self._task.cancel()
            self._task = None
        super().reject()
