"""Copies that never write through a symlink at their destination, and reflinks (copy-on-write clones)."""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import stat
from typing import BinaryIO

__all__ = ["NO_REFLINK", "copy_file", "reflink"]

_FICLONE = 0x40049409  # _IOW(0x94, 9, int) from <linux/fs.h>
# Errors meaning "this filesystem pair cannot share blocks", as opposed to a real I/O problem.
NO_REFLINK = {
    errno.EOPNOTSUPP,
    errno.ENOTSUP,
    errno.EXDEV,
    errno.EINVAL,
    errno.ENOTTY,
    errno.ENOSYS,
}
# Create a new file, never open an existing one: a symlink planted at the destination would
# otherwise be followed and its target overwritten.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW


def reflink(src: str, dst: str) -> None:
    """Clone ``src`` to the new file ``dst`` sharing its blocks (``ioctl(FICLONE)``)."""
    src_fd = os.open(src, os.O_RDONLY)
    try:
        mode = stat.S_IMODE(os.fstat(src_fd).st_mode)
        dst_fd = os.open(dst, _CREATE, mode)
        try:
            fcntl.ioctl(dst_fd, _FICLONE, src_fd)
        except OSError:
            os.close(dst_fd)
            os.unlink(dst)
            raise
        os.close(dst_fd)
    finally:
        os.close(src_fd)


def copy_file(src: str, dst: str) -> None:
    """Copy ``src`` (its data, mode and times, as ``shutil.copy2``) to the new file ``dst``.

    Raises ``FileExistsError`` if anything, a symlink included, is already at ``dst``.
    """
    with open(src, "rb") as source:
        st = os.fstat(source.fileno())
        fd = os.open(dst, _CREATE, 0o600)
        try:
            with open(fd, "wb", closefd=False) as target:
                _copy_data(source, target, st.st_size)
            os.fchmod(fd, stat.S_IMODE(st.st_mode))
            os.utime(fd, ns=(st.st_atime_ns, st.st_mtime_ns))
        except BaseException:
            os.close(fd)
            os.unlink(dst)
            raise
        os.close(fd)


def _copy_data(source: BinaryIO, target: BinaryIO, size: int) -> None:
    src_fd, dst_fd = source.fileno(), target.fileno()
    offset = 0
    try:
        while offset < size:
            sent = os.sendfile(dst_fd, src_fd, offset, min(size - offset, 1 << 30))
            if sent == 0:
                break
            offset += sent
        else:
            return
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOSYS) or offset:
            raise
    os.lseek(src_fd, offset, os.SEEK_SET)
    shutil.copyfileobj(source, target)  # sendfile cannot: a plain copy
