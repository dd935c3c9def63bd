"""``glassnet check``: will this Keras script or notebook run on glassnet?  Read, never run.

The file is parsed with :mod:`ast` (a notebook's code cells one by one, IPython ``%magic`` and
``!shell`` lines blanked) and never executed.  Every Keras name it reaches is looked up in glassnet's
own public API, walked at run time (:func:`public_api`: each glassnet module's ``__all__``), so the
answer cannot drift from the library:

- names: ``keras.X``, ``tensorflow.keras.X`` / ``tf.keras.X`` and whatever the file imports from them
  (``from tensorflow.keras.layers import Dense``, ``from keras import layers``) map to ``glassnet.X``;
- calls: each keyword argument must be one the glassnet function accepts, and string identifiers
  (``activation='relu'``, ``loss=...``, ``optimizer=...``, ``metrics=[...]``, initializers,
  regularizers, constraints) must be known to glassnet's ``get``;
- methods: ``model.fit(...)``, ``model.summary()``, ... on a variable made by a Keras class (or
  ``load_model``) must exist on the glassnet class, with the same keyword arguments;
- TensorFlow outside Keras (``tf.data``, ``tf.GradientTape``, ...) is listed as missing, with the
  glassnet way where one exists (a small hand-written table, :data:`TENSORFLOW_EQUIVALENTS`).

A missing name gets a glassnet equivalent when one exists: the same name elsewhere in glassnet's API
(``keras.layers.experimental.preprocessing.Rescaling`` -> ``glassnet.layers.Rescaling``) or an entry
of the hand-written table.
"""
from __future__ import annotations

import ast
import difflib
import importlib
import inspect
import json
import os
import types
from dataclasses import dataclass, field

__all__ = ["check_file", "check_source", "public_api", "CheckReport", "Issue"]

#: files larger than this are refused (a script or notebook is far smaller)
MAX_BYTES = 20 * 2 ** 20
#: glassnet modules that are not part of the Keras API
_NOT_KERAS = ("perceptron", "plot", "evaluation", "tensorboard", "autodiff", "inspect", "doctor", "check", "cli",
              "playground", "sklearn", "csv_io")

#: TensorFlow (not Keras) names with a glassnet way to do the same
TENSORFLOW_EQUIVALENTS = {
    "tensorflow.random.set_seed": "glassnet.utils.set_random_seed",
    "tensorflow.keras.utils.set_random_seed": "glassnet.utils.set_random_seed",
    "tensorflow.data.Dataset": "a Python generator or a glassnet.utils.PyDataset-style object yielding (x, y) batches "
                               "(fit accepts both)",
    "tensorflow.data.Dataset.from_tensor_slices": "NumPy arrays passed to fit directly (batch_size=, shuffle=True)",
    "tensorflow.convert_to_tensor": "numpy.asarray",
    "tensorflow.constant": "numpy.array",
    "tensorflow.cast": "numpy.ndarray.astype",
    "tensorflow.one_hot": "glassnet.utils.to_categorical",
    "tensorflow.argmax": "numpy.argmax",
    "tensorflow.reduce_mean": "numpy.mean or glassnet.ops.mean",
    "tensorflow.reduce_sum": "numpy.sum or glassnet.ops.sum",
    "tensorflow.GradientTape": "model.compute_loss_and_gradients(x, y) (gradients land in each variable's .grad)",
    "tensorflow.summary.create_file_writer": "glassnet.tensorboard.EventFileWriter",
    "tensorflow.config.list_physical_devices": "nothing to do: glassnet runs on the CPU with NumPy",
    "tensorflow.test.is_gpu_available": "nothing to do: glassnet runs on the CPU with NumPy",
    "tensorflow.__version__": "glassnet.__version__",
    "tensorflow.keras.backend.clear_session": "nothing to do (glassnet keeps no global graph); "
                                              "glassnet.utils.set_random_seed for repeatable names and weights",
}

#: keyword -> the glassnet module whose ``get`` must accept its string value(s)
IDENTIFIER_KEYWORDS = {
    "activation": "activations", "recurrent_activation": "activations",
    "loss": "losses", "optimizer": "optimizers", "metrics": "metrics", "weighted_metrics": "metrics",
    "kernel_initializer": "initializers", "bias_initializer": "initializers",
    "embeddings_initializer": "initializers", "gamma_initializer": "initializers", "beta_initializer": "initializers",
    "kernel_regularizer": "regularizers", "bias_regularizer": "regularizers",
    "activity_regularizer": "regularizers", "embeddings_regularizer": "regularizers",
    "kernel_constraint": "constraints", "bias_constraint": "constraints",
}
#: functions whose result is a model
_MODEL_MAKERS = ("load_model", "clone_model", "model_from_json", "Sequential", "Model", "Functional")


