import pytest

from book.profile import PROFILES, Profile, UnknownProfileError, current_profile


def test_default_is_quick(monkeypatch):
    monkeypatch.delenv("BOOK_PROFILE", raising=False)
    assert current_profile().name == "quick"
    monkeypatch.setenv("BOOK_PROFILE", "")
    assert current_profile().name == "quick"


def test_full_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("BOOK_PROFILE", " Full ")
    profile = current_profile()
    assert profile.name == "full"
    assert profile.pick(quick=5, full=50) == 50
    assert Profile("quick").pick(quick=5, full=50) == 5


def test_unknown_profile_names_the_valid_ones(monkeypatch):
    monkeypatch.setenv("BOOK_PROFILE", "fast")
    with pytest.raises(UnknownProfileError) as error:
        current_profile()
    message = str(error.value)
    assert "'fast'" in message and "BOOK_PROFILE" in message
    assert all(name in message for name in PROFILES)
