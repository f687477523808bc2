"""Page objects for the screens the e2e tests drive (selectors from CONTRACTS.md and the
CHANGELOG; see docs/TESTING.md).

Each module covers one screen or part of one; everything is re-exported here, so
``from tests.e2e.pages import Desktop, LoginPage`` works.
"""

from tests.e2e.pages.api import ParleyApi
from tests.e2e.pages.callbacks import CallbackDialog, CallbacksPage
from tests.e2e.pages.consultation import ConsultPanel, ObserverView
from tests.e2e.pages.contacts import ContactsPage
from tests.e2e.pages.desktop import Desktop, MainWindow
from tests.e2e.pages.flags import FlagDialog, FlagPanel, FlagsPage
from tests.e2e.pages.interaction import InteractionWindow
from tests.e2e.pages.login import LoginPage
from tests.e2e.pages.mms import MmsImages
from tests.e2e.pages.phone import PhonePage
from tests.e2e.pages.preview import Preview
from tests.e2e.pages.spelling import SpellingArea
from tests.e2e.pages.team_communicator import TeamCommunicator

__all__ = [
    "CallbackDialog", "CallbacksPage", "ConsultPanel", "ContactsPage", "Desktop", "FlagDialog",
    "FlagPanel", "FlagsPage", "InteractionWindow", "LoginPage", "MainWindow", "MmsImages",
    "ObserverView", "ParleyApi", "PhonePage", "Preview", "SpellingArea", "TeamCommunicator",
]
