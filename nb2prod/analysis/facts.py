"""Per-cell facts: what a cell defines, reads, deletes, mutates and imports (pyflakes-style, from ``ast``).

Reads are recorded only for names the cell has not bound earlier in its own body, so they are what
the cell needs from other cells. Function, lambda-assigned and class-method bodies bind late: their
reads of globals are *deferred* (they happen when the function is called) and are kept per function
so the dataflow can charge them to the cells that call it. A class also keeps the reads its
constructor makes, and every read says how it uses the name (`a = A()`, `A.n`, `class B(A)`,
`button.on_click(f)`), which decides what of a function or class runs there.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from nb2prod.analysis.parse import ParsedCell, child_fields, walk_nodes

__all__ = [
    "MUTATING_METHODS",
    "NON_IDEMPOTENT_METHODS",
    "Access",
    "Binding",
    "BindingKind",
    "CellFacts",
    "FunctionFacts",
    "ImportFact",
    "NameUse",
    "cell_facts",
]

BindingKind = Literal[
    "import",
    "function",
    "class",
    "assignment",
    "augmented",
    "annotated",
    "loop",
    "with",
    "except",
    "walrus",
    "match",
    "global",
    "magic",
    "comprehension",
]

# Methods that change their receiver in place (lists, dicts, sets, deques, pandas with inplace=True).
MUTATING_METHODS = frozenset(
    {
        "append",
        "extend",
        "update",
        "pop",
        "popitem",
        "insert",
        "remove",
        "clear",
        "sort",
        "reverse",
        "setdefault",
        "add",
        "discard",
        "appendleft",
        "extendleft",
        "popleft",
        "rotate",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
        "resize",
        "fill",
        "put",
        "itemset",
        "setflags",
        "set_index_inplace",
        "__setitem__",
    }
)
# Of those, the ones that return ``None`` on the built-in types: a call whose value is used is
# some other API (pandas' or statsmodels' ``append`` return a new object).
RETURNS_NONE_METHODS = MUTATING_METHODS - {"pop", "popitem", "setdefault", "popleft", "put"}
# Of those, the ones whose repetition changes the result (re-running the cell adds again).
NON_IDEMPOTENT_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "pop",
        "popitem",
        "appendleft",
        "extendleft",
        "popleft",
        "remove",
        "rotate",
        "reverse",
    }
)


# How a read uses a name, which decides what of a function or class runs where the read is.
Access = Literal[
    "reference",  # called, passed on, stored, displayed: anything in it may run
    "construct",  # `a = A(...)` in a cell: only the constructor runs; `a`'s uses run the rest
    "attribute",  # `A.n`, `A.create()`: runs something only if the attribute is a method
    "subclass",  # `class B(A)`: nothing of `A` runs until `B` is used
    "callback",  # `button.on_click(handler)`: the handler runs later, on an event
]


@dataclass(frozen=True, slots=True)
class NameUse:
    """A read (or delete/mutation) of a name; positions are 1-based within the cell."""

    name: str
    line: int
    column: int
    end_line: int
    end_column: int
    deferred: bool = False
    guarded: bool = False  # inside `try: ... except NameError` or similar
    access: Access = "reference"
    attribute: str | None = None  # `n` of `A.n` (when ``access`` is "attribute")


@dataclass(frozen=True, slots=True)
class Binding:
    """A module-level binding made by the cell."""

    name: str
    kind: BindingKind
    line: int
    column: int
    end_line: int
    end_column: int
    module: str | None = None
    reads_itself: bool = False  # `x = x + 1`, `df = df.dropna()`, `x += 1`
    instance_of: str | None = None  # `A` of `x = A(...)`: uses of `x` may run any method of `A`


@dataclass(frozen=True, slots=True)
class ImportFact:
    """One imported module (a statement may import several)."""

    module: str
    names: tuple[str, ...]
    level: int
    line: int
    column: int
    end_line: int
    end_column: int
    is_module_level: bool
    is_star: bool = False


@dataclass(frozen=True, slots=True)
class FunctionFacts:
    """Late-bound behaviour of a module-level function or class (methods included)."""

    name: str
    line: int
    global_reads: tuple[NameUse, ...]
    global_writes: tuple[str, ...]
    # Reads in functions nested in this one that it neither calls nor passes on (a callback it
    # returns): they must exist somewhere, but not when this function runs.
    callback_reads: tuple[NameUse, ...] = ()
    is_class: bool = False
    # Of a class: the names its body defines with `def` or `class` (methods, properties)...
    members: frozenset[str] = frozenset()
    # ...the reads of the members that run when it is called (`__init__` and what it reaches
    # through `self.`), and its base classes, whose constructors run too.
    construction_reads: tuple[NameUse, ...] = ()
    bases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CellFacts:
    defines: tuple[Binding, ...] = ()
    reads: tuple[NameUse, ...] = ()
    deletes: tuple[NameUse, ...] = ()
    mutations: tuple[NameUse, ...] = ()
    non_idempotent_mutations: tuple[NameUse, ...] = ()
    imports: tuple[ImportFact, ...] = ()
    has_star_import: bool = False
    defines_unknown: bool = (
        False  # `%run script.py`, `exec(...)`, `globals()[...] = `: may define anything
    )
    functions: dict[str, FunctionFacts] = field(default_factory=dict)
    local_calls: tuple[NameUse, ...] = ()  # uses of functions the cell itself defined earlier

    @property
    def defined_names(self) -> frozenset[str]:
        return frozenset(binding.name for binding in self.defines)

    @property
    def immediate_reads(self) -> tuple[NameUse, ...]:
        return tuple(use for use in self.reads if not use.deferred)


def _start(node: ast.AST) -> tuple[int, int]:
    """1-based line and column where ``node`` starts."""
    return getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1


def _end(node: ast.AST) -> tuple[int, int]:
    start_line, _ = _start(node)
    end_line: int | None = getattr(node, "end_lineno", None)
    end_offset: int | None = getattr(node, "end_col_offset", None)
    return end_line or start_line, (end_offset or 0) + 1


def _use(
    node: ast.AST,
    name: str,
    *,
    deferred: bool = False,
    guarded: bool = False,
    access: Access = "reference",
    attribute: str | None = None,
) -> NameUse:
    line: int = node.lineno  # type: ignore[attr-defined]
    end_line = getattr(node, "end_lineno", None) or line
    end_column = (getattr(node, "end_col_offset", None) or 0) + 1
    column: int = node.col_offset + 1  # type: ignore[attr-defined]
    return NameUse(name, line, column, end_line, end_column, deferred, guarded, access, attribute)


def _guards_name_error(handlers: list[ast.ExceptHandler]) -> bool:
    for handler in handlers:
        if handler.type is None:
            return True
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for item in names:
            if isinstance(item, ast.Name) and item.id in {
                "NameError",
                "Exception",
                "BaseException",
            }:
                return True
    return False


def _is_globals_subscript(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id in ("globals", "vars")
    )


def _root_name(node: ast.expr) -> ast.Name | None:
    """``a`` for ``a``, ``a.b.c``, ``a[0].b``; ``None`` for calls and literals."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node if isinstance(node, ast.Name) else None


