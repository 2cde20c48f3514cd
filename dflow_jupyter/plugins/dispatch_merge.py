"""``merge_sliced_step`` on Argo: one pod submits every slice of a fan-out as a task of one submission.

As dflow renders it, the step no longer fans out: its items reach the pod as template inputs
(``dflow_with_param``, or the ``dflow_sequence_*`` fields of ``with_sequence``), and the pod makes
one dpdispatcher task per item. Each task runs in its own directory (``slice-<i>/``, ``i`` the
item's position), its ``DFLOW_SLICE`` set to what Argo would have passed that item (the
``Slices.slices`` pattern), and finds the step's script and input artifacts, uploaded once as
the submission's common files, through links. Once the tasks are back the pod stacks their
outputs where the template declares them, as Argo stacks a fan-out's: output parameters become
Argo's aggregated JSON list in item order, output artifacts one directory (the slices' files and
catalogs side by side, so dflow's ``dflow_list_item`` catalog keeps each file's slice).

Nothing here imports dpdispatcher; the pod's script does.
"""

from __future__ import annotations

import re
from typing import Any

from dflow_jupyter.plugins.dispatch_settings import DispatcherConfigError

__all__ = [
    "MERGE_INPUTS",
    "check_mergeable",
    "fetch_command",
    "merge_signature",
    "stack_lines",
    "submission_lines",
]

#: The template inputs that carry the items of a merged fan-out (dflow's names).
MERGE_INPUTS = (
    "dflow_with_param",
    "dflow_sequence_start",
    "dflow_sequence_end",
    "dflow_sequence_count",
    "dflow_sequence_format",
)
_ITEM = re.compile(r"\{\{\s*item((?:\.[A-Za-z0-9_-]+)*)\s*\}\}")


def check_mergeable(slices: Any, name: str) -> list[str]:
    """The keys that lead from an item to its slice value (``{{item.order}}``: ``["order"]``).

    Raises
    ------
    DispatcherConfigError
        ``group_size`` (as in dflow), or a ``Slices.slices`` pattern the pod cannot evaluate.
    """
    if slices.group_size:
        raise DispatcherConfigError(
            f"template {name!r}: Slices(group_size=...) cannot be combined with "
            "merge_sliced_step=True (as in dflow): the merged pod already runs every slice, one "
            "task each; drop group_size (resources_dict['group_size'] packs tasks into jobs)"
        )
    # With shuffle the item is a position the runner maps through the seeded permutation.
    pattern = "{{item}}" if slices.shuffle else str(slices.slices)
    found = _ITEM.fullmatch(pattern.strip())
    if found is None:
        raise DispatcherConfigError(
            f"template {name!r}: with merge_sliced_step=True the pod works out each item's slice "
            f"itself, from a pattern '{{{{item}}}}' or '{{{{item.<key>}}}}'; got Slices(slices="
            f"{slices.slices!r}): give the index in the items (with_param=[{{'i': 0}}, ...], "
            "slices='{{item.i}}')"
        )
    return [key for key in found.group(1).split(".") if key]


def merge_signature(template: dict[str, Any], env: list[dict[str, Any]]) -> None:
    """Take the items instead of one slice: ``dflow_slice`` leaves, the item inputs come in."""
    params = template.setdefault("inputs", {}).setdefault("parameters", [])
    params[:] = [p for p in params if p["name"] != "dflow_slice"]
    params.extend({"name": name, "value": ""} for name in MERGE_INPUTS)
    env[:] = [e for e in env if e["name"] != "DFLOW_SLICE"]
    env.extend({"name": name.upper(), "value": "{{inputs.parameters.%s}}" % name} for name in MERGE_INPUTS)


def fetch_command(map_tmp_dir: bool) -> str:
    """How a task gets the step's script from the submission's root (its ``$(pwd)`` its own)."""
    if map_tmp_dir:
        return 'sed "s#\\$(pwd)#$(pwd)#g" ../script > script'
    return "cp ../script script"


