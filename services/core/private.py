"""Files with children's data are private to the portal's own system user (issue 13, section 1).

The database, backups and their manifests, the analytics snapshot and the year archives are
written 0600 into folders made 0700, whatever the process's umask (app.py and manage.py set
0077 too, and so do the systemd units, but a service must not rely on that).

A folder the portal makes is 0700. An existing folder is tightened only when it is one of the
portal's own (`own=True`: the backup folder, the database's and the snapshot's folder) and
belongs to this user; a folder someone else chose to write into (an archive's `--out`, /tmp) is
left as it is — the files in it are 0600 all the same.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def make_dir(path: str | os.PathLike, *, own: bool = True) -> Path:
    """Create the folder (and missing parents) 0700; tighten an existing own folder to 0700."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(errno.EEXIST, "not a folder", str(folder))
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for part in reversed(missing):
        try:
            part.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass
        os.chmod(part, DIR_MODE)
    if own and not missing:
        _tighten(folder, DIR_MODE)
    return folder


def protect(path: str | os.PathLike) -> None:
    """Make an existing file 0600 (a file that is gone or not ours is left alone)."""
    _tighten(Path(path), FILE_MODE)


def create(path: str | os.PathLike) -> Path:
    """An empty file that is 0600 from its first byte (an existing one is made 0600)."""
    target = Path(path)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)
    protect(target)
    return target


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write a text file 0600 (UTF-8)."""
    target = create(path)
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)


def _tighten(path: Path, mode: int) -> None:
    try:
        info = path.stat()
        if info.st_uid != os.geteuid() or stat.S_IMODE(info.st_mode) & stat.S_ISVTX:
            return  # not ours, or a shared sticky folder such as /tmp
        if stat.S_IMODE(info.st_mode) != mode:
            os.chmod(path, mode)
    except (FileNotFoundError, PermissionError):
        pass