class _Scope:
    """Names bound in a function, lambda, comprehension or class body."""

    __slots__ = ("assigned_globals", "bound", "globals", "kind")

    def __init__(self, kind: str, bound: set[str] | None = None) -> None:
        self.kind = kind
        self.bound: set[str] = bound or set()
        self.globals: set[str] = set()
        # Names declared `global` that the body has assigned so far: reading one afterwards reads
        # the function's own value, not one that another cell must provide.
        self.assigned_globals: set[str] = set()


_SCOPE_OR_BINDING = frozenset(
    {
        ast.Global, ast.Nonlocal, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
        ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp, ast.Import, ast.ImportFrom,
        ast.ExceptHandler, ast.MatchAs, ast.MatchStar, ast.MatchMapping,
    }
)  # fmt: skip


def _locally_bound(body: list[ast.stmt]) -> tuple[set[str], set[str]]:
    """Names a function body binds (less those declared ``nonlocal``), and those it declares
    ``global``. A ``nonlocal`` name belongs to an enclosing function, never to the module."""
    bound: set[str] = set()
    declared: set[str] = set()
    nonlocal_names: set[str] = set()
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        node_type = type(node)
        if node_type is ast.Name:
            if type(node.ctx) is not ast.Load:  # type: ignore[attr-defined]
                bound.add(node.id)  # type: ignore[attr-defined]
            continue
        if node_type in _SCOPE_OR_BINDING:
            if isinstance(node, ast.Global):
                declared.update(node.names)
                continue
            if isinstance(node, ast.Nonlocal):
                nonlocal_names.update(node.names)
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(node.name)
                stack.extend(node.decorator_list)
                continue
            if isinstance(node, ast.Lambda):
                continue
            if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                for generator in node.generators:
                    stack.append(generator.iter)
                # Walrus inside a comprehension binds in the enclosing function.
                for inner in walk_nodes(node):
                    if isinstance(inner, ast.NamedExpr) and isinstance(inner.target, ast.Name):
                        bound.add(inner.target.id)
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    if alias.name != "*":
                        bound.add((alias.asname or alias.name).split(".")[0])
            elif (isinstance(node, ast.ExceptHandler) and node.name) or (
                isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name
            ):
                bound.add(node.name)  # type: ignore[arg-type]
            elif isinstance(node, ast.MatchMapping) and node.rest:
                bound.add(node.rest)
        for field_name in child_fields(node_type):
            value = getattr(node, field_name)
            if type(value) is list:
                stack.extend(item for item in value if item is not None)
            elif value is not None and type(value) not in _LEAVES:
                stack.append(value)
    return bound - declared - nonlocal_names, declared


