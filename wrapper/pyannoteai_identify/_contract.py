"""Reading the contract (``_spec.SPEC``, written from openapi.yaml) with errors that say what is missing.

The wrapper reads its limits, enums and field names from the contract when it is imported. When
openapi.yaml is changed (a schema renamed, a bound dropped) and a module still reads the old name,
the import fails here with a message naming the missing part of openapi.yaml and the module that
reads it, rather than with a bare ``KeyError: 'Matching'`` from deep inside a dict lookup::

    openapi.yaml has no components.schemas.Matching, which pyannoteai_identify/_validation_limits.py
    reads: update the wrapper (or openapi.yaml)

Pure and cheap: nothing but ``_spec`` is imported, so any module (``results`` included) can use it.
"""

from __future__ import annotations

from typing import Any

from ._spec import SPEC

__all__ = ["ContractMismatchError", "SpecReader"]


class ContractMismatchError(LookupError):
    """openapi.yaml lacks something the wrapper reads: the two were changed out of step.

    Not part of the :mod:`errors` hierarchy: no caller can handle it; the package itself needs
    fixing (regenerate after editing openapi.yaml, then update the module named in the message).
    """


def _name(path: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in path)


class SpecReader:
    """Look-ups in the contract on behalf of one wrapper module (pass ``__name__``)."""

    def __init__(self, module: str, spec: dict[str, Any] | None = None) -> None:
        self.module = module.replace(".", "/") + ".py"
        self._spec = SPEC if spec is None else spec

    def missing(self, what: str) -> ContractMismatchError:
        """The error for *what* (e.g. ``components.schemas.Matching``) being absent from openapi.yaml."""
        return ContractMismatchError(
            f"openapi.yaml has no {what}, which {self.module} reads: update the wrapper "
            "(or openapi.yaml), then regenerate with `nox -s generate`"
        )

    def get(self, *path: str | int) -> Any:
        """The node at *path* from the document root, e.g. ``get("components", "schemas", "Matching")``."""
        node: Any = self._spec
        for depth, part in enumerate(path):
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                raise self.missing(_name(path[: depth + 1])) from None
        return node

    def schema(self, name: str, *path: str | int) -> Any:
        """``components.schemas[name]``, or the node at *path* inside it."""
        return self.get("components", "schemas", name, *path)

    def properties(self, name: str) -> dict[str, Any]:
        """The ``properties`` of ``components.schemas[name]``."""
        found: dict[str, Any] = self.schema(name, "properties")
        return found

    def prop(self, schema: str, name: str, *path: str | int) -> Any:
        """``components.schemas[schema].properties[name]``, or the node at *path* inside it."""
        return self.schema(schema, "properties", name, *path)

    def query_parameter(self, operation_id: str, name: str, *path: str | int) -> Any:
        """The ``schema`` of the query parameter *name* of the operation *operation_id*, or the node
        at *path* inside that schema (e.g. ``"maximum"``)."""
        for route, item in self.get("paths").items():
            for method, operation in item.items():
                if not (isinstance(operation, dict) and operation.get("operationId") == operation_id):
                    continue
                where = f"query parameter {name!r} of {operation_id} ({method.upper()} {route})"
                for parameter in map(self._deref, operation.get("parameters", [])):
                    if parameter.get("in") == "query" and parameter.get("name") == name:
                        node: Any = parameter
                        for depth, part in enumerate(("schema", *path)):
                            node = self._deref(node)
                            try:
                                node = node[part]
                            except (KeyError, IndexError, TypeError):
                                inside = _name(("schema", *path)[: depth + 1])
                                raise self.missing(f"{inside} in the {where}") from None
                        return node
                raise self.missing(where)
        raise self.missing(f"operation with operationId {operation_id}")

    def delivery_header_values(self, name: str) -> tuple[str, ...]:
        """The values the contract allows in the webhook delivery's header *name* (its enum)."""
        for parameter in self.get("webhooks", "jobCompleted", "post", "parameters"):
            if parameter["name"].lower() == name:
                return tuple(parameter["schema"]["enum"])
        raise self.missing(f"webhooks.jobCompleted header {name}")

    def job_refusals(self) -> frozenset[int]:
        """The 4xx statuses that every job-creating operation (one that answers
        ``components.responses.JobCreated``) declares: the contract's refusals of such a request."""
        created = {"$ref": "#/components/responses/JobCreated"}
        declared = [
            frozenset(int(status) for status in operation["responses"] if str(status).startswith("4"))
            for item in self.get("paths").values()
            for operation in item.values()
            if isinstance(operation, dict) and created in operation.get("responses", {}).values()
        ]
        if not declared:
            raise self.missing("operation that answers components.responses.JobCreated")
        return frozenset.intersection(*declared)

    def _deref(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            ref: str = node["$ref"]
            node = self.get(*(part.replace("~1", "/").replace("~0", "~") for part in ref.removeprefix("#/").split("/")))
        return node