# ------------------------------------------------------------------------------ glassnet's API
def _public_names(module) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    out = []
    for name in dir(module):
        if name.startswith("_"):
            continue
        obj = getattr(module, name, None)
        where = obj.__name__ if isinstance(obj, types.ModuleType) else getattr(obj, "__module__", "") or ""
        if where.startswith("glassnet"):
            out.append(name)
    return out


def _walk(obj, keras_path: str, glassnet_path: str, table: dict, depth: int) -> None:
    for name in _public_names(obj):
        if depth == 0 and name in _NOT_KERAS:
            continue
        try:
            child = getattr(obj, name)
        except (AttributeError, ImportError):
            continue
        table[f"{keras_path}.{name}"] = f"{glassnet_path}.{name}"
        is_glassnet_module = isinstance(child, types.ModuleType) and child.__name__.startswith("glassnet")
        if is_glassnet_module and depth < 3:
            _walk(child, f"{keras_path}.{name}", f"{glassnet_path}.{name}", table, depth + 1)


_API = None


def public_api() -> dict[str, str]:
    """``{'keras.layers.Dense': 'glassnet.layers.Dense', ...}``: every public glassnet name under its
    Keras spelling, walked from the modules' ``__all__`` now (so it is always the installed library's)."""
    global _API
    if _API is None:
        import glassnet

        table = {}
        _walk(glassnet, "keras", "glassnet", table, 0)
        _API = table
    return _API


def _resolve(keras_name: str):
    """``(glassnet object, None)`` for a Keras name glassnet has, else ``(None, the first missing prefix)``."""
    import glassnet

    parts = keras_name.split(".")
    obj = glassnet
    for i, part in enumerate(parts[1:], 1):
        if part.startswith("_"):
            return None, ".".join(parts[:i + 1])
        if isinstance(obj, types.ModuleType) and i == 1 and part in _NOT_KERAS:
            return None, ".".join(parts[:i + 1])
        try:
            obj = getattr(obj, part)
        except (AttributeError, ImportError):
            return None, ".".join(parts[:i + 1])
    return obj, None


def _equivalent(missing: str) -> str | None:
    """A glassnet way to do what ``missing`` (a Keras or TensorFlow name) does, if there is one."""
    for source in (missing, missing.replace("keras.", "tensorflow.keras.", 1)):
        if source in TENSORFLOW_EQUIVALENTS:
            return TENSORFLOW_EQUIVALENTS[source]
    last = missing.rsplit(".", 1)[-1]
    same = sorted(g for k, g in public_api().items() if k.rsplit(".", 1)[-1] == last)
    if same:
        return " or ".join(same[:2])
    return None


def _close_names(missing: str) -> list[str]:
    parent, _, last = missing.rpartition(".")
    siblings = [k.rsplit(".", 1)[-1] for k in public_api() if k.rpartition(".")[0] == parent]
    return difflib.get_close_matches(last, siblings, n=2, cutoff=0.75)


# ---------------------------------------------------------------------------------- the report
@dataclass
class Issue:
    """One use glassnet lacks: where (``line`` or ``cell N, line M``), what, why, and the way out."""
    where: str
    name: str
    problem: str
    equivalent: str | None = None

    def __str__(self) -> str:
        text = f"{self.where:<16} {self.name}: {self.problem}"
        return text + (f" -> use {self.equivalent}" if self.equivalent else "")