def _constructed_name(node: ast.Assign) -> str | None:
    """``A`` of ``a = A(...)``: the one name bound to what calling ``A`` returns."""
    value = node.value
    if (
        len(node.targets) == 1
        and type(node.targets[0]) is ast.Name
        and type(value) is ast.Call
        and type(value.func) is ast.Name
    ):
        return value.func.id
    return None


# Methods that store a function to call later, on an event: `button.on_click(f)`,
# `slider.observe(f)`, `signal.connect(f)`, `atexit.register(f)`, `future.add_done_callback(f)`.
_REGISTERS_CALLBACK = re.compile(
    r"on_\w+|js_on_\w+|observe|connect|mpl_connect|subscribe|register\w*"
    r"|add_\w*(?:callback|listener)\w*"
)


@lru_cache(maxsize=4096)
def _is_callback_registrar(method: str) -> bool:
    return _REGISTERS_CALLBACK.fullmatch(method) is not None


def _registers_callback(function: ast.expr) -> bool:
    return isinstance(function, ast.Attribute) and _is_callback_registrar(function.attr)


_CONSTRUCTORS = ("__new__", "__init__", "__post_init__", "__attrs_post_init__")


def _members_used_through_self(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str] | None:
    """Attributes a method uses on its first parameter (``self.reset()``, ``cls.registry``).

    ``None`` when the method hands ``self`` to other code (``register(self)``), which may then
    call any member; passing it to ``super(A, self)`` or a base's ``__init__`` does not count.
    """
    parameters = [*function.args.posonlyargs, *function.args.args]
    if not parameters:
        return set()
    me = parameters[0].arg
    used: set[str] = set()
    accounted: set[int] = set()
    nodes = walk_nodes(function)
    for inner in nodes:
        if type(inner) is ast.Attribute and type(inner.value) is ast.Name:
            if inner.value.id == me:
                used.add(inner.attr)
                accounted.add(id(inner.value))
        elif type(inner) is ast.Call and (
            (type(inner.func) is ast.Name and inner.func.id == "super")
            or (type(inner.func) is ast.Attribute and inner.func.attr in _CONSTRUCTORS)
        ):
            accounted.update(id(argument) for argument in inner.args)
    for inner in nodes:
        if type(inner) is ast.Name and inner.id == me and id(inner) not in accounted:
            return None
    return used


def _members_run_by_constructor(node: ast.ClassDef, members: frozenset[str]) -> set[str] | None:
    """The members that run when the class is called: its constructors and the members they
    reach through ``self.`` (``None``: any member may run)."""
    methods: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
    for statement in node.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            methods.setdefault(statement.name, []).append(statement)
    reached: set[str] = set()
    pending = [name for name in _CONSTRUCTORS if name in methods]
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        for method in methods.get(name, ()):
            used = _members_used_through_self(method)
            if used is None:
                return None
            pending.extend(used & members)
    return reached


def _discarded_calls(value: ast.expr) -> Iterator[int]:
    """Ids of the calls whose value ``value`` (an expression statement's) throws away."""
    if type(value) is ast.Call:
        yield id(value)
    elif isinstance(value, ast.IfExp):
        yield from _discarded_calls(value.body)
        yield from _discarded_calls(value.orelse)
    elif isinstance(value, ast.BoolOp):
        for item in value.values:
            yield from _discarded_calls(item)


def _skip(visitor: _FactsVisitor, node: ast.AST) -> None:
    """Leaves (constants, contexts, operators) have nothing to record."""


_LEAVES = frozenset(
    {ast.Constant, ast.Load, ast.Store, ast.Del, ast.Pass, ast.Break, ast.Continue}
    | {
        cls
        for cls in vars(ast).values()
        if isinstance(cls, type)
        and issubclass(cls, (ast.operator, ast.unaryop, ast.cmpop, ast.boolop))
    }
)


_NODE_FIELDS: dict[type, tuple[str, ...]] = {}


