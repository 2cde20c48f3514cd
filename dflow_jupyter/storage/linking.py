"""How artifact files reach a step without copying them: reflinks, hard links, copies or symlinks."""

from __future__ import annotations

import errno
import filecmp
import os
import stat
from collections.abc import Callable

from dflow_jupyter.storage.copying import NO_REFLINK as _NO_REFLINK, copy_file, reflink as _reflink
from dflow_jupyter.storage.fingerprints import FileFingerprint, Fingerprints
from dflow_jupyter.storage.manifest import real_path

__all__ = ["METHODS", "LinkConflictError", "Linker", "MayLink", "check_method"]

METHODS = ("auto", "reflink", "link", "copy", "symlink")

#: Whether a file (its real path and ``lstat``) may be shared by a link; else it is copied.
MayLink = Callable[[str, os.stat_result], bool]
# Errors after which a hard link is impossible but a copy works.
_NO_LINK = {errno.EXDEV, errno.EMLINK, errno.EPERM, errno.EACCES, errno.ENOTSUP, errno.EOPNOTSUPP}
_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH

# (source st_dev, destination st_dev) -> whether FICLONE works between them.
_reflink_support: dict[tuple[int, int], bool] = {}


class LinkConflictError(FileExistsError):
    """Two different files were to be placed at the same path."""

    def __init__(self, rel: str, dst: str) -> None:
        super().__init__(errno.EEXIST, f"'{rel}' is already present with different contents", dst)
        self.rel = rel


def check_method(method: str) -> str:
    """Return ``method`` if it is a known copy method, else raise a ``ValueError`` naming them."""
    if method not in METHODS:
        raise ValueError(
            f"debug_copy_method: unknown method {method!r}; expected one of {', '.join(map(repr, METHODS))}"
        )
    return method


