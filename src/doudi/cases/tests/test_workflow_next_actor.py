"""Every open case status names who acts next, so a user with nothing to do on a case is not left guessing."""

from doudi.cases.workflow import NEXT_ACTOR, OPEN


def test_every_open_status_names_who_acts_next():
    assert set(NEXT_ACTOR) == set(OPEN)
    assert all(text and not text.isascii() for text in NEXT_ACTOR.values())