class _FactsVisitor(ast.NodeVisitor):
    """Walks one cell in evaluation order, recording module-level facts."""

    def __init__(self) -> None:
        self.defines: list[Binding] = []
        self.reads: list[NameUse] = []
        self.deletes: list[NameUse] = []
        self.mutations: list[NameUse] = []
        self.non_idempotent: list[NameUse] = []
        self.imports: list[ImportFact] = []
        self.has_star_import = False
        self.functions: dict[str, FunctionFacts] = {}
        self.bound: set[str] = set()
        self.scopes: list[_Scope] = []
        self.guard_depth = 0
        # While visiting a late-bound body: the module-level function it belongs to.
        self.owner: str | None = None
        self.owner_reads: list[NameUse] = []
        self.owner_writes: list[str] = []
        # Reads inside functions nested in the owner, which run only if the owner calls them (or
        # passes them on), and the names the owner calls or passes.
        self.nested_reads: dict[str, list[NameUse]] = {}
        self.owner_calls: set[str] = set()
        self.current_target_reads: set[str] | None = None
        self.local_calls: list[NameUse] = []
        # Module-level names bound in this cell to the result of a call (`a = A()`): name -> `A`.
        self.instances: dict[str, str] = {}
        # The call `A(...)` of `a = A(...)`, whose instance the dataflow follows through `a`.
        self.constructor_call: ast.Call | None = None
        self.defines_unknown = False
        # The call that is a whole expression statement, its value discarded (``items.append(x)``),
        # and ids of calls discarded in other ways (under a conditional expression, into `_`).
        self.statement_call: ast.AST | None = None
        self.discarded_calls: set[int] = set()

    # -- traversal ---------------------------------------------------------------------------
    # ast.NodeVisitor looks a method up by name for every node and visits `ctx` nodes; on the hot
    # path a per-class dispatch table and skipping leaves halves the time.
    _dispatch: dict[type, Callable[[_FactsVisitor, ast.AST], None]] = {}

    def visit(self, node: ast.AST) -> None:
        node_type = type(node)
        method = _FactsVisitor._dispatch.get(node_type)
        if method is None:
            method = (
                getattr(_FactsVisitor, "visit_" + node_type.__name__, None)
                or _FactsVisitor.generic_visit
            )
            if node_type in _LEAVES:
                method = _skip
            _FactsVisitor._dispatch[node_type] = method
        method(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        # The hottest loop of lint: the dispatch of ``visit`` is inlined for known classes.
        dispatch = _FactsVisitor._dispatch
        fields = _NODE_FIELDS.get(type(node))
        if fields is None:
            fields = _NODE_FIELDS[type(node)] = child_fields(type(node))
        for field_name in fields:
            value = getattr(node, field_name)
            if type(value) is list:
                for item in value:
                    if item is not None:  # None: a ``**`` entry among a dict's keys
                        method = dispatch.get(type(item))
                        if method is None:
                            self.visit(item)
                        else:
                            method(self, item)
            elif value is not None:
                method = dispatch.get(type(value))
                if method is None:
                    self.visit(value)
                else:
                    method(self, value)

    # -- helpers -----------------------------------------------------------------------------
    @property
    def at_module_level(self) -> bool:
        return not self.scopes

    @property
    def deferred(self) -> bool:
        # Anonymous lambdas are usually called right away (`key=lambda ...`), so they count as now.
        scopes = self.scopes
        return bool(scopes) and any(scope.kind == "function" for scope in scopes)

    def _is_local(self, name: str) -> bool:
        for scope in reversed(self.scopes):
            if name in scope.globals:
                return name in scope.assigned_globals
            if scope.kind == "class":
                # Class bodies see their own names, but methods do not see class names.
                if scope is self.scopes[-1] and name in scope.bound:
                    return True
                continue
            if name in scope.bound:
                return True
        return False

    def _read(
        self,
        node: ast.AST,
        name: str,
        access: Access = "reference",
        attribute: str | None = None,
    ) -> None:
        if self._is_local(name):
            return
        guarded = self.guard_depth > 0
        if self.deferred:
            use = _use(
                node, name, deferred=True, guarded=guarded, access=access, attribute=attribute
            )
            if self.owner is not None:
                self.owner_reads.append(use)
            else:
                self.reads.append(use)
            return
        if name in self.bound:
            if name in self.functions:
                self.local_calls.append(_use(node, name, access=access, attribute=attribute))
            elif name in self.instances:
                # `a = A()` then `a.show()` in one cell: any method of `A` may run here.
                instance_access: Access = "callback" if access == "callback" else "reference"
                self.local_calls.append(_use(node, self.instances[name], access=instance_access))
            return
        if self.current_target_reads is not None:
            self.current_target_reads.add(name)
        self.reads.append(_use(node, name, guarded=guarded, access=access, attribute=attribute))

    def _bind(
        self,
        node: ast.AST,
        name: str,
        kind: BindingKind,
        module: str | None = None,
        reads_itself: bool = False,
        instance_of: str | None = None,
    ) -> None:
        if self.scopes:
            scope = self.scopes[-1]
            if name in scope.globals:
                scope.assigned_globals.add(name)
                if self.owner is not None:
                    self.owner_writes.append(name)
                return
            if scope.kind == "comprehension" and kind != "walrus":
                scope.bound.add(name)
                return
            if kind == "walrus":
                # Walrus binds in the nearest non-comprehension scope.
                for outer in reversed(self.scopes):
                    if outer.kind != "comprehension":
                        outer.bound.add(name)
                        return
            else:
                scope.bound.add(name)
                return
        end_line, end_column = _end(node)
        line, column = _start(node)
        self.defines.append(
            Binding(
                name,
                kind,
                line,
                column,
                end_line,
                end_column,
                module,
                reads_itself,
                instance_of,
            )
        )  # type: ignore[attr-defined]
        self.bound.add(name)
        if instance_of is None:
            self.instances.pop(name, None)
        else:
            self.instances[name] = instance_of

    def _bind_target(
        self, target: ast.expr, kind: BindingKind, reads: set[str] | None = None
    ) -> None:
        if isinstance(target, ast.Name):
            self._bind(target, target.id, kind, reads_itself=bool(reads and target.id in reads))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._bind_target(element, kind, reads)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, kind, reads)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            # `df["c"] = ...`, `model.coef_ = ...`: the root object is read and mutated.
            self.visit(target)
            root = _root_name(target)
            if root is not None and not self._is_local(root.id):
                self._mutate(root, root.id, non_idempotent=kind == "augmented")

    def _mutate(self, node: ast.AST, name: str, *, non_idempotent: bool) -> None:
        if self.deferred:
            if self.owner is not None:
                self.owner_writes.append(name)
            return
        if not self.at_module_level:
            return
        use = _use(node, name)
        self.mutations.append(use)
        if non_idempotent and name not in self.bound:
            self.non_idempotent.append(use)

    # -- statements --------------------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        if (
            isinstance(node.value, ast.Lambda)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and self.at_module_level
        ):
            self._visit_function(node.value, node.targets[0].id)
            self._bind_target(node.targets[0], "function")
            return
        if any(_is_globals_subscript(target) for target in node.targets):
            self.defines_unknown = True
        if type(node.value) is ast.Call and all(
            type(target) is ast.Name and target.id == "_"  # type: ignore[attr-defined]
            for target in node.targets
        ):
            self.discarded_calls.add(id(node.value))  # `_ = items.append(x)`
        constructed = _constructed_name(node) if self.at_module_level else None
        if constructed is not None:
            self.constructor_call = node.value  # type: ignore[assignment]
        reads: set[str] = set()
        previous, self.current_target_reads = self.current_target_reads, reads
        self.visit(node.value)
        self.current_target_reads = previous
        self.constructor_call = None
        if constructed is not None:
            (target,) = node.targets
            assert isinstance(target, ast.Name)
            self._bind(
                target,
                target.id,
                "assignment",
                reads_itself=target.id in reads,
                instance_of=constructed,
            )
            return
        for target in node.targets:
            self._bind_target(target, "assignment", reads)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        reads: set[str] = set()
        previous, self.current_target_reads = self.current_target_reads, reads
        if node.value is not None:
            self.visit(node.value)
        self.current_target_reads = previous
        if not (
            isinstance(node.annotation, ast.Constant) and isinstance(node.annotation.value, str)
        ):
            self.visit(node.annotation)
        if node.value is not None or not self.at_module_level:
            self._bind_target(node.target, "annotated", reads)
        elif not isinstance(node.target, ast.Name):
            self.visit(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        target = node.target
        if isinstance(target, ast.Name):
            self._read(target, target.id)
            self._bind(target, target.id, "augmented", reads_itself=True)
            if self.at_module_level:
                self.mutations.append(_use(target, target.id))
        else:
            self._bind_target(target, "augmented")

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._bind(node.target, node.target.id, "walrus")

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._bind_target(node.target, "loop")
        for statement in [*node.body, *node.orelse]:
            self.visit(statement)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._bind_target(item.optional_vars, "with")
        for statement in node.body:
            self.visit(statement)

    visit_AsyncWith = visit_With

    def visit_Try(self, node: ast.Try) -> None:
        guarded = _guards_name_error(node.handlers)
        if guarded:
            self.guard_depth += 1
        for statement in node.body:
            self.visit(statement)
        if guarded:
            self.guard_depth -= 1
        for handler in node.handlers:
            if handler.type is not None:
                self.visit(handler.type)
            if handler.name:
                self._bind(handler, handler.name, "except")
            for statement in handler.body:
                self.visit(statement)
            if handler.name and self.at_module_level:
                # Python deletes the exception name when the handler ends.
                self.bound.discard(handler.name)
                self.defines[:] = [
                    b for b in self.defines if not (b.name == handler.name and b.kind == "except")
                ]
        for statement in [*node.orelse, *node.finalbody]:
            self.visit(statement)

    visit_TryStar = visit_Try  # type: ignore[assignment]

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                if self.at_module_level:
                    self._read(target, target.id)
                    self.deletes.append(_use(target, target.id))
                    self.bound.discard(target.id)
                    self.instances.pop(target.id, None)
                    self.defines[:] = [b for b in self.defines if b.name != target.id]
                elif self.scopes and target.id in self.scopes[-1].globals:
                    self.scopes[-1].assigned_globals.discard(target.id)
                    if self.owner is not None:
                        self.owner_writes.append(target.id)
            else:
                self.visit(target)
                root = _root_name(target)
                if root is not None:
                    self._mutate(root, root.id, non_idempotent=True)

    def visit_Global(self, node: ast.Global) -> None:
        if self.scopes:
            self.scopes[-1].globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        if self.scopes:
            self.scopes[-1].globals.update(())  # nonlocal names are never module globals

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            end_line, end_column = _end(node)
            self.imports.append(
                ImportFact(
                    alias.name,
                    (),
                    0,
                    node.lineno,
                    node.col_offset + 1,
                    end_line,
                    end_column,
                    self.at_module_level,
                )
            )
            bound = alias.asname or alias.name.split(".")[0]
            self._bind(
                node,
                bound,
                "import",
                module=alias.name if alias.asname else alias.name.split(".")[0],
            )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        names = tuple(alias.name for alias in node.names)
        is_star = names == ("*",)
        end_line, end_column = _end(node)
        self.imports.append(
            ImportFact(
                module,
                names,
                node.level,
                node.lineno,
                node.col_offset + 1,
                end_line,
                end_column,
                self.at_module_level,
                is_star,
            )
        )
        if is_star:
            if self.at_module_level:
                self.has_star_import = True
            return
        for alias in node.names:
            self._bind(
                node,
                alias.asname or alias.name,
                "import",
                module=f"{module}.{alias.name}" if module else alias.name,
            )

    def _visit_function(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
        name: str | None,
        *,
        runs_later: bool = False,
    ) -> None:
        arguments = node.args
        for default in [*arguments.defaults, *[d for d in arguments.kw_defaults if d is not None]]:
            self.visit(default)
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                self.visit(decorator)
            for argument in [
                *arguments.posonlyargs,
                *arguments.args,
                *arguments.kwonlyargs,
                arguments.vararg,
                arguments.kwarg,
            ]:
                if (
                    argument is not None
                    and argument.annotation is not None
                    and not (
                        isinstance(argument.annotation, ast.Constant)
                        and isinstance(argument.annotation.value, str)
                    )
                ):
                    self.visit(argument.annotation)
            if node.returns is not None and not (
                isinstance(node.returns, ast.Constant) and isinstance(node.returns.value, str)
            ):
                self.visit(node.returns)
        parameters = {
            a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        }
        parameters.update(a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None)
        if isinstance(node, ast.Lambda):
            late = name is not None or runs_later
            scope = _Scope("function" if late else "lambda", parameters)
            body: list[ast.AST] = [node.body]
        else:
            local, declared = _locally_bound(node.body)
            scope = _Scope("function", parameters | local)
            scope.globals = declared
            body = list(node.body)
        starts_owner = name is not None and self.at_module_level
        if starts_owner:
            saved = (self.owner, self.owner_reads, self.owner_writes)
            saved_nested = (self.nested_reads, self.owner_calls)
            self.owner, self.owner_reads, self.owner_writes = name, [], []
            self.nested_reads, self.owner_calls = {}, set()
        # A `def` inside a function body: a callback that may never run when the owner does.
        nested = (
            name is not None
            and not starts_owner
            and self.owner is not None
            and not isinstance(node, ast.Lambda)
            and bool(self.scopes)
            and self.scopes[-1].kind == "function"
        )
        if nested:
            outer_reads, self.owner_reads = self.owner_reads, []
        self.scopes.append(scope)
        for statement in body:
            self.visit(statement)
        self.scopes.pop()
        if nested:
            assert name is not None
            self.nested_reads.setdefault(name, []).extend(self.owner_reads)
            self.owner_reads = outer_reads
        if starts_owner:
            assert name is not None
            callbacks: list[NameUse] = []
            for nested_name, nested_reads in self.nested_reads.items():
                if nested_name in self.owner_calls:
                    self.owner_reads.extend(nested_reads)
                else:
                    callbacks.extend(nested_reads)
            self.nested_reads, self.owner_calls = saved_nested
            previous = self.functions.get(name)
            reads = tuple(self.owner_reads)
            writes = tuple(dict.fromkeys(self.owner_writes))
            if previous is not None and previous.line == node.lineno:
                reads, writes = previous.global_reads + reads, previous.global_writes + writes
            self.functions[name] = FunctionFacts(name, node.lineno, reads, writes, tuple(callbacks))
            self.owner, self.owner_reads, self.owner_writes = saved

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._visit_function(node, node.name)
        self._bind(node, node.name, "function")

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        # A lambda assigned to a name binds late; one passed as an argument usually runs now.
        self._visit_function(node, None)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for base in node.bases:
            if isinstance(base, ast.Name):
                self._read(base, base.id, "subclass")
            else:
                self.visit(base)
        for keyword in node.keywords:
            self.visit(keyword.value)
        starts_owner = self.at_module_level
        if starts_owner:
            saved = (self.owner, self.owner_reads, self.owner_writes)
            self.owner, self.owner_reads, self.owner_writes = node.name, [], []
        self.scopes.append(_Scope("class"))
        reads_by_member: dict[str, list[NameUse]] = {}
        for statement in node.body:
            start = len(self.owner_reads)
            self.visit(statement)
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                reads_by_member.setdefault(statement.name, []).extend(self.owner_reads[start:])
        self.scopes.pop()
        if starts_owner:
            self.functions[node.name] = _class_facts(
                node, self.owner_reads, self.owner_writes, reads_by_member
            )
            self.owner, self.owner_reads, self.owner_writes = saved
        self._bind(node, node.name, "class")

    def visit_Match(self, node: ast.Match) -> None:
        self.visit(node.subject)
        for case in node.cases:
            self.visit(case.pattern)
            if case.guard is not None:
                self.visit(case.guard)
            for statement in case.body:
                self.visit(statement)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self._bind(node, node.name, "match")

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._bind(node, node.name, "match")

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        for key in node.keys:
            self.visit(key)
        for pattern in node.patterns:
            self.visit(pattern)
        if node.rest:
            self._bind(node, node.rest, "match")

    def visit_Expr(self, node: ast.Expr) -> None:
        value = node.value
        if type(value) is ast.Call:
            self.statement_call = value
        elif type(value) in (ast.IfExp, ast.BoolOp):
            # `items.append(x) if c else None`, `c and items.append(x)`: still discarded.
            self.discarded_calls.update(_discarded_calls(value))
        self.visit(value)

    # -- expressions -------------------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._read(node, node.id)
        elif isinstance(node.ctx, ast.Store):
            self._bind(node, node.id, "assignment")

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        registers_callbacks = _registers_callback(function)
        if self.owner is not None:
            if type(function) is ast.Name:
                self.owner_calls.add(function.id)  # type: ignore[attr-defined]
            if not registers_callbacks:
                for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                    if type(argument) is ast.Name:
                        self.owner_calls.add(argument.id)  # type: ignore[attr-defined]
        if (
            isinstance(function, ast.Name)
            and function.id in ("exec", "execfile")
            and not self.deferred
        ):
            self.defines_unknown = True
        if (
            isinstance(function, ast.Attribute)
            and function.attr == "update"
            and isinstance(function.value, ast.Call)
            and isinstance(function.value.func, ast.Name)
            and function.value.func.id in ("globals", "vars")
        ):
            self.defines_unknown = True
        if isinstance(function, ast.Attribute):
            method = function.attr
            inplace = bool(node.keywords) and any(
                keyword.arg == "inplace"
                and isinstance(keyword.value, ast.Constant)
                and keyword.value.value is True
                for keyword in node.keywords
            )
            # Most method calls mutate nothing: the receiver is looked at only for those that may.
            root = _root_name(function.value) if inplace or method in MUTATING_METHODS else None
            if root is not None and not self._is_local(root.id):
                value_used = node is not self.statement_call and (
                    not self.discarded_calls or id(node) not in self.discarded_calls
                )
                if inplace or not (value_used and method in RETURNS_NONE_METHODS):
                    self.generic_visit(node)
                    self._mutate(
                        root,
                        root.id,
                        non_idempotent=method in NON_IDEMPOTENT_METHODS and function.value is root,
                    )
                    return
        if node is self.constructor_call and isinstance(function, ast.Name):
            self._read(function, function.id, "construct")
            self._visit_arguments(node)
        elif registers_callbacks:
            self.visit(function)
            self._visit_callbacks(node)
        else:
            self.generic_visit(node)

    def _visit_arguments(self, node: ast.Call) -> None:
        for argument in node.args:
            self.visit(argument)
        for keyword in node.keywords:
            self.visit(keyword.value)

    def _visit_callbacks(self, node: ast.Call) -> None:
        """The arguments of `button.on_click(handler)`: a function passed runs later, on an event."""
        for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
            if isinstance(argument, ast.Name):
                self._read(argument, argument.id, "callback")
            elif isinstance(argument, ast.Lambda):
                self._visit_function(argument, None, runs_later=True)
            else:
                self.visit(argument)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        value = node.value
        if isinstance(value, ast.Name):
            # `A.n` runs nothing of a class `A`, `A.create()` runs a method.
            self._read(value, value.id, "attribute", node.attr)
        else:
            self.visit(value)

    def _visit_comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        first, *rest = node.generators
        self.visit(first.iter)
        self.scopes.append(_Scope("comprehension"))
        self._bind_target(first.target, "comprehension")
        for condition in first.ifs:
            self.visit(condition)
        for generator in rest:
            self.visit(generator.iter)
            self._bind_target(generator.target, "comprehension")
            for condition in generator.ifs:
                self.visit(condition)
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _visit_comprehension


def _class_facts(
    node: ast.ClassDef,
    reads: list[NameUse],
    writes: list[str],
    reads_by_member: dict[str, list[NameUse]],
) -> FunctionFacts:
    members = frozenset(reads_by_member)
    running = _members_run_by_constructor(node, members)
    if running is None:
        construction_reads = tuple(reads)
    else:
        member_of = {id(use): name for name, uses in reads_by_member.items() for use in uses}
        # Reads outside any `def` (in an `if` of the class body, say) may run: they count.
        construction_reads = tuple(
            use for use in reads if id(use) not in member_of or member_of[id(use)] in running
        )
    return FunctionFacts(
        node.name,
        node.lineno,
        tuple(reads),
        tuple(dict.fromkeys(writes)),
        is_class=True,
        members=members,
        construction_reads=construction_reads,
        bases=tuple(base.id for base in node.bases if isinstance(base, ast.Name)),
    )


def _facts_for_tree(
    tree: ast.Module, magic_targets: tuple[tuple[str, int, int], ...], runs_script: bool
) -> CellFacts:
    visitor = _FactsVisitor()
    for statement in tree.body:
        visitor.visit(statement)
    defines = list(visitor.defines)
    reads = visitor.reads
    for name, line, column in magic_targets:
        if name not in visitor.bound:
            defines.append(Binding(name, "magic", line, column, line, column + 1))
    if magic_targets:
        # `%pylab` on line 1 binds `matplotlib` for line 2, even when line 3 imports it again.
        bound_by_magic = {name: line for name, line, _ in reversed(magic_targets)}
        reads = [
            read
            for read in reads
            if read.deferred or read.line <= bound_by_magic.get(read.name, read.line)
        ]
    return CellFacts(
        defines=tuple(defines),
        reads=tuple(reads),
        deletes=tuple(visitor.deletes),
        mutations=tuple(visitor.mutations),
        non_idempotent_mutations=tuple(visitor.non_idempotent),
        imports=tuple(visitor.imports),
        has_star_import=visitor.has_star_import,
        defines_unknown=runs_script or visitor.defines_unknown,
        functions=visitor.functions,
        local_calls=tuple(visitor.local_calls),
    )


_EMPTY = CellFacts()
# Line magics that put unknown names into the namespace (`%pylab` star-imports numpy and matplotlib).
_NAMESPACE_FILLING_MAGICS = frozenset({"run", "pylab", "load", "macro"})
_CYTHON_DEFINITION = re.compile(
    r"^(?:c?p?def|class)\s+(?:[\w\[\], ]+\s+)?(\w+)\s*[(:]", re.MULTILINE
)


def _facts_of_foreign_cell(parsed: ParsedCell) -> CellFacts:
    """Names that non-Python cell magics bind: ``%%cython`` definitions, ``%%R -o x`` outputs."""
    header = parsed.masked.syntax[0] if parsed.masked.syntax else None
    if header is None or header.kind != "cell_magic":
        return _EMPTY
    names: list[str] = []
    if header.name == "cython":
        names = [match.group(1) for match in _CYTHON_DEFINITION.finditer(parsed.source)]
    elif header.name in ("R", "julia", "sql"):
        words = header.arguments.replace(",", " ").split()
        names = [
            word
            for flag, word in itertools.pairwise(words)
            if flag in ("-o", "--output") and word.isidentifier()
        ]
        if header.name == "sql" and "<<" in words:
            position = words.index("<<")
            names += [word for word in words[position + 1 : position + 2] if word.isidentifier()]
    defines = tuple(Binding(name, "magic", header.line, 1, header.line, 2) for name in names)
    return CellFacts(defines=defines)


@lru_cache(maxsize=2048)
def cell_facts(parsed: ParsedCell) -> CellFacts:
    """The facts of one parsed cell (empty for cells that do not parse or are not Python).

    Cached: ``parse_source`` returns the same object for the same source, so a repeated cell
    (or the same notebook linted again, as the JupyterLab panel does on every edit) costs nothing.
    """
    if parsed.tree is None:
        return _facts_of_foreign_cell(parsed) if not parsed.is_python else _EMPTY
    magic_targets = tuple(
        (target, item.line, item.column)
        for item in parsed.masked.syntax
        if item.kind in ("line_magic", "cell_magic")
        for target in item.targets
    )
    runs_script = any(
        item.kind == "line_magic" and item.name in _NAMESPACE_FILLING_MAGICS
        for item in parsed.masked.syntax
    )
    return _facts_for_tree(parsed.tree, magic_targets, runs_script)
