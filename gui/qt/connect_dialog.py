"""The connection dialog: demo database, PostgreSQL fields, or a pasted URL.

It builds the Engine.  Testing and connecting run on a worker thread; errors are
shown inside the dialog, which stays open with everything typed still there.

The fields take what libpq takes: a host name, an address (``[::1]`` too), a
Unix-socket folder, or nothing (libpq's defaults, the ``PG*`` variables and
``~/.pgpass`` then fill in); an empty Port; a pg_service.conf entry; CA and
client certificate files.  A connect that has had no answer after a few seconds
says that a hosted server may be waking up, and can be abandoned: psycopg2's
connect cannot be interrupted, so the attempt is left to end on its own and its
result is dropped.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..data.config import TableSpec
from ..data.connection import (
    CONNECT_TIMEOUT_S,
    DEFAULT_PORT,
    DEMO,
    KINDS,
    POSTGRESQL,
    SSL_MODES,
    URL_KIND,
    ConnectionSettings,
    check_connection,
    create_engine_for,
    recent_labels,
)
from ..data.demo import ensure_demo
from ..data.errors import AuthenticationFailed, DatabaseMissing, UserError
from ..data.storage import RecentConnections
from .fit import FitScrollArea, fit_to_screen, largest_size
from .tasks import TaskRunner

KIND_LABELS = {DEMO: "Demo database (embedded SQLite, no server needed)", POSTGRESQL: "PostgreSQL server", URL_KIND: "URL"}

# How long a connect may go unanswered before the dialog says why it may take a while.
WAKING_UP_AFTER_MS = 3000
WAKING_UP = (
    "The server has not answered yet. A hosted server (such as Neon) may be waking up, "
    "which can take a few seconds."
)
CANCELLED = "Cancelled. Nothing was connected."
CONNECT_LANE = "connect"
# The SSL mode entry that sends none: libpq's own default (PGSSLMODE, the service's, else prefer).
SSL_DEFAULT = "default"
# Modes in which libpq checks the server's certificate against a CA file ("" may be any mode).
_CA_MODES = ("", "require", "verify-ca", "verify-full")
_CERT_FILTER = "Certificates (*.crt *.pem *.cer);;All files (*)"
_KEY_FILTER = "Keys (*.key *.pem);;All files (*)"


def _named(widget: QWidget, name: str) -> QWidget:
    widget.setAccessibleName(name)
    widget.setObjectName(name)
    return widget


class DefaultableBox(QSpinBox):
    """A number, or nothing: an empty field is 0, which leaves the value to libpq's
    defaults (``placeholder`` says which); stepping up from empty gives ``usual``.

    A plain QSpinBox puts the old number back when the text is cleared; here
    clearing is how a user asks for the default.
    """

    def __init__(self, maximum: int, usual: int, placeholder: str, unit: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.usual = usual
        self.unit = unit  # shown after a number only: an empty field shows its placeholder
        self.setRange(0, maximum)
        self.lineEdit().setPlaceholderText(placeholder)
        self.valueChanged.connect(self._show_unit)

    def _show_unit(self, value: int) -> None:
        self.setSuffix(self.unit if value else "")

    def validate(self, text: str, pos: int):
        if not text.removesuffix(self.suffix()).strip():  # cleared, the unit left behind
            return QValidator.State.Acceptable, text, pos
        return super().validate(text, pos)

    def valueFromText(self, text: str) -> int:
        return 0 if not text.removesuffix(self.suffix()).strip() else super().valueFromText(text)

    def textFromValue(self, value: int) -> str:
        return "" if value == 0 else super().textFromValue(value)

    def stepBy(self, steps: int) -> None:
        if self.value() == 0 and steps > 0:
            self.setValue(self.usual)  # up from "default" is the usual value (port 5432, not port 1)
        else:
            super().stepBy(steps)


def _connect_timeout_default() -> int:
    """The Connect timeout field's starting value: empty (0) when PGCONNECT_TIMEOUT
    is set, so that libpq reads the user's variable (as Port starts empty for
    PGPORT), else the app's 10 s."""
    return 0 if os.environ.get("PGCONNECT_TIMEOUT") else CONNECT_TIMEOUT_S