def submission_lines(keys: list[str]) -> list[str]:
    """The pod's lines that make one task per item and the submission of them all."""
    return [
        "import copy",
        "def merged_items():",
        "    with_param = os.environ.get('DFLOW_WITH_PARAM', '')",
        "    if with_param:",
        "        return json.loads(with_param)",
        # Argo's withSequence: strings, count or an inclusive end, counting down when below start.
        "    field = lambda k: os.environ.get('DFLOW_SEQUENCE_' + k, '')",
        "    start = int(field('START') or 0)",
        "    if field('COUNT'):",
        "        numbers = range(start, start + int(field('COUNT')))",
        "    else:",
        "        end = int(field('END'))",
        "        numbers = range(start, end + 1) if end >= start else range(start, end - 1, -1)",
        "    return [field('FORMAT') % n if field('FORMAT') else str(n) for n in numbers]",
        "items = merged_items()",
        "def slice_of(item):",
        f"    for key in {keys!r}:",
        "        item = item[key]",
        "    return item if isinstance(item, str) else json.dumps(item)",
        # The script and the inputs travel once; each task links them into its own directory.
        "forward_common_files = [f for f in task.forward_files if os.path.exists(f)]",
        "def link(f):",
        "    rel = os.path.normpath(f)",
        "    where = os.path.dirname(rel)",
        "    target = '../' * (rel.count('/') + 1) + rel",
        "    made = 'mkdir -p %s && ' % shlex.quote(where) if where else ''",
        "    return made + 'ln -sfn %s %s && ' % (shlex.quote(target), shlex.quote(rel))",
        "links = ''.join(link(f) for f in forward_common_files if f != 'script')",
        "tasks = []",
        "for i, item in enumerate(items):",
        "    one = copy.deepcopy(task.serialize())",
        "    one.update(task_work_path='slice-%d/' % i, forward_files=[])",
        "    own = 'export DFLOW_SLICE=%s; ' % shlex.quote(slice_of(item))",
        "    one['command'] = exports + own + links + task.command",
        "    for f in one['backward_files']:",
        "        os.makedirs(os.path.join(one['task_work_path'], os.path.dirname(f)), exist_ok=True)",
        "    tasks.append(Task.load_from_dict(one))",
        "submission = Submission(work_base='.', machine=machine, resources=resources, task_list=tasks, "
        "forward_common_files=forward_common_files)",
    ]


def stack_lines(leaf: dict[str, Any], relative: Any) -> list[str]:
    """The pod's lines that stack the tasks' outputs where the template declares them."""
    outputs = leaf.get("outputs", {})
    artifacts = [relative(a["path"]) for a in outputs.get("artifacts", []) if "path" in a]
    parameters = {
        relative(p["valueFrom"]["path"]): p["valueFrom"].get("default")
        for p in outputs.get("parameters", [])
        if "path" in p.get("valueFrom", {})
    }
    return [
        "def merge_tree(src, dst):",
        "    os.makedirs(dst, exist_ok=True)",
        "    for entry in os.listdir(src):",
        "        s, d = os.path.join(src, entry), os.path.join(dst, entry)",
        "        if os.path.isdir(s) and not os.path.islink(s):",
        "            merge_tree(s, d)",
        "        else:",
        # Same-named files of two slices: the later one wins, as in the key a fan-out shares.
        "            os.replace(s, d)",
        f"for path in {artifacts!r}:",
        "    os.makedirs(path, exist_ok=True)",
        "    for i in range(len(tasks)):",
        "        if os.path.isdir(os.path.join('slice-%d' % i, path)):",
        "            merge_tree(os.path.join('slice-%d' % i, path), path)",
        # Argo's aggregate of the items' output strings: decoded when each is a JSON list or
        # object, the strings themselves otherwise.
        "def aggregate(texts):",
        "    try:",
        "        values = [json.loads(t) for t in texts]",
        "    except ValueError:",
        "        values = None",
        "    if values is None or not all(isinstance(v, (list, dict)) for v in values):",
        "        values = texts",
        "    return json.dumps(values, separators=(',', ':'))",
        f"for path, default in {parameters!r}.items():",
        "    texts = []",
        "    for i in range(len(tasks)):",
        "        one = os.path.join('slice-%d' % i, path)",
        "        if os.path.exists(one):",
        "            with open(one) as f:",
        "                texts.append(f.read())",
        "        elif default is not None:",
        "            texts.append(default)",
        "    os.makedirs(os.path.dirname(path), exist_ok=True)",
        "    with open(path, 'w') as f:",
        "        f.write(aggregate(texts))",
    ]
