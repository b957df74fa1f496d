"""Password policy (issue 17, item 7): a well-kept strength estimator (zxcvbn) with the province's, the
project's and common Vietnamese words in its dictionary refuses what the older rules let through, and a
good passphrase still passes."""

from __future__ import annotations

import pytest

from domain.errors import PasswordRejected
from services import passwords, users
from services.demo import DEMO_PASSWORD
from tests.access_helpers import actor, fast_hashing  # noqa: F401 - autouse fixture

GUESSABLE = ["Aaaaaaaaaaa1", "123456789Aa@", "Abc@12345678", DEMO_PASSWORD, "Dean06-Demo-2026!", "Abcd1234Abcd1234",
             "NgheAn@2026!!"]


@pytest.mark.parametrize("password", GUESSABLE)
def test_guessable_passwords_are_refused_with_the_reason(password):
    assert ("access.password.guessable", {}) in passwords.problems(password, "quan.tri")


@pytest.mark.parametrize("password", ["Rừng-Thông-Nghệ-An-2026", "correct Horse battery 7", "ĐỒNG-lúa-xanh-18",
                                      "Mây trắng bay qua đồi chè 7"])
def test_a_good_passphrase_still_passes(password):
    assert passwords.problems(password, "quan.tri") == []


def test_an_administrator_cannot_be_given_the_demo_password(engine):
    with pytest.raises(PasswordRejected) as refused:
        users.add_user(engine, actor("admin"), "quan.tri.2", "admin", password=DEMO_PASSWORD)
    assert "guessable" in {key.rsplit(".", 1)[-1] for key, _ in refused.value.problems}
    assert "dễ đoán" in refused.value.message("vi") and "easy to guess" in refused.value.message("en")