class Linker:
    """Places files and trees for one operation (a save, a stage, a download...).

    All destinations of one operation are assumed to be on one device (they are all under one
    temporary directory); sources may be anywhere.

    Parameters
    ----------
    method : str
        One of :data:`METHODS`.
    protect : bool
        Make hard-linked inodes read-only and fingerprint shared inodes (staging).
    replace : bool
        On a name clash with a different file, replace it (dflow's behaviour) instead of
        raising :class:`LinkConflictError`.
    keep_identical : bool
        On a name clash, keep an existing file with the same contents (``skip_exists``).
    may_link : callable, optional
        Which source files may be shared by a hard link or a symlink (and, when protecting,
        made read-only): the others are copied (reflinked where possible), whatever the method.
        The store passes "files of the store" (:mod:`~dflow_jupyter.storage.manifest`) or "files
        of the step's own directory", so that no file of the user's is ever linked or made
        read-only. None: any file may be linked.

    Attributes
    ----------
    rel_root, rel_name : str
        Destination paths under ``rel_root`` are reported as ``rel_name`` + the rest, so that
        fingerprints made inside a temporary directory name the final location.
    skip_dirs : set of (st_dev, st_ino)
        Directories never entered (the upload area, when uploading a parent of it).

    Notes
    -----
    Every artifact in the local store is a directory (its files at their relative paths plus a
    ``.dflow`` catalog) and is never modified once written. Saving an output links the files the
    step wrote into the store; staging an input links the stored files under the consumer's input
    directory. How a file is linked is chosen with ``config["debug_copy_method"]``:

    ``"auto"`` (default)
        A reflink (``ioctl(FICLONE)``) where the filesystem supports it (btrfs, XFS with
        ``reflink=1``, bcachefs, OpenZFS 2.2+): the consumer gets its own copy-on-write file, so no
        data is copied and nothing the consumer does can reach the producer's copy. Support is
        probed on the first file of each (source device, destination device) pair and cached.
        Elsewhere (ext4, tmpfs, overlayfs...) the file is **hard-linked** and made read-only
        (``chmod a-w``), and a fingerprint ``(st_ino, st_size, st_mtime_ns)`` of the shared inode is
        recorded so that the engine can check after the step that it was not written in place
        (:func:`verify_unmodified`). Across devices the file is copied.
    ``"reflink"``
        A reflink where supported, otherwise a real copy: always isolated, zero-copy only on
        copy-on-write filesystems.
    ``"link"``
        Hard links (read-only, fingerprinted) even on copy-on-write filesystems; a copy across
        devices or when the inode already has the most links the filesystem allows.
    ``"copy"``
        A real copy of every file, for outputs too: fully isolated, at the cost of the time and
        disk space of the data.
    ``"symlink"``
        dflow's own debug behaviour: inputs are trees of symbolic links into the store. Cheapest,
        but a step writing through a link modifies the stored artifact; fingerprints are recorded,
        so such writes are at least reported. (Outputs are still stored as real files, as "auto".)

    Which operations use it: saving outputs (``LocalStore.save_output``/``save_path``) reflinks or
    hard-links the files the step made in its own directory (copies with ``"copy"``); staging
    inputs (``stage_input``/``stage_at``) and ``download_artifact`` use the method as described
    for the store's own files. Stacking sliced outputs always hard-links, since it only shares
    files between immutable store entries. Only files of the store, and files a step made in its
    own directory, are ever shared (``may_link``): ``upload_artifact``, a ``LocalArtifact`` of the
    user's, a path an OP returns from elsewhere (``/data/x``, ``../../x``, a symlink) are copied
    (reflinked where possible), so no file of the user's is ever made read-only or written.

    Trade-offs of hard links. The consumer's file *is* the producer's file. Removing the write
    bits makes ``open(path, "w")`` fail with ``PermissionError`` for ordinary users, which is the
    point: the error names the read-only input instead of silently corrupting an upstream result.
    The superuser ignores permission bits, so under root (common in containers) an in-place write
    succeeds and is only *detected* afterwards by :func:`verify_unmodified`, which reports the
    changed paths. Replacing a file (writing a new file and renaming it over the input, as
    editors and many libraries do when they "save") or deleting it never affects the stored copy.
    The read-only bit belongs to the inode, so once a file has been staged, every name of it is
    read-only: the copy in the producer's working directory and a downloaded copy. For the same
    reason, rewriting a file in place
    in the producer's working directory after the step (by hand, or a retry that reuses the
    directory) would change the stored artifact. Detection relies on the modification time: on
    Linux kernels without fine-grained ("multigrain") file timestamps (before about 6.13), a
    same-size rewrite within one timer tick of the producer's last write can go unnoticed. When
    isolation must be guaranteed on a filesystem without reflinks, use ``"copy"``.

    Directories are never linked: they are recreated with ``mkdir`` and their files linked, so a
    step may add or delete files in its inputs without touching the store. Writes are atomic: an
    artifact is assembled under a hidden temporary name next to its destination and renamed into
    place, so a crash never leaves a half-written artifact under its final name. Nothing is ever
    written through a symlink found at a destination: it is replaced (or reported as a clash).
    """

    def __init__(
        self,
        method: str,
        *,
        protect: bool = False,
        replace: bool = True,
        keep_identical: bool = False,
        may_link: MayLink | None = None,
    ) -> None:
        self.method = check_method(method)
        self.may_link = may_link
        self.protect = protect
        self.replace = replace
        self.keep_identical = keep_identical
        self.rel_root = ""
        self.rel_name = ""
        self.fingerprints: Fingerprints = []
        self.skip_dirs: set[tuple[int, int]] = set()
        self.dst_dev: int | None = None
        """``st_dev`` of the destination; stat-ed on first use unless the caller knows it."""
        self._modes: dict[int, str] = {}  # source st_dev -> concrete method

    def _rel(self, dst: str) -> str:
        return self.rel_name + dst[len(self.rel_root) :]

    def _mode(self, src_dev: int, dst: str) -> str:
        mode = self._modes.get(src_dev)
        if mode is not None:
            return mode
        if self.dst_dev is None:
            self.dst_dev = os.stat(os.path.dirname(dst) or ".").st_dev
        same = src_dev == self.dst_dev
        method = self.method
        if method in ("copy", "symlink"):
            mode = method
        elif method == "link":
            mode = "link" if same else "copy"
        else:
            supported = _reflink_support.get((src_dev, self.dst_dev))
            if supported is None:
                mode = "probe"
            elif supported:
                mode = "reflink"
            else:
                mode = "link" if method == "auto" and same else "copy"
        self._modes[src_dev] = mode
        return mode

    def place(self, src: str, dst: str, *, skip: str | None = None) -> None:
        """Place ``src`` (file or directory; a symlink is followed) at ``dst``.

        The parent of ``dst`` must exist. ``skip`` names a top-level entry of a directory to
        leave out (the catalog directory).
        """
        # Real paths from here on: whether a file may be linked depends on where it really is.
        src = real_path(src)
        st = os.stat(src)
        if stat.S_ISDIR(st.st_mode):
            self.mkdir(dst)
            self._tree(src, dst, st.st_dev, skip, {(st.st_dev, st.st_ino)})
        else:
            self.file(src, dst, st.st_dev, st)

    def file(self, src: str, dst: str, dev: int, st: os.stat_result | None = None) -> None:
        """Place regular file ``src`` (not a symlink) from device ``dev`` at ``dst``."""
        try:
            self._place(src, dst, dev, st)
        except FileExistsError:
            if os.path.islink(dst):  # never followed: replaced, or a clash
                if not self.replace:
                    raise LinkConflictError(self._rel(dst), dst) from None
            else:
                if os.path.samefile(src, dst):
                    if self._linkable(src, st):
                        self._record(src, dst, st, chmod=self._modes.get(dev) == "link")
                    return
                if not self.replace or os.path.isdir(dst):
                    raise LinkConflictError(self._rel(dst), dst) from None
                if self.keep_identical and filecmp.cmp(src, dst, shallow=False):
                    return
            os.unlink(dst)
            self._place(src, dst, dev, st)

    def _linkable(self, src: str, st: os.stat_result | None) -> bool:
        if self.may_link is None:
            return True
        return self.may_link(src, st if st is not None else os.lstat(src))

    def _place(self, src: str, dst: str, dev: int, st: os.stat_result | None) -> None:
        mode = self._mode(dev, dst)
        if mode == "probe":
            try:
                _reflink(src, dst)
            except OSError as exc:
                if exc.errno not in _NO_REFLINK:
                    raise
                _reflink_support[(dev, self.dst_dev or 0)] = False
                del self._modes[dev]
                mode = self._mode(dev, dst)
            else:
                _reflink_support[(dev, self.dst_dev or 0)] = True
                self._modes[dev] = "reflink"
                return
        if mode in ("link", "symlink") and not self._linkable(src, st):
            # Not the store's file: the destination gets its own copy, the file stays untouched.
            mode = "reflink" if _reflink_support.get((dev, self.dst_dev or 0)) else "copy"
        if mode == "link":
            try:
                os.link(src, dst)
            except OSError as exc:
                if exc.errno not in _NO_LINK:
                    raise
                copy_file(src, dst)
                return
            if self.protect:
                self._record(src, dst, st, chmod=True)
        elif mode == "reflink":
            try:
                _reflink(src, dst)
            except OSError as exc:
                if exc.errno not in _NO_REFLINK:
                    raise
                copy_file(src, dst)
        elif mode == "copy":
            copy_file(src, dst)
        else:  # symlink
            os.symlink(os.path.abspath(src), dst)
            if self.protect:
                self._record(src, dst, st, chmod=False)

    def _record(self, src: str, dst: str, st: os.stat_result | None, *, chmod: bool) -> None:
        if not self.protect:
            return
        if st is None:
            st = os.stat(src)
        if chmod and st.st_mode & _WRITE_BITS:
            os.chmod(src, stat.S_IMODE(st.st_mode) & ~_WRITE_BITS)
        self.fingerprints.append(FileFingerprint(self._rel(dst), src, st.st_ino, st.st_size, st.st_mtime_ns))

    def mkdir(self, dst: str) -> None:
        """Create directory ``dst``, or merge into it if it is one (a symlink to one is not)."""
        try:
            os.mkdir(dst)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(dst).st_mode):
                if not self.replace:
                    raise LinkConflictError(self._rel(dst), dst) from None
                os.unlink(dst)
                os.mkdir(dst)

    def _tree(self, src: str, dst: str, dev: int, skip: str | None, active: set[tuple[int, int]]) -> None:
        protect = self.protect
        with os.scandir(src) as entries:
            for entry in entries:
                if entry.name == skip:
                    continue
                target = os.path.join(dst, entry.name)
                if entry.is_file(follow_symlinks=False):
                    wanted = protect or self.may_link is not None
                    st = entry.stat(follow_symlinks=False) if wanted else None
                    self.file(entry.path, target, dev, st)
                elif entry.is_dir():
                    # Following symlinked directories can loop: never re-enter a directory that
                    # is open on the current path.
                    st = entry.stat()
                    ident = (st.st_dev, st.st_ino)
                    if ident in active or ident in self.skip_dirs:
                        continue
                    self.mkdir(target)
                    active.add(ident)
                    # Through a symlinked directory: on with its real path (see place()).
                    inner = real_path(entry.path) if entry.is_symlink() else entry.path
                    self._tree(inner, target, st.st_dev, None, active)
                    active.discard(ident)
                elif entry.is_file():  # symlink to a file
                    real = real_path(entry.path)
                    st = os.stat(real)
                    self.file(real, target, st.st_dev, st)
                elif entry.is_symlink():  # dangling: keep it as it is
                    os.symlink(os.readlink(entry.path), target)
                # sockets, fifos and devices cannot be stored: left out
