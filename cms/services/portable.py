"""The whole site as one versioned JSON document (`flask cms export FILE` /
`flask cms import FILE`), generic over the models' metadata.

What is exported: every table of `db.metadata`, in dependency order (parents
before children), each with its column names and its rows ordered by primary
key, so a table a later change adds is included without touching this module.
One declared rule leaves tables out: a table whose `info` has `"derived": True`
is an index computed from other tables (a search index, a cache); it is not
exported, and after an import every hook given to `register_rebuilder` runs to
rebuild such indexes. Tables that are not in the metadata at all (an SQLite
FTS5 virtual table made by a migration) are never seen.

The stored media files (images, logo, QR codes …) follow the tables, one a
line with their SHA-256 (cms.services.media_archive); an import checks every
one before it writes anything and stores them after the rows are committed
(files already stored are left). A document without them loads as before.

A table whose `info` has `"kept": True` holds kept numbers the schema seeds
(the comment tallies): its rows do not make a database "non-empty", and an
import replaces them.

Values: datetimes as ISO 8601 text (UTC ones with `+00:00`), dates and times
as ISO text, bytes as base64, decimals as text, JSON columns as JSON (keys
sorted); everything else as JSON gives it. The document is written with one
row a line and the same bytes for the same data, so export, import into an
empty database and export again gives two identical files.

Merge (`--merge`): the document's rows are laid over the site by primary key,
a row with the same key replaces the site's, other rows are added, and rows
the document does not hold stay. Kept counts are recounted after a merge.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Numeric,
    Table,
    Time,
    and_,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator, TypeEngine

from cms.database import write_transaction
from cms.extensions import db
from cms.services import media_archive
from cms.services.errors import InvalidInput

FORMAT = "cms-site-export"
VERSION = 1
BATCH = 1000

_rebuilders: list[Callable[[], None]] = []


def register_rebuilder(hook: Callable[[], None]) -> None:
    """Run `hook()` after every import (inside its transaction): it rebuilds
    a derived table from the imported rows. Registering twice changes nothing."""
    if hook not in _rebuilders:
        _rebuilders.append(hook)


def exported_tables() -> list[Table]:
    """The tables an export holds, parents before children."""
    return [t for t in db.metadata.sorted_tables if not t.info.get("derived")]


def _base_type(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    while isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    return type_


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value") and not isinstance(value, int | float | str):
        return value.value  # an enum member
    return value


def _decoder(column: Column[Any]) -> Callable[[Any], Any]:
    """How a column's JSON value becomes what its type binds."""
    type_ = _base_type(column.type)
    if isinstance(type_, JSON):
        return lambda v: v
    if isinstance(type_, DateTime):
        return datetime.fromisoformat
    if isinstance(type_, Date):
        return date.fromisoformat
    if isinstance(type_, Time):
        return time.fromisoformat
    if isinstance(type_, LargeBinary):
        return lambda v: base64.b64decode(v)
    if isinstance(type_, Numeric) and type_.asdecimal:
        return Decimal
    return lambda v: v


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def ordered_select(table: Table) -> Any:
    """SELECT every column of `table`, rows in primary-key order."""
    keys = list(table.primary_key.columns) or list(table.columns)
    return select(*table.columns).order_by(*keys)


def encode_row(row: Iterable[Any]) -> str:
    """One row as the document writes it (one line of JSON)."""
    return _dump([None if v is None else _encode(v) for v in row])


def _rows(table: Table, connection: Connection | None) -> Iterator[str]:
    query = ordered_select(table).execution_options(yield_per=BATCH)
    result = (connection or db.session).execute(query)
    for row in result:
        yield encode_row(row)


