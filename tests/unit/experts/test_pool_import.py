"""Reading an expert file (``bidding/experts/pool_import.py``) without a database: CSV in UTF-8 or
GB 18030, XLSX with typed cells, columns in Chinese or English, specialties split on ``;``, every bad
row named with its spreadsheet row number, and files that are not what they claim refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bidding.experts.pool_import import (
    MAX_ROWS,
    PoolImportRefused,
    check_rows,
    read_rows,
    sniff,
)
from bidding.experts.pool_rules import ExpertTitle
from tests.fixtures.expert_pool import FIELDS, csv_file, import_row, xlsx_file


def refusal(data: bytes, fmt: str = "csv") -> list[tuple[int, str]]:
    with pytest.raises(PoolImportRefused) as caught:
        check_rows(read_rows(data, "csv" if fmt == "csv" else "xlsx"))
    return [(e.row, e.field) for e in caught.value.errors]


def test_a_csv_file_with_chinese_columns() -> None:
    rows = [import_row(specialties="A0101；C0102"), import_row(specialties="B0201, B0202", title="正高级")]
    checked = check_rows(read_rows(csv_file(rows), "csv"))
    assert [row for row, _ in checked] == [2, 3]
    assert checked[0][1].specialties == ("A0101", "C0102")
    assert checked[1][1].specialties == ("B0201", "B0202")
    assert checked[1][1].title is ExpertTitle.FULL_SENIOR
    assert checked[0][1].id_number == rows[0]["id_number"]


def test_gb18030_english_columns_blank_rows_and_quoted_separators() -> None:
    row = import_row(employer_name="南京某某设计院,第二分院")
    data = csv_file([row, {}], columns=FIELDS, encoding="gb18030")
    assert sniff(data) == "csv"
    ((number, fields),) = check_rows(read_rows(data, "csv"))
    assert (number, fields.employer_name) == (2, "南京某某设计院,第二分院")
    # A line break inside a quoted cell is read as the cell's, then refused as a name.
    assert refusal(csv_file([import_row(employer_name="南京某某\n设计院")])) == [(2, "employer_name")]


def test_every_bad_row_is_named() -> None:
    rows = [
        import_row(),
        import_row(years_experience=5),
        import_row(specialties="A01"),
        import_row(years_experience="8.5"),
    ]
    assert refusal(csv_file(rows)) == [(3, "years_experience"), (4, "specialties"), (5, "years_experience")]


def test_repeats_within_the_file() -> None:
    one = import_row()
    twin = import_row(id_number=one["id_number"])
    assert refusal(csv_file([one, dict(one), twin])) == [(3, "registry_no"), (4, "id_number")]


def test_headers() -> None:
    assert refusal("专家编号,姓名,外号\n".encode())[0] == (1, "外号")
    missing = refusal(b"registry_no,name\n")
    assert {field for _, field in missing} >= {"mobile", "title", "specialties"}
    assert refusal(b"") == [(0, "file")]
    assert refusal(b"\xef\xbb\xbf") == [(0, "file")]  # a BOM alone: no header
    extra = csv_file([import_row()]).rstrip(b"\r\n") + b",surplus\r\n"
    assert refusal(extra) == [(2, "file")]


def test_files_that_are_not_text_or_too_big() -> None:
    assert refusal(b"\x00\x01\x02,\x00\n") == [(0, "file")]
    assert refusal(b"\x81\x30" * 3 + b"\xff") == [(0, "file")]  # neither UTF-8 nor GB 18030
    header = ",".join(FIELDS) + "\n"
    many = (header + "x\n" * (MAX_ROWS + 1)).encode()
    assert refusal(many) == [(0, "file")]


def test_xlsx_with_typed_cells() -> None:
    row = import_row()
    cells = [row[f] for f in FIELDS]
    cells[FIELDS.index("mobile")] = int(row["mobile"])
    cells[FIELDS.index("years_experience")] = 12
    data = xlsx_file([cells, [None] * len(FIELDS)])
    assert sniff(data) == "xlsx" and sniff(b"", "专家.xlsx") == "xlsx"
    ((number, fields),) = check_rows(read_rows(data, "xlsx"))
    assert number == 2 and fields.mobile == row["mobile"] and fields.years_experience == 12
    cells[FIELDS.index("years_experience")] = 12.5
    assert refusal(xlsx_file([cells]), "xlsx") == [(2, "years_experience")]
    cells[FIELDS.index("years_experience")] = 12
    cells[FIELDS.index("id_number")] = 3.201021970010e17
    assert refusal(xlsx_file([cells]), "xlsx") == [(2, "id_number")]


def test_broken_workbooks_and_zip_bombs_are_refused() -> None:
    assert refusal(b"PK\x03\x04garbage", "xlsx") == [(0, "file")]
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("note.txt", "not a workbook")
    assert refusal(plain.getvalue(), "xlsx") == [(0, "file")]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (65 * 1024 * 1024))
    assert len(bomb.getvalue()) < 1024 * 1024
    with pytest.raises(PoolImportRefused, match="unpacks to"):
        read_rows(bomb.getvalue(), "xlsx")


def test_the_refusal_lists_rows_in_both_languages() -> None:
    rows = [import_row(years_experience=5) for _ in range(7)]
    with pytest.raises(PoolImportRefused) as caught:
        check_rows(read_rows(csv_file(rows), "csv"))
    exc = caught.value
    assert exc.code == "pool_import_refused" and exc.status == 400
    assert "7 row(s) refused" in exc.text("en") and "(and 2 more)" in exc.text("en")
    assert "第 2 行" in exc.text("zh") and "另有 2 处" in exc.text("zh")
    assert len(exc.details) == 7 and exc.details[0]["row"] == 2


def test_the_documented_example_imports_as_it_stands() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "experts.md").read_text(encoding="utf-8")
    example = doc.split("```csv\n", 1)[1].split("```", 1)[0]
    checked = check_rows(read_rows(example.encode(), "csv"))
    assert [(row, f.registry_no, f.specialties) for row, f in checked] == [
        (2, "JS-2026-0001", ("A0101", "C0102")),
        (3, "JS-2026-0002", ("A0701",)),
    ]
    assert checked[1][1].mobile == "13900001234" and checked[1][1].id_number is None