@dataclass
class CheckReport:
    """What :func:`check_source` found: the ``issues`` and the Keras names ``used`` (with their counts)."""
    path: str
    issues: list = field(default_factory=list)
    used: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)

    @property
    def supported(self) -> bool:
        return not self.issues and not self.errors

    @property
    def verdict(self) -> str:
        n = len(self.used)
        if self.errors and not self.used:
            return f"Cannot tell: {self.errors[0]}"
        if not self.used and not self.issues:
            return "No Keras code found: nothing to port."
        if self.supported:
            return (f"Supported: all {n} Keras name{'s' if n != 1 else ''} used here exist in glassnet with the "
                    f"arguments given; import them from glassnet instead of keras / tensorflow.keras.")
        names = len({i.name for i in self.issues})
        with_way = sum(1 for i in self.issues if i.equivalent)
        return (f"Needs changes: {len(self.issues)} use{'s' if len(self.issues) != 1 else ''} of {names} "
                f"name{'s' if names != 1 else ''} glassnet lacks"
                + (f" ({with_way} with a glassnet equivalent)" if with_way else "")
                + (f"; {len(self.errors)} cell(s) could not be read" if self.errors else "") + ".")

    def __str__(self) -> str:
        lines = [f"{self.path}: {len(self.used)} Keras name(s) used, {len(self.issues)} missing"]
        lines += [f"  {issue}" for issue in self.issues]
        lines += [f"  {error}" for error in self.errors]
        lines.append(self.verdict)
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"path": self.path, "supported": self.supported, "verdict": self.verdict,
                "used": dict(self.used), "errors": list(self.errors),
                "issues": [{"where": i.where, "name": i.name, "problem": i.problem, "equivalent": i.equivalent}
                           for i in self.issues]}


# ---------------------------------------------------------------------------------- the reader
def _canonical(path: str) -> str:
    """``tensorflow.keras.layers`` / ``tensorflow.python.keras.layers`` -> ``keras.layers``."""
    for prefix in ("tensorflow.python.keras", "tensorflow.keras", "tf_keras"):
        if path == prefix or path.startswith(prefix + "."):
            return "keras" + path[len(prefix):]
    return path


def _dotted(node) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def _accepted_keywords(target) -> set | None:
    """The keyword arguments ``target`` accepts, or None when it takes any (``**kwargs`` passed on).

    A layer's ``**kwargs`` go to its base classes and end at ``Layer.__init__``, which refuses the
    unknown ones: for layers the union of the ``__init__`` parameters along the class's MRO is exact.
    """
    from .layers import Layer
    from .models import Model

    def params(fn):
        try:
            return inspect.signature(fn).parameters
        except (TypeError, ValueError):
            return None

    if isinstance(target, type) and issubclass(target, Layer) and not issubclass(target, Model):
        accepted = set()
        for klass in target.__mro__:
            if "__init__" in vars(klass):
                found = params(vars(klass)["__init__"])
                if found is None:
                    return None
                accepted |= {n for n, p in found.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
            if klass is Layer:
                return accepted - {"self"}
        return None
    found = params(target)
    if found is None or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in found.values()):
        return None
    return set(found)


