"""Writing inside a download target only: safe tarball extraction and parent directories.

A download writes where the user asked and nowhere else. Archive members with absolute names,
``..`` components, links leading out of the target or device files are refused, as are
symlinks already in the target on the way to a file: they are replaced, never followed.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import tempfile
from collections import Counter

from dflow_jupyter.storage.catalog import check_relative
from dflow_jupyter.storage.errors import ArtifactPathError

__all__ = ["extract_tarball", "make_parents", "unpack_merged"]


def make_parents(base: str, rel: str) -> None:
    """Create the directories of ``rel`` under ``base`` without following a symlink found there.

    A symlink (or a file) where a directory is needed is replaced by a directory: what the
    download writes stays inside ``base``.
    """
    current = base
    for part in rel.split("/")[:-1]:
        if not part or part == ".":
            continue
        current = os.path.join(current, part)
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            os.mkdir(current)
            continue
        if not stat.S_ISDIR(st.st_mode):
            os.unlink(current)
            os.mkdir(current)


def _check_member(member: tarfile.TarInfo, dest: str, archive: str, files: set[str]) -> None:
    """Refuse ``member`` unless it stays inside ``dest``; ``files``: regular files seen so far."""
    where = f"download_artifact: archive {archive}"
    name = member.name.rstrip("/")
    check_relative(name, where, "member")
    if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
        raise ArtifactPathError(f"{where}: member {member.name!r} is a device or fifo; expected files")
    target = os.path.realpath(os.path.join(dest, name))
    if not _inside(target, dest):
        raise ArtifactPathError(f"{where}: member {member.name!r} would be written outside {dest}")
    if member.issym() or member.islnk():
        link = member.linkname
        if os.path.normpath(name) == "." or not link or os.path.normpath(link) == os.path.normpath(name):
            raise ArtifactPathError(f"{where}: link {member.name!r} -> {link!r} refers to itself or nothing")
        if os.path.isabs(link):
            raise ArtifactPathError(f"{where}: link {member.name!r} -> {link!r} leads outside the target")
        base = os.path.dirname(name) if member.issym() else ""
        resolved = os.path.realpath(os.path.join(dest, base, link))
        if not _inside(resolved, dest):
            raise ArtifactPathError(f"{where}: link {member.name!r} -> {link!r} leads outside {dest}")
        if member.islnk() and os.path.normpath(link) not in files:
            # tarfile follows a hard link to a link (or to itself) without end.
            raise ArtifactPathError(
                f"{where}: hard link {member.name!r} -> {link!r}: expected a file earlier in the archive"
            )
    if member.isfile():
        files.add(os.path.normpath(name))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def extract_tarball(archive: str, dest: str) -> None:
    """Extract the gzipped tarball ``archive`` into ``dest``, refusing members that leave it."""
    dest = os.path.realpath(dest)
    with tarfile.open(archive, "r:gz") as tf:
        members = tf.getmembers()
        files: set[str] = set()
        for member in members:
            _check_member(member, dest, archive, files)
        names = [os.path.normpath(m.name) for m in members]
        seen = Counter(names)
        for member, name in zip(members, names, strict=True):
            if (member.issym() or member.islnk()) and seen[name] > 1:
                # A link made where another member is: tarfile then copies what it points to,
                # and follows links to links without end.
                raise ArtifactPathError(
                    f"download_artifact: archive {archive}: link {member.name!r} shares its name "
                    "with another member"
                )
        try:
            tf.extractall(dest, members=members, filter="data")
        except TypeError:  # Python < 3.10.12 has no extraction filters: the checks above hold
            tf.extractall(dest, members=members)
        except tarfile.FilterError as exc:
            raise ArtifactPathError(f"download_artifact: archive {archive}: {exc}") from exc
        except RecursionError:  # links that lead to each other, in a way the checks missed
            raise ArtifactPathError(
                f"download_artifact: archive {archive}: its links refer to each other in a loop"
            ) from None


def unpack_merged(archive: str, dest: str) -> None:
    """Extract ``archive`` into ``dest`` as dflow does for an artifact fetched from an object store.

    An archive whose only entry is a directory (Argo archives an output directory ``x`` as
    ``x/...``) is merged into ``dest`` without that directory. Members are checked as by
    :func:`extract_tarball`; they are extracted in a hidden directory inside ``dest`` (so
    nothing is written elsewhere, and the moves are renames), and the archive is removed.
    """
    scratch = tempfile.mkdtemp(prefix=".dflow-unpack-", dir=dest)
    try:
        extract_tarball(archive, scratch)
        os.remove(archive)
        entries = os.listdir(scratch)
        only = os.path.join(scratch, entries[0]) if len(entries) == 1 else scratch
        _merge(only if os.path.isdir(only) and not os.path.islink(only) else scratch, dest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _merge(src: str, dest: str) -> None:
    """Move the tree ``src`` into ``dest``: files replace files, directories are merged."""
    for name in os.listdir(src):
        source, target = os.path.join(src, name), os.path.join(dest, name)
        if os.path.isdir(source) and not os.path.islink(source):
            if os.path.lexists(target) and not (os.path.isdir(target) and not os.path.islink(target)):
                os.unlink(target)  # a file or link where a directory goes: replaced, never followed
            if os.path.lexists(target):
                _merge(source, target)
                continue
        elif os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        os.replace(source, target)
