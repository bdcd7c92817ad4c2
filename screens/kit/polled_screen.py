"""A full screen over the main one whose table view polls only while it is on top."""

from __future__ import annotations

from textual.binding import Binding
from textual.events import ScreenResume, ScreenSuspend
from textual.screen import Screen

from screens.kit.table_view import TableView


class PolledScreen(Screen[None]):
    """The base of the screens pushed from a tab (MLflow models, tracking servers,
    SageMaker Experiments): its :class:`TableView` polls while shown, `q` goes back."""

    BINDINGS = [
        Binding("q", "close", "Back", id="mlflow_models.close"),
        Binding("escape,backspace", "close", "Back", show=False, id="mlflow_models.close_alt"),
    ]

    def on_mount(self) -> None:
        view = self.query_one(TableView)
        view.poller.set_shown(True)
        view.focus_main()

    def on_screen_suspend(self, _event: ScreenSuspend) -> None:
        self.query_one(TableView).poller.set_shown(False)

    def on_screen_resume(self, _event: ScreenResume) -> None:
        self.query_one(TableView).poller.set_shown(True)

    def action_close(self) -> None:
        self.query_one(TableView).poller.set_shown(False)
        self.dismiss(None)
