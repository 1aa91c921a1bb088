"""Encryption at rest (services/core/sealed.py, 5.15): a round trip at the chunk edges, a wrong key told
apart from a damaged file, a file cut at a chunk boundary, chunks swapped, and no output left on failure."""
from __future__ import annotations

import os

import pytest

from services.core import sealed

KEY = "фраза-ключ для проверки шифрования"


@pytest.mark.parametrize("size", [0, 1, sealed.CHUNK - 1, sealed.CHUNK, sealed.CHUNK + 1, 2 * sealed.CHUNK + 7])
def test_round_trip_at_the_chunk_edges(tmp_path, size):
    data = os.urandom(size)
    (tmp_path / "plain").write_bytes(data)
    sealed.seal_file(tmp_path / "plain", tmp_path / "s", KEY)
    raw = (tmp_path / "s").read_bytes()
    chunks = max(1, -(-size // sealed.CHUNK))
    assert len(raw) == sealed.HEADER + size + chunks * sealed.TAG
    assert sealed.is_sealed(tmp_path / "s") and not sealed.is_sealed(tmp_path / "plain")
    assert (tmp_path / "s").stat().st_mode & 0o777 == 0o600
    sealed.open_file(tmp_path / "s", tmp_path / "back", KEY)
    assert (tmp_path / "back").read_bytes() == data


def test_the_same_file_sealed_twice_differs(tmp_path):
    (tmp_path / "p").write_bytes(b"x" * 100)
    sealed.seal_file(tmp_path / "p", tmp_path / "a", KEY)
    sealed.seal_file(tmp_path / "p", tmp_path / "b", KEY)
    assert (tmp_path / "a").read_bytes() != (tmp_path / "b").read_bytes()   # fresh salt and nonces


def _sealed(tmp_path, size=2 * sealed.CHUNK + 10):
    (tmp_path / "p").write_bytes(os.urandom(size))
    return sealed.seal_file(tmp_path / "p", tmp_path / "s", KEY).read_bytes()


def _open(tmp_path, raw, key=KEY):
    (tmp_path / "x").write_bytes(raw)
    try:
        sealed.open_file(tmp_path / "x", tmp_path / "out", key)
    finally:
        assert not (tmp_path / "out").exists() or (tmp_path / "out").read_bytes() == (tmp_path / "p").read_bytes()


def test_a_wrong_key_is_told_apart_from_damage(tmp_path):
    raw = _sealed(tmp_path)
    with pytest.raises(sealed.SealError, match="Ключ не подходит"):
        _open(tmp_path, raw, key="другая длинная фраза")
    with pytest.raises(sealed.SealError, match="нужен ключ"):
        _open(tmp_path, raw, key=None)
    damaged = bytearray(raw)
    damaged[sealed.HEADER + sealed.CHUNK + 100] ^= 1
    with pytest.raises(sealed.SealError, match="блок 2"):
        _open(tmp_path, bytes(damaged))
    assert not (tmp_path / "out").exists()


def test_a_cut_or_reordered_file_is_refused(tmp_path):
    raw = _sealed(tmp_path)
    block = sealed.CHUNK + sealed.TAG
    first, second = raw[sealed.HEADER:sealed.HEADER + block], raw[sealed.HEADER + block:sealed.HEADER + 2 * block]
    for bad in (raw[:sealed.HEADER + block],                      # cut at a chunk boundary
                raw[:sealed.HEADER + 2 * block],
                raw[:sealed.HEADER] + second + first + raw[sealed.HEADER + 2 * block:],   # chunks swapped
                raw[:-1]):
        with pytest.raises(sealed.SealError, match="повреждён|обрезан"):
            _open(tmp_path, bad)
        assert not (tmp_path / "out").exists()
    header = bytearray(raw)
    header[8] = 40   # an absurd scrypt cost in the header
    with pytest.raises(sealed.SealError, match="Заголовок"):
        _open(tmp_path, bytes(header))


def test_the_configured_key(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_BACKUP_KEY", raising=False)
    monkeypatch.delenv("PORTAL_BACKUP_KEY_FILE", raising=False)
    assert sealed.configured_key() is None and not sealed.enabled()
    (tmp_path / "k").write_text(KEY + "\nignored\n")
    monkeypatch.setenv("PORTAL_BACKUP_KEY_FILE", str(tmp_path / "k"))
    assert sealed.configured_key() == KEY
    monkeypatch.setenv("PORTAL_BACKUP_KEY", "short")
    with pytest.raises(sealed.SealError, match="короче"):
        sealed.configured_key()
    assert sealed.enabled()   # set but unusable: a copy fails loudly rather than being written in clear