def write_export(
    out: IO[str], connection: Connection | None = None, media: bool = True
) -> dict[str, int]:
    """Write the document to `out` (text); returns the row count per table.
    Reads on `connection` (a backup's snapshot) or the session, in the
    transaction it holds. With `media`, the stored media files follow the
    tables (the count under the name "media"); a backup keeps them apart."""
    counts: dict[str, int] = {}
    out.write(f'{{"format":{_dump(FORMAT)},"version":{VERSION},"tables":[')
    for index, table in enumerate(exported_tables()):
        out.write(",\n" if index else "\n")
        columns = [c.name for c in table.columns]
        head = f'{{"name":{_dump(table.name)},"columns":{_dump(columns)},"rows":['
        out.write(head)
        count = 0
        for line in _rows(table, connection):
            out.write(("," if count else "") + "\n" + line)
            count += 1
        out.write("\n]}" if count else "]}")
        counts[table.name] = count
    out.write("\n]")
    if media:
        counts["media"] = _write_media(out)
    out.write("}\n")
    return counts


def _write_media(out: IO[str]) -> int:
    """The media files as one JSON object a line: key, SHA-256, base64."""
    out.write(',"media":[')
    count = 0
    for key, data in media_archive.stored_files():
        entry = {"key": key, "sha256": media_archive.file_digest(data),
                 "data": base64.b64encode(data).decode("ascii")}  # fmt: skip
        out.write(("," if count else "") + "\n" + _dump(entry))
        count += 1
    out.write("\n]" if count else "]")
    return count


def export_site(path: str) -> dict[str, int]:
    """Write the whole site to the file `path` in one read transaction."""
    db.session.rollback()
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            return write_export(out)
    finally:
        db.session.rollback()


@dataclass
class ImportReport:
    """What an import did: rows written per table, and tables of the document
    the site does not have (left out, named here)."""

    written: dict[str, int] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    merged: bool = False
    media: int = 0  # media files written (those already stored are left)


def site_has_rows() -> list[str]:
    """The exported tables that hold rows (kept-count tables aside)."""
    full = []
    for table in exported_tables():
        if table.info.get("kept"):
            continue
        if db.session.execute(select(func.count()).select_from(table)).scalar():
            full.append(table.name)
    return full


def read_document(source: IO[str]) -> dict[str, Any]:
    """Parse and check a document's envelope; InvalidInput when it is not one."""
    try:
        document = json.load(source)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"不是 JSON 文件：{exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InvalidInput("不是本站的导出文件（format 不符）")
    if document.get("version") != VERSION:
        raise InvalidInput(
            f"导出文件的版本 {document.get('version')!r} 不受支持（支持 {VERSION}）"
        )
    return document


