"""The password rule: long enough, mixed, not common, not the username, not a run of repeated or sequential keys."""

from __future__ import annotations

from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 10
# A username shorter than this is not looked for inside the password ("li" would refuse half the dictionary).
MIN_USERNAME_IN_PASSWORD = 3
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

# Rows of the keyboard as people type them in order ("qwerty", "asdfgh", "1qaz"-style columns are in the list).
_KEYBOARD_ROWS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, username: str | None = None) -> str | None:
    """What is wrong with `password`, in a sentence for the person choosing it; None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 位。"
    if password.isdigit() or password.isalpha():
        return "密码须同时包含字母和数字或符号。"
    lowered = password.lower()
    name = (username or "").strip().lower()
    if len(name) >= MIN_USERNAME_IN_PASSWORD and name in lowered:
        return "密码不能包含用户名。"
    if _is_common(lowered):
        return "密码过于常见，很容易被猜中，请换一个。"
    if _is_patterned(lowered):
        return "密码不能由重复、连续或键盘上相邻的字符组成（如 aaaa、1234、abcd、qwer）。"
    return None


def _is_common(lowered: str) -> bool:
    """The password, or its word once the digits and symbols around it are taken off ("Password2026!")."""
    common = common_passwords()
    core = lowered.strip("0123456789`~!@#$%^&*()-_=+[]{}\\|;:'\",.<>/? ")
    return lowered in common or core in common


def _is_patterned(lowered: str) -> bool:
    """True when the whole password is a chain of runs, each of two or more characters, that are repeats
    ("aaaa"), steps of one ("abcd", "4321") or neighbours on a keyboard row ("qwer", "lkjh"): "abcdefgh12",
    "aaaa1111bb" and "1qaz1qaz1qaz" are refused, "Shaxi-2026" is not. Also a password that repeats one short
    piece ("ab1-ab1-ab1-")."""
    n = len(lowered)
    for size in range(1, n // 2 + 1):
        if n % size == 0 and lowered[:size] * (n // size) == lowered:
            return True
    longest = [_longest_run(lowered, i) for i in range(n)]
    reachable = [False] * (n + 1)
    reachable[0] = True
    for i in range(n):
        if reachable[i]:
            for end in range(i + 2, i + longest[i] + 1):
                reachable[end] = True
    return reachable[n]


def _longest_run(text: str, start: int) -> int:
    """Length of the longest repeat, step-of-one or keyboard run beginning at `start` (1 when there is none)."""
    best = 1
    for step in (0, 1, -1):
        end = start + 1
        while end < len(text) and ord(text[end]) - ord(text[end - 1]) == step:
            end += 1
        best = max(best, end - start)
    for row in _KEYBOARD_ROWS:
        for line in (row, row[::-1]):
            end = start + 1
            while end < len(text) and _adjacent(line, text[end - 1], text[end]):
                end += 1
            best = max(best, end - start)
    return best


def _adjacent(line: str, first: str, second: str) -> bool:
    i = line.find(first)
    return i >= 0 and i + 1 < len(line) and line[i + 1] == second