class _Reader(ast.NodeVisitor):
    def __init__(self, report: CheckReport, where):
        self.report = report
        self.where = where               # line -> location text
        self.aliases = {}                # local name -> dotted module path (canonical)
        self.instances = {}              # local name -> (glassnet class, own method names)
        self.classes = {}                # user class -> (glassnet base class, own method names)
        self.seen = set()

    # -- bookkeeping
    def _issue(self, node, name, problem, equivalent=None):
        key = (getattr(node, "lineno", 0), name, problem)
        if key not in self.seen:
            self.seen.add(key)
            self.report.issues.append(Issue(self.where(getattr(node, "lineno", 0)), name, problem, equivalent))

    def _use(self, name):
        self.report.used[name] = self.report.used.get(name, 0) + 1

    # -- imports
    def visit_Import(self, node):
        for alias in node.names:
            path = _canonical(alias.name)
            if alias.asname:
                self.aliases[alias.asname] = path
            else:
                root = alias.name.split(".")[0]
                self.aliases[root] = _canonical(root) if root != "tensorflow" else "tensorflow"
            if path.split(".")[0] == "keras" and path != "keras":
                self._check_name(node, path)

    def visit_ImportFrom(self, node):
        if node.level or not node.module:
            return
        module = _canonical(node.module)
        for alias in node.names:
            if alias.name == "*":
                continue
            full = _canonical(f"{node.module}.{alias.name}")
            self.aliases[alias.asname or alias.name] = full
            if full.split(".")[0] in ("keras", "tensorflow") or module.split(".")[0] == "keras":
                self._check_name(node, full)

    # -- names
    def _full_name(self, node) -> str | None:
        parts = _dotted(node)
        if not parts or parts[0] not in self.aliases:
            return None
        return _canonical(".".join([self.aliases[parts[0]], *parts[1:]]))

    def _check_name(self, node, name):
        """Record a Keras / TensorFlow name; an issue when glassnet lacks it.  Returns the glassnet object."""
        root = name.split(".")[0]
        if root == "glassnet" or name == "keras":
            return None
        if root == "tensorflow":
            if name == "tensorflow":
                return None
            self._use(name)
            equivalent = _equivalent(name)
            self._issue(node, name, "TensorFlow, not Keras: glassnet has no such name", equivalent)
            return None
        if root != "keras":
            return None
        self._use(name)
        obj, missing = _resolve(name)
        if missing is not None:
            # the name as written, also when a module on its way is what is missing
            # (keras.layers.experimental.preprocessing.Rescaling): its last part finds the equivalent
            shown = name
            close = _close_names(missing)
            equivalent = _equivalent(shown) or (f"glassnet spelling {', '.join(close)}" if close else None)
            problem = "glassnet has no such name" if shown == missing else f"glassnet has no {missing}"
            self._issue(node, shown, problem, equivalent)
        return obj

    def visit_Attribute(self, node):
        name = self._full_name(node)
        if name is not None:
            self._check_name(node, name)
            return                                  # the whole chain is one name
        parts = _dotted(node)
        if parts and len(parts) == 2 and parts[0] in self.instances:
            self._check_method(node, parts[0], parts[1], None)
            return
        self.generic_visit(node)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.aliases:
            path = self.aliases[node.id]
            if path.split(".")[0] in ("keras", "tensorflow") and path not in ("keras", "tensorflow"):
                self._check_name(node, path)

    # -- calls
    def visit_Call(self, node):
        parts = _dotted(node.func)
        target = None
        if parts and len(parts) == 2 and parts[0] in self.instances:
            target = self._check_method(node.func, parts[0], parts[1], node)
        else:
            name = self._full_name(node.func)
            if name is not None:
                target = self._check_name(node.func, name)
                if target is not None:
                    self._check_arguments(node, name, target, label="glassnet" + name[len("keras"):])
            elif isinstance(node.func, ast.Name) and node.func.id in self.classes:
                self._check_identifiers(node)
            else:
                self.visit(node.func)
        for arg in node.args:
            self.visit(arg)
        for kw in node.keywords:
            self.visit(kw.value)
        if target is None and not (parts and parts[0] in self.instances):
            self._check_identifiers(node)

    def _check_method(self, node, variable, method, call):
        cls, own = self.instances[variable]
        if method in own:
            return None
        name = f"{variable}.{method}"
        attr = getattr(cls, method, None)
        if attr is None:
            if call is not None:                  # called: it must be a method of the glassnet class
                self._use(f"{cls.__name__}.{method}")
                close = difflib.get_close_matches(method, [n for n in dir(cls) if not n.startswith("_")], n=1)
                self._issue(node, name, f"glassnet's {cls.__name__} has no method {method!r}",
                            f"{cls.__name__}.{close[0]}" if close else None)
            return None
        self._use(f"{cls.__name__}.{method}")
        if call is not None and callable(attr):
            self._check_arguments(call, f"{cls.__name__}.{method}", attr, label=f"{cls.__name__}.{method}")
        return attr

    def _check_arguments(self, call, shown, target, label):
        """Keyword arguments of a call of ``target`` (``shown`` as the file spells it, ``label`` glassnet's name)."""
        accepted = _accepted_keywords(target)
        if accepted is not None:
            for kw in call.keywords:
                if kw.arg is not None and kw.arg not in accepted:
                    close = difflib.get_close_matches(kw.arg, sorted(accepted), n=1)
                    self._issue(call, f"{shown}({kw.arg}=...)", f"glassnet's {label} takes no argument {kw.arg!r}",
                                f"{close[0]}=" if close else None)
        self._check_identifiers(call)

    def _check_identifiers(self, call):
        for kw in call.keywords:
            module = IDENTIFIER_KEYWORDS.get(kw.arg)
            if module is None:
                continue
            values = kw.value.elts if isinstance(kw.value, (ast.List, ast.Tuple)) else [kw.value]
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    self._check_identifier(call, kw.arg, module, value.value)

    def _check_identifier(self, node, keyword, module_name, value):
        module = importlib.import_module(f"glassnet.{module_name}")
        if module_name == "metrics" and value in ("accuracy", "acc", "crossentropy", "ce"):
            return                                # resolved by compile from the loss, as Keras does
        self._use(f"{keyword}={value!r}")
        try:
            ok = module.get(value) is not None
        except (ValueError, TypeError, KeyError):
            ok = False
        if not ok:
            self._issue(node, f"{keyword}={value!r}", f"glassnet.{module_name} does not know {value!r}")

    # -- assignments: remember which variables hold Keras models, layers, optimizers, ...
    def visit_Assign(self, node):
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)
        kind = self._instance_kind(node.value)
        alias = self._full_name(node.value) if isinstance(node.value, (ast.Name, ast.Attribute)) else None
        for target in node.targets:
            if isinstance(target, ast.Name):
                if alias is not None:             # keras = tf.keras; mnist = keras.datasets.mnist
                    self.aliases[target.id] = alias
                else:
                    self.aliases.pop(target.id, None)
                if kind is not None:
                    self.instances[target.id] = kind
                else:
                    self.instances.pop(target.id, None)

    def _instance_kind(self, value):
        if not isinstance(value, ast.Call):
            return None
        if isinstance(value.func, ast.Name) and value.func.id in self.classes:
            return self.classes[value.func.id]
        name = self._full_name(value.func)
        if name is None or not name.startswith("keras."):
            return None
        obj, missing = _resolve(name)
        if missing is not None:
            return None
        if name.rsplit(".", 1)[-1] in _MODEL_MAKERS and not isinstance(obj, type):
            from .models import Model

            return Model, set()
        if isinstance(obj, type):
            return obj, set()
        return None

    def visit_ClassDef(self, node):
        for base in node.bases:
            self.visit(base)
        bases = [self._full_name(b) for b in node.bases]
        for base in bases:
            if base and base.startswith("keras."):
                obj, missing = _resolve(base)
                if isinstance(obj, type):
                    own = {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
                    self.classes[node.name] = (obj, own)
        for item in node.body:
            self.visit(item)


# ---------------------------------------------------------------------------------- the entry points
#: cell magics whose body is still Python
_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture", "%%prun")


def _strip_magics(source: str) -> str:
    """IPython lines (``%magic``, ``!shell``, ``x?``) become blank lines (line numbers kept); a cell under a
    non-Python cell magic (``%%bash``, ``%%writefile``) is blanked whole."""
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        if not lines[0].split() or lines[0].split()[0] not in _PYTHON_CELL_MAGICS:
            return "\n" * (len(lines) - 1)
        lines[0] = ""
    out = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")) or (stripped.endswith("?") and not stripped.startswith("#")):
            out.append("")
        else:
            out.append(line)
    return "\n".join(out)


def check_source(source: str, path: str = "<source>", notebook: bool = False) -> CheckReport:
    """Check Python source (or a notebook's JSON text when ``notebook``) without running it."""
    report = CheckReport(path)
    if notebook:
        try:
            document = json.loads(source)
        except ValueError as exc:
            raise ValueError(f"{path}: not a notebook (invalid JSON: {exc})") from None
        cells = document.get("cells") if isinstance(document, dict) else None
        if not isinstance(cells, list):
            raise ValueError(f"{path}: not a notebook (no 'cells' list)")
        chunks = []
        for number, cell in enumerate(cells, 1):          # numbered as the notebook shows them, all cells
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            text = cell.get("source", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            chunks.append((number, _strip_magics(text)))
    else:
        chunks = [(None, source)]
    reader = None
    for number, text in chunks:
        def where(line, number=number):
            return f"cell {number}, line {line}" if number is not None else f"line {line}"

        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            report.errors.append(f"{where(exc.lineno or 0)}: not valid Python ({exc.msg})")
            continue
        if reader is None:
            reader = _Reader(report, where)
        reader.where = where
        reader.visit(tree)
    return report


def check_file(path) -> CheckReport:
    """Check a ``.py`` script or an ``.ipynb`` notebook (read, never run)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"glassnet check: no such file: {path!r}")
    size = os.path.getsize(path)
    if size > MAX_BYTES:
        raise ValueError(f"glassnet check: {path!r} is {size / 2 ** 20:.0f} MB; a script or notebook is expected "
                         f"(at most {MAX_BYTES // 2 ** 20} MB)")
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"glassnet check: {path!r} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    notebook = path.endswith(".ipynb")
    if not notebook and not path.endswith(".py"):
        notebook = text.lstrip().startswith("{")
    return check_source(text, path, notebook=notebook)