def _self_references(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _batches(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _load_table(
    table: Table, columns: list[str], rows: list[list[Any]], merge: bool
) -> int:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InvalidInput(f"表 {table.name} 没有这些列：{', '.join(missing)}")
    decoders = [_decoder(table.columns[c]) for c in columns]
    later = [c for c in _self_references(table) if c in columns]
    keys = [c.name for c in table.primary_key.columns]
    # Columns an UPDATE would stamp (updated_at): the link below keeps theirs.
    stamped = [c.name for c in table.columns if c.onupdate is not None]
    stamped = [c for c in stamped if c in columns]

    def decoded() -> Iterator[dict[str, Any]]:
        for row in rows:
            values = {
                name: None if value is None else decode(value)
                for name, value, decode in zip(columns, row, decoders, strict=True)
            }
            yield values

    deferred: list[dict[str, Any]] = []
    written = 0
    for batch in _batches(decoded()):
        for values in batch:
            refs = {c: values[c] for c in later if values[c] is not None}
            if refs:
                # Parents may come later in key order: link once all are in.
                deferred.append({**{f"k_{k}": values[k] for k in keys}, **refs,
                                 **{f"s_{c}": values[c] for c in stamped}})  # fmt: skip
                for c in refs:
                    values[c] = None
        if merge and keys:
            for values in batch:
                where = and_(*(table.c[k] == values[k] for k in keys))
                found = db.session.execute(
                    select(func.count()).select_from(table).where(where)
                ).scalar()
                if found:
                    db.session.execute(update(table).where(where).values(values))
                else:
                    db.session.execute(insert(table).values(values))
        else:
            db.session.execute(insert(table), batch)
        written += len(batch)
    for link in deferred:
        where = and_(*(table.c[k] == link[f"k_{k}"] for k in keys))
        values = {c: link[c] for c in later if c in link}
        values |= {c: link[f"s_{c}"] for c in stamped}
        db.session.execute(update(table).where(where).values(values))
    return written


def reset_sequences() -> None:
    """PostgreSQL: move each table's id sequence past the largest id, so new
    rows after an import get fresh ids (SQLite needs nothing)."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in exported_tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(_base_type(keys[0].type), Integer):
            continue
        name = keys[0].name
        sequence = db.session.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"),
            {"t": table.name, "c": name},
        ).scalar()
        if sequence:
            db.session.execute(
                text(
                    f'SELECT setval(:s, COALESCE((SELECT MAX("{name}") FROM '  # noqa: S608  # nosec B608  # names from the models' tables; values bound
                    f'"{table.name}"), 1), (SELECT MAX("{name}") FROM '
                    f'"{table.name}") IS NOT NULL)'
                ),
                {"s": sequence},
            )


def load_document(
    document: dict[str, Any],
    merge: bool = False,
    after_load: Callable[[], None] | None = None,
) -> ImportReport:
    """Write a parsed document's rows in one transaction.

    Without `merge` the database must be empty (InvalidInput naming the
    tables that hold rows otherwise; nothing is written); kept-count tables
    are emptied first. With `merge`, rows are laid over the site by primary
    key (see the module docstring). Rebuild hooks run before the commit;
    `after_load` too (merge uses it to recount)."""
    report = ImportReport(merged=merge)
    media = _checked_media(document.get("media", []))
    tables = {t.name: t for t in exported_tables()}
    given = {entry["name"]: entry for entry in document.get("tables", [])}
    report.unknown = sorted(set(given) - set(tables))
    if report.unknown:
        raise InvalidInput(
            "导出文件含有本站没有的表："
            + "、".join(report.unknown)
            + "（先运行 flask db upgrade？）"
        )
    with write_transaction():
        if not merge:
            full = site_has_rows()
            if full:
                raise InvalidInput(
                    "数据库不是空的（" + "、".join(full) + " 有数据）；"
                    "导入到空数据库，或加 --merge 按主键合并"
                )
            for table in tables.values():
                if table.info.get("kept") and table.name in given:
                    db.session.execute(table.delete())
        for name, table in tables.items():
            entry = given.get(name)
            if entry is None:
                continue
            report.written[name] = _load_table(
                table, entry["columns"], entry["rows"], merge
            )
        reset_sequences()
        for hook in _rebuilders:
            hook()
        if after_load is not None:
            after_load()
    report.media = sum(media_archive.restore_file(*entry) for entry in media)
    return report


def _checked_media(entries: Any) -> list[tuple[str, bytes, str]]:
    """The document's media files decoded and checked (key and digest)
    before anything is written; InvalidInput naming the first bad one."""
    if not isinstance(entries, list):
        raise InvalidInput("导出文件的 media 部分格式不对")
    checked = []
    for entry in entries:
        try:
            key, digest = str(entry["key"]), str(entry["sha256"])
            data = base64.b64decode(entry["data"], validate=True)
        except (KeyError, TypeError, ValueError):
            raise InvalidInput("导出文件的 media 部分有一项格式不对") from None
        media_archive.check_file(key, data, digest)
        checked.append((key, data, digest))
    return checked


def import_site(path: str, merge: bool = False, **options: Any) -> ImportReport:
    """Read the file `path` and load it (see load_document)."""
    with open(path, encoding="utf-8") as source:
        document = read_document(source)
    return load_document(document, merge=merge, **options)