def _connect_timeout_placeholder() -> str:
    """What an empty Connect timeout stands for."""
    variable = os.environ.get("PGCONNECT_TIMEOUT")
    if variable:
        return f"default (PGCONNECT_TIMEOUT={variable})"
    return f"default (the service's, else {CONNECT_TIMEOUT_S} s)"


class ConnectDialog(QDialog):
    connected = Signal(object, object)  # ConnectionSettings, Engine (what ``prepare`` made: ``prepared``)

    def __init__(self, runner: TaskRunner, recent: RecentConnections, demo_path: str, spec: TableSpec, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Connect to a database")
        self._runner = runner
        self._recent = recent
        self._demo_path = demo_path
        self._spec = spec
        # ``prepare(settings, engine)``, run on the worker after a connection is made
        # (not for Test connection): what the window needs before it can show the
        # table; its result is ``prepared`` when ``connected`` is emitted
        self.prepare = None
        self.prepared = None
        self._task = None
        self._task_lane = CONNECT_LANE
        # lanes whose worker still runs an abandoned connect (psycopg2 cannot be interrupted):
        # the next attempt takes another lane rather than wait up to its connect timeout
        self._abandoned_lanes: set[str] = set()
        self._connecting_text = ""
        self._forced_read_only = False
        self._had_service = False
        self.file_dialog: QFileDialog | None = None

        self.kind = _named(QComboBox(), "Database type")
        for kind in KINDS:
            self.kind.addItem(KIND_LABELS[kind], kind)

        self.recent_box = _named(QComboBox(), "Recent connections")
        self.recent_box.addItem("—", None)
        remembered = recent.load()
        for label, settings in zip(recent_labels(remembered), remembered):
            self.recent_box.addItem(label, settings)
        self.recent_box.activated.connect(self._on_recent_chosen)

        self.host = _named(QLineEdit(), "Host")
        self.host.setPlaceholderText("default (PGHOST, else the local socket)")
        self.host.setToolTip(
            "A host name (db.example.com), an IP address (192.0.2.7; IPv6 as [::1] or ::1), "
            "or the folder of a Unix socket (/run/postgresql).\n"
            "Empty: libpq's default, PGHOST, else the local server's socket."
        )
        # a PG* variable the user set is theirs: a field that starts at a fixed value would override it
        self.port = _named(DefaultableBox(65535, DEFAULT_PORT, f"default (PGPORT, else {DEFAULT_PORT})"), "Port")
        self.port.setValue(0 if os.environ.get("PGPORT") else DEFAULT_PORT)
        self.port.setToolTip(f"Empty: libpq's default, PGPORT, else {DEFAULT_PORT}.")
        self.database = _named(QLineEdit(), "Database")
        self.database.setPlaceholderText("default (PGDATABASE, else the user name)")
        self.user = _named(QLineEdit(), "User")
        self.user.setPlaceholderText("default (PGUSER, else your login name)")
        self.password = _named(QLineEdit(), "Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("empty: PGPASSWORD or ~/.pgpass, if any")
        self.sslmode = _named(QComboBox(), "SSL mode")
        self.sslmode.addItem(SSL_DEFAULT, "")
        self.sslmode.setItemData(0, "libpq's default: PGSSLMODE, the service's sslmode, else prefer", Qt.ItemDataRole.ToolTipRole)
        for mode in SSL_MODES:
            self.sslmode.addItem(mode, mode)
        self._select_sslmode("" if os.environ.get("PGSSLMODE") else "prefer")
        self.sslrootcert, sslrootcert_row = self._file_field(
            "CA certificate",
            "The file of the CA certificate that signed the server's certificate (sslrootcert); "
            "checked in require, verify-ca and verify-full.",
            _CERT_FILTER,
        )
        self.sslcert, sslcert_row = self._file_field(
            "Client certificate",
            "Your client certificate file (sslcert), for a server that logs you in by certificate.",
            _CERT_FILTER,
        )
        self.sslkey, sslkey_row = self._file_field(
            "Client key", "The private key file of your client certificate (sslkey).", _KEY_FILTER
        )
        self.sslmode.currentIndexChanged.connect(self._on_sslmode_changed)
        self.service = _named(QLineEdit(), "Service")
        self.service.setPlaceholderText("none (a pg_service.conf entry)")
        self.service.setToolTip(
            "A service from pg_service.conf (PGSERVICEFILE, else ~/.pg_service.conf): it supplies what the "
            "fields leave empty. Typing one empties a Port of 5432 and an SSL mode of prefer, so the "
            "service's own apply."
        )
        self.service.textEdited.connect(self._on_service_edited)
        self.connect_timeout = _named(
            DefaultableBox(3600, CONNECT_TIMEOUT_S, _connect_timeout_placeholder(), " s"), "Connect timeout"
        )
        self.connect_timeout.setValue(_connect_timeout_default())
        self.connect_timeout.setToolTip(
            "How long to wait for the server to answer, in seconds (it overrides a service's connect_timeout).\n"
            f"Empty: the service's connect_timeout, else PGCONNECT_TIMEOUT, else {CONNECT_TIMEOUT_S} s."
        )
        self.url = _named(QLineEdit(), "URL")
        self.url.setPlaceholderText("postgresql://user:password@host/dbname?sslmode=require")
        # masked, since a URL may hold a password; Password rather than
        # PasswordEchoOnEdit, which wipes the whole URL at the first key typed into it
        # again (adding ?sslmode=require erased it); "Show" reveals it to edit
        self.url.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_url = _named(QToolButton(), "Show URL")
        self.show_url.setText("Show")
        self.show_url.setCheckable(True)
        self.show_url.setToolTip("Show the URL (it may hold a password)")
        self.show_url.toggled.connect(
            lambda shown: self.url.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        )
        url_row = QWidget()
        url_row_layout = QHBoxLayout(url_row)
        url_row_layout.setContentsMargins(0, 0, 0, 0)
        url_row_layout.addWidget(self.url, 1)
        url_row_layout.addWidget(self.show_url)

        pg_form = QFormLayout()
        for label, widget in (
            ("&Host", self.host),
            ("P&ort", self.port),
            ("&Database", self.database),
            ("&User", self.user),
            ("&Password", self.password),
            ("&SSL mode", self.sslmode),
            ("C&A certificate", sslrootcert_row),
            ("Client c&ertificate", sslcert_row),
            ("Client &key", sslkey_row),
            ("Ser&vice", self.service),
            ("Connect t&imeout", self.connect_timeout),
        ):
            pg_form.addRow(label, widget)
        for edit in (self.sslrootcert, self.sslcert, self.sslkey):
            pg_form.labelForField(edit.parentWidget()).setBuddy(edit)  # the mnemonic goes to the path, not its row
        pg_page = QWidget()
        pg_page.setLayout(pg_form)
        url_form = QFormLayout()
        url_form.addRow("&URL", url_row)
        url_form.labelForField(url_row).setBuddy(self.url)
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
        # a test's or a connect's outcome stays only until the user changes what it was said of
        self._outcome_shown = False
        self.kind.currentIndexChanged.connect(self._forget_outcome)
        for edit in (self.host, self.database, self.user, self.password, self.service, self.url, self.sslrootcert, self.sslcert, self.sslkey):
            edit.textChanged.connect(self._forget_outcome)
        for box in (self.port, self.connect_timeout):
            box.valueChanged.connect(self._forget_outcome)
        self.sslmode.currentIndexChanged.connect(self._forget_outcome)

        self.read_only = _named(QCheckBox("&Read-only: browse only, no edits"), "Read-only")
        self.remember_password = _named(QCheckBox("Remember password in the system keyring"), "Remember password")
        # shown for a PostgreSQL server when there is a keyring: asked when that is chosen
        # (importing keyring and finding its backend took 0.25 s, too long for the start)
        self.remember_password.hide()
        self._keyring: bool | None = None
        self.statement_timeout = _named(QSpinBox(), "Statement timeout")
        self.statement_timeout.setRange(0, 3600)
        self.statement_timeout.setSuffix(" s")
        self.statement_timeout.setSpecialValueText("no limit")
        options = QGroupBox("Options")
        options_form = QFormLayout(options)
        options_form.addRow(self.read_only)
        options_form.addRow(self.remember_password)
        options_form.addRow("Statement &timeout", self.statement_timeout)
        # which table opens once connected (the window's Table chooser changes it)
        self.opens = _named(QLabel(), "Opens table")
        self.opens.setWordWrap(True)
        options_form.addRow("Opens", self.opens)

        self.status = _named(QLabel(), "Connection status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cancel_connect_button = _named(QPushButton("Cancel connecting"), "Cancel connecting")
        self.cancel_connect_button.setAutoDefault(False)
        self.cancel_connect_button.hide()
        self.cancel_connect_button.clicked.connect(self._on_cancel_connecting)
        self._slow_timer = QTimer(self)
        self._slow_timer.setSingleShot(True)
        self._slow_timer.setInterval(WAKING_UP_AFTER_MS)
        self._slow_timer.timeout.connect(self._on_slow_answer)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.cancel_connect_button, 0, Qt.AlignmentFlag.AlignTop)

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
        # the fields scroll where the screen is short (a PostgreSQL server's need ~590 px of
        # height, a 1366x768 screen at 2x has 384); what a connect says and the buttons
        # stay in view below them
        fields = QWidget()
        fields_layout = QVBoxLayout(fields)
        fields_layout.setContentsMargins(0, 0, 0, 0)
        fields_layout.addLayout(top)
        fields_layout.addWidget(self.pages)
        fields_layout.addWidget(options)
        fields_layout.addStretch(1)
        self.fields = _named(FitScrollArea(fields), "Connection fields")
        layout = QVBoxLayout(self)
        layout.addWidget(self.fields, 1)
        layout.addLayout(status_row)
        layout.addWidget(buttons)
        self._on_kind_changed()
        self._on_sslmode_changed()
        self.connect_button.setDefault(True)  # once in the dialog: set before, it does not stick

    def set_table_note(self, text: str) -> None:
        """Say which table opens once connected."""
        self.opens.setText(text)

    def _file_field(self, name: str, tooltip: str, filter_: str) -> tuple[QLineEdit, QWidget]:
        """A path field named ``name`` with a Browse… button; returns the field and its row."""
        edit = _named(QLineEdit(), name)
        edit.setPlaceholderText("none")
        edit.setToolTip(tooltip)
        browse = _named(QPushButton("Browse…"), f"Browse for {name}")
        browse.setAutoDefault(False)
        browse.clicked.connect(lambda: self._choose_file(edit, f"Choose the {name.lower()}", filter_))
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(edit, 1)
        box.addWidget(browse)
        return edit, row

    def _choose_file(self, edit: QLineEdit, title: str, filter_: str) -> None:
        """Open a file picker that fills ``edit``; window-modal, so nothing here blocks."""
        current = edit.text().strip()
        if current:
            start = str(Path(current).expanduser().parent)
        else:
            dot_postgresql = Path.home() / ".postgresql"  # where libpq looks for root.crt and postgresql.crt
            start = str(dot_postgresql if dot_postgresql.is_dir() else Path.home())
        picker = QFileDialog(self, title, start, filter_)
        picker.setFileMode(QFileDialog.FileMode.ExistingFile)
        picker.fileSelected.connect(edit.setText)
        picker.finished.connect(lambda _result: self._on_file_dialog_closed(picker))
        self.file_dialog = picker
        picker.open()

    def _on_file_dialog_closed(self, picker: QFileDialog) -> None:
        if self.file_dialog is picker:
            self.file_dialog = None
        picker.deleteLater()

    # -- reading and filling the fields ---------------------------------------
    def settings(self) -> ConnectionSettings:
        return ConnectionSettings(
            kind=self.kind.currentData(),
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database.text().strip(),
            user=self.user.text().strip(),
            password=self.password.text(),
            sslmode=self.sslmode.currentData(),
            url=self.url.text().strip(),
            demo_path=self._demo_path,
            read_only=self.read_only.isChecked() or self._forced_read_only,
            statement_timeout_ms=self.statement_timeout.value() * 1000,
            connect_timeout_s=self.connect_timeout.value(),
            sslrootcert=self.sslrootcert.text().strip(),
            sslcert=self.sslcert.text().strip(),
            sslkey=self.sslkey.text().strip(),
            service=self.service.text().strip(),
        )

    def fill(self, settings: ConnectionSettings) -> None:
        self.kind.setCurrentIndex(self.kind.findData(settings.kind))
        self.host.setText(settings.host)
        self.port.setValue(settings.port)  # 0: empty, libpq's default
        self.database.setText(settings.database)
        self.user.setText(settings.user)
        # the session's own connection brings its password (in memory only); a remembered
        # one has none, and must not inherit a password typed for another server
        self.password.setText(settings.password)
        self._select_sslmode(settings.sslmode)
        self.sslrootcert.setText(settings.sslrootcert)
        self.sslcert.setText(settings.sslcert)
        self.sslkey.setText(settings.sslkey)
        self.service.setText(settings.service)
        self._had_service = bool(settings.service)
        # a connection made with the fields brings back its timeout, empty too
        self.connect_timeout.setValue(
            settings.connect_timeout_s if settings.kind == POSTGRESQL else _connect_timeout_default()
        )
        self.url.setText(settings.url)
        self.read_only.setChecked(settings.read_only or self._forced_read_only)
        self.statement_timeout.setValue(settings.statement_timeout_ms // 1000)
        if settings.kind == POSTGRESQL and self.keyring_available():
            from ..data import secrets  # noqa: PLC0415 - see keyring_available

            stored = secrets.load_password(settings)
            if stored:
                self.password.setText(stored)
                self.remember_password.setChecked(True)

    def _select_sslmode(self, mode: str) -> None:
        index = self.sslmode.findData(mode)
        self.sslmode.setCurrentIndex(index if index >= 0 else self.sslmode.findData(""))

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
        # the stack takes the size of its current page, not of its largest: the demo's
        # two lines do not sit in the PostgreSQL form's height of empty space
        for index in range(self.pages.count()):
            policy = QSizePolicy.Policy.Preferred if index == self.pages.currentIndex() else QSizePolicy.Policy.Ignored
            self.pages.widget(index).setSizePolicy(policy, policy)
        self.pages.adjustSize()
        self.remember_password.setEnabled(kind == POSTGRESQL)
        if kind == POSTGRESQL and not self.remember_password.isVisibleTo(self) and self.keyring_available():
            self.remember_password.show()
        if self.isVisible():
            self.fit_to_fields()

    def fit_to_fields(self) -> None:
        """As large as the fields of the page shown, or as the screen allows (then they
        scroll), and within the screen."""
        fit_to_screen(self, self._fitted_size())
        # the fields now scroll, or no longer do: the minimum width (room for the scroll
        # bar, or none) follows, and a dialog held wider by the old one can take its size
        fit_to_screen(self, self._fitted_size())

    def _fitted_size(self) -> QSize:
        """The dialog's preferred size for the page shown, no larger than the screen allows.

        Not ``adjustSize``'s, which stops at 2/3 of the screen's height: the PostgreSQL
        page would scroll on a 1366x768 screen with room for all of it."""
        layout = self.layout()
        self.fields.updateGeometry()  # the page now shown, or the scroll bar shown or gone
        # the minimum size now; and activated, the resize that follows lays the fields out at
        # once, not at the next LayoutRequest (a click meanwhile found them where they were)
        layout.activate()
        hint = layout.totalSizeHint()
        if layout.hasHeightForWidth():
            hint.setHeight(layout.totalHeightForWidth(hint.width()))
        largest = largest_size(self)
        if hint.height() > largest.height() and not self.fields.scrolls():
            hint.setWidth(hint.width() + self.fields.bar_width())  # the fields keep their width beside it
        return hint.boundedTo(largest).expandedTo(self.minimumSize())

    def showEvent(self, event) -> None:
        if not event.spontaneous():
            # resized only: moving it here would stop QDialog centring it over its parent;
            # twice, as in fit_to_fields (adjustSize, just before, made it 2/3 of the screen's
            # height at most, so the fields may scroll there and no longer do here)
            self.resize(self._fitted_size())
            self.resize(self._fitted_size())
        super().showEvent(event)

    def keyring_available(self) -> bool:
        """Whether the system has a keyring for passwords (asked once, when first needed)."""
        if self._keyring is None:
            from ..data import secrets  # noqa: PLC0415 - keyring is imported when first needed

            self._keyring = secrets.keyring_available()
        return self._keyring

    def _on_sslmode_changed(self) -> None:
        # disabled, not cleared: a file chosen stays (and is sent: libpq ignores what the mode
        # does not use) so switching modes back and forth loses nothing
        mode = self.sslmode.currentData()
        self.sslrootcert.parentWidget().setEnabled(mode in _CA_MODES)
        self.sslcert.parentWidget().setEnabled(mode != "disable")
        self.sslkey.parentWidget().setEnabled(mode != "disable")
        if mode in ("verify-ca", "verify-full"):
            self.sslrootcert.setPlaceholderText("needed, unless it is ~/.postgresql/root.crt")
        else:
            self.sslrootcert.setPlaceholderText("none")

    def _on_service_edited(self, text: str) -> None:
        has_service = bool(text.strip())
        if has_service and not self._had_service:
            # a service names its own port and SSL mode, which explicit values would override:
            # fields still at libpq's plain defaults step aside (visibly) for it
            if self.port.value() == DEFAULT_PORT:
                self.port.setValue(0)
            if self.sslmode.currentData() == "prefer":
                self._select_sslmode("")
            if self.connect_timeout.value() == CONNECT_TIMEOUT_S:
                self.connect_timeout.setValue(0)
        self._had_service = has_service

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
        self._connecting_text = "Connecting to " + settings.display_name() + " …"
        self._set_busy(True, self._connecting_text)
        spec = self._spec
        prepare = self.prepare

        def work(token):
            if settings.kind == DEMO:
                ensure_demo(Path(settings.demo_path), spec)
            engine = create_engine_for(settings)
            try:
                version = check_connection(engine)
                # what the window needs before it can show the table, on this worker too
                ready = prepare(settings, engine) if accept and prepare is not None and not token.cancelled else None
            except BaseException:
                engine.dispose()
                raise
            if not accept or token.cancelled:
                # a test, or the attempt was abandoned meanwhile: nobody will use this engine
                engine.dispose()
                return None, version, None
            return engine, version, ready

        lane = self._free_lane()
        holder = {}

        def done(result) -> None:
            self._abandoned_lanes.discard(lane)
            if holder["task"] is not self._task:  # abandoned: Cancel connecting, or the dialog was closed
                if result[0] is not None:
                    result[0].dispose()
                return
            self._on_connected(settings, accept, *result)

        def failed(error: UserError) -> None:
            self._abandoned_lanes.discard(lane)
            if holder["task"] is self._task:
                self._on_failed(error)

        def bug(_bug: BaseException) -> None:  # the bug itself goes on to the bug report
            failed(UserError("Something unexpected went wrong while connecting; nothing was changed. Try again, or choose other settings."))

        self._task_lane = lane
        holder["task"] = self._task = self._runner.submit(work, lane=lane, on_done=done, on_error=failed, on_bug=bug)

    def _free_lane(self) -> str:
        lane, n = CONNECT_LANE, 1
        while lane in self._abandoned_lanes:
            n += 1
            lane = f"{CONNECT_LANE}-{n}"
        return lane

    def _abandon(self) -> None:
        """Drop the running attempt: its callbacks see it is no longer ours and dispose of
        the engine it may still build; the token tells the worker not to hand one over."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            self._abandoned_lanes.add(self._task_lane)

    def _on_slow_answer(self) -> None:
        if self._task is None:
            return
        self.status.setText(f"{self._connecting_text}\n{WAKING_UP}")
        self.cancel_connect_button.show()
        self._grow_for_status()

    def _on_cancel_connecting(self) -> None:
        self._abandon()
        self._set_busy(False, CANCELLED)
        self.connect_button.setFocus()

    def _on_connected(self, settings: ConnectionSettings, accept: bool, engine, version: str, ready=None) -> None:
        self._task = None
        self.prepared = ready
        self._set_busy(False, f"Connection works: {version.splitlines()[0]}")
        self.status.setStyleSheet("color: palette(text);")
        self._outcome_shown = True
        if not accept:
            return
        self._recent.remember(settings)
        if settings.kind == POSTGRESQL and self.remember_password.isVisible():
            from ..data import secrets  # noqa: PLC0415 - loaded by keyring_available already

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
        self._focus_failed_field(error)

    def _focus_failed_field(self, error: UserError) -> None:
        """After a failure, the field to correct has the focus (never Cancel, on which
        Enter would close the dialog and lose what was typed); Connect stays the
        default."""
        kind = self.kind.currentData()
        if kind == URL_KIND:
            field = self.url
        elif kind == POSTGRESQL:
            if isinstance(error, AuthenticationFailed):
                field = self.password
            elif isinstance(error, DatabaseMissing):
                field = self.database  # the server answered: the name is what to correct
            else:
                field = self.host
        else:
            field = self.connect_button
        field.setFocus()
        self.fields.show_widget(field)  # focusChanged says nothing while the dialog is not active
        if isinstance(field, QLineEdit):
            field.selectAll()

    def _show_error(self, error: UserError) -> None:
        self.status.setStyleSheet("color: #c0392b;")
        self.status.setText(f"{error.title}: {error.message}")
        self._grow_for_status()
        self._outcome_shown = True

    def _forget_outcome(self, *_changed) -> None:
        """A field edited or another database type chosen after a test or a connect:
        its outcome ("Connection works", or why it failed), said of what was there
        before, has had its moment."""
        if self._outcome_shown:
            self._outcome_shown = False
            self.status.setStyleSheet("")
            self.status.setText("")

    def _set_busy(self, busy: bool, text: str) -> None:
        """Every way into or out of an attempt goes through here: buttons, status, the
        waking-up timer and Cancel connecting always agree."""
        self.status.setStyleSheet("")
        self.status.setText(text)
        self._failed = False
        self.test_button.setEnabled(not busy)
        self.connect_button.setEnabled(not busy)
        if busy:
            self._slow_timer.start()
        else:
            self._slow_timer.stop()
            self.cancel_connect_button.hide()
            self.connect_button.setDefault(True)
            # the buttons were off while busy, so the focus may have moved on to Cancel,
            # where Enter would close the dialog and lose what was typed
            if self.focusWidget() is None or isinstance(self.focusWidget(), QPushButton) and self.focusWidget() is not self.connect_button:
                self.connect_button.setFocus()
        self._grow_for_status()

    def _grow_for_status(self) -> None:
        """The status line now says more (an error of two lines, "waking up"): the dialog
        grows for it, as far as the screen allows, instead of taking the room from the
        fields (they scrolled, the options cut off, on a 1366x768 screen with room to
        spare).  It never shrinks here: a dialog that jumped with each message would move
        its buttons under the mouse."""
        if self.isVisible() and not self.isMaximized():
            fit_to_screen(self, self._fitted_size().expandedTo(self.size()))
            fit_to_screen(self, self._fitted_size().expandedTo(self.size()))  # the scroll bar gone: as fit_to_fields

    def reject(self) -> None:
        if self._task is not None:
            # abandoned, not discarded: its callback disposes of the engine the worker built
            self._abandon()
            self._set_busy(False, "")
        super().reject()
