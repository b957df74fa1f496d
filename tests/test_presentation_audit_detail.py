"""The audit tab's "Chi tiết" reads as words, not JSON (issue 16 item 9): known keys and values from the
catalogue, anything else still readable, nothing dropped."""

from __future__ import annotations

import json

import pytest

from presentation.audit_detail import detail_text


@pytest.mark.parametrize("lang, expected", [
    ("vi", "Cách đăng nhập: mật khẩu · Cập nhật mã băm mật khẩu: không · Địa chỉ truy cập: 10.0.0.5"),
    ("en", "Sign-in method: password · Password hash updated: no · From address: 10.0.0.5"),
])
def test_a_sign_in_reads_as_words(lang, expected):
    assert detail_text('{"method": "password", "rehashed": false, "source": "10.0.0.5"}', lang) == expected


@pytest.mark.parametrize("detail, lang, fragments", [
    ({"reason": "expired_idle"}, "vi", ["Lý do: không thao tác quá thời gian cho phép"]),
    ({"reason": "locked_now", "failures": 1234}, "vi", ["tài khoản bị tạm khóa", "Số lần sai liên tiếp: 1.234"]),
    ({"reason": "locked_now", "failures": 1234}, "en", ["the account is now locked", "Consecutive failures: 1,234"]),
    ({"until": "2026-12-06T10:00:00+00:00"}, "vi", ["Đến: 06/12/2026 17:00"]),  # Vietnam time
    ({"units": ["16681", "16684"], "dry_run": True}, "vi", ["Đơn vị: 16681, 16684", "Chạy thử: có"]),
    ({"op": "set_role", "role": "leader"}, "vi", ["Thao tác: đổi vai trò", "Vai trò: Lãnh đạo Ban Chỉ đạo"]),
    ({"sha256": "ab" * 32}, "vi", ["Dấu vân tay tệp: abababababab…"]),
])
def test_known_keys_and_values_have_their_words(detail, lang, fragments):
    text = detail_text(json.dumps(detail), lang)
    for fragment in fragments:
        assert fragment in text
    assert "{" not in text and '"' not in text


def test_unknown_keys_and_values_still_read_and_nothing_is_dropped():
    text = detail_text('{"brand_new_key": "some_value", "nested": {"inner_count": 3}, "gone": null}', "vi")
    assert text == "brand new key: some_value · nested: (inner count: 3) · gone: –"


@pytest.mark.parametrize("raw, expected", [(None, ""), ("", ""), ("{}", ""), ("not json at all", "not json at all")])
def test_no_detail_or_an_old_plain_text_row(raw, expected):
    assert detail_text(raw, "vi") == expected


def test_a_long_list_is_cut_with_a_count():
    text = detail_text(json.dumps({"units": [str(i) for i in range(25)]}), "vi")
    assert text.endswith("và 15 mục khác")
