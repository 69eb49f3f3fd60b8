"""Reading the console's query strings and forms: the API's own schemas, so the same checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from flask import request
from marshmallow import Schema, ValidationError, fields

from travellr.api.http.arguments import unstorable_fields
from travellr.api.http.problems import flatten_messages
from travellr.domain.errors import RuleViolated

MAX_DIGITS = 18  # longer is out of every range; int() of thousands of digits would raise


def load_query(schema: Schema, values: Mapping[str, str]) -> dict[str, Any]:
    """A query string's (or a one-field form's) values; blanks are "not given"; invalid ones
    are refused as the API refuses them (a 422)."""
    data = {key: _typed(schema, key, value) for key, value in _known(schema, values) if value}
    if unstorable := unstorable_fields(data):
        raise RuleViolated("invalid: " + ", ".join(sorted(unstorable)), errors=unstorable)
    try:
        return cast(dict[str, Any], schema.load(data))
    except ValidationError as error:
        fields_ = flatten_messages({"query": error.normalized_messages()})  # type: ignore[no-untyped-call]
        raise RuleViolated("invalid: " + ", ".join(sorted(fields_)), errors=fields_) from None


def load_form(
    schema: Schema, form: Mapping[str, Any], *, optional: tuple[str, ...] = ()
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The fields `schema` accepts from an HTML form (blank `optional` fields left out), and
    the errors by field; a browser sends every field as text, so blanks mean "not given".
    A list field (checkboxes) is given as the list of the values sent."""
    data: dict[str, Any] = {}
    for key, value in _known(schema, form):
        if isinstance(value, str) and value.strip() == "" and key in optional:
            continue
        data[key] = _typed(schema, key, value)
    if unstorable := unstorable_fields(data):
        return {}, unstorable
    try:
        return cast(dict[str, Any], schema.load(data)), {}
    except ValidationError as error:
        return {}, flatten_messages({"form": error.normalized_messages()})  # type: ignore[no-untyped-call]


def _known(schema: Schema, values: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The values of the fields `schema` has, by their names on the wire; others are ignored."""
    keys = {field.data_key or name for name, field in schema.fields.items()}
    return [(key, values[key]) for key in keys if key in values]


def _typed(schema: Schema, key: str, value: Any) -> Any:
    """Integers arrive as text: strict integer fields get the number the text spells (the
    schema's range check then judges it)."""
    if not isinstance(value, str):
        return value
    digits = value.strip().removeprefix("-")
    field = next((f for n, f in schema.fields.items() if (f.data_key or n) == key), None)
    number = digits.isascii() and digits.isdigit() and len(digits) <= MAX_DIGITS
    if isinstance(field, fields.Integer) and number:
        return int(digits) * (-1 if value.strip().startswith("-") else 1)
    return value


def next_page_args(cursor: str | None) -> dict[str, str] | None:
    """The query string of the next page: this one's filters with the page's cursor."""
    if cursor is None:
        return None
    return {**request.args.to_dict(), "cursor": cursor}
