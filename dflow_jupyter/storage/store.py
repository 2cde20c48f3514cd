"""``LocalStore``: saving step outputs as artifacts and staging artifacts as step inputs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dflow_jupyter.storage.artifact import LocalArtifact, S3Artifact
from dflow_jupyter.storage.atomic import atomic_dir, atomic_path, ensure_parent
from dflow_jupyter.storage.catalog import Item, flatten, read_catalog, write_catalog
from dflow_jupyter.storage.errors import ArtifactNotFoundError, ArtifactTypeError
from dflow_jupyter.storage.fingerprints import Fingerprints
from dflow_jupyter.storage.linking import Linker, MayLink, check_method
from dflow_jupyter.storage.location import locate
from dflow_jupyter.storage.manifest import (
    StoreFiles,
    changed_files,
    digest_tree,
    inside,
    real_path,
    write_manifest,
)
from dflow_jupyter.storage.signs import convert_for_sign, sign_kind
from dflow_jupyter.storage.staging import inspect_artifact, stage

__all__ = ["LocalStore"]

_PathLike = (str, os.PathLike)


def _output_pairs(value: Any, what: str, sign: Any) -> list[tuple[int | str, Any]]:
    """(order, path) pairs of an OP's returned value, with dflow's orders."""
    kind = sign_kind(sign).kind
    if isinstance(value, _PathLike):
        if kind in ("list", "set", "dict"):
            raise ArtifactTypeError(
                f"{what}: the OP declares {kind} of paths but returned one path {value!r}; "
                f"return e.g. [{value!r}]"
            )
        return [(0, value)]
    if kind == "single":
        raise ArtifactTypeError(
            f"{what}: the OP declares one path (str or Path) but returned a "
            f"{type(value).__name__}; declare the artifact as List[Path] or Dict[str, Path]"
        )
    if isinstance(value, dict):
        return list(flatten(value).items())
    if isinstance(value, (list, tuple, set, frozenset)):
        if any(isinstance(v, (list, tuple, dict)) for v in value):
            return list(flatten(list(value)).items())
        return list(enumerate(value))
    raise ArtifactTypeError(
        f"{what}: expected a path (str or Path) or a list/dict of paths, got "
        f"{type(value).__name__}: {value!r}"
    )


def _output_rel(src: str, workdir: str, inputs_dir: str | None) -> str:
    """Where a returned path lives inside the output artifact (dflow's ``copy_results`` rule)."""
    if inputs_dir:
        prefix = inputs_dir.rstrip("/") + "/"
        if src.startswith(prefix):
            # An input passed through keeps its path inside its artifact.
            name, _, inner = src[len(prefix) :].partition("/")
            return inner or name
    prefix = workdir.rstrip("/") + "/"
    if src.startswith(prefix):
        return src[len(prefix) :]
    return src.lstrip("/")


def _only_file(artifact: Any, what: str, store_root: str) -> Any:
    """The artifact's only file as a ``LocalArtifact``, or the artifact itself."""
    src = inspect_artifact(artifact, what=what, store_root=store_root)
    if src.file is None and src.slice is None and len(src.items) == 1:
        rel = src.items[0]["dflow_list_item"]
        if rel is not None and os.path.isfile(os.path.join(src.root, rel)):
            return LocalArtifact(os.path.join(src.root, rel))
    return artifact


class LocalStore:
    """Artifacts as directories on the local disk, passed between steps without copying.

    Parameters
    ----------
    root : Path
        Directory against which relative artifact keys are resolved.
    method : str
        ``config["debug_copy_method"]``: ``auto``, ``reflink``, ``link``, ``copy`` or
        ``symlink`` (see :class:`~dflow_jupyter.storage.linking.Linker`).
    """

    def __init__(self, root: Path, method: str = "auto") -> None:
        self.root = Path(root)
        self.method = check_method(method)

    @property
    def _save_method(self) -> str:
        # The store must hold real files: symlinks into a workdir would make the artifact change
        # with it. Only "copy" copies; every other method shares the inode (or reflinks).
        return "auto" if self.method == "symlink" else self.method

    def save_output(
        self,
        value: Any,
        *,
        workdir: Path,
        dest: Path,
        sign_type: Any = None,
    ) -> S3Artifact | None:
        """Store what an OP returned for an output artifact at ``dest``, with its catalog.

        ``value`` is a path (``str``/``Path``) or a list/dict (possibly nested) of paths, ``None``
        items allowed; relative paths are relative to ``workdir``. Paths under ``workdir`` keep
        their relative path, paths under ``<stepdir>/inputs/artifacts`` (when ``dest`` is
        ``<stepdir>/outputs/artifacts/<name>``) keep their path inside their input artifact, any
        other absolute path is kept without its leading ``/``.
        Returns None when ``value`` is None (an optional artifact not produced).
        """
        if value is None:
            return None
        dest_s = os.path.abspath(dest)
        what = f"output artifact '{os.path.basename(dest_s)}'"
        workdir_s = os.path.abspath(workdir)
        outputs_dir, _, _ = dest_s.rpartition("/")
        step_dir, _, tail = outputs_dir.rpartition("/outputs/")
        inputs_s = step_dir + "/inputs/artifacts" if tail == "artifacts" else None
        pairs = _output_pairs(value, what, sign_type)
        linker = Linker(self._save_method, may_link=_step_files(os.path.dirname(workdir_s), inputs_s))
        linker.dst_dev = ensure_parent(dest_s)
        items: list[Item] = []
        with atomic_dir(dest_s, parent_ready=True) as tmp:
            for order, path in pairs:
                if path is None:
                    items.append({"dflow_list_item": None, "order": order})
                    continue
                if not isinstance(path, _PathLike):
                    raise ArtifactTypeError(
                        f"{what}: item {order!r} should be a path (str or Path), got "
                        f"{type(path).__name__}: {path!r}"
                    )
                src = os.path.abspath(os.path.join(workdir_s, path))
                rel = _output_rel(src, workdir_s, inputs_s)
                target = os.path.join(tmp, rel)
                if os.sep in rel:
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                try:
                    linker.place(src, target)
                except FileNotFoundError:
                    if os.path.exists(src):
                        raise
                    raise ArtifactNotFoundError(
                        f"{what}: path '{os.fspath(path)}' does not exist in {workdir_s} "
                        "(relative paths are relative to the step's working directory; "
                        "return None for an optional artifact that was not produced)"
                    ) from None
                items.append({"dflow_list_item": rel, "order": order})
            write_catalog(tmp, items)
            digests = digest_tree(tmp)
        write_manifest(dest_s, digests)
        return S3Artifact(key=dest_s, path_list=items, local_path=dest_s)

    def stage_input(
        self,
        artifact: Any,
        *,
        dest: Path,
        sign_type: Any = None,
        name: str | None = None,
    ) -> tuple[Any, Fingerprints]:
        """Place an input artifact at ``dest`` and return what the OP receives plus fingerprints.

        ``artifact`` is an ``S3Artifact``/``LocalArtifact`` (possibly sliced, ``art[i]``), a
        list or dict of them (staged as ``dest/<i>`` or ``dest/<key>`` and re-assembled into
        one list/dict, as dflow does), a string (written as a file, as dflow does) or None
        (an absent optional artifact: returns ``(None, [])``). ``sign_type`` is the OP's
        ``Artifact`` signature or its type (``Path``, ``List[Path]``, ``Dict[str, Path]``,
        ``NestedDict[Path]``, ``str``...). Pass the fingerprints to :func:`verify_unmodified`
        after the step.
        """
        if artifact is None:
            return None, []
        dest_s = os.path.abspath(dest)
        what = f"input artifact '{name or os.path.basename(dest_s)}'"
        kind = sign_kind(sign_type)
        linker = Linker(self.method, protect=True, may_link=StoreFiles())
        po = stage(artifact, dest_s, linker, what=what, store_root=str(self.root), with_catalog=False)
        if po == [] and kind.kind in ("list", "set") and _has_empty_catalog(artifact):
            # An empty stacked list (a fan-out over no items) is an empty list, as in dflow.
            return ([] if kind.kind == "list" else set()), linker.fingerprints
        return convert_for_sign(po, dest_s, kind, what=what), linker.fingerprints

    def stage_at(self, artifact: Any, path: Path, *, unwrap_single_file: bool = False) -> Fingerprints:
        """Place ``artifact`` at exactly ``path`` (a shell template's ``InputArtifact(path=...)``).

        A directory artifact becomes the directory ``path`` (catalog included, so that a script
        passing it on keeps its path object); a single-file artifact (a file output of a
        script step) becomes the file ``path``. As in dflow, ``upload_artifact("a.txt")`` is a
        directory artifact, so ``path`` becomes a directory holding ``a.txt``; with
        ``unwrap_single_file=True`` an artifact whose catalog lists exactly one file is placed
        as that file instead (not dflow's behaviour, but often what a script expects).
        """
        if artifact is None:
            return []
        path_s = os.path.abspath(path)
        linker = Linker(self.method, protect=True, may_link=StoreFiles())
        what = f"input artifact at {path_s}"
        if unwrap_single_file and not isinstance(artifact, (str, list, tuple, dict)):
            artifact = _only_file(artifact, what, str(self.root))
        stage(artifact, path_s, linker, what=what, store_root=str(self.root))
        return linker.fingerprints

    def save_path(self, path: Path, dest: Path) -> S3Artifact:
        """Store a file or directory written by a shell/script step (``OutputArtifact(path=...)``).

        A directory is stored as it is (with any catalog it carries); a file is stored as a
        single-file artifact, staged again as a file and downloaded under its own name.
        """
        src = os.path.abspath(path)
        dest_s = os.path.abspath(dest)
        if not os.path.exists(src):
            raise ArtifactNotFoundError(
                f"output artifact '{os.path.basename(dest_s)}': path '{path}' does not "
                "exist; the step did not create it (paths are inside the step's working "
                "directory)"
            )
        step_dir, _, tail = dest_s.rpartition("/outputs/artifacts/")
        # Only a step's own files may be linked into its outputs; elsewhere, files are copied.
        linker = Linker(self._save_method, may_link=_step_files(step_dir if "/" not in tail else None, None))
        linker.dst_dev = ensure_parent(dest_s)
        with atomic_path(dest_s, parent_ready=True) as tmp:
            if os.path.isdir(src):
                linker.place(src, tmp)
            else:
                os.mkdir(tmp)
                base = os.path.basename(src)
                linker.place(src, os.path.join(tmp, base))
                write_catalog(tmp, [{"dflow_list_item": base, "order": 0}], single_file=True)
            digests = digest_tree(tmp)
        write_manifest(dest_s, digests)
        return S3Artifact(key=dest_s, local_path=dest_s)

    def changed_files(self, artifact: Any) -> list[str] | None:
        """Files of a saved output (or a list of them) that changed since it was saved.

        Compares content digests recorded at save time, so a rewrite that keeps the size and
        the modification time is caught too. None when the artifact has no recorded digests.
        """
        parts = artifact if isinstance(artifact, list) else [artifact]
        changed: list[str] | None = None
        for part in parts:
            if part is None:
                continue
            try:
                root, _ = locate(part, store_root=str(self.root), what="reused output")
            except ArtifactNotFoundError:
                return [str(getattr(part, "key", part))]
            except ArtifactTypeError:
                continue  # not a stored artifact: nothing to check
            found = changed_files(root)
            if found is not None:
                changed = (changed or []) + [os.path.join(root, rel) for rel in found]
        return changed


def _step_files(step_dir: str | None, inputs_dir: str | None) -> MayLink:
    """``may_link`` when saving outputs: only files the step made in its own directory.

    A path an OP returns may lead anywhere (``Path("/data/x")``, ``"../../x"``, a symlink): a
    file outside the step's directory is copied into the store, never linked, so that staging
    it later cannot make it read-only and no consumer can write into it. So is a file of the
    working directory with other names (a hard link the OP made to a file elsewhere); the step's
    inputs are the store's own files.
    """
    step = real_path(step_dir) if step_dir and os.path.isdir(step_dir) else None
    inputs = real_path(inputs_dir) if inputs_dir and os.path.isdir(inputs_dir) else None

    def may_link(real: str, st: os.stat_result) -> bool:
        if inputs is not None and inside(real, inputs):
            return True
        return step is not None and inside(real, step) and st.st_nlink == 1

    return may_link


def _has_empty_catalog(artifact: Any) -> bool:
    """Whether ``artifact`` is a whole store directory whose catalog lists nothing."""
    root = getattr(artifact, "local_path", None) or getattr(artifact, "key", None)
    if not isinstance(root, str) or getattr(artifact, "slice", None) is not None:
        return False
    catalog = read_catalog(root)
    return catalog.present and not catalog.items
